//! `monitor-without-response`.

use super::Context;
use crate::diag::Diagnostic;

crate::declare_rule! {
    /// ## What it finds
    /// TODO
    pub MONITOR_WITHOUT_RESPONSE = { name: "monitor-without-response", group: "monitoring", severity: Warning, summary: "a monitor with no `then` response" }
}

pub fn check(_cx: &Context) -> Vec<Diagnostic> {
    Vec::new()
}
