//! `opa/`: a generic Rego policy (package `agentgov`, Rego v1) and the compiled plan as its data
//! (`data.agentgov_plan`). `data.agentgov.decision` gives exactly [`Plan::decide`]'s effect, tier
//! and reasons, and `permit` = [`Plan::permits`] (DESIGN §5, "The enforcement contract").
//!
//! Input: `{agent, operation, fields?, workflow?, context: {facts...}, approvals?: {count, groups}}`.
//! A missing or `null` `fields` means the request names no fields. A malformed input (an unknown
//! key, a fact that is undeclared or of the wrong type, `approvals` without an integer `count` and
//! a list of `groups`) is denied with reason `malformed-request`, as [`Plan::decide`] does.

use super::{Artifact, EmitContext};
use crate::decide::{AgentPlan, Choice, Plan, TestPlan};
use crate::model::Mode;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The plan as OPA data, and the policy, in the output folder.
const DATA_PATH: &str = "opa/data.json";
const POLICY_PATH: &str = "opa/policy.rego";

/// Where the plan lives in OPA's data.
pub const DATA_KEY: &str = "agentgov_plan";

pub fn emit(cx: &EmitContext) -> Vec<Artifact> {
    super::kept(|sink, pieces| emit_into(cx, sink, pieces))
}

/// Writes the data (in pieces) and the policy.
pub fn emit_into(
    cx: &EmitContext,
    sink: super::Sink,
    pieces: super::PieceSink,
) -> Result<(), super::EmitError> {
    pieces(DATA_PATH, &mut data_pieces(cx.plan))?;
    sink((POLICY_PATH.to_string(), POLICY.as_bytes().to_vec()))
}

/// One way through an operation, as OPA data.
#[derive(Serialize)]
struct ChoiceData<'a> {
    gate: usize,
    gate_step: &'a Option<String>,
    fallback_class: Option<usize>,
    static_derives: Vec<Derive>,
    data_derives: Vec<Derive>,
}

#[derive(Serialize)]
struct Derive {
    index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    threshold: Option<usize>,
    rank: usize,
    reason: String,
}

fn choice(c: &Choice) -> ChoiceData<'_> {
    ChoiceData {
        gate: c.gate,
        gate_step: &c.gate_step,
        fallback_class: c.fallback_class,
        static_derives: c
            .static_derives
            .iter()
            .map(|&(index, rank)| Derive {
                index,
                threshold: None,
                rank,
                reason: format!("derive:{index}"),
            })
            .collect(),
        data_derives: c
            .data_derives
            .iter()
            .map(|&(index, threshold, rank)| Derive {
                index,
                threshold: Some(threshold),
                rank,
                reason: format!("derive:{index}"),
            })
            .collect(),
    }
}

#[derive(Serialize)]
struct OpData<'a> {
    effect: &'static str,
    reversibility: &'static str,
    prohibited: &'a Option<String>,
    field_sets: &'a Vec<BTreeSet<String>>,
    field_classes: &'a BTreeMap<String, usize>,
    workflows: BTreeMap<&'a str, ChoiceData<'a>>,
    default: ChoiceData<'a>,
    recommend_only: usize,
}

#[derive(Serialize)]
struct AgentData<'a> {
    mode: &'static str,
    paused: bool,
    operations: BTreeMap<&'a str, OpData<'a>>,
}

fn agent(a: &AgentPlan) -> AgentData<'_> {
    AgentData {
        mode: a.mode.as_str(),
        paused: a.mode == Mode::Paused,
        operations: a
            .operations
            .iter()
            .map(|(op_id, op)| {
                (
                    op_id.as_str(),
                    OpData {
                        effect: op.effect.as_str(),
                        reversibility: op.reversibility.as_str(),
                        prohibited: &op.prohibited,
                        field_sets: &op.field_sets,
                        field_classes: &op.field_classes,
                        workflows: op
                            .workflows
                            .iter()
                            .map(|(w, c)| (w.as_str(), choice(c)))
                            .collect(),
                        default: choice(&op.default),
                        recommend_only: op.recommend_only,
                    },
                )
            })
            .collect(),
    }
}

