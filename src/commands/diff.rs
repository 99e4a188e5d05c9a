//! `agentgov diff --base REF`: what a change means, compared with a git revision.
//!
//! The governance folder is compiled twice: as it is at `REF` (its files are read from git into
//! a temporary folder) and as it is in the work tree. The two are compared by meaning, not by
//! text: grants, effective tiers per agent and operation (from [`crate::decide::Plan::decide`],
//! with no context, and per workflow), reach through delegation and data syncs, new irreversible
//! or external capabilities, model/prompt/connector changes that need revalidation, rollout
//! changes, and findings introduced and fixed (matched by fingerprint).

use crate::analysis::Checked;
use crate::cli::{CommonArgs, EXIT_FINDINGS, EXIT_OK, EXIT_UNREADABLE};
use crate::decide::{is_read, Outcome, Request};
use crate::diag::{Diagnostic, Severity, Summary};
use crate::model::{Effect, Reversibility};
use crate::output;
use clap::{Args, ValueEnum};
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashSet};

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

// ---------------------------------------------------------------- snapshots

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dec {
    pub effect: Outcome,
    pub tier: Option<String>,
    pub reasons: Vec<String>,
    /// Weakest first: the tier's rank; a denial is the strongest.
    #[serde(skip)]
    strength: usize,
}

impl Dec {
    fn text(&self) -> String {
        match self.effect {
            Outcome::Allow => "allow".into(),
            Outcome::Approve => format!("approve `{}`", self.tier.as_deref().unwrap_or("")),
            Outcome::Deny => format!("deny ({})", self.reasons.join(", ")),
        }
    }
}

#[derive(Debug, Clone)]
struct OpSnap {
    effect: Effect,
    reversibility: Reversibility,
    fields: BTreeSet<String>,
    /// Writes (a non-read operation) personal or sensitive data.
    writes_personal: bool,
    /// By workflow (`None`: no workflow named).
    decisions: BTreeMap<Option<String>, Dec>,
}

impl OpSnap {
    fn risky(&self) -> bool {
        self.effect == Effect::External
            || self.reversibility == Reversibility::Irreversible
            || self.writes_personal
    }
    fn traits(&self) -> Vec<&'static str> {
        let mut t = Vec::new();
        if self.effect == Effect::External {
            t.push("external");
        }
        if self.reversibility == Reversibility::Irreversible {
            t.push("irreversible");
        }
        if self.writes_personal {
            t.push("writes personal data");
        }
        t
    }
}

#[derive(Debug, Clone, Default)]
struct AgentSnap {
    model: String,
    prompt_path: Option<String>,
    prompt_hash: Option<String>,
    rollout: Option<(String, Option<f64>, Option<String>)>,
    connectors: BTreeSet<String>,
    ops: BTreeMap<String, OpSnap>,
    /// Operations reached through `delegates_to`, not granted to the agent: the delegation path.
    reach: BTreeMap<String, Vec<String>>,
}

#[derive(Default)]
struct Snap {
    exists: bool,
    compiled: bool,
    agents: BTreeMap<String, AgentSnap>,
    /// Ops of every agent, for the traits of reached operations.
    all_ops: BTreeMap<String, OpSnap>,
    /// (receiving resource, source resource) → (sync chain, source is personal or sensitive).
    flows: BTreeMap<(String, String), (Vec<String>, bool)>,
    connectors: BTreeMap<String, String>,
    diagnostics: Vec<Diagnostic>,
}

