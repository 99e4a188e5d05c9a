//! `override-without-reason`.

use super::{AuditContext, Finding};
use crate::audit::record::Record;
use crate::audit::Eval;

crate::declare_rule! {
    /// ## What it finds
    /// A record with an `override` (a human overriding the decision) that does not say who
    /// (`by`) or why (`reason`).
    ///
    /// ## Why it matters
    /// Overrides are where accountability is tested: the practice guide asks for every override
    /// and its rationale to be logged, and counts them in the adoption metrics.
    ///
    /// ## Example
    /// ```json
    /// "override": {"by": "maya"}
    /// ```
    ///
    /// ## How to fix
    /// Require a person and a reason in the tool that records overrides.
    pub OVERRIDE_WITHOUT_REASON = { name: "override-without-reason", group: "evidence", severity: Error, summary: "an override that does not say who or why" }
}

pub fn check(_: &AuditContext, r: &Record, _: &Eval) -> Option<Finding> {
    let o = r.override_.as_ref()?;
    let empty = |s: &Option<String>| s.as_deref().is_none_or(str::is_empty);
    let missing: Vec<&str> = [("`by`", &o.by), ("`reason`", &o.reason)]
        .into_iter()
        .filter(|(_, v)| empty(v))
        .map(|(k, _)| k)
        .collect();
    if missing.is_empty() {
        return None;
    }
    Some(Finding {
        rule: &OVERRIDE_WITHOUT_REASON,
        message: format!(
            "the override of {} lacks {}",
            super::who_did(r),
            missing.join(" and ")
        ),
        label: "incomplete override".into(),
        help: "record who overrode the decision and why".into(),
        keys: &[
            "time",
            "agent",
            "operation",
            "decision",
            "override",
            "outcome",
        ],
    })
}
