//! `ungated-irreversible-action`.

use super::Context;
use crate::diag::Diagnostic;

crate::declare_rule! {
    /// ## What it finds
    /// TODO
    pub UNGATED_IRREVERSIBLE_ACTION = { name: "ungated-irreversible-action", group: "irreversibility", severity: Error, summary: "an irreversible or external operation an agent may perform with no human approval" }
}

pub fn check(_cx: &Context) -> Vec<Diagnostic> {
    Vec::new()
}
