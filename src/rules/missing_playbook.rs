//! `missing-playbook`.

use super::Context;
use crate::diag::Diagnostic;

crate::declare_rule! {
    /// ## What it finds
    /// TODO
    pub MISSING_PLAYBOOK = { name: "missing-playbook", group: "accountability", severity: Warning, summary: "a workflow above the weakest tier without an incident playbook" }
}

pub fn check(_cx: &Context) -> Vec<Diagnostic> {
    Vec::new()
}
