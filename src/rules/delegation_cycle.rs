//! `delegation-cycle`.

use super::Context;
use crate::diag::{tick, Diagnostic};
use crate::model::Agent;

crate::declare_rule! {
    /// ## What it finds
    /// Agents whose `delegates_to` lead back to themselves: an agent that delegates to itself, or
    /// agents that delegate to each other in a loop (`a → b → c → a`). Each loop is reported
    /// once: every group of agents that reach each other is one finding, at the `delegates_to`
    /// entry of its alphabetically smallest agent that starts a shortest cycle back to it; the
    /// message lists that cycle (and any other agents of the same group), and the other entries
    /// of the cycle are shown as related. Every self-delegation is reported on its own.
    ///
    /// ## Why it matters
    /// A delegation loop has no accountable starting point: a request can bounce between agents
    /// without end (cost, rate limits, runaway actions), every agent of the loop effectively
    /// holds the grants of all the others, and an incident cannot be traced to the agent that
    /// initiated it.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Agent
    /// metadata: { name: planner }
    /// spec:
    ///   delegates_to: [writer]
    /// ---
    /// kind: Agent
    /// metadata: { name: writer }
    /// spec:
    ///   delegates_to: [planner]      # planner → writer → planner
    /// ```
    ///
    /// ## How to fix
    /// Remove one delegation of the loop so that delegation runs one way, from the agent that
    /// starts a task to the agents that help with it. An agent never needs to delegate to itself.
    pub DELEGATION_CYCLE = { name: "delegation-cycle", group: "least-privilege", severity: Error, summary: "agents that delegate to each other in a cycle" }
}

/// How many other agents of a loop the message names.
const MAX_LISTED: usize = 5;

fn entry(a: &Agent, to: &str) -> Option<usize> {
    a.spec.delegates_to.iter().position(|d| d == to)
}

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let m = cx.model;
    let mut out = Vec::new();
    for c in cx.graph.delegation_cycles() {
        let (Some(first), Some(next)) = (c.cycle.first(), c.cycle.get(1)) else {
            continue;
        };
        let Some(a) = m.agents.get(first) else {
            continue;
        };
        let Some(i) = entry(a, next) else {
            continue;
        };
        let loc = cx.ws.loc(a.doc, &format!("/spec/delegates_to/{i}"));
        let target = format!("agent/{first}");
        if c.members.len() == 1 {
            out.push(
                Diagnostic::new(&DELEGATION_CYCLE,
                    format!("{} delegates to itself", tick(first)),
                )
                .at(loc)
                .label("self-delegation")
                .help(format!(
                    "remove {} from its own `delegates_to`",
                    tick(first)
                ))
                .target(target)
                .subject(format!("self {first}")),
            );
            continue;
        }
        let cycle = crate::graph::show_path(&c.cycle);
        let in_cycle: std::collections::HashSet<&String> = c.cycle.iter().collect();
        let others: Vec<&String> = c.members.iter().filter(|x| !in_cycle.contains(x)).collect();
        let mut message = format!("agents delegate to each other in a cycle: {cycle}");
        if !others.is_empty() {
            let mut shown: Vec<String> = others.iter().take(MAX_LISTED).map(tick).collect();
            if others.len() > MAX_LISTED {
                shown.push(format!("and {} more", others.len() - MAX_LISTED));
            }
            message.push_str(&format!(" (also in the same loop: {})", shown.join(", ")));
        }
        let mut d = Diagnostic::new(&DELEGATION_CYCLE, message)
            .at(loc)
            .label(format!("{} → {} starts the cycle", first, next))
            .help("remove one delegation of the cycle so that delegation runs one way")
            .target(target)
            .subject(format!("cycle {}", c.members.join(",")));
        for w in c.cycle.windows(2).skip(1) {
            if let Some(b) = m.agents.get(&w[0]) {
                if let Some(j) = entry(b, &w[1]) {
                    d = d.related(
                        cx.ws.loc(b.doc, &format!("/spec/delegates_to/{j}")),
                        format!("{} delegates to {} here", tick(&w[0]), tick(&w[1])),
                    );
                }
            }
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::graph::test_repo::findings;

    fn agent(name: &str, delegates: &str) -> String {
        crate::graph::test_repo::agent(
            name,
            "    - { resource: mail.campaigns, operations: [create] }",
            delegates,
        )
    }

    #[test]
    fn a_cycle_of_three_is_reported_once_at_the_smallest_agent() {
        let files = [
            agent("carol", "alice"),
            agent("alice", "bob"),
            agent("bob", "carol"),
            agent("dave", "carol"),
        ]
        .join("---\n");
        let f = findings(&[("loop.yaml", &files)], "delegation-cycle");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(
            f[0].message,
            "agents delegate to each other in a cycle: alice → bob → carol → alice"
        );
        // alice is the second document: its `delegates_to` is on line 21.
        let at = f[0].location.as_ref().unwrap();
        assert_eq!((at.file.as_str(), at.line), ("loop.yaml", 21));
        assert_eq!(f[0].related.len(), 2);
        assert_eq!(f[0].target.as_deref(), Some("agent/alice"));
    }

    #[test]
    fn self_delegation() {
        let files = [agent("solo", "helper, solo"), agent("helper", "")].join("---\n");
        let f = findings(&[("solo.yaml", &files)], "delegation-cycle");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].message, "`solo` delegates to itself");
        let at = f[0].location.as_ref().unwrap();
        assert_eq!((at.line, at.column), (10, 26));
    }

    #[test]
    fn a_larger_loop_names_every_member() {
        // a ⇄ b and b ⇄ c: one group of three agents, reported once through `a`.
        let files = [agent("a", "b"), agent("b", "a, c"), agent("c", "b")].join("---\n");
        let f = findings(&[("group.yaml", &files)], "delegation-cycle");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(
            f[0].message,
            "agents delegate to each other in a cycle: a → b → a (also in the same loop: `c`)"
        );
    }
}
