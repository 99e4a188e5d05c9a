//! `unused-grant`.

use super::Context;
use crate::diag::{tick, Diagnostic};
use crate::semantics::{covered_operations, covering_grants};
use crate::model::{Agent, OpId};
use std::collections::HashSet;

crate::declare_rule! {
    /// ## What it finds
    /// An operation an agent is granted that no workflow step of that agent performs. Grants that
    /// use `*` (for the operation or a segment of the resource) are expanded to the concrete
    /// operations they cover, and each concrete operation that no step performs is reported.
    /// The finding points at the operation's entry in the grant (or at the `*` entry that
    /// covers it); when several grants cover the operation, the others are shown as related.
    ///
    /// ## Why it matters
    /// Least privilege: every permission an agent holds but does not need is reach an incident can
    /// use (a confused prompt, a bad tool call, a compromised key) with no workflow, gate or
    /// playbook designed around it. Unused grants also hide in reviews: nobody reads a permission
    /// that no use case mentions.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Agent
    /// metadata: { name: writer }
    /// spec:
    ///   grants:
    ///     - resource: mail.campaigns
    ///       operations: [create, send, archive]   # no step of `writer` archives campaigns
    /// ```
    ///
    /// ## How to fix
    /// Remove the operation from the grant (replace `*` with the operations the agent's steps
    /// perform), or, if the agent really needs it, add the workflow step that performs it, with
    /// its gate, so that its approval, audit and rollback are designed.
    pub UNUSED_GRANT = { name: "unused-grant", group: "least-privilege", severity: Warning, summary: "a granted operation no workflow step of that agent performs" }
}

/// Where a grant names an operation: the literal entry, else the `*` entry.
fn entry_for(operations: &[String], op: &str) -> Option<(usize, bool)> {
    operations
        .iter()
        .position(|o| o == op)
        .map(|j| (j, false))
        .or_else(|| operations.iter().position(|o| o == "*").map(|j| (j, true)))
}

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let m = cx.model;
    let performed = m.performed_steps();
    let mut out = Vec::new();
    for a in m.agents.values() {
        let Some(ap) = cx.plan.agents.get(&a.name) else {
            continue;
        };
        for op_id in ap.operations.keys() {
            let Some(op) = OpId::parse(op_id) else {
                continue;
            };
            if performed.contains(&(a.name.as_str(), &op)) {
                continue;
            }
            if let Some(d) = finding(cx, a, &op, &performed) {
                out.push(d);
            }
        }
    }
    out
}

fn finding(
    cx: &Context,
    a: &Agent,
    op: &OpId,
    performed: &HashSet<(&str, &OpId)>,
) -> Option<Diagnostic> {
    let m = cx.model;
    let covering: Vec<(usize, usize, bool)> = covering_grants(a, op)
        .into_iter()
        .filter_map(|(i, g)| {
            let (j, wild) = entry_for(&g.operations, &op.operation)?;
            Some((i, j, wild))
        })
        .collect();
    let &(i, j, wild) = covering.first()?;
    let grant = &a.spec.grants[i];
    // The grant's other operations that some step performs (to say what to keep).
    let used: Vec<String> = covered_operations(m, &grant.resource, &grant.operations)
        .into_iter()
        .filter(|o| performed.contains(&(a.name.as_str(), o)))
        .map(|o| {
            if grant.resource.contains('*') {
                o.to_string()
            } else {
                o.operation
            }
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let wild_resource = grant.resource.contains('*');
    let label = if wild {
        format!("`*` covers {}, which no step performs", tick(&op.operation))
    } else if wild_resource {
        format!(
            "covers {op} through {}, which no step performs",
            tick(&grant.resource)
        )
    } else {
        "no step performs this".to_string()
    };
    let help = if used.is_empty() {
        format!(
            "remove this grant: no step of {} performs any operation it covers; or add the workflow step that needs {}",
            tick(&a.name),
            tick(op)
        )
    } else if wild {
        format!(
            "replace `*` with the operations {}'s steps perform ({}), or add the workflow step that needs {}",
            tick(&a.name),
            used.iter().map(tick).collect::<Vec<_>>().join(", "),
            tick(op)
        )
    } else if wild_resource {
        format!(
            "narrow {} to the resources {}'s steps use, or add the workflow step that needs {}",
            tick(&grant.resource),
            tick(&a.name),
            tick(op)
        )
    } else {
        format!(
            "remove {} from this grant's operations, or add the workflow step in which {} performs it",
            tick(&op.operation),
            tick(&a.name)
        )
    };
    let mut d = Diagnostic::new(&UNUSED_GRANT,
        format!(
            "{} is granted {} but none of its workflow steps performs it",
            tick(&a.name),
            tick(op)
        ),
    )
    .at(cx
        .ws
        .loc(a.doc, &format!("/spec/grants/{i}/operations/{j}")))
    .label(label)
    .help(help)
    .target(format!("agent/{}", a.name))
    .subject(op.to_string());
    for &(i2, j2, _) in &covering[1..] {
        d = d.related(
            cx.ws
                .loc(a.doc, &format!("/spec/grants/{i2}/operations/{j2}")),
            "also granted here",
        );
    }
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::entry_for;
    use crate::graph::test_repo::findings;

    const WRITER_STAR: &str = r#"
apiVersion: agentgov.dev/v1
kind: Agent
metadata: { name: writer }
spec:
  owners: { business: ana, technical: dev }
  model: { provider: example, name: writer-large, version: "2026-05-01" }
  mode: autonomous
  grants:
    - resource: mail.campaigns
      operations: [create, send]
    - resource: crm.contacts
      operations: ["*"]
      fields: [email]
    - resource: crm.contacts
      operations: [update]
      fields: [email]
  monitors:
    - { metric: failed_actions, window: 1h, above: 3, then: recommend-only, playbook: bad-send }
"#;

    #[test]
    fn star_grants_expand_to_each_unused_operation() {
        let f = findings(&[("agents.yaml", WRITER_STAR)], "unused-grant");
        let msgs: Vec<&str> = f.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "`writer` is granted `crm.contacts.delete` but none of its workflow steps performs it",
                "`writer` is granted `crm.contacts.update` but none of its workflow steps performs it",
            ]
        );
        // Both are reported at the first covering grant's `*` entry; `update` also shows the
        // second grant, which names it literally.
        let star = f[0].location.as_ref().unwrap();
        assert_eq!((star.line, star.column), (13, 20));
        assert_eq!(
            f[0].label.as_deref(),
            Some("`*` covers `delete`, which no step performs")
        );
        assert!(f[0]
            .help
            .as_deref()
            .unwrap()
            .contains("replace `*` with the operations `writer`'s steps perform (`read`)"));
        assert_eq!(f[1].location.as_ref().unwrap().line, 13);
        assert_eq!(f[1].related.len(), 1);
        assert_eq!(f[1].related[0].location.line, 16);
        assert!(f
            .iter()
            .all(|d| d.target.as_deref() == Some("agent/writer")));
    }

    #[test]
    fn the_base_fixture_uses_every_grant() {
        assert!(findings(&[], "unused-grant").is_empty());
    }

    #[test]
    fn literal_entries_win_over_star() {
        let ops: Vec<String> = ["*", "read"].iter().map(|s| s.to_string()).collect();
        assert_eq!(entry_for(&ops, "read"), Some((1, false)));
        assert_eq!(entry_for(&ops, "update"), Some((0, true)));
        assert_eq!(entry_for(&ops[1..], "update"), None);
    }
}
