//! `ungated-irreversible-action`.

use super::util::{step_index, tick_list};
use crate::semantics::grant_op_pointer;
use super::Context;
use crate::diag::{tick, Diagnostic};
use crate::model::{Effect, Mode, OpId, Reversibility};

crate::declare_rule! {
    /// ## What it finds
    /// An operation that is `irreversible` or has an `external` effect, which an agent is granted
    /// and could perform with no human approval: its effective tier, with no runtime context and no
    /// requested fields, is the weakest tier (`auto`). The tier is the one `decide` computes: the
    /// step gates, every `derive` rule and `recommend-only`. The check runs for a request outside
    /// any workflow and for each workflow that has a step for this agent and operation.
    ///
    /// It is a backstop: it holds whether or not a workflow step performs the operation, and even
    /// when the Policy's `derive` rules forget the case. Paused agents and prohibited operations
    /// are skipped (they are denied anyway). Escalations are not counted: they fire only on some
    /// runtime facts.
    ///
    /// ## Why it matters
    /// A sent email, a published post or a deleted record cannot be taken back. If nothing makes a
    /// human look first, one bad prompt or hallucination reaches customers unseen.
    ///
    /// ## Example
    /// ```yaml
    /// # Policy: the derive rules cover neither external nor irreversible operations
    /// derive:
    ///   - { when: { data_at_least: personal, operation: [update] }, require: review }
    /// # Agent
    /// grants:
    ///   - resource: mail.campaigns
    ///     operations: [create, send]      # send: external, irreversible
    /// # Workflow
    /// steps:
    ///   - { id: send, agent: writer, does: mail.campaigns.send, gate: auto }
    /// ```
    ///
    /// ## How to fix
    /// Gate every step that performs the operation with a tier above `auto`, and add a Policy
    /// `derive` rule such as `{ when: { reversibility: irreversible }, require: two-person }` so
    /// requests outside a workflow are covered too; or remove the operation from the grant.
    /// This rule is usually listed in the Policy's `unwaivable`.
    pub UNGATED_IRREVERSIBLE_ACTION = { name: "ungated-irreversible-action", group: "irreversibility", severity: Error, summary: "an irreversible or external operation an agent may perform with no human approval" }
}

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let m = cx.model;
    let mut out = Vec::new();
    let weakest = m.tier_name(0).to_string();
    let stronger = m.policy().tiers.get(1).map(|t| t.id.clone());
    for (agent_name, ap) in &cx.plan.agents {
        if ap.mode == Mode::Paused {
            continue;
        }
        let Some(agent) = m.agents.get(agent_name) else {
            continue;
        };
        for (op_id, op) in &ap.operations {
            let irreversible = op.reversibility == Reversibility::Irreversible;
            let external = op.effect == Effect::External;
            if !(irreversible || external) || op.prohibited.is_some() {
                continue;
            }
            let weak_workflows: Vec<&String> = op
                .workflows
                .iter()
                .filter(|(_, c)| op.contextless_rank(c) == 0)
                .map(|(w, _)| w)
                .collect();
            let default_weak = op.contextless_rank(&op.default) == 0;
            if weak_workflows.is_empty() && !default_weak {
                continue;
            }
            let what = match (irreversible, external) {
                (true, true) => "irreversible, external",
                (true, false) => "irreversible",
                _ => "external",
            };
            let whereabouts = if weak_workflows.is_empty() {
                // The default choice: its steps' workflow (all in one, when the plan stores no
                // per-workflow choices), or none at all.
                match op
                    .default
                    .gate_step
                    .as_deref()
                    .and_then(|g| g.split_once('.'))
                {
                    Some((w, _)) => format!("in workflow {}", tick(w)),
                    None => "outside a workflow".to_string(),
                }
            } else {
                format!(
                    "in workflow{} {}",
                    if weak_workflows.len() == 1 { "" } else { "s" },
                    tick_list(&weak_workflows)
                )
            };
            let parsed = OpId::parse(op_id);
            let loc = match parsed.as_ref().and_then(|o| grant_op_pointer(agent, o)) {
                Some(ptr) => cx.ws.loc(agent.doc, &ptr),
                None => cx.ws.loc(agent.doc, "/spec/grants"),
            };
            let help = match &stronger {
                Some(t) => format!(
                    "gate every step that performs {} with {} or stronger and add a Policy `derive` rule for {what} operations, or remove it from the grant",
                    tick(op_id),
                    tick(t)
                ),
                None => format!("add a tier stronger than {} to the Policy and require it for {what} operations", tick(&weakest)),
            };
            let mut d = Diagnostic::new(&UNGATED_IRREVERSIBLE_ACTION,
                format!(
                    "agent {} can perform {what} operation {} with no approval ({whereabouts})",
                    tick(agent_name),
                    tick(op_id)
                ),
            )
            .at(loc)
            .label(format!("effective tier {}", tick(&weakest)))
            .help(help)
            .target(format!("agent/{agent_name}"))
            .subject(op_id);
            // The weakest-gated step: the gate of a choice with rank 0 is the weakest tier.
            let weak_step = weak_workflows
                .first()
                .and_then(|w| op.workflows.get(*w))
                .or(default_weak.then_some(&op.default))
                .and_then(|c| c.gate_step.as_deref());
            if let Some((w, s)) = weak_step.and_then(|gs| gs.split_once('.')) {
                if let Some(wf) = m.workflows.get(w) {
                    if let Some(i) = step_index(wf, s) {
                        d = d.related(
                            cx.ws.loc(wf.doc, &format!("/spec/steps/{i}/gate")),
                            format!(
                                "step {} of workflow {} is gated {}",
                                tick(s),
                                tick(w),
                                tick(&wf.spec.steps[i].gate)
                            ),
                        );
                    }
                }
            }
            if let Some((c, r, o)) = parsed
                .as_ref()
                .map(|o| (&o.connector, &o.resource, &o.operation))
            {
                if let Some(conn) = m.connectors.get(c) {
                    d = d.related(
                        cx.ws
                            .loc(conn.doc, &format!("/spec/resources/{r}/operations/{o}")),
                        format!("{} is defined as {what}", tick(op_id)),
                    );
                }
            }
            out.push(d);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::util::testing::{base, of};

    const RULE: &str = "ungated-irreversible-action";

    /// The base Policy without any derive rule.
    fn policy_no_derive() -> String {
        let p = base("policy.yaml");
        let (head, rest) = p.split_once("  derive:\n").unwrap();
        let (_, tail) = rest.split_once("  facts:\n").unwrap();
        format!("{head}  facts:\n{tail}")
    }

    #[test]
    fn base_is_clean() {
        assert!(of(RULE, &[]).is_empty());
    }

    #[test]
    fn gated_steps_suffice_without_derive_rules() {
        // Without derive rules the step gate carries the tier, inside the workflow and outside it
        // (a request naming no workflow takes the strongest step).
        assert!(of(RULE, &[("policy.yaml", &policy_no_derive())]).is_empty());
    }

    #[test]
    fn backstop_without_derive_rules() {
        let wf = base("workflow.yaml").replace("gate: two-person", "gate: auto");
        let found = of(
            RULE,
            &[("policy.yaml", &policy_no_derive()), ("workflow.yaml", &wf)],
        );
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].message.contains("`mail.campaigns.send`"));
        assert!(
            found[0].message.contains("(in workflow `newsletter`)"),
            "{}",
            found[0].message
        );
        assert_eq!(found[0].target.as_deref(), Some("agent/writer"));
        assert!(found[0]
            .related
            .iter()
            .any(|r| r.message.contains("step `send`")));
    }

    #[test]
    fn granted_but_no_step_is_still_checked() {
        // A new irreversible operation granted to `writer` that no step performs.
        let conn = base("connectors.yaml")
            .replace(
                "send: { effect: external, reversibility: irreversible }",
                "send: { effect: external, reversibility: irreversible }\n        unsubscribe: { effect: internal, reversibility: irreversible }",
            );
        let agents = base("agents.yaml").replace(
            "operations: [create, send]",
            "operations: [create, send, unsubscribe]",
        );
        let found = of(
            RULE,
            &[
                ("policy.yaml", &policy_no_derive()),
                ("connectors.yaml", &conn),
                ("agents.yaml", &agents),
            ],
        );
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].message.contains("`mail.campaigns.unsubscribe`"));
        assert!(found[0].message.contains("outside a workflow"));
    }

    #[test]
    fn paused_agent_is_skipped() {
        let wf = base("workflow.yaml").replace("gate: two-person", "gate: auto");
        let agents = base("agents.yaml").replace("mode: autonomous", "mode: paused");
        let found = of(
            RULE,
            &[
                ("policy.yaml", &policy_no_derive()),
                ("workflow.yaml", &wf),
                ("agents.yaml", &agents),
            ],
        );
        assert!(found.is_empty(), "{found:#?}");
    }
}
