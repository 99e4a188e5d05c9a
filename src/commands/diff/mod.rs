//! `agentgov diff --base REF`: what a change means, compared with a git revision.
//!
//! The governance folder is compiled twice: as it is at `REF` (its files are read from git into
//! a temporary folder) and as it is in the work tree. The two are compared by meaning, not by
//! text: grants, effective tiers per agent and operation (from [`crate::decide::Plan::decide`],
//! with no context, and per workflow), reach through delegation and data syncs, new irreversible
//! or external capabilities, model/prompt/connector changes that need revalidation, rollout
//! changes, and findings introduced and fixed (matched by fingerprint).

mod changes;
mod compare;
mod permits;
mod render;
mod snapshot;

use crate::cli::{CommonArgs, EXIT_FINDINGS, EXIT_OK, EXIT_UNREADABLE};
use crate::diag::Severity;
use crate::output;
use clap::{Args, ValueEnum};
pub use render::markdown;
use serde_json::json;

/// The hidden marker that identifies the diff comment on a pull request.
pub const MARKER: &str = "<!-- agentgov-diff -->";

/// What a material change to a model, prompt or connector needs (DESIGN §1).
pub const REVALIDATION: &str =
    "mini validation cycle: test cases, reviewer sign-off, a short observation window; sampling back to 100%";

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// A pull-request comment (with a hidden marker so that CI can update one comment).
    Markdown,
    /// Versioned JSON.
    Json,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiffFailOn {
    /// Exit 1 when the head has errors.
    Error,
    /// Exit 1 when the head has errors, a tier is relaxed, or new risky reach appears.
    Relaxation,
    /// Always exit 0 (2 still means bad usage or unreadable input).
    Never,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// The git revision to compare with (a branch, tag or commit, e.g. `origin/main`).
    #[arg(long, value_name = "REF")]
    pub base: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Markdown)]
    pub format: DiffFormat,
    /// When to exit 1.
    #[arg(long, value_enum, default_value_t = DiffFailOn::Error)]
    pub fail_on: DiffFailOn,
}

/// Every kind of request the head permits and the base does not (empty when the head does not
/// compile: its errors fail the diff instead).
fn newly_permitted(
    base: Option<&crate::analysis::Checked>,
    head: &crate::analysis::Checked,
) -> Vec<permits::Witness> {
    fn side(c: &crate::analysis::Checked) -> Option<permits::Side<'_>> {
        match (&c.resolved, &c.plan) {
            (Some(r), Some(p)) => Some(permits::Side {
                model: &r.model,
                plan: p,
            }),
            _ => None,
        }
    }
    let Some(h) = side(head) else {
        return Vec::new();
    };
    let b = base.and_then(side);
    permits::witnesses(b.as_ref(), &h)
}

