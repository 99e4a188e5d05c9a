//! `audit-fields-missing`.

use super::Context;
use crate::diag::Diagnostic;

crate::declare_rule! {
    /// ## What it finds
    /// TODO
    pub AUDIT_FIELDS_MISSING = { name: "audit-fields-missing", group: "audit", severity: Error, summary: "a workflow's audit list lacks fields its tier requires" }
}

pub fn check(_cx: &Context) -> Vec<Diagnostic> {
    Vec::new()
}
