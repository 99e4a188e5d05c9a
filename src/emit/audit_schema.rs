//! `audit/record.schema.json`: the JSON Schema (2020-12) of the record a gateway logs per action
//! (DESIGN §8, `docs/audit.md`), so that a gateway can validate what it logs.
//!
//! The structure is exactly what [`crate::audit::record`] accepts: the same keys (no other key,
//! at any level where the parser denies unknown keys), the same required keys, the same types,
//! `null` wherever the parser reads an optional key as absent, and the fixed enums (`effect`,
//! `outcome`, an approval's `decision`). On top of that the repository's own names are enums:
//! agents, operations, tiers, people (approvers) and, for a rejection, the Policy's
//! `rejection_reasons` (required). `agentgov audit` judges those names through its rules instead
//! (an unknown agent that executed is an `unauthorized-action`, …). `docs/audit.md` lists where
//! the two cannot agree exactly.

use super::{Artifact, EmitContext};
use crate::model::Model;
use serde_json::{json, Map, Value};

/// Where the schema goes in the output folder.
pub const PATH: &str = "audit/record.schema.json";

/// The shape of an RFC 3339 time with its offset, as `chrono`'s parser reads it (the separator
/// `T`, `t` or a space; `Z`, `z` or a numeric offset; any number of fraction digits; a leap
/// second). That a day exists in its month is left to `format: date-time`.
pub const TIME_PATTERN: &str = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?([Zz]|[+\\-\u{2212}]([01][0-9]|2[0-3]):[0-5][0-9])$";

pub fn emit(cx: &EmitContext) -> Vec<Artifact> {
    let mut text = serde_json::to_string_pretty(&schema(cx.model)).expect("JSON serializes");
    text.push('\n');
    vec![(PATH.to_string(), text.into_bytes())]
}

/// `{"enum": names}` (sorted, deduplicated), with `null` too when `nullable`.
fn names<I: IntoIterator<Item = String>>(names: I, nullable: bool) -> Value {
    let set: std::collections::BTreeSet<String> = names.into_iter().collect();
    let mut values: Vec<Value> = set.into_iter().map(Value::String).collect();
    if nullable {
        values.push(Value::Null);
        json!({ "type": ["string", "null"], "enum": values })
    } else {
        json!({ "type": "string", "enum": values })
    }
}

fn time(description: &str, nullable: bool) -> Value {
    json!({
        "type": if nullable { json!(["string", "null"]) } else { json!("string") },
        "format": "date-time",
        "pattern": TIME_PATTERN,
        "description": description,
    })
}

fn optional_string(description: &str) -> Value {
    json!({ "type": ["string", "null"], "description": description })
}

/// An object of exactly these properties (`required` of them required), or `null` when
/// `nullable`.
fn object(description: &str, nullable: bool, required: &[&str], properties: Value) -> Value {
    json!({
        "type": if nullable { json!(["object", "null"]) } else { json!("object") },
        "description": description,
        "required": required,
        "properties": properties,
        "additionalProperties": false,
    })
}

