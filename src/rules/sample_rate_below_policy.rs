//! `sample-rate-below-policy`.

use super::Context;
use crate::diag::Diagnostic;

crate::declare_rule! {
    /// ## What it finds
    /// TODO
    pub SAMPLE_RATE_BELOW_POLICY = { name: "sample-rate-below-policy", group: "change", severity: Warning, summary: "an agent's rollout sample rate below the Policy's rate for its stage" }
}

pub fn check(_cx: &Context) -> Vec<Diagnostic> {
    Vec::new()
}
