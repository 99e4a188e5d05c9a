//! `POLICY.md`: the one-page policy a team actually reads, with examples drawn from the
//! repository (every example decision comes from `Plan::decide`).

use super::site::{self, facts};
use super::{Artifact, EmitContext, EmitError};
use crate::decide::{FactValue, Outcome, Request};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// POLICY.md with `cx.templates` overriding the built-in template.
pub fn try_emit(cx: &EmitContext) -> Result<Vec<Artifact>, EmitError> {
    render(cx, cx.templates)
}

fn render(cx: &EmitContext, dir: Option<&std::path::Path>) -> Result<Vec<Artifact>, EmitError> {
    let (tera, _) = site::engine(dir)?;
    let ctx = tera::Context::from_value(context(cx))
        .map_err(|e| EmitError::Template(site::template_error(&e)))?;
    let text = tera
        .render("POLICY.md", &ctx)
        .map_err(|e| EmitError::Template(format!("POLICY.md: {}", site::template_error(&e))))?;
    Ok(vec![("POLICY.md".into(), tidy(&text).into_bytes())])
}

/// Collapses runs of blank lines that template conditionals leave behind.
fn tidy(s: &str) -> String {
    let mut out = String::new();
    let mut blank = 0;
    for line in s.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn pct(r: f64) -> String {
    format!("{}%", (r * 100.0).round() as i64)
}

/// At most this many items of a list are named; the rest are counted ("and 9,995 more"): the
/// page stays one page for 6 agents or 10,000, and the site holds the details.
const SHOWN: usize = 6;

/// The first [`SHOWN`] items and how many more there are.
fn capped(items: Vec<String>) -> Value {
    let more = items.len().saturating_sub(SHOWN);
    json!({"shown": items.into_iter().take(SHOWN).collect::<Vec<_>>(), "more": more})
}

fn context(cx: &EmitContext) -> Value {
    let p = cx.model.policy();
    let model = cx.model;

    // Scope: the agents in a table while it is short, else counted by mode.
    let agents: Vec<Value> = model
        .agents
        .values()
        .map(|a| {
            json!({"name": a.name, "business": facts::person_name(cx, &a.spec.owners.business),
                   "technical": facts::person_name(cx, &a.spec.owners.technical), "mode": a.spec.mode.as_str()})
        })
        .collect();
    let mut modes: BTreeMap<&str, usize> = BTreeMap::new();
    for a in model.agents.values() {
        *modes.entry(a.spec.mode.as_str()).or_default() += 1;
    }
    let modes: Vec<String> = modes.into_iter().map(|(m, n)| format!("{n} {m}")).collect();
    let systems: BTreeSet<String> = model
        .connectors
        .values()
        .map(|c| c.spec.system.clone())
        .collect();

    // Use cases and the steps a human approves.
    let workflows: Vec<Value> = model
        .workflows
        .values()
        .take(SHOWN)
        .map(|w| {
            let gated: Vec<String> = w
                .spec
                .steps
                .iter()
                .filter_map(|s| {
                    let d = facts::step_decision(cx, w, s);
                    facts::tier_rank(cx, &d)
                        .filter(|r| *r > 0)
                        .map(|r| format!("{} before {}", facts::tier_label(cx, r), s.id))
                })
                .collect();
            let agents: BTreeSet<String> = w.spec.steps.iter().map(|s| s.agent.clone()).collect();
            json!({
                "use_case": w.spec.use_case,
                "agents": capped(agents.into_iter().collect()),
                "approval": if gated.is_empty() { "none (sampled)".to_string() } else { gated.join("; ") },
                "rollback_owner": w.spec.rollback.as_ref().map(|r| facts::person_name(cx, &r.owner)),
            })
        })
        .collect();

    // Tiers: who approves (groups, not their members).
    let tier_lines: Vec<Value> = p
        .tiers
        .iter()
        .enumerate()
        .map(|(i, t)| {
            json!({"id": t.id, "label": facts::tier_label(cx, i),
                   "approvers": t.approvals.iter().map(|a| a.from.clone()).collect::<Vec<_>>().join(" + ")})
        })
        .collect();
    let prohibited = capped(p.prohibited.iter().map(|x| x.operation.clone()).collect());
    let escalations = capped(
        p.escalations
            .iter()
            .map(|e| format!("{} when {}", e.raise_to, facts::condition_text(&e.when)))
            .collect(),
    );

    // Logging: each tier's fields beyond the tier below it.
    let audit = p.audit.as_ref();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let audit_tiers: Vec<Value> = cx
        .plan
        .tiers
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let added: Vec<String> = facts::required_audit(cx, i)
                .into_iter()
                .filter(|f| seen.insert(f.clone()))
                .collect();
            json!({"tier": t, "added": added})
        })
        .collect();

    // Monitors, each attributed to the agents it watches.
    let mut monitors: BTreeMap<(String, String, String, String), Vec<String>> = BTreeMap::new();
    for a in model.agents.values() {
        for m in &a.spec.monitors {
            let then = m.then.map(|t| t.as_str()).unwrap_or("alert only");
            monitors
                .entry((
                    m.metric.as_str().to_string(),
                    m.above.to_string(),
                    m.window.clone(),
                    then.to_string(),
                ))
                .or_default()
                .push(a.name.clone());
        }
    }
    let monitor_count = monitors.len();
    let monitors: Vec<Value> = monitors
        .into_iter()
        .take(SHOWN)
        .map(|((metric, above, window, then), agents)| {
            json!({"rule": format!("{metric} above {above} per {window} → {then}"), "agents": capped(agents)})
        })
        .collect();

    // Incidents.
    let playbook_count = model.playbooks.len();
    let playbooks: Vec<Value> = model
        .playbooks
        .values()
        .take(SHOWN)
        .map(|pb| {
            let s = &pb.spec;
            json!({
                "failure_mode": first_sentence(&s.failure_mode), "owner": facts::person_name(cx, &s.owner),
                "can_pause": s.can_pause.len(), "postmortem": s.postmortem,
            })
        })
        .collect();

    // Reviews: overdue ones first and marked, then the next due.
    let mut reviews: Vec<(Option<chrono::NaiveDate>, &str)> = model
        .agents
        .values()
        .map(|a| (facts::next_review(cx, a).1, a.name.as_str()))
        .collect();
    reviews.sort();
    let (upcoming, overdue): (Vec<_>, Vec<_>) = reviews
        .into_iter()
        .partition(|(d, _)| matches!(facts::review_status(cx, *d), "ok" | "due-soon"));
    let overdue = capped(
        overdue
            .into_iter()
            .map(|(d, a)| match d {
                Some(d) => format!("{a} (due {d})"),
                None => format!("{a} (never reviewed)"),
            })
            .collect(),
    );
    let upcoming = capped(
        upcoming
            .into_iter()
            .map(|(d, a)| format!("{a} {}", d.map(|d| d.to_string()).unwrap_or_default()))
            .collect(),
    );
    let sampling = p.sampling.map(|s| {
        format!(
            "New agents start with {} of outputs reviewed{}, then {} are sampled.",
            pct(s.initial_rate),
            s.initial_days
                .map(|d| format!(" for {d} days"))
                .unwrap_or_default(),
            pct(s.steady_rate)
        )
    });

    json!({
        "policy_name": model.policy.as_ref().map(|p| p.name.clone()),
        "policy_description": model.policy.as_ref().and_then(|p| p.metadata.description.clone()),
        "today": cx.today.to_string(),
        "agent_count": agents.len(),
        "agents": if agents.len() <= SHOWN * 2 { agents } else { Vec::new() },
        "modes": modes,
        "systems": capped(systems.into_iter().collect()),
        "workflows": workflows,
        "more_workflows": model.workflows.len().saturating_sub(SHOWN),
        "tier_lines": tier_lines, "prohibited": prohibited, "escalations": escalations,
        "audit_tiers": audit_tiers, "bounds": audit.and_then(|a| a.retention_days).map(|b| json!({"min": b.min, "max": b.max})),
        "rejection_reasons": capped(audit.map(|a| a.rejection_reasons.clone()).unwrap_or_default()),
        "monitors": monitors, "more_monitors": monitor_count.saturating_sub(SHOWN),
        "example_escalation": escalation_example(cx),
        "playbooks": playbooks, "more_playbooks": playbook_count.saturating_sub(SHOWN),
        "overdue": overdue, "upcoming": upcoming, "sampling": sampling,
        "cadence": p.review_cadence.map(|c| c.as_str()).unwrap_or("monthly"),
    })
}

