//! `missing-compensation`.

use super::Context;
use crate::diag::Diagnostic;

crate::declare_rule! {
    /// ## What it finds
    /// TODO
    pub MISSING_COMPENSATION = { name: "missing-compensation", group: "irreversibility", severity: Error, summary: "a compensable operation without a `compensation`" }
}

pub fn check(_cx: &Context) -> Vec<Diagnostic> {
    Vec::new()
}
