//! `gate-below-consequence`.

use crate::semantics::step_required;
use super::Context;
use crate::diag::{tick, Diagnostic};

crate::declare_rule! {
    /// ## What it finds
    /// A workflow step whose declared `gate` is weaker than what the Policy's `derive` rules
    /// require for that step alone. A derive rule holds for a step when its conditions hold on
    /// the step's operation (`effect`, `reversibility`, the operation name), the step's `touches`,
    /// and the step's data class: the highest classification among the step's `fields`; for a
    /// step without `fields`, among the fields its agent's grant allows; for a grant without a
    /// field list, all the resource's fields and the resource's own class. The required tier is
    /// the strongest tier among the rules that hold.
    ///
    /// ## Why it matters
    /// At runtime the stronger tier applies anyway (every derive rule is part of the decision),
    /// so the file misleads its readers: the workflow says "auto" where the gateway will ask two
    /// people. Reviewers plan staffing, checklists and audit fields from the declared gate.
    ///
    /// ## Example
    /// ```yaml
    /// # Policy
    /// derive:
    ///   - { when: { reversibility: irreversible }, require: two-person }
    /// # Workflow
    /// steps:
    ///   - { id: send, agent: writer, does: mail.campaigns.send, gate: review }   # irreversible
    /// ```
    ///
    /// ## How to fix
    /// Raise the step's `gate` to the tier the help names (and add a checklist and the audit
    /// fields that tier needs). If the derive rule is wrong, change the Policy instead.
    pub GATE_BELOW_CONSEQUENCE = { name: "gate-below-consequence", group: "approvals", severity: Error, summary: "a step's gate weaker than what the Policy's derive rules require" }
}

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let m = cx.model;
    let Some(policy) = m.policy.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for w in m.workflows.values() {
        for (i, s) in w.spec.steps.iter().enumerate() {
            let Some(gate) = m.tier_rank(&s.gate) else {
                continue;
            };
            let Some((required, rule)) = step_required(m, s) else {
                continue;
            };
            if gate >= required {
                continue;
            }
            let need = m.tier_name(required);
            let d = &policy.spec.derive[rule];
            let why = d
                .description
                .as_deref()
                .map(|t| format!(": {t}"))
                .unwrap_or_default();
            out.push(
                Diagnostic::new(&GATE_BELOW_CONSEQUENCE,
                    format!(
                        "step {} of workflow {} is gated {} but the Policy requires {} for {}",
                        tick(&s.id),
                        tick(&w.name),
                        tick(&s.gate),
                        tick(need),
                        tick(&s.does)
                    ),
                )
                .at(cx.ws.loc(w.doc, &format!("/spec/steps/{i}/gate")))
                .label(format!("weaker than {}", tick(need)))
                .help(format!(
                    "set `gate: {need}`, or change the Policy's derive rule if it is wrong"
                ))
                .related(
                    cx.ws.loc(policy.doc, &format!("/spec/derive/{rule}")),
                    format!("this derive rule requires {}{why}", tick(need)),
                )
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

    const RULE: &str = "gate-below-consequence";

    #[test]
    fn base_is_clean() {
        assert!(of(RULE, &[]).is_empty());
    }

    #[test]
    fn irreversible_send_gated_review() {
        let wf = base("workflow.yaml").replace("gate: two-person", "gate: review");
        let found = of(RULE, &[("workflow.yaml", &wf)]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].message.contains("requires `two-person`"),
            "{}",
            found[0].message
        );
        assert_eq!(found[0].related[0].location.file, "policy.yaml");
    }

    /// A step without `fields` is judged by every field its grant allows.
    #[test]
    fn step_without_fields_uses_the_grant() {
        // `writer` may update contacts' `email` (personal) and `stage` (internal).
        let agents = base("agents.yaml").replace(
            "      operations: [read]\n      fields: [email]",
            "      operations: [read, update]\n      fields: [email, stage]",
        );
        let step = |fields: &str| {
            format!(
                "apiVersion: agentgov.dev/v1\nkind: Workflow\nmetadata: {{ name: tidy }}\nspec:\n  use_case: Tidy contacts\n  steps:\n    - {{ id: fix, agent: writer, does: crm.contacts.update,{fields} gate: auto }}\n  audit: [prompt, output, reviewer, decision]\n  playbooks: [bad-send]\n"
            )
        };
        // No fields: the grant's `email` is personal, so `data_at_least: personal` -> review.
        let found = of(RULE, &[("agents.yaml", &agents), ("tidy.yaml", &step(""))]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].message.contains("requires `review`"));
        // Only the internal field: no derive rule holds.
        assert!(of(
            RULE,
            &[
                ("agents.yaml", &agents),
                ("tidy.yaml", &step(" fields: [stage],"))
            ]
        )
        .is_empty());
    }

    /// A grant without a field list: all the resource's fields and its own class count.
    #[test]
    fn grant_without_fields_uses_the_whole_resource() {
        let agents = base("agents.yaml").replace(
            "      operations: [read]\n      fields: [email]",
            "      operations: [read, update]",
        );
        let wf = "apiVersion: agentgov.dev/v1\nkind: Workflow\nmetadata: { name: tidy }\nspec:\n  use_case: Tidy contacts\n  steps:\n    - { id: fix, agent: writer, does: crm.contacts.update, gate: auto }\n  audit: [prompt, output, reviewer, decision]\n";
        let found = of(RULE, &[("agents.yaml", &agents), ("tidy.yaml", wf)]);
        assert_eq!(found.len(), 1, "{found:#?}");
    }
}
