//! `gate-below-consequence`.

use super::Context;
use crate::diag::Diagnostic;

crate::declare_rule! {
    /// ## What it finds
    /// TODO
    pub GATE_BELOW_CONSEQUENCE = { name: "gate-below-consequence", group: "approvals", severity: Error, summary: "a step's gate weaker than what the Policy's derive rules require" }
}

pub fn check(_cx: &Context) -> Vec<Diagnostic> {
    Vec::new()
}
