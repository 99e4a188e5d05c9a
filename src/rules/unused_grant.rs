//! `unused-grant`.

use super::Context;
use crate::diag::Diagnostic;

crate::declare_rule! {
    /// ## What it finds
    /// TODO
    pub UNUSED_GRANT = { name: "unused-grant", group: "least-privilege", severity: Warning, summary: "a granted operation no workflow step of that agent performs" }
}

pub fn check(_cx: &Context) -> Vec<Diagnostic> {
    Vec::new()
}
