//! `broad-field-access`.

use super::Context;
use crate::diag::Diagnostic;

crate::declare_rule! {
    /// ## What it finds
    /// TODO
    pub BROAD_FIELD_ACCESS = { name: "broad-field-access", group: "least-privilege", severity: Warning, summary: "fields granted beyond those the agent's steps use, or no field list on personal or sensitive data" }
}

pub fn check(_cx: &Context) -> Vec<Diagnostic> {
    Vec::new()
}
