//! `missing-rollback`.

use super::Context;
use crate::diag::Diagnostic;

crate::declare_rule! {
    /// ## What it finds
    /// TODO
    pub MISSING_ROLLBACK = { name: "missing-rollback", group: "irreversibility", severity: Error, summary: "a workflow with an irreversible or compensable step and no rollback plan" }
}

pub fn check(_cx: &Context) -> Vec<Diagnostic> {
    Vec::new()
}
