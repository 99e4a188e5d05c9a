//! `unauthorized-action`.

use super::{who_did, AuditContext, Finding};
use crate::audit::record::{Outcome as Ran, Record};
use crate::audit::Eval;
use crate::decide::Outcome;

crate::declare_rule! {
    /// ## What it finds
    /// A record with `outcome: executed` for an action the governance does not permit: `decide`
    /// denies its request (agent, operation, fields, workflow, context), or approves it with a
    /// tier that the record's approvals do not satisfy. Approvers are the distinct people of the
    /// Team with an approval entry whose `decision` is `approve`; their groups must cover every
    /// group the tier lists, as at any enforcement point. Unknown agents, operations and people
    /// are denied or do not count.
    ///
    /// ## Why it matters
    /// This is the action that should never have happened: a gateway that ran a stale policy,
    /// skipped the approval step, or let an agent act outside its grants.
    ///
    /// ## Example
    /// ```json
    /// {"agent": "campaign-writer", "operation": "email.campaigns.send", "decision": {"effect": "approve", "tier": "two-person"},
    ///  "approvals": [{"by": "maya", "decision": "approve"}], "outcome": "executed", ...}
    /// ```
    /// `two-person` needs two people covering `marketing-leads` and `compliance`; one approved.
    ///
    /// ## How to fix
    /// Stop the gateway from executing before the approvals satisfy the tier (load the generated
    /// Cedar or Rego policy), then treat the record as an incident: follow the workflow's rollback
    /// and playbook.
    pub UNAUTHORIZED_ACTION = { name: "unauthorized-action", group: "evidence", severity: Error, summary: "an executed action that `decide` and the approval check do not permit" }
}

pub fn check(_: &AuditContext, r: &Record, ev: &Eval) -> Option<Finding> {
    if r.outcome != Ran::Executed || ev.permitted {
        return None;
    }
    let d = &ev.decision;
    let (message, label, help) = match d.effect {
        Outcome::Deny => (
            format!(
                "{} was executed, but the governance denies it ({})",
                who_did(r),
                d.reasons.join(", ")
            ),
            "denied by the governance".to_string(),
            "an enforcement point must block what `decide` denies: load the generated policy into the gateway, and follow the workflow's rollback for this action".to_string(),
        ),
        _ => (
            format!(
                "{} was executed with {} approver{}, which does not satisfy tier `{}`",
                who_did(r),
                ev.approvers,
                if ev.approvers == 1 { "" } else { "s" },
                d.tier.as_deref().unwrap_or("")
            ),
            "approvals do not satisfy the tier".to_string(),
            "hold the action until distinct people of the Team covering every group of the tier have approved it".to_string(),
        ),
    };
    Some(Finding {
        rule: &UNAUTHORIZED_ACTION,
        message,
        label,
        help,
        keys: &[
            "time",
            "agent",
            "operation",
            "workflow",
            "fields",
            "context",
            "decision",
            "approvals",
            "outcome",
        ],
    })
}
