//! `review-overdue`.

use super::Context;
use crate::diag::Diagnostic;

crate::declare_rule! {
    /// ## What it finds
    /// TODO
    pub REVIEW_OVERDUE = { name: "review-overdue", group: "change", severity: Warning, summary: "an agent's last review older than its cadence allows" }
}

pub fn check(_cx: &Context) -> Vec<Diagnostic> {
    Vec::new()
}
