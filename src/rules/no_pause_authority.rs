//! `no-pause-authority`.

use super::util::{external_ops, tick_list};
use super::Context;
use crate::diag::{tick, Diagnostic};
use crate::model::Mode;
use std::collections::BTreeSet;

crate::declare_rule! {
    /// ## What it finds
    /// An agent with external effects (it is granted an operation with `effect: external` that no
    /// prohibition denies) whose playbooks name no one in `can_pause`. Its playbooks are those
    /// listed by the workflows that have a step performed by the agent, plus those named by the
    /// agent's monitors. A paused agent is skipped until it is resumed.
    ///
    /// ## Why it matters
    /// When an agent starts sending wrong emails, the first minutes count. If no playbook says who
    /// may pause it, people look for the owner while the queue keeps sending.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Playbook
    /// metadata: { name: bad-send }
    /// spec:
    ///   owner: ana
    ///   can_pause: []        # nobody may pause the agent
    /// ```
    ///
    /// ## How to fix
    /// Name the people who may pause the agent in `can_pause` of one of its playbooks (usually the
    /// business and technical owners plus whoever is on call), or attach a playbook that does to
    /// its workflows (`playbooks:`) or monitors (`playbook:`).
    pub NO_PAUSE_AUTHORITY = { name: "no-pause-authority", group: "accountability", severity: Error, summary: "an agent with external effects that no playbook lets anyone pause" }
}

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let m = cx.model;
    let mut out = Vec::new();
    // Playbooks of the workflows each agent has a step in: one pass over the steps.
    let mut playbooks_by_agent: std::collections::HashMap<&str, BTreeSet<&str>> =
        std::collections::HashMap::new();
    for w in m.workflows.values() {
        for s in &w.spec.steps {
            playbooks_by_agent
                .entry(s.agent.as_str())
                .or_default()
                .extend(w.spec.playbooks.iter().map(|p| p.as_str()));
        }
    }
    for a in m.agents.values() {
        if a.spec.mode == Mode::Paused {
            continue;
        }
        let external = external_ops(cx.plan, &a.name);
        if external.is_empty() {
            continue;
        }
        let mut playbooks: BTreeSet<&str> = playbooks_by_agent
            .get(a.name.as_str())
            .cloned()
            .unwrap_or_default();
        playbooks.extend(
            a.spec
                .monitors
                .iter()
                .filter_map(|mo| mo.playbook.as_deref()),
        );
        let can_pause = playbooks
            .iter()
            .filter_map(|p| m.playbooks.get(*p))
            .any(|p| !p.spec.can_pause.is_empty());
        if can_pause {
            continue;
        }
        let names: Vec<&str> = playbooks.iter().copied().collect();
        let mut d = Diagnostic::new(&NO_PAUSE_AUTHORITY,
            if names.is_empty() {
                format!("no playbook says who may pause agent {}, which can perform {}", tick(&a.name), tick_list(&external))
            } else {
                format!(
                    "none of the playbooks of agent {} ({}) names anyone who may pause it",
                    tick(&a.name),
                    tick_list(&names)
                )
            },
        )
        .at(cx.ws.loc(a.doc, "/metadata/name"))
        .label(format!("external effects: {}", tick_list(&external)))
        .help(if names.is_empty() {
            "attach a playbook with `can_pause: [...]` to its workflows (`playbooks:`) or monitors (`playbook:`)".to_string()
        } else {
            format!("list the people who may pause it in `can_pause` of {}", tick_list(&names))
        })
        .target(format!("agent/{}", a.name))
        .subject("can_pause");
        for p in &names {
            if let Some(pb) = m.playbooks.get(*p) {
                let loc = if cx.ws.node(pb.doc, "/spec/can_pause").is_some() {
                    cx.ws.loc(pb.doc, "/spec/can_pause")
                } else {
                    cx.ws.key_loc(pb.doc, "/spec")
                };
                d = d.related(
                    loc,
                    format!("playbook {} lists no one in `can_pause`", tick(p)),
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

    const RULE: &str = "no-pause-authority";

    #[test]
    fn playbook_without_can_pause() {
        assert!(of(RULE, &[]).is_empty());
        let pb = base("playbook.yaml").replace("  can_pause: [ana, dev]\n", "");
        let found = of(RULE, &[("playbook.yaml", &pb)]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].target.as_deref(), Some("agent/writer"));
        assert!(found[0]
            .related
            .iter()
            .any(|r| r.location.file == "playbook.yaml"));
    }

    #[test]
    fn no_playbook_at_all() {
        let agents = base("agents.yaml").replace(", playbook: bad-send", "");
        let wf = base("workflow.yaml").replace("  playbooks: [bad-send]\n", "");
        let found = of(RULE, &[("agents.yaml", &agents), ("workflow.yaml", &wf)]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].message.contains("`mail.campaigns.send`"));
    }
}