/// An action an agent may do alone, decided again with a context that trips an escalation.
fn escalation_example(cx: &EmitContext) -> Option<String> {
    for e in &cx.plan.escalations {
        let value = match &e.test {
            crate::decide::TestPlan::Below(n) => {
                FactValue::Number((n / 2.0 * 100.0).round() / 100.0)
            }
            crate::decide::TestPlan::Above(n) => FactValue::Number(n + 1.0),
            crate::decide::TestPlan::In(v) => FactValue::String(v.first()?.clone()),
            crate::decide::TestPlan::Is(b) => FactValue::Bool(*b),
        };
        for (a, ap) in &cx.plan.agents {
            for op in ap.operations.keys() {
                if facts::decide(cx, a, op, None, None).effect != Outcome::Allow {
                    continue;
                }
                let mut req = Request {
                    agent: a.clone(),
                    operation: op.clone(),
                    ..Default::default()
                };
                req.context.insert(e.fact.clone(), value.clone());
                let d = cx.plan.decide(&req);
                if d.effect == Outcome::Approve {
                    let shown = match &value {
                        FactValue::Number(n) => n.to_string(),
                        FactValue::String(s) => s.clone(),
                        FactValue::Bool(b) => b.to_string(),
                    };
                    return Some(format!(
                        "{a} may {op} alone, but with {} = {shown} the same action needs {} ({}).",
                        e.fact,
                        d.tier.unwrap_or_default(),
                        e.id
                    ));
                }
            }
        }
    }
    None
}

fn first_sentence(s: &str) -> String {
    let s = s.trim();
    match s.find(". ").or_else(|| s.find("; ")) {
        Some(i) => format!("{}.", &s[..i]),
        None => s.to_string(),
    }
}
