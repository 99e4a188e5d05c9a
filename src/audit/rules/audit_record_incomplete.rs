//! `audit-record-incomplete`.

use super::{AuditContext, Finding};
use crate::audit::record::{Outcome as Ran, Record};
use crate::audit::Eval;
use crate::semantics::{is_read, required_audit};

crate::declare_rule! {
    /// ## What it finds
    /// A record whose `audit` object lacks a field the Policy requires for its tier (absent,
    /// `null` or `""`). Requirements are cumulative: a `two-person` action needs the fields of
    /// `auto`, `review` and `two-person`. The tier is `decide`'s for the record's request; for a
    /// denied request, the recorded tier when the Policy has it, else the weakest. An `executed`
    /// record of an operation that is not a read, in a workflow of the repository, also needs
    /// every field of that workflow's `audit` list.
    ///
    /// ## Why it matters
    /// The evidence is the log: prompt, inputs, model, decision, reviewer and rationale. A
    /// record without them cannot show a reviewer, an auditor or a regulator what happened.
    ///
    /// ## Example
    /// ```json
    /// {"decision": {"effect": "approve", "tier": "review"}, "audit": {"prompt": "…", "inputs": "…"}, ...}
    /// ```
    /// `review` also requires `output`, `model_version`, `reviewer`, `decision`, `rationale` and
    /// `timestamp`.
    ///
    /// ## How to fix
    /// Make the gateway log every field the Policy's `audit.required` and the workflow's `audit`
    /// list name (`audit/record.schema.json` from `agentgov build` lists them).
    pub AUDIT_RECORD_INCOMPLETE = { name: "audit-record-incomplete", group: "evidence", severity: Error, summary: "an audit record that lacks a field its tier or workflow requires" }
}

pub fn check(cx: &AuditContext, r: &Record, ev: &Eval) -> Option<Finding> {
    let m = cx.model;
    let rank = ev
        .rank
        .or_else(|| {
            r.decision
                .tier
                .as_deref()
                .and_then(|t| cx.plan.tiers.iter().position(|x| x == t))
        })
        .unwrap_or(0);
    let mut needed = required_audit(m, rank);
    let operation = r.operation.rsplit('.').next().unwrap_or("");
    if r.outcome == Ran::Executed && !is_read(operation) {
        if let Some(w) = r.workflow.as_deref().and_then(|w| m.workflows.get(w)) {
            for f in &w.spec.audit {
                if !needed.contains(f) {
                    needed.push(f.clone());
                }
            }
        }
    }
    let missing: Vec<String> = needed
        .iter()
        .filter(|f| !r.audit_has(f))
        .map(|f| format!("`{f}`"))
        .collect();
    if missing.is_empty() {
        return None;
    }
    Some(Finding {
        rule: &AUDIT_RECORD_INCOMPLETE,
        message: format!(
            "the audit record of {} at tier `{}` lacks {}",
            super::who_did(r),
            cx.plan.tiers.get(rank).map(String::as_str).unwrap_or(""),
            missing.join(", ")
        ),
        label: format!("{} missing", missing.len()),
        help: "log every field the Policy's `audit.required` (cumulative by tier) and the workflow's `audit` list name".into(),
        keys: &["time", "agent", "operation", "workflow", "decision", "outcome", "audit"],
    })
}
