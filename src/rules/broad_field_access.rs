//! `broad-field-access`.

use super::Context;
use crate::diag::{tick, Diagnostic};
use crate::semantics::{covered_operations, personal_rank};
use crate::model::{Agent, Grant, OpId, Step};
use std::collections::{BTreeMap, BTreeSet, HashMap};

crate::declare_rule! {
    /// ## What it finds
    /// An agent's grant reaches more fields of a resource than the agent's steps use:
    ///
    /// - a field in the grant's `fields` that no step of the agent uses for the operations that
    ///   grant covers (a step without `fields` uses every field of its grant, so then nothing is
    ///   beyond); each such field is reported at its entry in the grant's `fields` list. A grant
    ///   that no step uses at all is left to `unused-grant`;
    /// - a grant with no `fields` list at all on a resource that has personal or sensitive fields,
    ///   reported at the grant's `resource`. "Personal or sensitive" means a field classified at
    ///   or above `personal` in the Policy's ordered `classifications` (or `sensitive` when there
    ///   is no `personal`; when there is neither, only the first case applies).
    ///
    /// An agent may hold several grants on one resource (say `read` on eight fields and `update`
    /// on five): each grant is compared with the fields the agent's steps use for the operations
    /// that grant covers. A grant whose `resource` uses `*` is compared per concrete resource.
    ///
    /// ## Why it matters
    /// Least privilege for data: a field an agent can read or write but never needs is exposure
    /// without benefit (a leaked prompt or a bad tool call can copy it), and a missing field list
    /// on personal data silently grows with every field the connector adds.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Agent
    /// metadata: { name: lead-scorer }
    /// spec:
    ///   grants:
    ///     - resource: crm.leads
    ///       operations: [read]
    ///       fields: [company, industry, score, phone]   # no step reads `phone`
    /// ```
    ///
    /// ## How to fix
    /// Remove the field from the grant, or name it in the step that needs it. For a grant without
    /// `fields`, list exactly the fields the agent's steps use (and name them in the steps).
    pub BROAD_FIELD_ACCESS = { name: "broad-field-access", group: "least-privilege", severity: Warning, summary: "fields granted beyond those the agent's steps use, or no field list on personal or sensitive data" }
}

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let m = cx.model;
    let mut steps: HashMap<&str, Vec<&Step>> = HashMap::new();
    for w in m.workflows.values() {
        for s in &w.spec.steps {
            steps.entry(s.agent.as_str()).or_default().push(s);
        }
    }
    let threshold = personal_rank(m);
    let mut out = Vec::new();
    for a in m.agents.values() {
        let mine = steps.get(a.name.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        for (i, g) in a.spec.grants.iter().enumerate() {
            // Concrete operations of this grant, by resource.
            let mut by_resource: BTreeMap<(String, String), BTreeSet<OpId>> = BTreeMap::new();
            for op in covered_operations(m, &g.resource, &g.operations) {
                by_resource
                    .entry((op.connector.clone(), op.resource.clone()))
                    .or_default()
                    .insert(op);
            }
            for ((c, r), ops) in &by_resource {
                let Some(res) = m.resource(c, r) else {
                    continue;
                };
                let rid = format!("{c}.{r}");
                let using: Vec<&Step> = mine
                    .iter()
                    .copied()
                    .filter(|s| ops.contains(&s.does))
                    .collect();
                match &g.fields {
                    None => {
                        let Some(t) = threshold else {
                            continue;
                        };
                        let personal: Vec<&String> = res
                            .fields
                            .iter()
                            .filter(|(_, class)| m.class_rank(class).is_some_and(|r| r >= t))
                            .map(|(f, _)| f)
                            .collect();
                        if personal.is_empty() {
                            continue;
                        }
                        out.push(missing_list(cx, a, i, g, &rid, &personal, &using));
                    }
                    Some(fields) => {
                        if using.is_empty() || using.iter().any(|s| s.fields.is_none()) {
                            continue;
                        }
                        let used: BTreeSet<&String> = using
                            .iter()
                            .flat_map(|s| s.fields.iter().flatten())
                            .collect();
                        let mut seen = BTreeSet::new();
                        for (k, f) in fields.iter().enumerate() {
                            if !res.fields.contains_key(f) || used.contains(f) || !seen.insert(f) {
                                continue;
                            }
                            let class = &res.fields[f];
                            out.push(
                                Diagnostic::new(&BROAD_FIELD_ACCESS,
                                    format!(
                                        "{} is granted field {} of {} but none of its steps uses it",
                                        tick(&a.name),
                                        tick(f),
                                        tick(&rid)
                                    ),
                                )
                                .at(cx.ws.loc(a.doc, &format!("/spec/grants/{i}/fields/{k}")))
                                .label(format!("{class} field, not used by any step"))
                                .help(format!(
                                    "remove {} from this grant's fields, or name it in the step of {} that needs it",
                                    tick(f),
                                    tick(&a.name)
                                ))
                                .target(format!("agent/{}", a.name))
                                .subject(format!("{rid}.{f} ({})", g.operations.join(","))),
                            );
                        }
                    }
                }
            }
        }
    }
    out
}