/// Tool calls a changed binding now lets through more easily (DESIGN §5, "a binding"): for each
/// tool and each shape of arguments the bindings of either revision select, the operation the
/// call performs at each revision and what `decide` answers for it (no fields, no context); a
/// call that performs a weaker operation, or a binding that stopped reading the fields of an
/// operation whose grants restrict them, is a relaxation.
fn binding_relaxations(
    base: Option<&crate::analysis::Checked>,
    head: &crate::analysis::Checked,
) -> Vec<changes::Change> {
    use crate::bindings::{bindings, BindingRef};
    use crate::decide::{Outcome, Plan, Request};
    use std::collections::{BTreeMap, BTreeSet};
    fn side(c: &crate::analysis::Checked) -> Option<(&crate::model::Model, &Plan)> {
        Some((&c.resolved.as_ref()?.model, c.plan.as_ref()?))
    }
    let (Some((hm, hp)), Some((bm, bp))) = (side(head), base.and_then(side)) else {
        return Vec::new();
    };
    let (hb, bb) = (bindings(hm), bindings(bm));
    // Strength of a call: 0 allow .. tiers, then deny (usize::MAX).
    let strength = |plan: &Plan, agent: &str, b: Option<&&BindingRef>| -> usize {
        let Some(b) = b else { return usize::MAX };
        let d = plan.decide(&Request {
            agent: agent.to_string(),
            operation: b.op_id(),
            fields: None,
            workflow: None,
            context: BTreeMap::new(),
        });
        match d.effect {
            Outcome::Deny => usize::MAX,
            _ => d
                .tier
                .as_deref()
                .and_then(|t| plan.tiers.iter().position(|x| x == t))
                .unwrap_or(0),
        }
    };
    let first = |list: &'_ [BindingRef<'_>],
                 server: &str,
                 tool: &str,
                 input: &BTreeMap<String, serde_json::Value>|
     -> Option<usize> {
        list.iter().position(|b| {
            b.server == server
                && b.binding.name() == tool
                && b.args().iter().all(|(k, v)| input.get(k) == Some(v))
        })
    };
    let tools: BTreeSet<(&str, &str)> = hb
        .iter()
        .chain(bb.iter())
        .map(|b| (b.server, b.binding.name()))
        .collect();
    let mut out = Vec::new();
    for (server, tool) in tools {
        let mut inputs: BTreeSet<String> = BTreeSet::from(["{}".to_string()]);
        for b in hb
            .iter()
            .chain(bb.iter())
            .filter(|b| b.server == server && b.binding.name() == tool)
        {
            inputs.insert(serde_json::to_string(b.args()).unwrap_or_default());
        }
        for input in inputs {
            let args: BTreeMap<String, serde_json::Value> =
                serde_json::from_str(&input).unwrap_or_default();
            let (h, b) = (
                first(&hb, server, tool, &args),
                first(&bb, server, tool, &args),
            );
            let (hbind, bbind) = (h.map(|i| &hb[i]), b.map(|i| &bb[i]));
            for agent in hp.agents.keys() {
                let (sh, sb) = (
                    strength(hp, agent, hbind.as_ref()),
                    strength(bp, agent, bbind.as_ref()),
                );
                let stopped_reading = match (hbind, bbind) {
                    (Some(x), Some(y))
                        if x.op_id() == y.op_id()
                            && x.fields().is_none()
                            && y.fields().is_some() =>
                    {
                        hp.agents
                            .get(agent)
                            .and_then(|a| a.operations.get(&x.op_id()))
                            .is_some_and(|o| {
                                sh != usize::MAX
                                    && o.field_sets.iter().all(|s| s.len() < o.field_classes.len())
                            })
                    }
                    _ => false,
                };
                if sh >= sb && !stopped_reading {
                    continue;
                }
                let text = |plan: &Plan, s: usize, b: Option<&BindingRef>| match (b, s) {
                    (None, _) => "matched no binding (denied)".to_string(),
                    (Some(b), usize::MAX) => format!("performed `{}` (denied)", b.op_id()),
                    (Some(b), r) => format!("performed `{}` (`{}`)", b.op_id(), plan.tiers[r]),
                };
                let what = if stopped_reading {
                    format!(
                        "a call of `{server}_{tool}` with {input} by `{agent}` no longer names its fields, so the grant's field list is not checked"
                    )
                } else {
                    format!(
                        "a call of `{server}_{tool}` with {input} by `{agent}` now {}; before, it {}",
                        text(hp, sh, hbind)
                            .replacen("performed", "performs", 1)
                            .replacen("matched", "matches", 1),
                        text(bp, sb, bbind)
                    )
                };
                let (doc_side, at, bind) = match (hbind, bbind) {
                    (Some(x), _) => (head, "head", x),
                    (None, Some(y)) => (base.expect("a base"), "base", y),
                    (None, None) => continue,
                };
                out.push(changes::Change {
                    direction: changes::Direction::Relaxes,
                    kind: "Connector",
                    name: bind.connector.to_string(),
                    path: format!(
                        "spec.resources.{}.operations.{}.tools",
                        bind.resource, bind.operation
                    ),
                    before: None,
                    after: None,
                    location: doc_side.ws.loc(bind.doc, &bind.pointer),
                    at,
                    what,
                    permits: 0,
                    example: None,
                });
                break; // one agent is enough to show the call
            }
        }
    }
    out
}

