//! `missing-rollback`.

use super::Context;
use crate::diag::{tick, Diagnostic};
use crate::model::Reversibility;

crate::declare_rule! {
    /// ## What it finds
    /// A workflow with at least one step whose operation is `irreversible` or `compensable`
    /// (as its Connector defines it) and no `rollback` plan. The finding points at the first such
    /// step's `does`; the other such steps and the connector's definitions are shown alongside.
    ///
    /// ## Why it matters
    /// Rollback is designed before launch, not during an incident: who undoes the damage, how,
    /// and how fast. For an email that cannot be recalled the "rollback" is a suppression and a
    /// correction notice, and someone must own it.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Workflow
    /// spec:
    ///   steps:
    ///     - { id: send, agent: writer, does: mail.campaigns.send, gate: two-person }
    ///   # no rollback
    /// ```
    ///
    /// ## How to fix
    /// Add a rollback plan with a strategy, an owner and a time target:
    /// ```yaml
    /// rollback: { strategy: Suppress follow-ups and send a correction notice, owner: ana, within_minutes: 30 }
    /// ```
    pub MISSING_ROLLBACK = { name: "missing-rollback", group: "irreversibility", severity: Error, summary: "a workflow with an irreversible or compensable step and no rollback plan" }
}

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let m = cx.model;
    let mut out = Vec::new();
    for w in m.workflows.values() {
        if w.spec.rollback.is_some() {
            continue;
        }
        let mut hits = Vec::new();
        for (i, s) in w.spec.steps.iter().enumerate() {
            let op = &s.does;
            let Some(spec) = m.operation(op) else {
                continue;
            };
            if matches!(
                spec.reversibility,
                Reversibility::Irreversible | Reversibility::Compensable
            ) {
                hits.push((i, s, op, spec.reversibility));
            }
        }
        let Some((first_i, first, _, first_rev)) = hits.first() else {
            continue;
        };
        let mut d = Diagnostic::new(&MISSING_ROLLBACK,
            format!(
                "workflow {} has no rollback plan for its {} step {}",
                tick(&w.name),
                first_rev.as_str(),
                tick(&first.id)
            ),
        )
        .at(cx.ws.loc(w.doc, &format!("/spec/steps/{first_i}/does")))
        .label(match first_rev {
            Reversibility::Compensable => {
                format!("{} is compensable: only a compensation can repair it", tick(&first.does))
            }
            _ => format!("{} cannot be undone", tick(&first.does)),
        })
        .help("add `rollback: { strategy: ..., owner: ..., within_minutes: ... }` to the workflow's spec")
        .target(format!("workflow/{}", w.name))
        .subject(&w.name);
        for (k, (i, s, op, rev)) in hits.iter().enumerate() {
            if k > 0 {
                d = d.related(
                    cx.ws.loc(w.doc, &format!("/spec/steps/{i}/does")),
                    format!("step {} is {} too", tick(&s.id), rev.as_str()),
                );
            }
            if let Some(conn) = m.connectors.get(&op.connector) {
                d = d.related(
                    cx.ws.loc(
                        conn.doc,
                        &format!(
                            "/spec/resources/{}/operations/{}/reversibility",
                            op.resource, op.operation
                        ),
                    ),
                    format!("{} is defined as {}", tick(&s.does), rev.as_str()),
                );
            }
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::util::testing::{base, of};

    const RULE: &str = "missing-rollback";

    #[test]
    fn base_is_clean() {
        assert!(of(RULE, &[]).is_empty());
    }

    #[test]
    fn irreversible_step_without_rollback() {
        let wf: String = base("workflow.yaml")
            .lines()
            .filter(|l| !l.trim_start().starts_with("rollback:"))
            .map(|l| format!("{l}\n"))
            .collect();
        let found = of(RULE, &[("workflow.yaml", &wf)]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].message.contains("irreversible step `send`"));
        assert_eq!(found[0].location.as_ref().unwrap().line, 11);
        assert!(found[0]
            .related
            .iter()
            .any(|r| r.location.file == "connectors.yaml"));
    }

    #[test]
    fn a_compensable_step_is_called_compensable() {
        let wf: String = base("workflow.yaml")
            .lines()
            .filter(|l| !l.trim_start().starts_with("rollback:"))
            .map(|l| format!("{l}\n"))
            .collect();
        let conn = base("connectors.yaml").replace(
            "send: { effect: external, reversibility: irreversible }",
            "send: { effect: external, reversibility: compensable, compensation: send a correction }",
        );
        let found = of(RULE, &[("workflow.yaml", &wf), ("connectors.yaml", &conn)]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].message.contains("compensable step `send`"), "{}", found[0].message);
        let label = found[0].label.as_deref().unwrap_or("");
        assert!(label.contains("compensable") && !label.contains("cannot be undone"), "{label}");
    }

    #[test]
    fn reversible_only_workflow_needs_no_rollback() {
        let wf = r#"apiVersion: agentgov.dev/v1
kind: Workflow
metadata: { name: drafts }
spec:
  use_case: Drafts only
  steps:
    - { id: draft, agent: writer, does: mail.campaigns.create, gate: auto }
  audit: [prompt, output]
"#;
        assert!(of(RULE, &[("drafts.yaml", wf)]).is_empty());
    }
}
