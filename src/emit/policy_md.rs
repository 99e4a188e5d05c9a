//! `POLICY.md`: the one-page policy a team actually reads, with examples drawn from the
//! repository (every example decision comes from `Plan::decide`).

use super::site::{self, facts};
use super::{Artifact, EmitContext, EmitError};
use crate::decide::{FactValue, Outcome, Request};
use serde_json::{json, Value};
use std::collections::BTreeSet;

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

fn context(cx: &EmitContext) -> Value {
    let p = cx.model.policy();
    let people = |ids: &mut dyn Iterator<Item = &String>| -> String {
        let set: BTreeSet<String> = ids.map(|i| facts::person_name(cx, i)).collect();
        set.into_iter().collect::<Vec<_>>().join(", ")
    };

    let agents: Vec<Value> = cx
        .model
        .agents
        .values()
        .map(|a| {
            json!({"name": a.name, "description": a.metadata.description, "business": facts::person_name(cx, &a.spec.owners.business),
                   "technical": facts::person_name(cx, &a.spec.owners.technical), "mode": a.spec.mode.as_str()})
        })
        .collect();
    let systems: BTreeSet<String> = cx
        .model
        .connectors
        .values()
        .map(|c| c.spec.system.clone())
        .collect();

    // Use cases, and the strongest one as the example.
    let mut workflows = Vec::new();
    let mut strongest: Option<(usize, &crate::model::Workflow)> = None;
    for w in cx.model.workflows.values() {
        let tier = facts::workflow_tier(cx, w);
        if strongest.is_none_or(|(t, _)| tier > t) {
            strongest = Some((tier, w));
        }
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
        let agents: BTreeSet<String> = w
            .spec
            .steps
            .iter()
            .map(|s| format!("`{}`", s.agent))
            .collect();
        workflows.push(json!({
            "use_case": w.spec.use_case,
            "agents": agents.into_iter().collect::<Vec<_>>(),
            "approval": if gated.is_empty() { "none (the agent acts alone; outputs are sampled)".to_string() } else { gated.join("; ") },
            "rollback": w.spec.rollback.as_ref().map(|r| format!("{} ({}, {} min)", r.strategy, facts::person_name(cx, &r.owner), r.within_minutes.map(|m| m.to_string()).unwrap_or_else(|| "?".into()))).unwrap_or_else(|| "none".into()),
        }));
    }
    let example_workflow = strongest.map(|(_, w)| {
        let steps: Vec<String> = w
            .spec
            .steps
            .iter()
            .map(|s| {
                let d = facts::step_decision(cx, w, s);
                let tier = d.tier.clone().unwrap_or_else(|| "denied".into());
                let check = if s.checklist.is_empty() {
                    String::new()
                } else {
                    format!(", checklist: {}", s.checklist.join(", "))
                };
                format!("{} ({} does {}: {tier}{check})", s.id, s.agent, s.does)
            })
            .collect();
        format!("{}: {}.", w.spec.use_case, steps.join(" → "))
    });

    // Tiers, each with a real example decision.
    let mut tier_lines = Vec::new();
    for (i, t) in p.tiers.iter().enumerate() {
        // Prefer an operation that changes something over a read.
        let mut candidates: Vec<(bool, String)> = Vec::new();
        for (a, ap) in &cx.plan.agents {
            for op in ap.operations.keys() {
                let d = facts::decide(cx, a, op, None, None);
                if d.effect != Outcome::Deny && facts::tier_rank(cx, &d) == Some(i) {
                    let why = d
                        .reasons
                        .first()
                        .map(|r| format!(" ({})", facts::reason_text(cx, r)))
                        .unwrap_or_default();
                    let read = op.rsplit('.').next().is_some_and(crate::semantics::is_read);
                    candidates.push((read, format!("{a} doing {op}{why}")));
                }
            }
        }
        candidates.sort_by_key(|(read, _)| *read);
        let example = candidates.into_iter().next().map(|(_, e)| e);
        tier_lines.push(json!({
            "id": t.id, "label": facts::tier_label(cx, i),
            "approvers": t.approvals.iter().map(|a| format!("{} ({})", a.from, people(&mut facts::members(cx, &a.from).iter()))).collect::<Vec<_>>().join(" + "),
            "description": t.description, "example": example,
        }));
    }
    let derive: Vec<String> = p
        .derive
        .iter()
        .map(|d| {
            d.description.clone().unwrap_or_else(|| {
                format!(
                    "When {}, at least {}.",
                    facts::when_text(&d.when),
                    d.require
                )
            })
        })
        .collect();

    // Logging.
    let audit = p.audit.as_ref();
    let audit_tiers: Vec<Value> = cx
        .plan
        .tiers
        .iter()
        .enumerate()
        .map(|(i, t)| json!({"tier": t, "all": facts::required_audit(cx, i)}))
        .collect();
    let example_audit = strongest.map(|(_, w)| {
        let specific: BTreeSet<&String> = audit
            .iter()
            .flat_map(|a| a.required.values().flatten())
            .collect();
        let extra: Vec<&str> = w
            .spec
            .audit
            .iter()
            .filter(|f| !specific.contains(f))
            .map(|s| s.as_str())
            .collect();
        format!(
            "{} also logs {} and keeps detailed logs {} days.",
            w.spec.use_case,
            if extra.is_empty() {
                "nothing beyond its tier".to_string()
            } else {
                extra.join(", ")
            },
            facts::retention(cx, w)
                .map(|d| d.to_string())
                .unwrap_or_else(|| "?".into())
        )
    });

    // Escalations and monitors.
    let escalations: Vec<Value> = p
        .escalations
        .iter()
        .map(|e| json!({"when": facts::condition_text(&e.when), "raise_to": e.raise_to, "description": e.description}))
        .collect();
    let mut monitors = BTreeSet::new();
    for a in cx.model.agents.values() {
        for m in &a.spec.monitors {
            if let Some(t) = m.then {
                monitors.insert((
                    m.metric.as_str(),
                    m.window.clone(),
                    m.above.to_string(),
                    t.as_str(),
                ));
            }
        }
    }
    let monitors: Vec<String> = {
        let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
        for (metric, window, above, then) in &monitors {
            let key = format!("{metric} above {above} per {window}");
            match grouped.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => v.push(then.to_string()),
                None => grouped.push((key, vec![then.to_string()])),
            }
        }
        grouped
            .into_iter()
            .map(|(k, v)| format!("{k} → {}", v.join(" or ")))
            .collect()
    };
    let example_escalation = escalation_example(cx);

    // Incidents.
    let playbooks: Vec<Value> = cx
        .model
        .playbooks
        .values()
        .map(|pb| {
            let s = &pb.spec;
            json!({
                "failure_mode": s.failure_mode, "owner": facts::person_name(cx, &s.owner),
                "can_pause": people(&mut s.can_pause.iter()),
                "containment": first_sentence(&s.containment),
                "communication": s.customer_communication.as_ref().map(|c| format!("{} ({})", c.when, facts::person_name(cx, &c.owner))).unwrap_or_else(|| "not planned".into()),
                "postmortem": s.postmortem,
            })
        })
        .collect();
    let mut by_consequence: Vec<&crate::model::Agent> = cx.model.agents.values().collect();
    by_consequence.sort_by_key(|a| !facts::has_external_effects(cx, &a.name));
    let example_incident = by_consequence.into_iter().find_map(|a| {
        let m = a.spec.monitors.iter().find(|m| m.then.is_some() && m.playbook.is_some())?;
        let pb = cx.model.playbooks.get(m.playbook.as_ref()?)?;
        Some(format!(
            "if {} sees {} above {} per {}, it is switched to {} and {}, who owns the {} playbook, leads the response: {}",
            a.name,
            m.metric.as_str(),
            m.above,
            m.window,
            m.then?.as_str(),
            facts::person_name(cx, &pb.spec.owner),
            pb.name,
            first_sentence(&pb.spec.containment)
        ))
    });

    // Reviews.
    let mut reviews: Vec<Value> = cx
        .model
        .agents
        .values()
        .map(|a| {
            let (_, next) = facts::next_review(cx, a);
            json!({"name": a.name, "next": next.map(|d| d.to_string())})
        })
        .collect();
    reviews.sort_by(|a, b| {
        a["next"]
            .as_str()
            .cmp(&b["next"].as_str())
            .then(a["name"].as_str().cmp(&b["name"].as_str()))
    });
    let sampling = p.sampling.map(|s| {
        format!(
            "New agents start in pilot with {} of outputs reviewed{}, then move to sampling at {}, weighted toward risky segments.",
            pct(s.initial_rate),
            s.initial_days.map(|d| format!(" for the first {d} days")).unwrap_or_default(),
            pct(s.steady_rate)
        )
    });

    json!({
        "policy_name": cx.model.policy.as_ref().map(|p| p.name.clone()),
        "policy_description": cx.model.policy.as_ref().and_then(|p| p.metadata.description.clone()),
        "today": cx.today.to_string(),
        "agents": agents, "systems": systems, "workflows": workflows, "example_workflow": example_workflow,
        "tier_lines": tier_lines, "prohibited": p.prohibited, "derive": derive,
        "audit_tiers": audit_tiers, "bounds": audit.and_then(|a| a.retention_days).map(|b| json!({"min": b.min, "max": b.max})),
        "rejection_reasons": audit.map(|a| a.rejection_reasons.clone()).unwrap_or_default(),
        "example_audit": example_audit,
        "escalations": escalations, "monitors": monitors, "example_escalation": example_escalation,
        "playbooks": playbooks, "example_incident": example_incident,
        "reviews": reviews, "sampling": sampling,
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
