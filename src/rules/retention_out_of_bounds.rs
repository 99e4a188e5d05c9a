//! `retention-out-of-bounds`.

use super::Context;
use crate::diag::{tick, Diagnostic};

crate::declare_rule! {
    /// ## What it finds
    /// A workflow whose `retention_days` (how long its detailed audit log is kept) is outside the
    /// Policy's `audit.retention_days` bounds `{ min, max }`. A workflow without `retention_days`
    /// keeps its log for the Policy's minimum, so it is never reported; neither is anything when
    /// the Policy sets no bounds.
    ///
    /// ## Why it matters
    /// Too short, and an incident found a month later cannot be investigated; too long, and
    /// detailed logs full of prompts and personal data are kept beyond what privacy rules and the
    /// Policy allow. The usual practice is 30 to 90 days for detailed logs, aggregates longer.
    ///
    /// ## Example
    /// ```yaml
    /// # Policy: audit: { retention_days: { min: 30, max: 90 } }
    /// kind: Workflow
    /// spec:
    ///   retention_days: 365
    /// ```
    ///
    /// ## How to fix
    /// Set `retention_days` within the bounds (or remove it to use the minimum). Keep long-term
    /// trends as aggregates rather than detailed logs.
    pub RETENTION_OUT_OF_BOUNDS = { name: "retention-out-of-bounds", group: "audit", severity: Error, summary: "a workflow's audit retention outside the Policy's bounds" }
}

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let m = cx.model;
    let Some(policy) = m.policy.as_ref() else {
        return Vec::new();
    };
    let Some(bounds) = policy.spec.audit.as_ref().and_then(|a| a.retention_days) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for w in m.workflows.values() {
        let Some(days) = w.spec.retention_days else {
            continue;
        };
        let (label, help) = if days < bounds.min {
            (
                format!("shorter than the minimum of {} days", bounds.min),
                format!("keep the detailed audit log at least {} days", bounds.min),
            )
        } else if days > bounds.max {
            (
                format!("longer than the maximum of {} days", bounds.max),
                format!("keep the detailed audit log at most {} days; keep aggregates for longer trends", bounds.max),
            )
        } else {
            continue;
        };
        out.push(
            Diagnostic::new(&RETENTION_OUT_OF_BOUNDS,
                format!(
                    "workflow {} keeps its audit log {days} days, outside the Policy's {}..{} days",
                    tick(&w.name),
                    bounds.min,
                    bounds.max
                ),
            )
            .at(cx.ws.loc(w.doc, "/spec/retention_days"))
            .label(label)
            .help(help)
            .related(
                cx.ws.loc(policy.doc, "/spec/audit/retention_days"),
                "the Policy's retention bounds",
            )
            .target(format!("workflow/{}", w.name))
            .subject("retention_days"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::util::testing::{base, of};

    const RULE: &str = "retention-out-of-bounds";

    #[test]
    fn bounds_are_inclusive_and_absent_is_fine() {
        assert!(of(RULE, &[]).is_empty());
        for (days, bad) in [
            (29, true),
            (30, false),
            (90, false),
            (91, true),
            (365, true),
        ] {
            let wf = base("workflow.yaml")
                .replace("retention_days: 60", &format!("retention_days: {days}"));
            assert_eq!(
                of(RULE, &[("workflow.yaml", &wf)]).len(),
                bad as usize,
                "{days}"
            );
        }
        let wf = base("workflow.yaml").replace("  retention_days: 60\n", "");
        assert!(of(RULE, &[("workflow.yaml", &wf)]).is_empty());
    }
}
