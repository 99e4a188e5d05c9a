//! `delegation-cycle`.

use super::Context;
use crate::diag::Diagnostic;

crate::declare_rule! {
    /// ## What it finds
    /// TODO
    pub DELEGATION_CYCLE = { name: "delegation-cycle", group: "least-privilege", severity: Error, summary: "agents that delegate to each other in a cycle" }
}

pub fn check(_cx: &Context) -> Vec<Diagnostic> {
    Vec::new()
}