/// The schema of a record of `m`'s repository.
pub fn schema(m: &Model) -> Value {
    let policy = m.policy.as_ref().map(|p| &p.spec);
    let agents = names(m.agents.keys().cloned(), false);
    let operations = names(m.all_operations().map(|(op, _)| op.to_string()), false);
    let tiers = names(
        policy
            .into_iter()
            .flat_map(|p| p.tiers.iter().map(|t| t.id.clone())),
        true,
    );
    let people = names(m.people.keys().cloned(), false);
    let reasons = names(
        policy
            .and_then(|p| p.audit.as_ref())
            .into_iter()
            .flat_map(|a| a.rejection_reasons.iter().cloned()),
        false,
    );
    let approval = {
        let mut a = object(
            "a review of the action",
            false,
            &["by", "decision"],
            json!({
                "by": { "$ref": "#/$defs/person" },
                "decision": { "enum": ["approve", "reject"] },
                "at": time("when the reviewer decided", true),
                "reason": optional_string("for a rejection, one of the Policy's rejection_reasons"),
            }),
        );
        // A rejection carries one of the Policy's reasons.
        a["if"] = json!({ "properties": { "decision": { "const": "reject" } } });
        a["then"] = json!({
            "required": ["reason"],
            "properties": { "reason": { "$ref": "#/$defs/rejection_reason" } }
        });
        a
    };
    let mut defs = Map::new();
    defs.insert("agent".into(), agents);
    defs.insert("operation".into(), operations);
    defs.insert("tier".into(), tiers);
    defs.insert("person".into(), people);
    defs.insert("rejection_reason".into(), reasons);
    defs.insert("approval".into(), approval);
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:agentgov:schemas:v1:audit-record.json",
        "title": "audit record",
        "description": "One action as a gateway logs it: one JSON object per line (JSON Lines). Generated by agentgov build from the governance repository; see docs/audit.md.",
        "type": "object",
        "required": ["time", "agent", "operation", "decision", "outcome"],
        "properties": {
            "time": time("when the action was decided: RFC 3339 with an offset", false),
            "agent": { "$ref": "#/$defs/agent" },
            "operation": { "$ref": "#/$defs/operation" },
            "tool": object(
                "the MCP tool the action went through",
                true,
                &["server", "name"],
                json!({ "server": { "type": "string" }, "name": { "type": "string" } }),
            ),
            "workflow": optional_string("the use case, when the runtime knows it"),
            "step": optional_string("the workflow's step, when the runtime knows it"),
            "fields": {
                "type": ["array", "null"],
                "description": "the fields the action touched (absent: not known)",
                "items": { "type": "string" },
            },
            "context": {
                "type": ["object", "null"],
                "description": "the facts the enforcement point supplied",
                "additionalProperties": { "type": ["boolean", "number", "string"] },
            },
            "decision": object(
                "what the runtime decided",
                false,
                &["effect"],
                json!({
                    "effect": { "enum": ["allow", "approve", "deny"] },
                    "tier": { "$ref": "#/$defs/tier" },
                    "reasons": { "type": ["array", "null"], "items": { "type": "string" } },
                }),
            ),
            "approvals": {
                "type": ["array", "null"],
                "description": "the reviews of the action",
                "items": { "$ref": "#/$defs/approval" },
            },
            "outcome": { "enum": ["executed", "blocked", "rejected", "failed", "rolled_back"] },
            "override": object(
                "a human overrode the decision",
                true,
                &[],
                json!({
                    "by": { "type": ["string", "null"] },
                    "reason": { "type": ["string", "null"] },
                }),
            ),
            "sampled": {
                "type": ["boolean", "null"],
                "description": "an auto-tier action chosen for spot-check review",
            },
            "model": object(
                "the model that acted",
                true,
                &["provider", "name", "version"],
                json!({
                    "provider": { "type": "string" },
                    "name": { "type": "string" },
                    "version": { "type": "string" },
                }),
            ),
            "prompt_sha256": optional_string("SHA-256 (hex) of the prompt file the agent ran with"),
            "connectors_sha256": optional_string("a hash of the tool configuration the gateway acted through"),
            "audit": {
                "type": ["object", "null"],
                "description": "the audit fields (prompt, inputs, rationale, …): absent, null or \"\" do not count",
            },
            "id": optional_string("the gateway's own record id"),
        },
        "additionalProperties": false,
        "$defs": defs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The time pattern accepts exactly the shapes `parse_time` accepts (days that do not exist
    /// in their month aside).
    #[test]
    fn the_time_pattern_agrees_with_the_parser() {
        let v = jsonschema::draft202012::new(&json!({ "type": "string", "pattern": TIME_PATTERN }))
            .expect("compiles");
        for t in [
            "2026-11-20T10:15:03Z",
            "2026-11-20t10:15:03z",
            "2026-11-20 10:15:03+01:00",
            "2026-11-20T10:15:03.123456789123-05:30",
            "2026-12-31T23:59:60Z",
            "2026-11-20T10:15:03\u{2212}01:00",
            "2026-11-20T10:15:03-00:00",
            "2026-11-20T23:15:03+23:59",
            "2026-11-20T10:15:03",
            "2026-11-20T10:15Z",
            "2026-11-20T24:00:00Z",
            "2026-13-20T10:15:03Z",
            "2026-11-20T10:15:03+0100",
            "2026-11-20T10:15:03+24:00",
            "2026-11-20T10:15:03.Z",
            "2026-11-20T10:15:03Z ",
            "2026-11-20X10:15:03Z",
            "+2026-11-20T10:15:03Z",
            "26-11-20T10:15:03Z",
        ] {
            assert_eq!(
                v.is_valid(&json!(t)),
                crate::audit::record::parse_time(t).is_some(),
                "{t}"
            );
        }
    }
}
