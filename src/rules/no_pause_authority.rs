//! `no-pause-authority`.

use super::Context;
use crate::diag::Diagnostic;

crate::declare_rule! {
    /// ## What it finds
    /// TODO
    pub NO_PAUSE_AUTHORITY = { name: "no-pause-authority", group: "accountability", severity: Error, summary: "an agent with external effects that no one can pause" }
}

pub fn check(_cx: &Context) -> Vec<Diagnostic> {
    Vec::new()
}
