//! `tier-understaffed`.

use super::Context;
use crate::diag::Diagnostic;

crate::declare_rule! {
    /// ## What it finds
    /// TODO
    pub TIER_UNDERSTAFFED = { name: "tier-understaffed", group: "approvals", severity: Error, summary: "a tier whose groups cannot supply enough distinct people" }
}

pub fn check(_cx: &Context) -> Vec<Diagnostic> {
    Vec::new()
}
