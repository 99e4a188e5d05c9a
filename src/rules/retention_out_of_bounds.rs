//! `retention-out-of-bounds`.

use super::Context;
use crate::diag::Diagnostic;

crate::declare_rule! {
    /// ## What it finds
    /// TODO
    pub RETENTION_OUT_OF_BOUNDS = { name: "retention-out-of-bounds", group: "audit", severity: Error, summary: "a workflow's retention outside the Policy's bounds" }
}

pub fn check(_cx: &Context) -> Vec<Diagnostic> {
    Vec::new()
}
