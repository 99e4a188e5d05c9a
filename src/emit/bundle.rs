//! `bundle.json`: the compiled decision table, for a gateway that enforces without a policy engine.
//!
//! Versioned (`"version": 1`) and described by `schemas/bundle.json`. Per agent and granted
//! operation it holds the decision of [`Plan::decide`] for a request without fields, workflow or
//! context, the decision per workflow that has steps for it, the escalations that can raise it,
//! the audit fields its tier requires, its rollback plans and playbooks; plus the policy (tiers
//! with their approvals, escalations, prohibitions, audit policy), the people and groups that
//! approvals are counted from, the playbooks and the workflows.

use super::{Artifact, EmitContext};
use crate::decide::{Choice, Decision, OpPlan, Outcome, Plan, Request};
use crate::model::{Condition, Model, Monitor, OpId, PersonEntry};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// The bundle format version; bumped on any incompatible change.
pub const VERSION: u64 = 1;

/// Where the bundle goes in the output folder.
pub const PATH: &str = "bundle.json";

pub fn emit(cx: &EmitContext) -> Vec<Artifact> {
    super::kept(|_, pieces| emit_into(cx, pieces))
}

/// Writes `bundle.json` in pieces.
pub fn emit_into(cx: &EmitContext, pieces: super::PieceSink) -> Result<(), super::EmitError> {
    pieces(PATH, &mut self::pieces(cx))
}

/// `bundle.json`: the same text as pretty-printing [`bundle`].
#[cfg(test)]
pub fn text(cx: &EmitContext) -> String {
    String::from_utf8(pieces(cx).flatten().collect()).expect("JSON is UTF-8")
}

/// `bundle.json` in pieces, its agents rendered in parallel batches, so that neither the whole
/// bundle as one JSON tree nor its text is ever held in memory.
fn pieces<'a>(cx: &'a EmitContext<'a>) -> impl Iterator<Item = Vec<u8>> + Send + 'a {
    use super::pretty_member as member;
    let m = cx.model;
    let ((workflows, groups), (policy, people)) = rayon::join(
        || {
            rayon::join(
                || member("workflows", &workflows(cx), 1),
                || member("groups", &groups(m), 1),
            )
        },
        || {
            rayon::join(
                || member("policy", &policy(m), 1),
                || member("people", &people(m), 1),
            )
        },
    );
    let mut prefix = String::from("{\n");
    for text in [
        member("$schema", SCHEMA_ID, 1),
        member("version", &VERSION, 1),
        policy,
        people,
        groups,
    ] {
        prefix.push_str(&text);
        prefix.push_str(",\n");
    }
    let mut suffix = String::new();
    for text in [workflows, member("playbooks", &playbooks(m), 1)] {
        suffix.push_str(",\n");
        suffix.push_str(&text);
    }
    suffix.push_str("\n}\n");
    let agents: Vec<(&String, &crate::model::Agent)> = m.agents.iter().collect();
    super::object_pieces(
        prefix,
        "agents",
        1,
        agents,
        move |(name, a): &(&String, &crate::model::Agent)| member(name, &agent(cx, name, a), 2),
        suffix,
    )
}

/// A JSON object from members that are already JSON values, moved in rather than serialized again
/// (which `json!` does to every value it is given).
macro_rules! obj {
    ($($k:literal : $v:expr),* $(,)?) => {{
        let mut o = Map::new();
        $( o.insert($k.to_string(), $v); )*
        Value::Object(o)
    }};
}

const SCHEMA_ID: &str = "urn:agentgov:schemas:v1:bundle.json";

/// The bundle as JSON.
pub fn bundle(cx: &EmitContext) -> Value {
    let m = cx.model;
    json!({
        "$schema": SCHEMA_ID,
        "version": VERSION,
        "policy": policy(m),
        "people": people(m),
        "groups": groups(m),
        "agents": agents(cx),
        "workflows": workflows(cx),
        "playbooks": playbooks(m),
    })
}

fn opt_str(s: &Option<String>) -> Value {
    s.as_ref().map_or(Value::Null, |s| Value::String(s.clone()))
}

fn insert_some(o: &mut Map<String, Value>, key: &str, v: Option<Value>) {
    if let Some(v) = v {
        o.insert(key.to_string(), v);
    }
}

fn condition(c: &Condition) -> Value {
    let mut o = Map::new();
    insert_some(&mut o, "below", c.below.map(|n| json!(n)));
    insert_some(&mut o, "above", c.above.map(|n| json!(n)));
    insert_some(&mut o, "in", c.in_.as_ref().map(|v| json!(v)));
    if o.is_empty() {
        o.insert("is".into(), json!(c.is.unwrap_or(true)));
    }
    Value::Object(o)
}

