//! The governance graph over the resolved model (petgraph).

use crate::model::Model;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeKind {
    Agent(String),
    Resource(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    DelegatesTo,
    SyncsTo,
}

/// Nodes and edges of the governance graph, with an index by node.
pub struct Graph {
    pub g: DiGraph<NodeKind, EdgeKind>,
    pub index: HashMap<NodeKind, NodeIndex>,
}

impl Graph {
    pub fn build(m: &Model) -> Graph {
        let mut g = DiGraph::new();
        let mut index = HashMap::new();
        let mut node = |g: &mut DiGraph<NodeKind, EdgeKind>, k: NodeKind| {
            *index.entry(k.clone()).or_insert_with(|| g.add_node(k))
        };
        for a in m.agents.values() {
            let from = node(&mut g, NodeKind::Agent(a.name.clone()));
            for d in &a.spec.delegates_to {
                if m.agents.contains_key(d) {
                    let to = node(&mut g, NodeKind::Agent(d.clone()));
                    g.add_edge(from, to, EdgeKind::DelegatesTo);
                }
            }
        }
        for (cn, c) in &m.connectors {
            for (rn, r) in &c.spec.resources {
                let from = node(&mut g, NodeKind::Resource(format!("{cn}.{rn}")));
                for s in &r.syncs_to {
                    let to = node(&mut g, NodeKind::Resource(s.clone()));
                    g.add_edge(from, to, EdgeKind::SyncsTo);
                }
            }
        }
        Graph { g, index }
    }
}

impl Graph {
    /// The shortest delegation path from `agent` to an agent granted `op` (excluding `agent`
    /// itself), as agent names from `agent` to the grantee.
    pub fn delegation_path_to(&self, m: &Model, agent: &str, op: &crate::model::OpId) -> Option<Vec<String>> {
        use std::collections::VecDeque;
        let start = *self.index.get(&NodeKind::Agent(agent.to_string()))?;
        let mut prev: HashMap<NodeIndex, NodeIndex> = HashMap::new();
        let mut queue = VecDeque::from([start]);
        let mut seen = std::collections::HashSet::from([start]);
        while let Some(n) = queue.pop_front() {
            if n != start {
                if let NodeKind::Agent(name) = &self.g[n] {
                    if grants_op(m, name, op) {
                        let mut path = vec![name.clone()];
                        let mut cur = n;
                        while let Some(p) = prev.get(&cur) {
                            if let NodeKind::Agent(pn) = &self.g[*p] {
                                path.push(pn.clone());
                            }
                            cur = *p;
                        }
                        path.reverse();
                        return Some(path);
                    }
                }
            }
            let mut next: Vec<NodeIndex> = self
                .g
                .edges(n)
                .filter(|e| *e.weight() == EdgeKind::DelegatesTo)
                .map(|e| petgraph::visit::EdgeRef::target(&e))
                .collect();
            next.sort_by_key(|i| self.g[*i].clone());
            for t in next {
                if seen.insert(t) {
                    prev.insert(t, n);
                    queue.push_back(t);
                }
            }
        }
        None
    }
}

/// Is `op` covered by one of the agent's grants?
pub fn grants_op(m: &Model, agent: &str, op: &crate::model::OpId) -> bool {
    m.agents.get(agent).is_some_and(|a| {
        a.spec.grants.iter().any(|g| {
            crate::model::resource_pattern_matches(&g.resource, &op.connector, &op.resource)
                && g.operations.iter().any(|o| crate::model::segment_matches(o, &op.operation))
        })
    })
}