fn escalations(plan: &Plan) -> Vec<Value> {
    plan.escalations
        .iter()
        .map(|e| {
            let (test, value) = match &e.test {
                TestPlan::Below(n) => ("below", json!(n)),
                TestPlan::Above(n) => ("above", json!(n)),
                TestPlan::In(v) => ("in", json!(v)),
                TestPlan::Is(b) => ("is", json!(b)),
            };
            json!({ "id": e.id, "fact": e.fact, "test": test, "value": value, "rank": e.rank })
        })
        .collect()
}

fn approvals(plan: &Plan) -> Vec<Value> {
    plan.approvals
        .iter()
        .map(|t| json!({ "count": t.count, "groups": t.groups }))
        .collect()
}

/// The plan as OPA data: `{"agentgov_plan": {...}}`.
pub fn data(plan: &Plan) -> Value {
    let agents: Map<String, Value> = plan
        .agents
        .iter()
        .map(|(name, a)| (name.clone(), json!(agent(a))))
        .collect();
    json!({
        DATA_KEY: {
            "tiers": plan.tiers,
            "facts": plan.facts,
            "approvals": approvals(plan),
            "escalations": escalations(plan),
            "agents": agents,
        }
    })
}

/// `opa/data.json`: the same text as pretty-printing [`data`].
#[cfg(test)]
pub fn data_text(plan: &Plan) -> String {
    String::from_utf8(data_pieces(plan).flatten().collect()).expect("JSON is UTF-8")
}

/// `opa/data.json` in pieces, its agents (nearly all of it) rendered in parallel batches.
fn data_pieces(plan: &Plan) -> impl Iterator<Item = Vec<u8>> + Send + '_ {
    let mut prefix = String::from("{\n  ");
    prefix.push_str(&serde_json::to_string(DATA_KEY).expect("strings serialize"));
    prefix.push_str(": {\n");
    for text in [
        super::pretty_member("tiers", &plan.tiers, 2),
        super::pretty_member("facts", &plan.facts, 2),
        super::pretty_member("approvals", &approvals(plan), 2),
        super::pretty_member("escalations", &escalations(plan), 2),
    ] {
        prefix.push_str(&text);
        prefix.push_str(",\n");
    }
    let agents: Vec<(&String, &AgentPlan)> = plan.agents.iter().collect();
    super::object_pieces(
        prefix,
        "agents",
        2,
        agents,
        |(name, a): &(&String, &AgentPlan)| super::pretty_member(name, &agent(a), 3),
        "\n  }\n}\n".to_string(),
    )
}

/// The policy: a fixed interpreter of the plan, the Rego twin of `Plan::decide` and `Plan::permits`.
pub const POLICY: &str = r#"# Generated by agentgov. Do not edit.
#
# The enforcement contract of agentgov for OPA:
#   input:    {agent, operation, fields?, workflow?, context: {facts...}, approvals?: {count, groups}}
#   decision: data.agentgov.decision = {effect: "allow" | "approve" | "deny", tier, permit, reasons}
# `permit` is true for allow, and for approve when the approvals satisfy the tier: at least as many
# distinct people as the tier lists approvals, covering every group it lists.
# The compiled plan is data.agentgov_plan (opa/data.json), produced by `agentgov build`.
package agentgov

import rego.v1

plan := data.agentgov_plan

agent := plan.agents[input.agent]

op := agent.operations[input.operation]

# The request names the fields it touches (an empty list touches none).
has_fields if input.fields != null

# Every requested field is inside the field set of one grant covering the operation.
fields_granted if not has_fields

fields_granted if {
	has_fields
	some allowed in op.field_sets
	every f in input.fields {
		f in allowed
	}
}

# The input is one the contract describes (anything else is denied: fail closed).
input_keys := {"agent", "operation", "fields", "workflow", "context", "approvals"}

malformed if not is_object(input)

malformed if {
	is_object(input)
	some key, _ in input
	not key in input_keys
}

malformed if not is_string(input.agent)

malformed if not is_string(input.operation)

malformed if {
	input.fields != null
	not is_array(input.fields)
}

malformed if {
	is_array(input.fields)
	some f in input.fields
	not is_string(f)
}

