//! Controls of the usual frameworks, each mapped to evidence computed from this repository.
//!
//! A control is `met` when every piece of its evidence holds, `partial` when some does, and
//! `unmet` when none does. Evidence is of two kinds: a fact computed from the model and the plan
//! (so it holds even where a rule is switched off), and a rule of `agentgov check` that has no
//! active finding (waived findings are shown as such).

use super::facts::{self, decide};
use crate::decide::Outcome;
use crate::emit::EmitContext;
use crate::model::{Effect, Metric, Reversibility, RuleLevel};
use crate::semantics::{waiver_justified, WaiverStatus};
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    pub ok: bool,
    /// What is checked.
    pub what: String,
    /// What was found.
    pub detail: String,
    /// Repository files that hold the evidence.
    pub files: Vec<String>,
    /// The `agentgov check` rule, for rule evidence.
    pub rule: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Control {
    pub framework: &'static str,
    pub id: &'static str,
    pub title: &'static str,
    pub asks: &'static str,
    pub status: &'static str,
    pub evidence: Vec<Evidence>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Framework {
    pub id: &'static str,
    pub name: &'static str,
    pub controls: Vec<Control>,
}

fn sorted(v: impl IntoIterator<Item = String>) -> Vec<String> {
    let s: BTreeSet<String> = v.into_iter().collect();
    s.into_iter().collect()
}

fn policy_file(cx: &EmitContext) -> Vec<String> {
    cx.model
        .policy
        .as_ref()
        .map(|p| facts::file_of(cx, p.doc))
        .into_iter()
        .collect()
}

fn agent_files(cx: &EmitContext, names: impl IntoIterator<Item = String>) -> Vec<String> {
    sorted(
        names
            .into_iter()
            .filter_map(|n| cx.model.agents.get(&n).map(|a| facts::file_of(cx, a.doc))),
    )
}

fn workflow_files(cx: &EmitContext) -> Vec<String> {
    sorted(
        cx.model
            .workflows
            .values()
            .map(|w| facts::file_of(cx, w.doc)),
    )
}

fn list(v: &[String], max: usize) -> String {
    if v.len() <= max {
        v.join("; ")
    } else {
        format!("{}; and {} more", v[..max].join("; "), v.len() - max)
    }
}

fn fact(what: &str, failures: Vec<String>, ok_detail: String, files: Vec<String>) -> Evidence {
    Evidence {
        ok: failures.is_empty(),
        what: what.to_string(),
        detail: if failures.is_empty() {
            ok_detail
        } else {
            format!("not met: {}", list(&failures, 4))
        },
        files,
        rule: None,
    }
}

/// A rule with no active finding (and not switched off) is evidence.
fn rule(cx: &EmitContext, name: &str) -> Option<Evidence> {
    let info = crate::rules::find(name)?;
    let off = cx.model.policy().rules.get(name) == Some(&RuleLevel::Off);
    let all: Vec<_> = facts::findings(cx, name).collect();
    let waived = all.iter().filter(|d| d.waived.is_some()).count();
    let active: Vec<String> = all
        .iter()
        .filter(|d| d.waived.is_none())
        .map(|d| d.message.clone())
        .collect();
    let files = sorted(
        all.iter()
            .filter_map(|d| d.location.as_ref().map(|l| l.file.clone())),
    );
    let (ok, detail) = if off {
        (false, "switched off in the Policy's `rules`".to_string())
    } else if !active.is_empty() {
        (
            false,
            format!(
                "{} finding{}: {}",
                active.len(),
                if active.len() == 1 { "" } else { "s" },
                list(&active, 3)
            ),
        )
    } else if waived > 0 {
        (
            true,
            format!(
                "passing; {waived} finding{} waived (see waivers)",
                if waived == 1 { "" } else { "s" }
            ),
        )
    } else {
        (true, "passing: no finding".to_string())
    };
    Some(Evidence {
        ok,
        what: format!("`{}`: {}", info.name, info.summary),
        detail,
        files: if files.is_empty() {
            policy_file(cx)
        } else {
            files
        },
        rule: Some(info.name.to_string()),
    })
}

// ------------------------------------------------------------------ facts used as evidence

/// Granted, non-prohibited operations no step of the agent performs.
fn unused_grants(cx: &EmitContext) -> Vec<String> {
    let mut out = Vec::new();
    let performed = cx.model.performed_steps();
    for (a, ap) in &cx.plan.agents {
        for (op, p) in &ap.operations {
            let Some(id) = crate::model::OpId::parse(op) else {
                continue;
            };
            if p.prohibited.is_none() && !performed.contains(&(a.as_str(), &id)) {
                out.push(format!("{a} is granted {op} but no step performs it"));
            }
        }
    }
    out
}

/// Grants on resources with personal or sensitive fields that list no fields.
fn unscoped_personal_grants(cx: &EmitContext) -> Vec<String> {
    let mut out = Vec::new();
    for a in cx.model.agents.values() {
        for g in &a.spec.grants {
            if g.fields.is_some() {
                continue;
            }
            for (cn, rn, r) in cx.model.resources_matching(&g.resource) {
                if r.fields
                    .values()
                    .any(|k| crate::semantics::is_personal(cx.model, cx.model.class_rank(k)))
                {
                    out.push(format!("{} has no field list on {cn}.{rn}", a.name));
                }
            }
        }
    }
    out
}

/// What delegation gives each agent, from one walk of its reach (in parallel, agents in order):
/// the external or irreversible operations it can reach only through a delegate, and whether
/// its delegation comes back to itself.
struct Delegation {
    escalations: Vec<String>,
    cycles: Vec<String>,
}

fn delegation(cx: &EmitContext) -> Delegation {
    use rayon::prelude::*;
    let per_agent: Vec<(Vec<String>, Option<String>)> = cx
        .model
        .agents
        .par_iter()
        .map(|(a, _)| {
            let reach = facts::reach(cx, a);
            let mut escalations = Vec::new();
            for (d, path) in &reach.delegates {
                let Some(dp) = cx.plan.agents.get(d) else {
                    continue;
                };
                for op in dp.operations.keys() {
                    let Some(id) = crate::model::OpId::parse(op) else {
                        continue;
                    };
                    if facts::is_risky(cx, &id)
                        && !crate::semantics::grants_op(cx.model, a, &id)
                        && decide(cx, d, op, None, None).effect != Outcome::Deny
                    {
                        escalations.push(format!("{a} reaches {op} through {}", path.join(" → ")));
                    }
                }
            }
            let itself = format!("agent:{a}");
            let cycle = reach
                .edges
                .iter()
                .any(|(_, to, k)| *k == "delegates" && to == &itself)
                .then(|| format!("{a} delegates back to itself"));
            (escalations, cycle)
        })
        .collect();
    let mut out = Delegation {
        escalations: Vec::new(),
        cycles: Vec::new(),
    };
    for (e, c) in per_agent {
        out.escalations.extend(e);
        out.cycles.extend(c);
    }
    out
}

/// Personal or sensitive data that syncs into a resource classified lower.
fn data_flow_leaks(cx: &EmitContext) -> Vec<String> {
    let mut out = Vec::new();
    for (cn, c) in &cx.model.connectors {
        for (rn, r) in &c.spec.resources {
            let src = format!("{cn}.{rn}");
            let rank = facts::resource_class_rank(cx, &src);
            if !crate::semantics::is_personal(cx.model, Some(rank)) || r.syncs_to.is_empty() {
                continue;
            }
            let mut seen = BTreeSet::new();
            let mut stack = r.syncs_to.clone();
            while let Some(t) = stack.pop() {
                if !seen.insert(t.clone()) {
                    continue;
                }
                if facts::resource_class_rank(cx, &t) < rank {
                    out.push(format!("{src} syncs into {t}, classified lower"));
                }
                if let Some((tc, tr)) = t.split_once('.') {
                    if let Some(tres) = cx.model.resource(tc, tr) {
                        stack.extend(tres.syncs_to.iter().cloned());
                    }
                }
            }
        }
    }
    out
}

/// External or irreversible granted operations an agent may perform alone (no context).
fn ungated_risky(cx: &EmitContext) -> (usize, Vec<String>) {
    let mut gated = 0;
    let mut out = Vec::new();
    for (a, ap) in &cx.plan.agents {
        for (op, p) in &ap.operations {
            if p.effect != Effect::External && p.reversibility != Reversibility::Irreversible {
                continue;
            }
            match decide(cx, a, op, None, None).effect {
                Outcome::Allow => out.push(format!("{a} may {op} alone")),
                Outcome::Approve => gated += 1,
                Outcome::Deny => {}
            }
        }
    }
    (gated, out)
}

fn agents_with_external_effects(cx: &EmitContext) -> Vec<String> {
    cx.model
        .agents
        .keys()
        .filter(|a| facts::has_external_effects(cx, a))
        .cloned()
        .collect()
}

fn no_pause_authority(cx: &EmitContext) -> Vec<String> {
    agents_with_external_effects(cx)
        .into_iter()
        .filter(|a| facts::pausers(cx, a).is_empty())
        .map(|a| format!("nobody can pause {a}"))
        .collect()
}

fn monitors_without_response(cx: &EmitContext, agents: &[String]) -> Vec<String> {
    agents
        .iter()
        .filter_map(|a| cx.model.agents.get(a))
        .filter(|a| !a.spec.monitors.iter().any(|m| m.then.is_some()))
        .map(|a| format!("{} has no monitor that downgrades or pauses it", a.name))
        .collect()
}

fn audit_gaps(cx: &EmitContext) -> Vec<String> {
    let mut out = Vec::new();
    for w in cx.model.workflows.values() {
        let need = facts::required_audit(cx, facts::workflow_tier(cx, w));
        let missing: Vec<&String> = need.iter().filter(|f| !w.spec.audit.contains(f)).collect();
        if !missing.is_empty() {
            out.push(format!(
                "{} does not log {}",
                w.name,
                missing
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    out
}

fn retention_gaps(cx: &EmitContext) -> Vec<String> {
    let bounds = cx
        .model
        .policy()
        .audit
        .as_ref()
        .and_then(|a| a.retention_days);
    let Some(b) = bounds else {
        return vec!["the Policy sets no retention bounds".into()];
    };
    cx.model
        .workflows
        .values()
        .filter_map(|w| {
            let r = facts::retention(cx, w)?;
            (r < b.min || r > b.max).then(|| {
                format!(
                    "{} keeps logs {r} days, outside {}–{}",
                    w.name, b.min, b.max
                )
            })
        })
        .collect()
}

fn checklist_gaps(cx: &EmitContext) -> Vec<String> {
    let mut out = Vec::new();
    for w in cx.model.workflows.values() {
        for s in &w.spec.steps {
            let d = facts::step_decision(cx, w, s);
            let n = facts::tier_rank(cx, &d)
                .map(|r| cx.plan.approvals[r].count)
                .unwrap_or(0);
            if n >= 2 && s.checklist.is_empty() {
                out.push(format!(
                    "step {} of {} needs {n} approvals and has no checklist",
                    s.id, w.name
                ));
            }
        }
    }
    out
}

fn understaffed(cx: &EmitContext) -> Vec<String> {
    let mut out = Vec::new();
    for (i, t) in cx.plan.approvals.iter().enumerate() {
        let people: BTreeSet<String> = t
            .groups
            .iter()
            .flat_map(|g| facts::members(cx, g))
            .collect();
        if people.len() < t.count || t.groups.iter().any(|g| facts::members(cx, g).is_empty()) {
            out.push(format!(
                "tier {} needs {} people but its groups have {}",
                cx.plan.tiers[i],
                t.count,
                people.len()
            ));
        }
    }
    out
}

fn sample_rate_gaps(cx: &EmitContext) -> Vec<String> {
    let Some(s) = cx.model.policy().sampling else {
        return vec!["the Policy sets no sampling rates".into()];
    };
    let mut out = Vec::new();
    for a in cx.model.agents.values() {
        let Some(r) = &a.spec.rollout else {
            out.push(format!("{} has no rollout stage", a.name));
            continue;
        };
        let need = match r.stage {
            crate::model::Stage::Pilot => s.initial_rate,
            crate::model::Stage::Sampling => s.steady_rate,
            crate::model::Stage::Stable => 0.0,
        };
        if r.sample_rate.unwrap_or(0.0) < need {
            out.push(format!(
                "{} samples {} in {}, below {need}",
                a.name,
                r.sample_rate.unwrap_or(0.0),
                r.stage.as_str()
            ));
        }
    }
    out
}

fn review_gaps(cx: &EmitContext) -> Vec<String> {
    cx.model
        .agents
        .values()
        .filter_map(|a| {
            let (_, next) = facts::next_review(cx, a);
            match facts::review_status(cx, next) {
                "overdue" => Some(format!(
                    "{}'s review was due {}",
                    a.name,
                    next.map(|d| d.to_string()).unwrap_or_default()
                )),
                "never-reviewed" => Some(format!("{} was never reviewed", a.name)),
                _ => None,
            }
        })
        .collect()
}

fn waiver_gaps(cx: &EmitContext) -> Vec<String> {
    cx.model
        .waivers
        .iter()
        .filter_map(|w| {
            let expired = WaiverStatus::of(w, cx.today) == WaiverStatus::Expired;
            let unjustified = !waiver_justified(w);
            (expired || unjustified).then(|| {
                format!(
                    "waiver {} is {}",
                    w.name,
                    if expired { "expired" } else { "unjustified" }
                )
            })
        })
        .collect()
}

fn unknown_owners(cx: &EmitContext) -> Vec<String> {
    let mut out = Vec::new();
    for a in cx.model.agents.values() {
        for o in [&a.spec.owners.business, &a.spec.owners.technical] {
            if !cx.model.people.contains_key(o) {
                out.push(format!("{}'s owner {o} is not a known person", a.name));
            }
        }
    }
    out
}

fn unmonitored(cx: &EmitContext, metrics: Option<&[Metric]>) -> Vec<String> {
    cx.model
        .agents
        .values()
        .filter(|a| {
            !a.spec
                .monitors
                .iter()
                .any(|m| metrics.is_none_or(|ms| ms.contains(&m.metric)))
        })
        .map(|a| match metrics {
            None => format!("{} has no monitor", a.name),
            Some(ms) => format!(
                "{} has no monitor on {}",
                a.name,
                ms.iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        })
        .collect()
}

fn missing_rollback(cx: &EmitContext) -> Vec<String> {
    cx.model
        .workflows
        .values()
        .filter(|w| w.spec.rollback.is_none())
        .map(|w| format!("{} has no rollback plan", w.name))
        .collect()
}

fn missing_playbooks(cx: &EmitContext) -> Vec<String> {
    cx.model
        .workflows
        .values()
        .filter(|w| facts::workflow_tier(cx, w) > 0 && w.spec.playbooks.is_empty())
        .map(|w| format!("{} needs approvals but names no playbook", w.name))
        .collect()
}

fn no_risk_profile(cx: &EmitContext) -> Vec<String> {
    cx.model
        .workflows
        .values()
        .filter(|w| w.spec.risk.is_none())
        .map(|w| format!("{} has no risk profile", w.name))
        .collect()
}

fn agents_without_workflow(cx: &EmitContext) -> Vec<String> {
    cx.model
        .agents
        .keys()
        .filter(|a| facts::agent_workflows(cx, a).is_empty())
        .map(|a| format!("{a} is in no workflow (no documented use case)"))
        .collect()
}

fn all_agents(cx: &EmitContext) -> Vec<String> {
    agent_files(cx, cx.model.agents.keys().cloned())
}

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// Every framework and control, evaluated.
pub fn evaluate(cx: &EmitContext) -> Vec<Framework> {
    let p = cx.model.policy();
    let n_agents = cx.model.agents.len();
    let n_workflows = cx.model.workflows.len();
    let n_granted: usize = cx.plan.agents.values().map(|a| a.operations.len()).sum();
    let (gated, ungated) = ungated_risky(cx);
    let delegation = delegation(cx);
    let external_agents = agents_with_external_effects(cx);
    let approver_tiers = cx.plan.approvals.iter().filter(|a| a.count > 0).count();
    let pausers: BTreeSet<String> = cx
        .model
        .agents
        .keys()
        .flat_map(|a| facts::pausers(cx, a))
        .collect();
    let tests: usize = cx.model.tests.iter().map(|t| t.spec.cases.len()).sum();
    let test_files = sorted(cx.model.tests.iter().map(|t| facts::file_of(cx, t.doc)));
    let playbook_files = sorted(
        cx.model
            .playbooks
            .values()
            .map(|p| facts::file_of(cx, p.doc)),
    );
    let team_files = sorted(cx.model.team_docs.iter().map(|d| facts::file_of(cx, *d)));
    let waiver_files = sorted(cx.model.waivers.iter().map(|w| facts::file_of(cx, w.doc)));
    let connector_files = sorted(
        cx.model
            .connectors
            .values()
            .map(|c| facts::file_of(cx, c.doc)),
    );
    let retention_note = p.audit.as_ref().and_then(|a| a.retention_days).and_then(|b| {
        (b.max < 183).then(|| {
            format!(
                "Detailed logs are kept at most {} days. If a system falls under the Act's high-risk categories, \
                 Articles 19 and 26(6) ask providers and deployers to keep its automatically generated logs for at \
                 least six months: check whether your aggregates or another store cover that.",
                b.max
            )
        })
    });

    let risky_gated = |what: &str| {
        fact(
            what,
            ungated.clone(),
            format!(
                "{} of external or irreversible operations need at least one approval",
                plural(gated, "grant")
            ),
            agent_files(cx, cx.model.agents.keys().cloned())
                .into_iter()
                .chain(policy_file(cx))
                .collect(),
        )
    };
    let pause = || {
        fact(
            "Someone can pause every agent with external effects (a playbook's `can_pause`)",
            no_pause_authority(cx),
            format!(
                "{} with external effects; {} can pause agents",
                plural(external_agents.len(), "agent"),
                plural(pausers.len(), "person")
            ),
            playbook_files.clone(),
        )
    };
    let responses = |what: &str| {
        let agents: Vec<String> = cx.model.agents.keys().cloned().collect();
        let monitors: usize = cx
            .model
            .agents
            .values()
            .map(|a| a.spec.monitors.len())
            .sum();
        fact(
            what,
            monitors_without_response(cx, &agents),
            format!(
                "{} downgrade or pause their agents",
                plural(monitors, "monitor")
            ),
            all_agents(cx),
        )
    };
    let audit_fact = || {
        fact(
            "Each workflow logs the audit fields its tier requires (cumulative)",
            audit_gaps(cx),
            format!(
                "{} log what their tier requires",
                plural(n_workflows, "workflow")
            ),
            workflow_files(cx)
                .into_iter()
                .chain(policy_file(cx))
                .collect(),
        )
    };
    let retention_fact = || {
        let b = p.audit.as_ref().and_then(|a| a.retention_days);
        fact(
            "Detailed logs have a bounded retention",
            retention_gaps(cx),
            b.map(|b| {
                format!(
                    "every workflow keeps detailed logs {}–{} days",
                    b.min, b.max
                )
            })
            .unwrap_or_default(),
            workflow_files(cx)
                .into_iter()
                .chain(policy_file(cx))
                .collect(),
        )
    };
    let tiers_fact = || {
        fact(
            "Approval tiers name the groups that approve",
            if approver_tiers == 0 {
                vec!["no tier requires an approval".into()]
            } else {
                vec![]
            },
            format!(
                "{} with approvers: {}",
                plural(approver_tiers, "tier"),
                tiers_summary(cx)
            ),
            policy_file(cx),
        )
    };

    let c = |framework: &'static str,
             id: &'static str,
             title: &'static str,
             asks: &'static str,
             ev: Vec<Option<Evidence>>,
             note: Option<String>| {
        let evidence: Vec<Evidence> = ev.into_iter().flatten().collect();
        let ok = evidence.iter().filter(|e| e.ok).count();
        let status = if evidence.is_empty() || ok == 0 {
            "unmet"
        } else if ok == evidence.len() {
            "met"
        } else {
            "partial"
        };
        Control {
            framework,
            id,
            title,
            asks,
            status,
            evidence,
            note,
        }
    };

    let owasp_llm = Framework {
        id: "owasp-llm06",
        name: "OWASP Top 10 for LLM Applications 2025 — LLM06: Excessive Agency",
        controls: vec![
            c(
                "OWASP LLM06",
                "LLM06-functionality",
                "Excessive functionality",
                "Agents get only the tools and operations their task needs.",
                vec![
                    Some(fact(
                        "Every granted operation is performed by a workflow step of that agent",
                        unused_grants(cx),
                        format!(
                            "all {} are used by a step",
                            plural(n_granted, "granted operation")
                        ),
                        all_agents(cx),
                    )),
                    rule(cx, "unused-grant"),
                ],
                None,
            ),
            c(
                "OWASP LLM06",
                "LLM06-permissions",
                "Excessive permissions",
                "Agents reach only the data they need, directly or through other agents and syncs.",
                vec![
                    Some(fact(
                        "Grants on resources with personal or sensitive fields list their fields",
                        unscoped_personal_grants(cx),
                        "every such grant lists its fields".into(),
                        all_agents(cx),
                    )),
                    rule(cx, "broad-field-access"),
                    Some(fact(
                        "No agent reaches a risky operation only through delegation",
                        delegation.escalations.clone(),
                        "no delegation widens what an agent can do".into(),
                        all_agents(cx),
                    )),
                    rule(cx, "delegation-escalation"),
                    Some(fact(
                        "Personal data never syncs into a resource classified lower",
                        data_flow_leaks(cx),
                        "every sync keeps or raises the classification".into(),
                        connector_files.clone(),
                    )),
                    rule(cx, "data-flow-leak"),
                ],
                None,
            ),
            c(
                "OWASP LLM06",
                "LLM06-autonomy",
                "Excessive autonomy",
                "High-impact actions need a human approval before they run.",
                vec![
                    Some(risky_gated(
                        "External and irreversible operations need approval",
                    )),
                    rule(cx, "ungated-irreversible-action"),
                    rule(cx, "gate-below-consequence"),
                    Some(fact(
                        "The Policy prohibits what agents must never do",
                        if p.prohibited.is_empty() {
                            vec!["no prohibitions".into()]
                        } else {
                            vec![]
                        },
                        format!(
                            "{}: {}",
                            plural(p.prohibited.len(), "prohibition"),
                            p.prohibited
                                .iter()
                                .map(|x| x.operation.clone())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        policy_file(cx),
                    )),
                ],
                None,
            ),
        ],
    };

    let owasp_agentic = Framework {
        id: "owasp-agentic",
        name: "OWASP Agentic AI — Threats and Mitigations (Agentic Security Initiative)",
        controls: vec![
            c(
                "OWASP Agentic",
                "T2",
                "Tool Misuse",
                "Tools are used only as authorised: least privilege, approval for high-impact calls, monitoring of tool use.",
                vec![
                    Some(fact(
                        "Default deny: agents act only through explicit grants",
                        vec![],
                        format!("{} across {}; everything else is denied", plural(n_granted, "granted operation"), plural(n_agents, "agent")),
                        all_agents(cx),
                    )),
                    Some(risky_gated("External and irreversible tool calls need approval")),
                    Some(fact(
                        "Every agent has monitors",
                        unmonitored(cx, None),
                        format!("all {} are monitored", plural(n_agents, "agent")),
                        all_agents(cx),
                    )),
                    rule(cx, "unmonitored-agent"),
                ],
                None,
            ),
            c(
                "OWASP Agentic",
                "T3",
                "Privilege Compromise",
                "No agent gains privileges through other agents, delegation loops or data flows.",
                vec![
                    Some(fact(
                        "No agent reaches a risky operation only through delegation",
                        delegation.escalations.clone(),
                        "delegation never widens what an agent can do".into(),
                        all_agents(cx),
                    )),
                    rule(cx, "delegation-escalation"),
                    Some(fact("No delegation cycle", delegation.cycles.clone(), "delegation has no cycle".into(), all_agents(cx))),
                    rule(cx, "delegation-cycle"),
                    Some(fact(
                        "Personal data never syncs into a resource classified lower",
                        data_flow_leaks(cx),
                        "every sync keeps or raises the classification".into(),
                        connector_files.clone(),
                    )),
                ],
                None,
            ),
            c(
                "OWASP Agentic",
                "T5",
                "Cascading Hallucination Attacks",
                "False output is caught before it spreads: reviewer checks on high-impact steps, monitoring of rejections and corrections.",
                vec![
                    Some(fact("Steps that need two or more approvals have a reviewer checklist", checklist_gaps(cx), "every such step has a checklist".into(), workflow_files(cx))),
                    rule(cx, "missing-checklist"),
                    Some(fact(
                        "Every agent is monitored for rejections or corrections",
                        unmonitored(cx, Some(&[Metric::RejectionRate, Metric::RejectionRateIncrease, Metric::Corrections])),
                        "every agent has a rejection or correction monitor".into(),
                        all_agents(cx),
                    )),
                ],
                None,
            ),
            c(
                "OWASP Agentic",
                "T6",
                "Intent Breaking & Goal Manipulation",
                "Manipulated goals cannot turn into high-impact actions: readable escalation triggers, prohibitions, and automatic downgrade.",
                vec![
                    Some(fact(
                        "Escalation triggers raise the tier on risky context",
                        if p.escalations.is_empty() { vec!["the Policy has no escalation triggers".into()] } else { vec![] },
                        format!("{}: {}", plural(p.escalations.len(), "trigger"), p.escalations.iter().map(|e| e.id.clone()).collect::<Vec<_>>().join(", ")),
                        policy_file(cx),
                    )),
                    Some(fact(
                        "Prohibitions hold whatever the agent is asked",
                        if p.prohibited.is_empty() { vec!["no prohibitions".into()] } else { vec![] },
                        plural(p.prohibited.len(), "prohibition"),
                        policy_file(cx),
                    )),
                    Some(responses("Monitors downgrade or pause a misbehaving agent")),
                ],
                None,
            ),
            c(
                "OWASP Agentic",
                "T8",
                "Repudiation & Untraceability",
                "Every action is traceable: who proposed it, who approved it, why, with which model, kept for a known time.",
                vec![Some(audit_fact()), rule(cx, "audit-fields-missing"), Some(retention_fact()), rule(cx, "retention-out-of-bounds")],
                None,
            ),
            c(
                "OWASP Agentic",
                "T10",
                "Overwhelming Human in the Loop",
                "Reviewers are enough and not flooded: tiers staffed by distinct people, sampling instead of reviewing everything forever.",
                vec![
                    Some(fact("Every tier's groups supply enough distinct people", understaffed(cx), "every tier is staffed".into(), team_files.clone().into_iter().chain(policy_file(cx)).collect())),
                    rule(cx, "tier-understaffed"),
                    Some(fact(
                        "Sampling rates follow the Policy's rollout stages",
                        sample_rate_gaps(cx),
                        p.sampling
                            .map(|s| format!("pilot samples {}%, then {}%", (s.initial_rate * 100.0).round(), (s.steady_rate * 100.0).round()))
                            .unwrap_or_default(),
                        all_agents(cx),
                    )),
                    rule(cx, "sample-rate-below-policy"),
                ],
                None,
            ),
            c(
                "OWASP Agentic",
                "T13",
                "Rogue Agents in Multi-Agent Systems",
                "A misbehaving agent is detected and stopped: monitors with responses, named people who can pause it.",
                vec![Some(pause()), rule(cx, "no-pause-authority"), Some(responses("Monitors downgrade or pause the agent"))],
                None,
            ),
        ],
    };

    let eu = Framework {
        id: "eu-ai-act",
        name: "EU AI Act (Regulation (EU) 2024/1689)",
        controls: vec![
            c(
                "EU AI Act",
                "Art. 12",
                "Record-keeping",
                "Automatic recording of events (logs) over the system's lifetime, enough to trace its functioning and monitor it.",
                vec![
                    Some(fact(
                        "The Policy defines what every tier logs, including the model version",
                        match &p.audit {
                            None => vec!["the Policy has no audit section".into()],
                            Some(a) if !a.required.values().flatten().any(|f| f == "model_version") => vec!["no tier logs model_version".into()],
                            Some(_) => vec![],
                        },
                        format!("required fields: {}", facts::required_audit(cx, cx.plan.tiers.len().saturating_sub(1)).join(", ")),
                        policy_file(cx),
                    )),
                    Some(audit_fact()),
                    rule(cx, "audit-fields-missing"),
                    Some(retention_fact()),
                    rule(cx, "retention-out-of-bounds"),
                ],
                retention_note,
            ),
            c(
                "EU AI Act",
                "Art. 14",
                "Human oversight",
                "People can understand, oversee, override and stop the system; oversight measures match the risk.",
                vec![
                    Some(tiers_fact()),
                    Some(risky_gated("External and irreversible operations need approval")),
                    rule(cx, "ungated-irreversible-action"),
                    Some(pause()),
                    rule(cx, "no-pause-authority"),
                    Some(responses("Monitors downgrade to recommend-only or pause")),
                    Some(fact("Multi-approver steps have a reviewer checklist", checklist_gaps(cx), "every such step has a checklist".into(), workflow_files(cx))),
                ],
                None,
            ),
        ],
    };

    let nist = Framework {
        id: "nist-ai-rmf",
        name: "NIST AI Risk Management Framework 1.0",
        controls: vec![
            c(
                "NIST AI RMF",
                "GOVERN",
                "Govern",
                "Policies, accountability and a culture of risk management are in place.",
                vec![
                    Some(fact(
                        "Every agent has a known business and technical owner",
                        unknown_owners(cx),
                        format!("{} with named owners", plural(n_agents, "agent")),
                        all_agents(cx),
                    )),
                    Some(fact(
                        "Every agent was reviewed within its cadence",
                        review_gaps(cx),
                        "no review is overdue".into(),
                        all_agents(cx),
                    )),
                    rule(cx, "review-overdue"),
                    Some(fact(
                        "Exceptions are justified, approved and time-limited",
                        waiver_gaps(cx),
                        format!(
                            "{}, all current and justified",
                            plural(cx.model.waivers.len(), "waiver")
                        ),
                        waiver_files,
                    )),
                ],
                None,
            ),
            c(
                "NIST AI RMF",
                "MAP",
                "Map",
                "Context, use cases and risks of each system are known.",
                vec![
                    Some(fact(
                        "Every workflow has a risk profile",
                        no_risk_profile(cx),
                        format!("{} with risk profiles", plural(n_workflows, "workflow")),
                        workflow_files(cx),
                    )),
                    Some(fact(
                        "Every agent serves a documented use case",
                        agents_without_workflow(cx),
                        "every agent takes part in a workflow".into(),
                        all_agents(cx),
                    )),
                    Some(fact(
                        "Systems, data classes and the effect of every operation are declared",
                        vec![],
                        format!(
                            "{} with {}",
                            plural(cx.model.connectors.len(), "connector"),
                            plural(cx.model.all_operations().count(), "operation")
                        ),
                        connector_files,
                    )),
                ],
                None,
            ),
            c(
                "NIST AI RMF",
                "MEASURE",
                "Measure",
                "Risks are measured and tracked: metrics, thresholds, structured feedback, tests.",
                vec![
                    Some(fact(
                        "Every agent has monitors with thresholds",
                        unmonitored(cx, None),
                        format!("all {} are monitored", plural(n_agents, "agent")),
                        all_agents(cx),
                    )),
                    rule(cx, "unmonitored-agent"),
                    Some(fact(
                        "Reviewers give structured rejection reasons",
                        if p.audit
                            .as_ref()
                            .is_none_or(|a| a.rejection_reasons.is_empty())
                        {
                            vec!["the Policy lists no rejection reasons".into()]
                        } else {
                            vec![]
                        },
                        p.audit
                            .as_ref()
                            .map(|a| a.rejection_reasons.join(", "))
                            .unwrap_or_default(),
                        policy_file(cx),
                    )),
                    Some(fact(
                        "Policy tests pin the decisions",
                        if tests == 0 {
                            vec!["no PolicyTest cases".into()]
                        } else {
                            vec![]
                        },
                        plural(tests, "test case"),
                        test_files,
                    )),
                ],
                None,
            ),
            c(
                "NIST AI RMF",
                "MANAGE",
                "Manage",
                "Risks are prioritised and acted on: rollback, incident response, containment.",
                vec![
                    Some(fact(
                        "Every workflow has a rollback plan",
                        missing_rollback(cx),
                        format!("{} with rollback plans", plural(n_workflows, "workflow")),
                        workflow_files(cx),
                    )),
                    rule(cx, "missing-rollback"),
                    Some(fact(
                        "Workflows that need approval have incident playbooks",
                        missing_playbooks(cx),
                        format!("{} available", plural(cx.model.playbooks.len(), "playbook")),
                        playbook_files,
                    )),
                    rule(cx, "missing-playbook"),
                    Some(responses("Monitors downgrade or pause a misbehaving agent")),
                ],
                None,
            ),
        ],
    };
    vec![owasp_llm, owasp_agentic, eu, nist]
}

fn tiers_summary(cx: &EmitContext) -> String {
    cx.plan
        .tiers
        .iter()
        .zip(&cx.plan.approvals)
        .filter(|(_, a)| a.count > 0)
        .map(|(t, a)| {
            format!(
                "{t} ({})",
                a.groups.iter().cloned().collect::<Vec<_>>().join(" + ")
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}