fn missing_list(
    cx: &Context,
    a: &Agent,
    i: usize,
    g: &Grant,
    rid: &str,
    personal: &[&String],
    using: &[&Step],
) -> Diagnostic {
    let shown: Vec<String> = personal.iter().map(tick).collect();
    let help = if !using.is_empty() && using.iter().all(|s| s.fields.is_some()) {
        let used: BTreeSet<&String> = using
            .iter()
            .flat_map(|s| s.fields.iter().flatten())
            .collect();
        format!(
            "list the fields its steps use: `fields: [{}]`",
            used.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else {
        format!(
            "add a `fields` list with only the fields {} needs, and name them in its steps",
            tick(&a.name)
        )
    };
    Diagnostic::new(&BROAD_FIELD_ACCESS,
        format!(
            "{}'s grant on {} has no `fields` list, so it reaches every field, including {}",
            tick(&a.name),
            tick(rid),
            shown.join(", ")
        ),
    )
    .at(cx.ws.loc(a.doc, &format!("/spec/grants/{i}/resource")))
    .label("no `fields`: every field, personal ones included")
    .help(help)
    .target(format!("agent/{}", a.name))
    .subject(format!("{rid} ({}) without fields", g.operations.join(",")))
}

#[cfg(test)]
mod tests {
    use crate::graph::test_repo::findings;

    fn writer(contacts_grants: &str) -> String {
        format!(
            r#"
apiVersion: agentgov.dev/v1
kind: Agent
metadata: {{ name: writer }}
spec:
  owners: {{ business: ana, technical: dev }}
  model: {{ provider: example, name: writer-large, version: "2026-05-01" }}
  mode: autonomous
  grants:
    - resource: mail.campaigns
      operations: [create, send]
{contacts_grants}
  monitors:
    - {{ metric: failed_actions, window: 1h, above: 3, then: recommend-only, playbook: bad-send }}
"#
        )
    }

    fn workflow(steps: &str) -> String {
        format!(
            r#"
apiVersion: agentgov.dev/v1
kind: Workflow
metadata: {{ name: newsletter }}
spec:
  use_case: Monthly newsletter
  steps:
{steps}
    - {{ id: draft, agent: writer, does: mail.campaigns.create, gate: auto }}
    - {{ id: send, agent: writer, does: mail.campaigns.send, gate: two-person, checklist: [audience-correct] }}
  audit: [prompt, output, reviewer, decision, approval_timestamps]
  rollback: {{ strategy: Send a correction notice, owner: ana, within_minutes: 30 }}
  playbooks: [bad-send]
"#
        )
    }

    #[test]
    fn several_grants_on_one_resource_are_compared_with_their_own_steps() {
        let agents = writer(
            "    - resource: crm.contacts
      operations: [read]
      fields: [email, stage]
    - resource: crm.contacts
      operations: [update]
      fields: [email, stage]",
        );
        let wf = workflow(
            "    - { id: audience, agent: writer, does: crm.contacts.read, fields: [email, stage], gate: auto }
    - { id: tag, agent: writer, does: crm.contacts.update, fields: [stage], gate: review }",
        );
        let f = findings(
            &[("agents.yaml", &agents), ("workflow.yaml", &wf)],
            "broad-field-access",
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(
            f[0].message,
            "`writer` is granted field `email` of `crm.contacts` but none of its steps uses it"
        );
        let at = f[0].location.as_ref().unwrap();
        // The update grant's `email` (line 17), not the read grant's.
        assert_eq!((at.line, at.column), (17, 16));
        assert_eq!(
            f[0].label.as_deref(),
            Some("personal field, not used by any step")
        );
        assert_eq!(f[0].target.as_deref(), Some("agent/writer"));
    }

    #[test]
    fn a_step_without_fields_uses_the_whole_grant() {
        let agents = writer(
            "    - resource: crm.contacts
      operations: [read]
      fields: [email, stage]",
        );
        let wf =
            workflow("    - { id: audience, agent: writer, does: crm.contacts.read, gate: auto }");
        assert!(findings(
            &[("agents.yaml", &agents), ("workflow.yaml", &wf)],
            "broad-field-access"
        )
        .is_empty());
    }

    #[test]
    fn no_field_list_on_personal_data() {
        let agents = writer(
            "    - resource: crm.contacts
      operations: [read]",
        );
        let f = findings(&[("agents.yaml", &agents)], "broad-field-access");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(
            f[0].message,
            "`writer`'s grant on `crm.contacts` has no `fields` list, so it reaches every field, including `email`"
        );
        let at = f[0].location.as_ref().unwrap();
        assert_eq!((at.line, at.column), (12, 17));
        assert_eq!(
            f[0].help.as_deref(),
            Some("list the fields its steps use: `fields: [email]`")
        );
        // Without a field list on a resource with no personal field there is nothing to report.
        assert!(findings(&[], "broad-field-access").is_empty());
    }
}
