//! `missing-playbook`.

use crate::semantics::workflow_rank;
use super::Context;
use crate::diag::{tick, Diagnostic};

crate::declare_rule! {
    /// ## What it finds
    /// A workflow whose tier is above the weakest (`auto`) and that lists no `playbooks`. The
    /// workflow's tier is the strongest effective tier of its steps without runtime context: each
    /// step's gate, the derive rules that hold for it, and `recommend-only`, as `decide` computes
    /// them for a request naming this workflow (escalations are not counted).
    ///
    /// ## Why it matters
    /// A workflow that needs human approval can hurt someone when it goes wrong. The incident
    /// playbook (owner, containment, rollback, customer communication, postmortem) must exist
    /// before the incident, not be improvised during it.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Workflow
    /// spec:
    ///   steps:
    ///     - { id: publish, agent: social-drafter, does: social.posts.publish, gate: review }
    ///   # no playbooks
    /// ```
    ///
    /// ## How to fix
    /// Write a Playbook for the workflow's failure modes (hallucinated claim, wrong segmentation,
    /// duplicate update, unauthorized access, bad downstream sync) and list it:
    /// `playbooks: [hallucinated-claim]`.
    pub MISSING_PLAYBOOK = { name: "missing-playbook", group: "accountability", severity: Warning, summary: "a workflow that needs approval but has no incident playbook" }
}

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let m = cx.model;
    let mut out = Vec::new();
    for w in m.workflows.values() {
        if !w.spec.playbooks.is_empty() {
            continue;
        }
        let (rank, step) = workflow_rank(cx.plan, w);
        if rank == 0 {
            continue;
        }
        let tier = m.tier_name(rank);
        let mut d = Diagnostic::new(&MISSING_PLAYBOOK,
            format!("workflow {} needs {} approval but lists no incident playbook", tick(&w.name), tick(tier)),
        )
        .at(cx.ws.key_loc(w.doc, "/spec"))
        .label("no `playbooks`")
        .help("write a Playbook for what can go wrong in this workflow and list it under `playbooks:`")
        .target(format!("workflow/{}", w.name))
        .subject("playbooks");
        if let Some(i) = step {
            let s = &w.spec.steps[i];
            d = d.related(
                cx.ws.loc(w.doc, &format!("/spec/steps/{i}")),
                format!("step {} needs {}", tick(&s.id), tick(tier)),
            );
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::util::testing::{base, of};

    const RULE: &str = "missing-playbook";

    #[test]
    fn tier_counts_derive_rules_not_only_gates() {
        assert!(of(RULE, &[]).is_empty());
        // Every gate `auto`, no playbooks: the send is still `two-person` through the derive rule.
        let wf = base("workflow.yaml")
            .replace("  playbooks: [bad-send]\n", "")
            .replace("gate: two-person", "gate: auto");
        let found = of(RULE, &[("workflow.yaml", &wf)]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].message.contains("`two-person`"));
        // An auto-only workflow needs none.
        let drafts = "apiVersion: agentgov.dev/v1\nkind: Workflow\nmetadata: { name: drafts }\nspec:\n  use_case: Drafts\n  steps:\n    - { id: draft, agent: writer, does: mail.campaigns.create, gate: auto }\n  audit: [prompt, output]\n";
        assert!(of(RULE, &[("drafts.yaml", drafts)]).is_empty());
    }
}
