//! `missing-checklist`.

use super::Context;
use crate::diag::Diagnostic;

crate::declare_rule! {
    /// ## What it finds
    /// TODO
    pub MISSING_CHECKLIST = { name: "missing-checklist", group: "approvals", severity: Warning, summary: "a step at the strongest tier without a reviewer checklist" }
}

pub fn check(_cx: &Context) -> Vec<Diagnostic> {
    Vec::new()
}