fn snapshot(c: Option<&Checked>) -> Snap {
    let Some(c) = c else { return Snap::default() };
    let mut s = Snap {
        exists: true,
        diagnostics: c.diagnostics.clone(),
        ..Default::default()
    };
    let (Some(r), Some(plan), Some(graph)) = (&c.resolved, &c.plan, &c.graph) else {
        return s;
    };
    s.compiled = true;
    let m = &r.model;
    let personal = crate::semantics::personal_rank(m);
    for (name, conn) in &m.connectors {
        let text = serde_json::to_string(&conn.spec).unwrap_or_default();
        s.connectors.insert(name.clone(), sha256(text.as_bytes()));
    }
    for (name, a) in &m.agents {
        let mut snap = AgentSnap {
            model: format!(
                "{}/{}@{}",
                a.spec.model.provider, a.spec.model.name, a.spec.model.version
            ),
            prompt_path: a.spec.prompt.as_ref().map(|p| p.path.clone()),
            prompt_hash: r.prompt_hashes.get(name).cloned(),
            rollout: a.spec.rollout.as_ref().map(|ro| {
                (
                    ro.stage.as_str().to_string(),
                    ro.sample_rate,
                    ro.since.map(|d| d.to_string()),
                )
            }),
            ..Default::default()
        };
        if let Some(ap) = plan.agents.get(name) {
            for (op, op_plan) in &ap.operations {
                let fields: BTreeSet<String> =
                    op_plan.field_sets.iter().flatten().cloned().collect();
                let class = if fields.is_empty() {
                    crate::model::OpId::parse(op)
                        .and_then(|o| m.resource(&o.connector, &o.resource))
                        .and_then(|res| crate::semantics::resource_class(m, res))
                } else {
                    fields
                        .iter()
                        .filter_map(|f| op_plan.field_classes.get(f).copied())
                        .max()
                };
                let op_name = op.rsplit('.').next().unwrap_or("");
                let writes_personal =
                    !is_read(op_name) && matches!((class, personal), (Some(c), Some(p)) if c >= p);
                let mut decisions = BTreeMap::new();
                let workflows =
                    std::iter::once(None).chain(op_plan.workflows.keys().map(|w| Some(w.clone())));
                for w in workflows {
                    let d = plan.decide(&Request {
                        agent: name.clone(),
                        operation: op.clone(),
                        workflow: w.clone(),
                        ..Default::default()
                    });
                    let strength = match d.effect {
                        Outcome::Deny => usize::MAX,
                        _ => d.tier.as_deref().and_then(|t| m.tier_rank(t)).unwrap_or(0),
                    };
                    decisions.insert(
                        w,
                        Dec {
                            effect: d.effect,
                            tier: d.tier,
                            reasons: d.reasons,
                            strength,
                        },
                    );
                }
                if let Some(o) = crate::model::OpId::parse(op) {
                    snap.connectors.insert(o.connector);
                }
                let o = OpSnap {
                    effect: op_plan.effect,
                    reversibility: op_plan.reversibility,
                    fields,
                    writes_personal,
                    decisions,
                };
                s.all_ops.insert(op.clone(), o.clone());
                snap.ops.insert(op.clone(), o);
            }
        }
        for d in graph.operations_via_delegation(name, |_, _| true) {
            snap.reach.insert(d.operation, d.path);
        }
        s.agents.insert(name.clone(), snap);
    }
    for (cname, conn) in &m.connectors {
        for (rname, res) in &conn.spec.resources {
            let source = format!("{cname}.{rname}");
            let Some(reach) = graph.sync_reach(&source) else {
                continue;
            };
            let class = crate::semantics::resource_class(m, res);
            let sensitive = matches!((class, personal), (Some(c), Some(p)) if c >= p);
            for &n in reach.nodes() {
                let target = graph.g[n].id();
                if target == source {
                    continue;
                }
                let path = reach.path_to(n).unwrap_or_default();
                s.flows.insert((target, source.clone()), (path, sensitive));
            }
        }
    }
    s
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

// ---------------------------------------------------------------- the comparison

#[derive(Debug, Serialize)]
pub struct NewAgent {
    pub name: String,
    pub rollout: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct GrantChange {
    pub agent: String,
    pub operation: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// `external`, `irreversible`, `writes personal data`.
    pub traits: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct FieldChange {
    pub agent: String,
    pub operation: String,
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct TierChange {
    pub agent: String,
    pub operation: String,
    /// `None`: no workflow named (the default decision).
    pub workflow: Option<String>,
    pub before: Dec,
    pub after: Dec,
    /// `relaxed` or `tightened`; `changed` when only the reasons differ in kind.
    pub direction: &'static str,
}

#[derive(Debug, Serialize)]
pub struct ReachChange {
    pub agent: String,
    pub operation: String,
    /// Agents from `agent` to the delegate granted the operation.
    pub path: Vec<String>,
    pub traits: Vec<String>,
    pub risky: bool,
}

#[derive(Debug, Serialize)]
pub struct FlowChange {
    pub resource: String,
    pub source: String,
    pub path: Vec<String>,
    /// The source holds personal or sensitive data.
    pub risky: bool,
}

#[derive(Debug, Serialize)]
pub struct Capability {
    pub agent: String,
    pub operation: String,
    pub traits: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Revalidation {
    pub agent: String,
    pub reasons: Vec<String>,
    /// The head's `rollout.sample_rate`, to be set back to 1.0.
    pub sample_rate: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct RolloutChange {
    pub agent: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub version: u32,
    pub base: String,
    /// The base has governance files at all.
    pub base_exists: bool,
    pub base_compiled: bool,
    pub head_compiled: bool,
    pub agents_added: Vec<NewAgent>,
    pub agents_removed: Vec<String>,
    pub grants_added: Vec<GrantChange>,
    pub grants_removed: Vec<GrantChange>,
    pub fields_changed: Vec<FieldChange>,
    pub tiers: Vec<TierChange>,
    pub reach_added: Vec<ReachChange>,
    pub reach_removed: Vec<ReachChange>,
    pub flows_added: Vec<FlowChange>,
    pub flows_removed: Vec<FlowChange>,
    pub capabilities_added: Vec<Capability>,
    pub revalidation: Vec<Revalidation>,
    pub rollout: Vec<RolloutChange>,
    pub findings_introduced: Vec<Diagnostic>,
    pub findings_fixed: Vec<Diagnostic>,
    pub head_summary: Summary,
    pub relaxations: usize,
    pub risky_reach: usize,
}

fn traits_of(o: &OpSnap) -> Vec<String> {
    o.traits().into_iter().map(String::from).collect()
}

fn rollout_text(r: &Option<(String, Option<f64>, Option<String>)>) -> Option<String> {
    r.as_ref().map(|(stage, rate, since)| {
        let mut s = stage.clone();
        if let Some(rate) = rate {
            s.push_str(&format!(", sample rate {rate}"));
        }
        if let Some(since) = since {
            s.push_str(&format!(", since {since}"));
        }
        s
    })
}

fn short(hash: &Option<String>) -> String {
    hash.as_deref()
        .map(|h| h[..h.len().min(12)].to_string())
        .unwrap_or_else(|| "none".into())
}

fn compare(base_ref: &str, base: &Snap, head: &Snap, files: usize) -> Report {
    let mut r = Report {
        version: 1,
        base: base_ref.to_string(),
        base_exists: base.exists,
        base_compiled: base.compiled,
        head_compiled: head.compiled,
        agents_added: vec![],
        agents_removed: vec![],
        grants_added: vec![],
        grants_removed: vec![],
        fields_changed: vec![],
        tiers: vec![],
        reach_added: vec![],
        reach_removed: vec![],
        flows_added: vec![],
        flows_removed: vec![],
        capabilities_added: vec![],
        revalidation: vec![],
        rollout: vec![],
        findings_introduced: vec![],
        findings_fixed: vec![],
        head_summary: Summary::of(&head.diagnostics, files),
        relaxations: 0,
        risky_reach: 0,
    };
    let base_fps: HashSet<&str> = base
        .diagnostics
        .iter()
        .map(|d| d.fingerprint.as_str())
        .collect();
    let head_fps: HashSet<&str> = head
        .diagnostics
        .iter()
        .map(|d| d.fingerprint.as_str())
        .collect();
    r.findings_introduced = head
        .diagnostics
        .iter()
        .filter(|d| !base_fps.contains(d.fingerprint.as_str()))
        .cloned()
        .collect();
    r.findings_fixed = base
        .diagnostics
        .iter()
        .filter(|d| !head_fps.contains(d.fingerprint.as_str()))
        .cloned()
        .collect();
    if !head.compiled {
        return r;
    }
    let empty = AgentSnap::default();
    for (name, h) in &head.agents {
        let b = base.agents.get(name);
        if b.is_none() {
            r.agents_added.push(NewAgent {
                name: name.clone(),
                rollout: rollout_text(&h.rollout),
            });
        }
        let b = b.unwrap_or(&empty);
        for (op, ho) in &h.ops {
            match b.ops.get(op) {
                None => r.grants_added.push(GrantChange {
                    agent: name.clone(),
                    operation: op.clone(),
                    fields: ho.fields.iter().cloned().collect(),
                    traits: traits_of(ho),
                }),
                Some(bo) => {
                    if bo.fields != ho.fields {
                        r.fields_changed.push(FieldChange {
                            agent: name.clone(),
                            operation: op.clone(),
                            added: ho.fields.difference(&bo.fields).cloned().collect(),
                            removed: bo.fields.difference(&ho.fields).cloned().collect(),
                        });
                    }
                    for (w, hd) in &ho.decisions {
                        // A workflow new to this operation compares with the base's default.
                        let Some(bd) = bo.decisions.get(w).or_else(|| bo.decisions.get(&None))
                        else {
                            continue;
                        };
                        if bd.effect == hd.effect && bd.tier == hd.tier {
                            continue;
                        }
                        let direction = match hd.strength.cmp(&bd.strength) {
                            std::cmp::Ordering::Less => "relaxed",
                            std::cmp::Ordering::Greater => "tightened",
                            std::cmp::Ordering::Equal => "changed",
                        };
                        // A workflow that changes exactly as the default adds nothing to read.
                        let same_as_default = w.is_some()
                            && r.tiers.iter().any(|t| {
                                t.agent == *name
                                    && t.operation == *op
                                    && t.workflow.is_none()
                                    && t.before.effect == bd.effect
                                    && t.before.tier == bd.tier
                                    && t.after.effect == hd.effect
                                    && t.after.tier == hd.tier
                            });
                        if same_as_default {
                            continue;
                        }
                        r.tiers.push(TierChange {
                            agent: name.clone(),
                            operation: op.clone(),
                            workflow: w.clone(),
                            before: bd.clone(),
                            after: hd.clone(),
                            direction,
                        });
                    }
                }
            }
            let new_external = ho.effect == Effect::External
                && b.ops.get(op).is_none_or(|bo| bo.effect != Effect::External);
            let new_irreversible = ho.reversibility == Reversibility::Irreversible
                && b.ops
                    .get(op)
                    .is_none_or(|bo| bo.reversibility != Reversibility::Irreversible);
            if new_external || new_irreversible {
                let mut traits = Vec::new();
                if new_external {
                    traits.push("external".to_string());
                }
                if new_irreversible {
                    traits.push("irreversible".to_string());
                }
                r.capabilities_added.push(Capability {
                    agent: name.clone(),
                    operation: op.clone(),
                    traits,
                });
            }
        }
        for (op, bo) in &b.ops {
            if !h.ops.contains_key(op) {
                r.grants_removed.push(GrantChange {
                    agent: name.clone(),
                    operation: op.clone(),
                    fields: bo.fields.iter().cloned().collect(),
                    traits: traits_of(bo),
                });
            }
        }
        for (op, path) in &h.reach {
            if !b.reach.contains_key(op) {
                let o = head.all_ops.get(op);
                r.reach_added.push(ReachChange {
                    agent: name.clone(),
                    operation: op.clone(),
                    path: path.clone(),
                    traits: o.map(traits_of).unwrap_or_default(),
                    risky: o.is_some_and(OpSnap::risky),
                });
            }
        }
        for (op, path) in &b.reach {
            if !h.reach.contains_key(op) {
                let o = base.all_ops.get(op);
                r.reach_removed.push(ReachChange {
                    agent: name.clone(),
                    operation: op.clone(),
                    path: path.clone(),
                    traits: o.map(traits_of).unwrap_or_default(),
                    risky: o.is_some_and(OpSnap::risky),
                });
            }
        }
        if let Some(b) = base.agents.get(name) {
            let mut reasons = Vec::new();
            if b.model != h.model {
                reasons.push(format!("model `{}` → `{}`", b.model, h.model));
            }
            if b.prompt_path != h.prompt_path {
                reasons.push(format!(
                    "prompt file `{}` → `{}`",
                    b.prompt_path.as_deref().unwrap_or("none"),
                    h.prompt_path.as_deref().unwrap_or("none")
                ));
            } else if b.prompt_hash != h.prompt_hash {
                reasons.push(format!(
                    "prompt `{}` changed (sha256 `{}` → `{}`)",
                    h.prompt_path.as_deref().unwrap_or(""),
                    short(&b.prompt_hash),
                    short(&h.prompt_hash)
                ));
            }
            for c in &h.connectors {
                if let (Some(bh), Some(hh)) = (base.connectors.get(c), head.connectors.get(c)) {
                    if bh != hh {
                        reasons.push(format!("connector `{c}` changed"));
                    }
                }
            }
            if !reasons.is_empty() {
                r.revalidation.push(Revalidation {
                    agent: name.clone(),
                    reasons,
                    sample_rate: h.rollout.as_ref().and_then(|x| x.1),
                });
            }
            if b.rollout != h.rollout {
                r.rollout.push(RolloutChange {
                    agent: name.clone(),
                    before: rollout_text(&b.rollout),
                    after: rollout_text(&h.rollout),
                });
            }
        }
    }
    for name in base.agents.keys() {
        if !head.agents.contains_key(name) {
            r.agents_removed.push(name.clone());
        }
    }
    for ((res, src), (path, risky)) in &head.flows {
        if !base.flows.contains_key(&(res.clone(), src.clone())) {
            r.flows_added.push(FlowChange {
                resource: res.clone(),
                source: src.clone(),
                path: path.clone(),
                risky: *risky,
            });
        }
    }
    for ((res, src), (path, risky)) in &base.flows {
        if !head.flows.contains_key(&(res.clone(), src.clone())) {
            r.flows_removed.push(FlowChange {
                resource: res.clone(),
                source: src.clone(),
                path: path.clone(),
                risky: *risky,
            });
        }
    }
    r.relaxations = r.tiers.iter().filter(|t| t.direction == "relaxed").count();
    r.risky_reach = r.reach_added.iter().filter(|x| x.risky).count()
        + r.flows_added.iter().filter(|x| x.risky).count()
        + r.capabilities_added.len();
    r
}

// ---------------------------------------------------------------- rendering

fn code(s: &str) -> String {
    format!("`{s}`")
}

fn path_text(p: &[String]) -> String {
    p.iter().map(|x| code(x)).collect::<Vec<_>>().join(" → ")
}

fn workflow_text(w: &Option<String>) -> String {
    match w {
        Some(w) => format!("in workflow `{w}`"),
        None => "any workflow".into(),
    }
}

pub fn markdown(r: &Report, links: &output::markdown::Links) -> String {
    use output::markdown::cell;
    let mut out = format!(
        "{MARKER}\n## agentgov: what this change means\n\nCompared with `{}`.",
        r.base
    );
    if !r.base_exists {
        out.push_str(" The base has no governance files yet: everything is new.");
    } else if !r.base_compiled {
        out.push_str(" The base did not compile: its grants and tiers count as empty.");
    }
    out.push_str("\n\n");
    let mut headline = Vec::new();
    if r.relaxations > 0 {
        headline.push(format!("**{} tier(s) relaxed**", r.relaxations));
    }
    if r.risky_reach > 0 {
        headline.push(format!("**{} new risky reach**", r.risky_reach));
    }
    if !r.revalidation.is_empty() {
        headline.push(format!(
            "**{} agent(s) need revalidation**",
            r.revalidation.len()
        ));
    }
    headline.push(format!(
        "findings: {} introduced, {} fixed",
        r.findings_introduced
            .iter()
            .filter(|d| d.waived.is_none())
            .count(),
        r.findings_fixed
            .iter()
            .filter(|d| d.waived.is_none())
            .count()
    ));
    headline.push(format!(
        "head: {}",
        output::markdown::counts(&r.head_summary)
    ));
    out.push_str(&format!("> {}\n\n", headline.join(" · ")));
    if !r.head_compiled {
        out.push_str(
            "⚠️ The head does not compile: fix its errors to see what the change means.\n\n",
        );
    }

    if !r.agents_added.is_empty() || !r.agents_removed.is_empty() {
        out.push_str("### Agents\n\n");
        for a in &r.agents_added {
            out.push_str(&format!(
                "- ➕ new agent `{}` (rollout: {}): a new agent starts in `pilot`, every output reviewed\n",
                a.name,
                a.rollout.as_deref().unwrap_or("none")
            ));
        }
        for a in &r.agents_removed {
            out.push_str(&format!("- ➖ removed agent `{a}`\n"));
        }
        out.push('\n');
    }
    if !r.tiers.is_empty() {
        out.push_str("### Approval tiers\n\n| | agent | operation | where | before | after |\n| --- | --- | --- | --- | --- | --- |\n");
        for t in &r.tiers {
            let mark = match t.direction {
                "relaxed" => "🔓 relaxed",
                "tightened" => "🔒 tightened",
                _ => "changed",
            };
            out.push_str(&format!(
                "| {mark} | `{}` | `{}` | {} | {} | {} |\n",
                t.agent,
                t.operation,
                workflow_text(&t.workflow),
                cell(&t.before.text()),
                cell(&t.after.text())
            ));
        }
        out.push('\n');
    }
    if !r.reach_added.is_empty() || !r.reach_removed.is_empty() {
        out.push_str("### Reach through delegation\n\n");
        for x in &r.reach_added {
            let traits = if x.traits.is_empty() {
                String::new()
            } else {
                format!(" ({})", x.traits.join(", "))
            };
            out.push_str(&format!(
                "- {}`{}` now reaches `{}`{traits} through {}\n",
                if x.risky { "⚠️ " } else { "" },
                x.agent,
                x.operation,
                path_text(&x.path)
            ));
        }
        for x in &r.reach_removed {
            out.push_str(&format!(
                "- `{}` no longer reaches `{}` (was through {})\n",
                x.agent,
                x.operation,
                path_text(&x.path)
            ));
        }
        out.push('\n');
    }
    if !r.flows_added.is_empty() || !r.flows_removed.is_empty() {
        out.push_str("### Data syncs\n\n");
        for f in &r.flows_added {
            out.push_str(&format!(
                "- {}`{}` now receives data from `{}`{} through {}\n",
                if f.risky { "⚠️ " } else { "" },
                f.resource,
                f.source,
                if f.risky {
                    " (personal or sensitive)"
                } else {
                    ""
                },
                path_text(&f.path)
            ));
        }
        for f in &r.flows_removed {
            out.push_str(&format!(
                "- `{}` no longer receives data from `{}`\n",
                f.resource, f.source
            ));
        }
        out.push('\n');
    }
    if !r.capabilities_added.is_empty() {
        out.push_str("### New irreversible or external capabilities\n\n");
        for c in &r.capabilities_added {
            out.push_str(&format!(
                "- ⚠️ `{}` can now `{}` ({})\n",
                c.agent,
                c.operation,
                c.traits.join(", ")
            ));
        }
        out.push('\n');
    }
    if !r.grants_added.is_empty() || !r.grants_removed.is_empty() || !r.fields_changed.is_empty() {
        out.push_str("### Grants\n\n| | agent | operation | fields |\n| --- | --- | --- | --- |\n");
        for g in &r.grants_added {
            out.push_str(&format!(
                "| ➕ added | `{}` | `{}` | {} |\n",
                g.agent,
                g.operation,
                cell(&g.fields.join(", "))
            ));
        }
        for g in &r.grants_removed {
            out.push_str(&format!(
                "| ➖ removed | `{}` | `{}` | {} |\n",
                g.agent,
                g.operation,
                cell(&g.fields.join(", "))
            ));
        }
        for f in &r.fields_changed {
            let mut parts = Vec::new();
            if !f.added.is_empty() {
                parts.push(format!("+ {}", f.added.join(", ")));
            }
            if !f.removed.is_empty() {
                parts.push(format!("− {}", f.removed.join(", ")));
            }
            out.push_str(&format!(
                "| fields | `{}` | `{}` | {} |\n",
                f.agent,
                f.operation,
                cell(&parts.join("; "))
            ));
        }
        out.push('\n');
    }
    if !r.revalidation.is_empty() {
        out.push_str("### Needs revalidation\n\n");
        for v in &r.revalidation {
            let sampling = match v.sample_rate {
                Some(rate) if rate >= 1.0 => "sampling is already at 100%".to_string(),
                Some(rate) => format!("set `rollout.sample_rate: 1.0`, now {rate}"),
                None => "set `rollout.sample_rate: 1.0`".to_string(),
            };
            out.push_str(&format!(
                "- `{}`: {}. Needs a {REVALIDATION} ({sampling}), never a silent update.\n",
                v.agent,
                v.reasons.join("; ")
            ));
        }
        out.push('\n');
    }
    if !r.rollout.is_empty() {
        out.push_str("### Rollout\n\n");
        for x in &r.rollout {
            out.push_str(&format!(
                "- `{}`: {} → {}\n",
                x.agent,
                x.before.as_deref().unwrap_or("none"),
                x.after.as_deref().unwrap_or("none")
            ));
        }
        out.push('\n');
    }
    if !r.findings_introduced.is_empty() {
        out.push_str("### Findings introduced\n\n");
        out.push_str(&output::markdown::findings(&r.findings_introduced, links));
        out.push('\n');
    }
    if !r.findings_fixed.is_empty() {
        out.push_str("### Findings fixed\n\n");
        for d in &r.findings_fixed {
            out.push_str(&format!("- ✅ `{}`: {}\n", d.rule, cell(&d.message)));
        }
        out.push('\n');
    }
    let nothing = r.tiers.is_empty()
        && r.grants_added.is_empty()
        && r.grants_removed.is_empty()
        && r.fields_changed.is_empty()
        && r.reach_added.is_empty()
        && r.reach_removed.is_empty()
        && r.flows_added.is_empty()
        && r.flows_removed.is_empty()
        && r.revalidation.is_empty()
        && r.rollout.is_empty()
        && r.agents_added.is_empty()
        && r.agents_removed.is_empty()
        && r.findings_introduced.is_empty()
        && r.findings_fixed.is_empty();
    if nothing {
        out.push_str("No change to what the agents may do.\n");
    }
    out
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
    let report = compare(
        &a.base,
        &snapshot(base.as_ref()),
        &snapshot(Some(&head)),
        head.ws.governance_files,
    );
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
