//! `data-flow-leak`.

use super::Context;
use crate::diag::Diagnostic;

crate::declare_rule! {
    /// ## What it finds
    /// TODO
    pub DATA_FLOW_LEAK = { name: "data-flow-leak", group: "least-privilege", severity: Error, summary: "personal or sensitive data synced into a resource classified lower" }
}

pub fn check(_cx: &Context) -> Vec<Diagnostic> {
    Vec::new()
}