malformed if {
	input.workflow != null
	not is_string(input.workflow)
}

malformed if {
	input.context != null
	not is_object(input.context)
}

malformed if {
	is_object(input.context)
	some name, value in input.context
	not fact_typed(plan.facts[name], value)
}

fact_typed("number", v) if is_number(v)

fact_typed("bool", v) if is_boolean(v)

fact_typed("string", v) if is_string(v)

malformed if {
	input.approvals != null
	not approvals_well_formed
}

approvals_well_formed if {
	is_object(input.approvals)
	count(input.approvals) == 2
	is_number(input.approvals.count)
	input.approvals.count == floor(input.approvals.count)
	input.approvals.count >= 0
	is_array(input.approvals.groups)
	every g in input.approvals.groups {
		is_string(g)
	}
}

# Deny, in the order of `decide`.
denial := "malformed-request" if {
	malformed
} else := "not-granted" if {
	not agent
} else := "agent-paused" if {
	agent.paused
} else := "not-granted" if {
	not op
} else := "not-granted" if {
	not fields_granted
} else := concat("", ["prohibited:", op.prohibited]) if {
	is_string(op.prohibited)
}

# The steps the request stands for: its workflow's, else every step of this agent and operation.
choice := c if {
	c := op.workflows[input.workflow]
} else := op.default

# The data class of the request reaches a threshold: the requested fields', else the steps'.
data_reaches(threshold) if {
	has_fields
	some f in input.fields
	op.field_classes[f] >= threshold
}

data_reaches(threshold) if {
	not has_fields
	is_number(choice.fallback_class)
	choice.fallback_class >= threshold
}

# An escalation's condition holds on the context (a missing or mistyped fact never holds).
holds(e) if {
	e.test == "below"
	v := input.context[e.fact]
	is_number(v)
	v < e.value
}

holds(e) if {
	e.test == "above"
	v := input.context[e.fact]
	is_number(v)
	v > e.value
}

holds(e) if {
	e.test == "in"
	v := input.context[e.fact]
	is_string(v)
	v in e.value
}

holds(e) if {
	e.test == "is"
	v := input.context[e.fact]
	is_boolean(v)
	v == e.value
}

# Contributions to the tier, as [reason, rank], in the order of `decide`.
gate_part := [[concat("", ["gate:", choice.gate_step]), choice.gate]] if {
	choice.gate > 0
} else := []

derive_set contains [d.index, d.reason, d.rank] if {
	some d in choice.static_derives
	d.rank > 0
}

derive_set contains [d.index, d.reason, d.rank] if {
	some d in choice.data_derives
	d.rank > 0
	data_reaches(d.threshold)
}

derive_part := [[d[1], d[2]] | some d in sort(derive_set)]

escalation_part := [[concat("", ["escalation:", e.id]), e.rank] |
	some e in plan.escalations
	e.rank > 0
	holds(e)
]

recommend_part := [["recommend-only", op.recommend_only]] if {
	op.recommend_only > 0
} else := []

parts := array.concat(array.concat(gate_part, derive_part), array.concat(escalation_part, recommend_part))

rank := max(array.concat([0], [p[1] | some p in parts]))

reasons := [p[0] | some p in parts]

effect := "allow" if {
	rank == 0
} else := "approve"

# The approvals satisfy the tier.
approved if {
	need := plan.approvals[rank]
	is_number(input.approvals.count)
	input.approvals.count >= need.count
	is_array(input.approvals.groups)
	every g in need.groups {
		g in input.approvals.groups
	}
}

permit := true if {
	rank == 0
} else := true if {
	approved
} else := false

decision := {"effect": "deny", "tier": null, "permit": false, "reasons": [denial]} if {
	is_string(denial)
} else := {"effect": effect, "tier": plan.tiers[rank], "permit": permit, "reasons": reasons}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parallel_text_is_the_pretty_printed_data() {
        super::super::with_test_context(|cx| {
            assert!(!cx.plan.agents.is_empty());
            let mut want = serde_json::to_string_pretty(&data(cx.plan)).expect("serializes");
            want.push('\n');
            assert_eq!(data_text(cx.plan), want);
        });
    }
}
