//! `decision-mismatch`.

use super::{who_did, AuditContext, Finding};
use crate::audit::record::Record;
use crate::audit::Eval;
use crate::decide::Outcome;

crate::declare_rule! {
    /// ## What it finds
    /// A record whose recorded `decision` differs from what `decide` answers for the record's
    /// request today: a different `effect`, or for `approve` a different (or missing) `tier`, or
    /// for `allow` a tier other than the weakest.
    ///
    /// ## Why it matters
    /// The runtime decides with a policy that is not the one in the repository: stale bundles,
    /// a hand-edited rule, a gateway that never reloaded. Even when the action was harmless, the
    /// next one may not be.
    ///
    /// ## Example
    /// ```json
    /// {"operation": "email.campaigns.send", "decision": {"effect": "approve", "tier": "review"}, ...}
    /// ```
    /// The repository requires `two-person` for sending.
    ///
    /// ## How to fix
    /// Redeploy the generated policy (`agentgov build`) to the gateway and check that it reloads
    /// on every change; `agentgov why AGENT OPERATION` shows what the repository decides and why.
    pub DECISION_MISMATCH = { name: "decision-mismatch", group: "evidence", severity: Warning, summary: "a recorded decision that differs from `decide` on the record's request" }
}

pub fn check(_: &AuditContext, r: &Record, ev: &Eval) -> Option<Finding> {
    let d = &ev.decision;
    let recorded = &r.decision;
    let tier_differs = match d.effect {
        Outcome::Deny => false,
        Outcome::Approve => recorded.tier != d.tier,
        Outcome::Allow => recorded.tier.is_some() && recorded.tier != d.tier,
    };
    if recorded.effect == d.effect && !tier_differs {
        return None;
    }
    let show = |effect: Outcome, tier: Option<&str>| match (effect, tier) {
        (Outcome::Deny, _) | (_, None) => format!("`{}`", effect.as_str()),
        (_, Some(t)) => format!("`{}` (tier `{t}`)", effect.as_str()),
    };
    Some(Finding {
        rule: &DECISION_MISMATCH,
        message: format!(
            "the runtime decided {} for {}, the governance decides {}",
            show(recorded.effect, recorded.tier.as_deref()),
            who_did(r),
            show(d.effect, d.tier.as_deref())
        ),
        label: "a different decision".into(),
        help: "deploy the policy `agentgov build` generates to the gateway and make it reload on every change".into(),
        keys: &["time", "agent", "operation", "workflow", "fields", "context", "decision"],
    })
}