fn policy(m: &Model) -> Value {
    let item = m
        .policy
        .as_ref()
        .expect("a build runs on a model with a Policy");
    let p = &item.spec;
    let tiers: Vec<Value> = p
        .tiers
        .iter()
        .enumerate()
        .map(|(rank, t)| {
            let groups: BTreeSet<&str> = t.approvals.iter().map(|a| a.from.as_str()).collect();
            json!({
                "id": t.id,
                "rank": rank,
                "description": opt_str(&t.description),
                "approvals": { "count": t.approvals.len(), "groups": groups },
                "audit_required": crate::semantics::required_audit(m, rank),
            })
        })
        .collect();
    let derive: Vec<Value> = p
        .derive
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let w = &d.when;
            let mut when = Map::new();
            insert_some(&mut when, "effect", w.effect.map(|e| json!(e.as_str())));
            insert_some(
                &mut when,
                "reversibility",
                w.reversibility.map(|r| json!(r.as_str())),
            );
            insert_some(
                &mut when,
                "data_at_least",
                w.data_at_least.as_ref().map(|c| json!(c)),
            );
            insert_some(
                &mut when,
                "operation",
                w.operation.as_ref().map(|o| json!(o)),
            );
            insert_some(&mut when, "touches", w.touches.as_ref().map(|t| json!(t)));
            json!({
                "reason": format!("derive:{i}"),
                "when": when,
                "require": d.require,
                "description": opt_str(&d.description),
            })
        })
        .collect();
    let escalations: Vec<Value> = p
        .escalations
        .iter()
        .map(|e| {
            json!({
                "id": e.id,
                "fact": e.when.fact,
                "when": condition(&e.when),
                "raise_to": e.raise_to,
                "description": opt_str(&e.description),
            })
        })
        .collect();
    let facts: Map<String, Value> = p
        .facts
        .iter()
        .map(|(k, t)| {
            (
                k.clone(),
                serde_json::to_value(t).expect("fact types serialize"),
            )
        })
        .collect();
    let audit = match &p.audit {
        Some(a) => json!({
            "retention_days": a.retention_days.map(|r| json!({ "min": r.min, "max": r.max })),
            "required": a.required,
            "rejection_reasons": a.rejection_reasons,
        }),
        None => json!({ "retention_days": null, "required": {}, "rejection_reasons": [] }),
    };
    json!({
        "name": item.name,
        "description": opt_str(&item.metadata.description),
        "tiers": tiers,
        "classifications": p.classifications,
        "facts": facts,
        "derive": derive,
        "escalations": escalations,
        "prohibited": p.prohibited.iter().map(|pr| json!({ "operation": pr.operation, "reason": pr.reason })).collect::<Vec<_>>(),
        "audit": audit,
        "review_cadence": p.review_cadence.map(|c| c.as_str()),
        "sampling": p.sampling.map(|s| json!({
            "initial_rate": s.initial_rate,
            "initial_days": s.initial_days,
            "steady_rate": s.steady_rate,
        })),
    })
}

fn person(m: &Model, id: &str) -> Value {
    match m.people.get(id) {
        Some(PersonEntry { person: p, .. }) => json!({
            "id": id,
            "name": p.name,
            "email": p.email,
            "github": opt_str(&p.github),
        }),
        None => json!({ "id": id, "name": null, "email": null, "github": null }),
    }
}

fn people(m: &Model) -> Value {
    let out: Map<String, Value> = m
        .people
        .iter()
        .map(|(id, e)| {
            let groups: Vec<&str> = m.groups_of(id).collect();
            let p = &e.person;
            (
                id.clone(),
                json!({
                    "name": p.name,
                    "email": p.email,
                    "github": opt_str(&p.github),
                    "role": opt_str(&p.role),
                    "groups": groups,
                }),
            )
        })
        .collect();
    Value::Object(out)
}

fn groups(m: &Model) -> Value {
    let out: Map<String, Value> = m
        .groups
        .iter()
        .map(|(id, g)| {
            (
                id.clone(),
                json!({ "members": g.members, "description": opt_str(&g.description) }),
            )
        })
        .collect();
    Value::Object(out)
}

fn playbooks(m: &Model) -> Value {
    let out: Map<String, Value> = m
        .playbooks
        .iter()
        .map(|(id, pb)| {
            let s = &pb.spec;
            (
                id.clone(),
                json!({
                    "failure_mode": s.failure_mode,
                    "detection": opt_str(&s.detection),
                    "owner": s.owner,
                    "can_pause": s.can_pause,
                    "containment": s.containment,
                    "rollback": s.rollback,
                    "customer_communication": s.customer_communication.as_ref().map(|c| json!({ "when": c.when, "owner": c.owner })),
                    "postmortem": s.postmortem,
                }),
            )
        })
        .collect();
    Value::Object(out)
}

