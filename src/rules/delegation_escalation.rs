//! `delegation-escalation`.

use super::Context;
use crate::diag::Diagnostic;

crate::declare_rule! {
    /// ## What it finds
    /// TODO
    pub DELEGATION_ESCALATION = { name: "delegation-escalation", group: "least-privilege", severity: Error, summary: "through delegation an agent reaches a risky operation it is not granted itself" }
}

pub fn check(_cx: &Context) -> Vec<Diagnostic> {
    Vec::new()
}