/// Tools added, removed or changed in the connectors' snapshots, by connector and tool.
fn tool_changes(
    base: Option<&crate::analysis::Checked>,
    head: &crate::analysis::Checked,
) -> Vec<compare::ToolChange> {
    use std::collections::{BTreeMap, BTreeSet};
    fn model(c: &crate::analysis::Checked) -> Option<&crate::model::Model> {
        c.resolved.as_ref().map(|r| &r.model)
    }
    let (Some(h), b) = (model(head), base.and_then(model)) else {
        return Vec::new();
    };
    // The operations each connector's tools are bound to, at each revision.
    let bound_ops = |m: &crate::model::Model| -> BTreeMap<(String, String), Vec<String>> {
        let mut map: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for x in crate::bindings::bindings(m) {
            map.entry((x.connector.to_string(), x.binding.name().to_string()))
                .or_default()
                .push(x.op_id());
        }
        map
    };
    let (head_ops, base_ops) = (bound_ops(h), b.map(bound_ops).unwrap_or_default());
    let mut out = Vec::new();
    let conns: BTreeSet<&String> = h
        .tool_snapshots
        .keys()
        .chain(b.into_iter().flat_map(|b| b.tool_snapshots.keys()))
        .collect();
    for conn in conns {
        let hs = h.tool_snapshots.get(conn);
        let bs = b.and_then(|b| b.tool_snapshots.get(conn));
        let (Some(hs), Some(bs)) = (hs, bs) else {
            continue; // a snapshot appearing or disappearing is a Connector change
        };
        let server = h.connectors[conn]
            .spec
            .mcp
            .as_ref()
            .map(|m| m.server.clone())
            .unwrap_or_default();
        let tools: BTreeSet<&String> = hs.tools.keys().chain(bs.tools.keys()).collect();
        for tool in tools {
            let change = match (bs.tools.get(tool), hs.tools.get(tool)) {
                (None, Some(_)) => "added",
                (Some(_), None) => "removed",
                (Some((_, x)), Some((_, y))) if x.get("annotations") != y.get("annotations") => {
                    "annotations"
                }
                (Some((_, x)), Some((_, y))) if x.get("inputSchema") != y.get("inputSchema") => {
                    "input-schema"
                }
                _ => continue,
            };
            let ops = if change == "removed" {
                &base_ops
            } else {
                &head_ops
            };
            out.push(compare::ToolChange {
                connector: conn.clone(),
                server: server.clone(),
                tool: tool.clone(),
                change,
                bound_to: ops
                    .get(&(conn.clone(), tool.clone()))
                    .cloned()
                    .unwrap_or_default(),
            });
        }
    }
    out
}

/// Sorts the located changes into relaxed, weakened and other, and counts the relaxations: every
/// newly permitted request and every new data sync.
fn attribute(
    report: &mut compare::Report,
    base: Option<&crate::analysis::Checked>,
    head: &crate::analysis::Checked,
) {
    use changes::Direction;
    let (all, unexplained) = changes::changes(base, head, &report.permitted);
    for c in all {
        match c.direction {
            Direction::Relaxes => {
                if c.example.is_none() {
                    report.relaxations += 1; // a new data sync
                }
                report.relaxed.push(c);
            }
            Direction::Weakens => report.weakened.push(c),
            _ => report.changes.push(c),
        }
    }
    // A request no single change explains is still reported, at its agent.
    for i in unexplained {
        let w = &report.permitted[i];
        let Some(agent) = head
            .resolved
            .as_ref()
            .and_then(|r| r.model.agents.get(&w.example.agent))
        else {
            continue;
        };
        report.relaxed.push(changes::Change {
            direction: Direction::Relaxes,
            kind: "Agent",
            name: w.example.agent.clone(),
            path: "(several changes)".into(),
            before: None,
            after: None,
            location: head.ws.loc(agent.doc, "/metadata/name"),
            at: "head",
            what: "permitted now by the combination of changes".into(),
            permits: 1,
            example: Some(w.example.clone()),
        });
    }
    report.relaxations += report.permitted.len();
}

pub fn run(a: DiffArgs) -> i32 {
    let base = match super::common::check_at_revision(&a.common, &a.base) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_UNREADABLE;
        }
    };
    let head = match super::common::load_or_exit(&a.common) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut report = compare::compare(
        &a.base,
        &snapshot::snapshot(base.as_deref()),
        &snapshot::snapshot(Some(&head)),
        head.ws.governance_files,
    );
    report.permitted = newly_permitted(base.as_deref(), &head);
    report.tools = tool_changes(base.as_deref(), &head);
    attribute(&mut report, base.as_deref(), &head);
    let calls = binding_relaxations(base.as_deref(), &head);
    report.relaxations += calls.len();
    report.relaxed.extend(calls);
    let text = match a.format {
        DiffFormat::Markdown => {
            let links =
                output::markdown::Links::from_github_env(output::github::git_prefix(&head.ws.root));
            markdown(&report, &links)
        }
        DiffFormat::Json => {
            let mut s = serde_json::to_string_pretty(&report)
                .unwrap_or_else(|e| json!({ "error": e.to_string() }).to_string());
            s.push('\n');
            s
        }
    };
    if let Err(code) = super::common::write_stdout(&text) {
        return code;
    }
    if head
        .diagnostics
        .iter()
        .any(|d| crate::load::repo::UNREADABLE_RULES.contains(&d.rule))
    {
        return EXIT_UNREADABLE;
    }
    let errors = head
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error && d.waived.is_none());
    let fail = match a.fail_on {
        DiffFailOn::Never => false,
        DiffFailOn::Error => errors,
        DiffFailOn::Relaxation => errors || report.relaxations > 0 || report.risky_reach > 0,
    };
    if fail {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}