/// The decision for a request with no fields and no context, optionally in a workflow.
pub fn static_decision(
    plan: &Plan,
    agent: &str,
    operation: &str,
    workflow: Option<&str>,
) -> Decision {
    plan.decide(&Request {
        agent: agent.to_string(),
        operation: operation.to_string(),
        fields: None,
        workflow: workflow.map(str::to_string),
        context: Default::default(),
    })
}

/// Derive rules that depend on the data class of the named fields: a request that names fields
/// reaching the threshold needs at least this tier. Only granted fields are listed (others are
/// denied anyway), and rules that no granted field reaches are left out.
fn field_rules(m: &Model, plan: &Plan, choice: &Choice, op: &OpPlan) -> Value {
    let field_classes = &op.field_classes;
    let granted = &op.field_sets;
    let rules: Vec<Value> = choice
        .data_derives
        .iter()
        .filter(|(_, _, r)| *r > 0)
        .filter_map(|(i, threshold, r)| {
            let fields: Vec<&str> = field_classes
                .iter()
                .filter(|(f, c)| *c >= threshold && granted.iter().any(|set| set.contains(*f)))
                .map(|(f, _)| f.as_str())
                .collect();
            if fields.is_empty() {
                return None;
            }
            Some(json!({
                "reason": format!("derive:{i}"),
                "data_at_least": m.policy().classifications[*threshold],
                "fields": fields,
                "tier": plan.tiers[*r],
            }))
        })
        .collect();
    Value::Array(rules)
}

fn decision_json(d: &Decision, field_rules: Value) -> Value {
    obj! {
        "effect": json!(d.effect.as_str()),
        "tier": json!(d.tier),
        "reasons": json!(d.reasons),
        "field_rules": if d.effect == Outcome::Deny { json!([]) } else { field_rules },
    }
}

fn monitor_json(agent: &str, monitors: &[Monitor], i: usize) -> Value {
    let mo = &monitors[i];
    json!({
        "metric": mo.metric.as_str(),
        "window": mo.window,
        "above": mo.above,
        "then": mo.then.map(|r| r.as_str()),
        "playbook": opt_str(&mo.playbook),
        "alert": super::prometheus::alert_name(agent, monitors, i),
    })
}

fn agents(cx: &EmitContext) -> Value {
    Value::Object(
        cx.model
            .agents
            .iter()
            .map(|(name, a)| (name.clone(), agent(cx, name, a)))
            .collect(),
    )
}

