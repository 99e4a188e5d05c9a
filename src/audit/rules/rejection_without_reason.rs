//! `rejection-without-reason`.

use super::{AuditContext, Finding};
use crate::audit::record::{Record, Verdict};
use crate::audit::Eval;

crate::declare_rule! {
    /// ## What it finds
    /// An approval entry with `decision: reject` whose `reason` is missing, empty, or not one of
    /// the Policy's `audit.rejection_reasons`.
    ///
    /// ## Why it matters
    /// Structured rejection reasons are how a team sees where prompts or policies are weak: a
    /// trend of `factual-error` says the prompt needs sources, `wrong-audience` that the
    /// segmentation does. Free text and blanks cannot be counted.
    ///
    /// ## Example
    /// ```json
    /// "approvals": [{"by": "maya", "decision": "reject", "reason": "bad"}]
    /// ```
    ///
    /// ## How to fix
    /// Make the review tool offer only the Policy's reasons, or add the reason to the Policy's
    /// `audit.rejection_reasons` if it names a real, recurring failure.
    pub REJECTION_WITHOUT_REASON = { name: "rejection-without-reason", group: "evidence", severity: Error, summary: "a rejection without a reason the Policy lists" }
}

pub fn check(cx: &AuditContext, r: &Record, _: &Eval) -> Option<Finding> {
    let reasons = cx
        .model
        .policy()
        .audit
        .as_ref()
        .map(|a| a.rejection_reasons.as_slice())
        .unwrap_or(&[]);
    let bad = r.approvals().iter().find(|a| {
        a.decision == Verdict::Reject
            && !a
                .reason
                .as_deref()
                .is_some_and(|x| reasons.iter().any(|known| known == x))
    })?;
    let (message, help) = match bad.reason.as_deref().filter(|x| !x.is_empty()) {
        None => (
            format!(
                "{} rejected {} without a reason",
                crate::diag::tick(&bad.by),
                super::who_did(r)
            ),
            "record one of the Policy's `audit.rejection_reasons` with every rejection".to_string(),
        ),
        Some(x) => (
            format!(
                "{} rejected {} for {}, which is not one of the Policy's rejection reasons",
                crate::diag::tick(&bad.by),
                super::who_did(r),
                crate::diag::tick(x)
            ),
            crate::diag::suggestion_help(
                x,
                reasons.iter().map(String::as_str),
                "use one of the Policy's `audit.rejection_reasons`, or add this one there",
            ),
        ),
    };
    Some(Finding {
        rule: &REJECTION_WITHOUT_REASON,
        message,
        label: "no listed reason".into(),
        help,
        keys: &["time", "agent", "operation", "approvals", "outcome"],
    })
}
