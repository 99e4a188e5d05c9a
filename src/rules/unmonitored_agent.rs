//! `unmonitored-agent`.

use super::Context;
use crate::diag::Diagnostic;

crate::declare_rule! {
    /// ## What it finds
    /// TODO
    pub UNMONITORED_AGENT = { name: "unmonitored-agent", group: "monitoring", severity: Warning, summary: "an agent with external effects and no monitors" }
}

pub fn check(_cx: &Context) -> Vec<Diagnostic> {
    Vec::new()
}