/// One agent's entry of `agents`.
fn agent(cx: &EmitContext, name: &String, a: &crate::model::Agent) -> Value {
    let m = cx.model;
    let plan = cx.plan;
    let s = &a.spec;
    // The workflows this agent has steps in, from the index (not a scan per operation).
    let agent_wfs: Vec<&crate::model::Workflow> = cx
        .agent_workflows
        .get(name)
        .into_iter()
        .flatten()
        .filter_map(|w| m.workflows.get(w))
        .collect();
    let mut ops = Map::new();
    if let Some(ap) = plan.agents.get(name) {
        for (op_id, op) in &ap.operations {
            let d = static_decision(plan, name, op_id, None);
            let static_rank = crate::semantics::decision_rank(plan, &d);
            let escalations: Vec<&str> = match static_rank {
                Some(r) => plan
                    .escalations
                    .iter()
                    .filter(|e| e.rank > r)
                    .map(|e| e.id.as_str())
                    .collect(),
                None => Vec::new(),
            };
            let per_workflow: Map<String, Value> = op
                .workflows
                .iter()
                .map(|(w, choice)| {
                    let wd = static_decision(plan, name, op_id, Some(w));
                    (
                        w.clone(),
                        decision_json(&wd, field_rules(m, plan, choice, op)),
                    )
                })
                .collect();
            // Workflows whose steps perform this operation with this agent.
            let wfs: Vec<&crate::model::Workflow> = agent_wfs
                .iter()
                .copied()
                .filter(|w| {
                    w.spec
                        .steps
                        .iter()
                        .any(|st| st.agent == *name && st.does.to_string() == *op_id)
                })
                .collect();
            let rollback: Vec<Value> = wfs
                .iter()
                .filter_map(|w| {
                    w.spec.rollback.as_ref().map(|r| {
                        json!({
                            "workflow": w.name,
                            "strategy": r.strategy,
                            "owner": r.owner,
                            "within_minutes": r.within_minutes,
                        })
                    })
                })
                .collect();
            let playbooks: BTreeSet<&str> = wfs
                .iter()
                .flat_map(|w| w.spec.playbooks.iter().map(|p| p.as_str()))
                .collect();
            let steps: Vec<String> = wfs
                .iter()
                .flat_map(|w| {
                    w.spec
                        .steps
                        .iter()
                        .filter(|st| st.agent == *name && st.does.to_string() == *op_id)
                        .map(move |st| format!("{}.{}", w.name, st.id))
                })
                .collect();
            let spec = OpId::parse(op_id).and_then(|o| m.operation(&o));
            let allowed_fields: Vec<&BTreeSet<String>> = op.field_sets.iter().collect();
            ops.insert(
                op_id.clone(),
                obj! {
                    "effect": json!(op.effect.as_str()),
                    "reversibility": json!(op.reversibility.as_str()),
                    "compensation": json!(spec.and_then(|sp| sp.compensation.as_deref())),
                    "allowed_fields": json!(allowed_fields),
                    "decision": decision_json(&d, field_rules(m, plan, &op.default, op)),
                    "workflows": Value::Object(per_workflow),
                    "escalations": json!(escalations),
                    "audit_fields": json!(crate::semantics::required_audit(m, static_rank.unwrap_or(0))),
                    "steps": json!(steps),
                    "rollback": Value::Array(rollback),
                    "playbooks": json!(playbooks),
                },
            );
        }
    }
    let cadence = s
        .review
        .as_ref()
        .and_then(|r| r.cadence)
        .or(m.policy().review_cadence)
        .map(|c| c.as_str());
    let workflows: BTreeSet<&str> = agent_wfs.iter().map(|w| w.name.as_str()).collect();
    obj! {
        "description": opt_str(&a.metadata.description),
        "owners": obj! {
            "business": person(m, &s.owners.business),
            "technical": person(m, &s.owners.technical),
        },
        "mode": json!(s.mode.as_str()),
        "model": json!({ "provider": s.model.provider, "name": s.model.name, "version": s.model.version }),
        "prompt": json!(s.prompt.as_ref().map(|p| json!({
            "path": p.path,
            "sha256": cx.prompt_hashes.get(name),
        }))),
        "rollout": json!(s.rollout.as_ref().map(|r| json!({
            "stage": r.stage.as_str(),
            "since": r.since,
            "sample_rate": r.sample_rate,
        }))),
        "review": json!({
            "cadence": cadence,
            "last_reviewed": s.review.as_ref().and_then(|r| r.last_reviewed),
        }),
        "delegates_to": json!(s.delegates_to),
        "grants": Value::Array(s.grants.iter().map(|g| json!({
            "resource": g.resource,
            "operations": g.operations,
            "fields": g.fields,
        })).collect()),
        "operations": Value::Object(ops),
        "monitors": Value::Array((0..s.monitors.len()).map(|i| monitor_json(name, &s.monitors, i)).collect()),
        "workflows": json!(workflows),
    }
}

fn workflows(cx: &EmitContext) -> Value {
    let m = cx.model;
    let plan = cx.plan;
    let list: Vec<Value> = m
        .workflows
        .values()
        .map(|w| {
            let s = &w.spec;
            let mut tier: Option<usize> = None;
            let steps: Vec<Value> = s
                .steps
                .iter()
                .map(|st| {
                    let d = static_decision(plan, &st.agent, &st.does.to_string(), Some(&w.name));
                    if let Some(r) = crate::semantics::decision_rank(plan, &d) {
                        tier = Some(tier.map_or(r, |t: usize| t.max(r)));
                    }
                    json!({
                        "id": st.id,
                        "agent": st.agent,
                        "does": st.does,
                        "gate": st.gate,
                        "fields": st.fields,
                        "touches": st.touches,
                        "checklist": st.checklist,
                        "decision": {
                            "effect": d.effect.as_str(),
                            "tier": d.tier,
                            "reasons": d.reasons,
                        },
                    })
                })
                .collect();
            json!({
                "name": w.name,
                "description": opt_str(&w.metadata.description),
                "use_case": s.use_case,
                "risk": s.risk.as_ref().map(|r| json!({
                    "data_sensitivity": r.data_sensitivity,
                    "external_impact": r.external_impact,
                    "regulatory_exposure": r.regulatory_exposure,
                    "rollback_difficulty": r.rollback_difficulty,
                })),
                "tier": tier.map(|t| plan.tiers[t].clone()),
                "steps": steps,
                "audit": s.audit,
                "rollback": s.rollback.as_ref().map(|r| json!({
                    "strategy": r.strategy,
                    "owner": r.owner,
                    "within_minutes": r.within_minutes,
                })),
                "retention_days": crate::semantics::retention_days(m, w),
                "playbooks": s.playbooks,
            })
        })
        .collect();
    Value::Array(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_streamed_text_is_the_pretty_printed_bundle() {
        super::super::with_test_context(|cx| {
            let mut want = serde_json::to_string_pretty(&bundle(cx)).expect("serializes");
            want.push('\n');
            assert!(!cx.model.agents.is_empty());
            assert_eq!(text(cx), want);
        });
    }
}
