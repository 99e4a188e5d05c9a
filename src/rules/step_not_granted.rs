//! `step-not-granted`.

use super::Context;
use crate::diag::{tick, Diagnostic};
use crate::semantics::{grant_op_pointer, step_decision};

crate::declare_rule! {
    /// ## What it finds
    /// A workflow step the runtime will deny: its agent is not granted the step's operation, or
    /// not every field the step lists (all of them inside the field list of one grant covering
    /// the operation), or its agent is paused. The rule asks the decision itself (`decide` on the
    /// step's agent, operation, workflow and fields), so it agrees with `why`, Cedar and Rego.
    ///
    /// ## Why it matters
    /// The workflow map promises an action the gateway refuses: reviewers read a process that
    /// cannot run, the step's gate and checklist guard nothing, and the team finds out in
    /// production. Usually a grant was narrowed (or never written) without updating the workflow.
    ///
    /// ## Example
    /// ```yaml
    /// # Agent writer grants: [{ resource: mail.campaigns, operations: [create] }]
    /// steps:
    ///   - { id: send, agent: writer, does: mail.campaigns.send, gate: two-person }
    /// ```
    ///
    /// ## How to fix
    /// Grant the agent the operation (and the fields the step lists) in one grant, give the step
    /// to an agent that has it, or remove the step. For a paused agent, resume it (`mode`) or
    /// remove its steps while it is paused.
    pub STEP_NOT_GRANTED = { name: "step-not-granted", group: "workflows", severity: Error, summary: "a workflow step its agent is not granted (the runtime denies it)" }
}

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let m = cx.model;
    let mut out = Vec::new();
    for w in m.workflows.values() {
        for (i, s) in w.spec.steps.iter().enumerate() {
            let Some(agent) = m.agents.get(&s.agent) else {
                continue; // an unknown agent is `unknown-reference`
            };
            let d = step_decision(cx.plan, &w.name, s);
            let Some(reason) = d.reasons.first() else {
                continue;
            };
            let step = format!("step {} of workflow {}", tick(&s.id), tick(&w.name));
            let diag = match reason.as_str() {
                "agent-paused" => Diagnostic::new(
                    &STEP_NOT_GRANTED,
                    format!("{step}: agent {} is paused, so the runtime denies it", tick(&s.agent)),
                )
                .at(cx.ws.loc(w.doc, &format!("/spec/steps/{i}/agent")))
                .label("paused")
                .help("resume the agent (`mode`), or give the step to an agent that runs")
                .related(
                    cx.ws.loc(agent.doc, "/spec/mode"),
                    format!("{} is paused here", tick(&s.agent)),
                ),
                "not-granted" if !crate::semantics::grants_op(m, &s.agent, &s.does) => {
                    Diagnostic::new(
                        &STEP_NOT_GRANTED,
                        format!(
                            "{step}: agent {} is not granted {}, so the runtime denies it",
                            tick(&s.agent),
                            tick(&s.does)
                        ),
                    )
                    .at(cx.ws.loc(w.doc, &format!("/spec/steps/{i}/does")))
                    .label("not granted")
                    .help(format!(
                        "grant `{}` to `{}` (resource `{}.{}`), or give the step to an agent that has it",
                        s.does.operation, s.agent, s.does.connector, s.does.resource
                    ))
                    .related(
                        cx.ws.loc(agent.doc, "/spec/grants"),
                        format!("the grants of {}", tick(&s.agent)),
                    )
                }
                "not-granted" => {
                    let sets = cx
                        .plan
                        .agents
                        .get(&s.agent)
                        .and_then(|a| a.operations.get(&s.does.to_string()))
                        .map(|o| o.field_sets.as_slice())
                        .unwrap_or_default();
                    let fields = s.fields.as_deref().unwrap_or_default();
                    // The first field no grant allows; else the fields are split over grants.
                    let outside = fields
                        .iter()
                        .position(|f| !sets.iter().any(|set| set.contains(f)));
                    let (ptr, what) = match outside {
                        Some(j) => (
                            format!("/spec/steps/{i}/fields/{j}"),
                            format!("field {} of", tick(&fields[j])),
                        ),
                        None => (
                            format!("/spec/steps/{i}/fields"),
                            "these fields together in one grant for".to_string(),
                        ),
                    };
                    let mut diag = Diagnostic::new(
                        &STEP_NOT_GRANTED,
                        format!(
                            "{step}: agent {} is not granted {what} {}, so the runtime denies it",
                            tick(&s.agent),
                            tick(s.does.resource_id())
                        ),
                    )
                    .at(cx.ws.loc(w.doc, &ptr))
                    .label("not granted")
                    .help(
                        "add the fields to the `fields` of the grant covering the operation, or \
                         list only granted fields in the step",
                    );
                    if let Some(p) = grant_op_pointer(agent, &s.does) {
                        let g = p.split("/operations").next().unwrap_or(&p).to_string();
                        diag = diag.related(
                            cx.ws.loc(agent.doc, &g),
                            format!("the grant covering {}", tick(&s.does)),
                        );
                    }
                    diag
                }
                _ => continue,
            };
            out.push(
                diag.target(format!("workflow/{}", w.name))
                    .subject(&s.id),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::util::testing::{base, of};

    const RULE: &str = "step-not-granted";

    #[test]
    fn base_is_clean() {
        assert!(of(RULE, &[]).is_empty(), "{:#?}", of(RULE, &[]));
    }

    #[test]
    fn operation_not_granted() {
        let agents = base("agents.yaml").replace("operations: [create, send]", "operations: [create]");
        let found = of(RULE, &[("agents.yaml", &agents)]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].message.contains("not granted `mail.campaigns.send`"), "{}", found[0].message);
        assert!(found[0].help.as_deref().unwrap_or("").contains("grant `send`"));
        assert_eq!(found[0].related[0].location.file, "agents.yaml");
    }

    #[test]
    fn a_field_outside_the_grant() {
        let wf = base("workflow.yaml").replace("fields: [email]", "fields: [email, stage]");
        let found = of(RULE, &[("workflow.yaml", &wf)]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].message.contains("field `stage`"), "{}", found[0].message);
        let loc = found[0].location.as_ref().expect("located");
        assert_eq!(loc.file, "workflow.yaml");
    }

    /// Each field granted, but by two grants: no single grant allows the request.
    #[test]
    fn fields_split_over_grants() {
        let agents = base("agents.yaml").replace(
            "      fields: [email]",
            "      fields: [email]\n    - resource: crm.contacts\n      operations: [read]\n      fields: [stage]",
        );
        let wf = base("workflow.yaml").replace("fields: [email]", "fields: [email, stage]");
        let found = of(RULE, &[("agents.yaml", &agents), ("workflow.yaml", &wf)]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].message.contains("together in one grant"), "{}", found[0].message);
    }

    #[test]
    fn paused_agent() {
        let agents = base("agents.yaml").replace("mode: autonomous", "mode: paused");
        let found = of(RULE, &[("agents.yaml", &agents)]);
        assert_eq!(found.len(), 3, "every step of the paused agent: {found:#?}");
        assert!(found.iter().all(|d| d.message.contains("is paused")));
    }
}
