//! `missing-checklist`.

use super::Context;
use crate::diag::{tick, Diagnostic};

crate::declare_rule! {
    /// ## What it finds
    /// A workflow step gated with a tier that needs two or more approvals (two distinct people:
    /// `two-person` in the usual Policy) that has no reviewer `checklist`. The rule goes by the
    /// approvals a tier needs, not by its name, so a Policy that renames or adds tiers is still
    /// covered; a Policy whose tiers need at most one approver has no such step.
    ///
    /// ## Why it matters
    /// Two-person gates guard the actions with the worst consequences. Without a checklist two
    /// approvers each assume the other checked the audience, the claims and the rollback plan;
    /// with one, what they verified is recorded and comparable.
    ///
    /// ## Example
    /// ```yaml
    /// steps:
    ///   - { id: send, agent: writer, does: mail.campaigns.send, gate: two-person }
    /// ```
    ///
    /// ## How to fix
    /// List what the approvers verify:
    /// ```yaml
    ///   - id: send
    ///     agent: writer
    ///     does: mail.campaigns.send
    ///     gate: two-person
    ///     checklist: [source-data-verified, claims-approved, audience-correct,
    ///                 escalation-triggers-checked, legal-flags-absent, rollback-ready]
    /// ```
    pub MISSING_CHECKLIST = { name: "missing-checklist", group: "approvals", severity: Warning, summary: "a step gated with a two-person tier has no reviewer checklist" }
}

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let m = cx.model;
    let tiers = &m.policy().tiers;
    let mut out = Vec::new();
    for w in m.workflows.values() {
        for (i, s) in w.spec.steps.iter().enumerate() {
            let Some(tier) = m.tier_rank(&s.gate).map(|r| &tiers[r]) else {
                continue;
            };
            if tier.approvals.len() < 2 || !s.checklist.is_empty() {
                continue;
            }
            out.push(
                Diagnostic::new(&MISSING_CHECKLIST,
                    format!("step {} of workflow {} is gated {}, which needs {} approvers, but has no reviewer checklist", tick(&s.id), tick(&w.name), tick(&tier.id), tier.approvals.len()),
                )
                .at(cx.ws.loc(w.doc, &format!("/spec/steps/{i}/gate")))
                .label("no `checklist`")
                .help("add `checklist: [...]` to the step, e.g. `[source-data-verified, claims-approved, audience-correct, rollback-ready]`")
                .target(format!("workflow/{}", w.name))
                .subject(&s.id),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::util::testing::{base, of};

    const RULE: &str = "missing-checklist";

    #[test]
    fn tiers_by_their_approvals_not_their_name() {
        assert!(of(RULE, &[]).is_empty());
        let wf: String = base("workflow.yaml")
            .lines()
            .filter(|l| !l.trim_start().starts_with("checklist:"))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(of(RULE, &[("workflow.yaml", &wf)]).len(), 1);
        // Renamed strongest tier.
        let policy = base("policy.yaml").replace("two-person", "dual-control");
        let wf2 = wf.replace("two-person", "dual-control");
        let tests = base("tests.yaml").replace("two-person", "dual-control");
        let found = of(
            RULE,
            &[
                ("workflow.yaml", &wf2),
                ("policy.yaml", &policy),
                ("tests.yaml", &tests),
            ],
        );
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0]
            .message
            .contains("`dual-control`, which needs 2 approvers"));
        // The strongest tier needs one approver: it is no two-person gate.
        let single = base("policy.yaml").replace(
            "approvals: [{ from: leads }, { from: compliance }]",
            "approvals: [{ from: leads }]",
        );
        assert!(of(RULE, &[("workflow.yaml", &wf), ("policy.yaml", &single)]).is_empty());
        // A weaker tier that needs two approvers is one.
        let weaker = base("policy.yaml").replace(
            "approvals: [{ from: reviewers }]",
            "approvals: [{ from: reviewers }, { from: leads }]",
        );
        let wf_review = wf.replace("gate: two-person", "gate: review");
        let found = of(
            RULE,
            &[("workflow.yaml", &wf_review), ("policy.yaml", &weaker)],
        );
        assert!(!found.is_empty(), "{found:#?}");
        assert!(found
            .iter()
            .all(|d| d.message.contains("`review`, which needs 2")));
    }
}
