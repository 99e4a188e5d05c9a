//! `audit-fields-missing`.

use super::util::tick_list;
use crate::semantics::{audit_requirements, workflow_rank};
use super::Context;
use crate::diag::{tick, Diagnostic};

crate::declare_rule! {
    /// ## What it finds
    /// A workflow whose `audit` list lacks fields that the Policy's `audit.required` asks for at
    /// the workflow's tier. Requirements are cumulative: a `two-person` workflow must log the
    /// fields of `auto`, `review` and `two-person`. The workflow's tier is the strongest effective
    /// tier of its steps without runtime context (gates, derive rules and `recommend-only`, as
    /// `decide` computes them for a request naming the workflow). One finding per workflow lists
    /// every missing field.
    ///
    /// ## Why it matters
    /// An audit trail is only useful if it answers the questions asked after an incident: who
    /// approved, what they saw, why they decided. A reviewed action without `reviewer` and
    /// `rationale` cannot be reconstructed, and rejection trends cannot be measured.
    ///
    /// ## Example
    /// ```yaml
    /// # Policy
    /// audit:
    ///   required:
    ///     auto: [prompt, output]
    ///     review: [reviewer, decision]
    ///     two-person: [approval_timestamps]
    /// # Workflow with a two-person send step
    /// audit: [prompt, output, reviewer]      # lacks decision, approval_timestamps
    /// ```
    ///
    /// ## How to fix
    /// Add the missing fields to the workflow's `audit` list (and make the runtime log them).
    pub AUDIT_FIELDS_MISSING = { name: "audit-fields-missing", group: "audit", severity: Error, summary: "a workflow's audit list lacks fields its tier requires" }
}

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let m = cx.model;
    let Some(policy) = m.policy.as_ref() else {
        return Vec::new();
    };
    if policy.spec.audit.is_none() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for w in m.workflows.values() {
        let (rank, step) = workflow_rank(cx.plan, w);
        let tier = m.tier_name(rank);
        let mut missing: Vec<&str> = Vec::new();
        let mut from_tiers: Vec<&str> = Vec::new();
        for (t, f) in audit_requirements(m, rank) {
            if !w.spec.audit.contains(f) && !missing.contains(&f.as_str()) {
                missing.push(f);
                if !from_tiers.contains(&t) {
                    from_tiers.push(t);
                }
            }
        }
        if missing.is_empty() {
            continue;
        }
        let has_audit = cx.ws.node(w.doc, "/spec/audit").is_some();
        let loc = if has_audit {
            cx.ws.loc(w.doc, "/spec/audit")
        } else {
            cx.ws.key_loc(w.doc, "/spec")
        };
        let tiers_up_to: Vec<&str> = policy.spec.tiers[..=rank]
            .iter()
            .map(|t| t.id.as_str())
            .collect();
        let mut d = Diagnostic::new(&AUDIT_FIELDS_MISSING,
            format!(
                "workflow {} needs {} approval but its audit trail lacks {}",
                tick(&w.name),
                tick(tier),
                tick_list(&missing)
            ),
        )
        .at(loc)
        .label(format!("missing {}", tick_list(&missing)))
        .help(format!(
            "add {} to `audit`: a {} workflow logs the fields the Policy requires for {}",
            tick_list(&missing),
            tick(tier),
            tick_list(&tiers_up_to)
        ))
        .target(format!("workflow/{}", w.name))
        .subject("audit");
        for t in &from_tiers {
            d = d.related(
                cx.ws.loc(policy.doc, &format!("/spec/audit/required/{t}")),
                format!("required for {}", tick(t)),
            );
        }
        if let Some(i) = step.filter(|_| rank > 0) {
            d = d.related(
                cx.ws.loc(w.doc, &format!("/spec/steps/{i}")),
                format!("step {} needs {}", tick(&w.spec.steps[i].id), tick(tier)),
            );
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::util::testing::{base, of};

    const RULE: &str = "audit-fields-missing";

    #[test]
    fn base_is_clean() {
        assert!(of(RULE, &[]).is_empty());
    }

    /// A two-person workflow needs the fields of every weaker tier too.
    #[test]
    fn requirements_are_cumulative() {
        let wf = base("workflow.yaml").replace(
            "audit: [prompt, output, reviewer, decision, approval_timestamps]",
            "audit: [approval_timestamps, reviewer]",
        );
        let found = of(RULE, &[("workflow.yaml", &wf)]);
        assert_eq!(found.len(), 1, "{found:#?}");
        let msg = &found[0].message;
        assert!(msg.contains("`prompt`, `output` and `decision`"), "{msg}");
        assert!(!msg.contains("`approval_timestamps`"), "{msg}");
        assert_eq!(
            found[0]
                .related
                .iter()
                .filter(|r| r.location.file == "policy.yaml")
                .count(),
            2
        );
    }

    /// The tier comes from the decision (derive rules), not only from the declared gates.
    #[test]
    fn tier_from_derive_rules() {
        let wf = base("workflow.yaml")
            .replace("gate: two-person", "gate: auto")
            .replace(
                "audit: [prompt, output, reviewer, decision, approval_timestamps]",
                "audit: [prompt, output, reviewer, decision]",
            );
        let found = of(RULE, &[("workflow.yaml", &wf)]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].message.contains("lacks `approval_timestamps`"));
    }

    #[test]
    fn auto_workflow_needs_auto_fields_only() {
        let drafts = "apiVersion: agentgov.dev/v1\nkind: Workflow\nmetadata: { name: drafts }\nspec:\n  use_case: Drafts\n  steps:\n    - { id: draft, agent: writer, does: mail.campaigns.create, gate: auto }\n  audit: [prompt, output]\n";
        assert!(of(RULE, &[("drafts.yaml", drafts)]).is_empty());
        let none = drafts.replace("  audit: [prompt, output]\n", "");
        let found = of(RULE, &[("drafts.yaml", &none)]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].message.contains("lacks `prompt` and `output`"));
    }
}
