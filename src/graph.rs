//! The governance graph over the resolved model (petgraph).
//!
//! Nodes are the things a governance repository names: agents, connectors, resources,
//! operations, people, groups, tiers, workflows and their steps, playbooks. Edges say how they
//! relate: grants (agent → operation, with the grant's index), steps (workflow → step → agent,
//! step → operation, step → tier), `delegates_to`, `syncs_to`, ownership (person → agent),
//! membership (person → group), approval groups (tier → group), playbooks (workflow → playbook,
//! person → playbook for `can_pause`).
//!
//! The reach queries return the path as evidence. Each is one breadth-first traversal from its
//! start (shortest paths, ties broken by name); the whole-graph queries
//! ([`Graph::delegation_cycles`], [`Graph::sync_sources`]) are linear in the graph's size.

use crate::model::{Model, OpId};
use crate::semantics::{covered_operations, grants_op};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{EdgeFiltered, EdgeRef};
use petgraph::Direction;
use std::collections::{HashMap, HashSet, VecDeque};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeKind {
    Agent(String),
    /// `connector.resource`.
    Resource(String),
    Connector(String),
    /// `connector.resource.operation`.
    Operation(String),
    Person(String),
    Group(String),
    Tier(String),
    Workflow(String),
    Step {
        workflow: String,
        step: String,
    },
    Playbook(String),
}

impl NodeKind {
    /// The node's id as the files write it (`workflow.step` for a step).
    pub fn id(&self) -> String {
        match self {
            NodeKind::Step { workflow, step } => format!("{workflow}.{step}"),
            named => named.name().unwrap_or_default().to_string(),
        }
    }

    /// The name of an agent, resource, connector, operation, person, group, tier, workflow or
    /// playbook node (`None` for a step).
    pub fn name(&self) -> Option<&str> {
        match self {
            NodeKind::Agent(s)
            | NodeKind::Resource(s)
            | NodeKind::Connector(s)
            | NodeKind::Operation(s)
            | NodeKind::Person(s)
            | NodeKind::Group(s)
            | NodeKind::Tier(s)
            | NodeKind::Workflow(s)
            | NodeKind::Playbook(s) => Some(s),
            NodeKind::Step { .. } => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OwnerRole {
    Business,
    Technical,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    /// agent → agent.
    DelegatesTo,
    /// resource → resource.
    SyncsTo,
    /// agent → operation, by the grant at `spec.grants[grant]` (one edge per grant and
    /// concrete operation it covers; `*` is expanded).
    Grants { grant: usize },
    /// connector → resource.
    HasResource,
    /// resource → operation.
    HasOperation,
    /// workflow → step.
    HasStep,
    /// step → agent.
    PerformedBy,
    /// step → operation.
    Performs,
    /// step → tier (its `gate`).
    GatedBy,
    /// person → agent.
    Owns(OwnerRole),
    /// person → group.
    MemberOf,
    /// tier → group whose approval it needs.
    ApprovalFrom,
    /// workflow → playbook.
    HasPlaybook,
    /// person → playbook naming them in `can_pause`.
    CanPause,
}

/// Nodes and edges of the governance graph, with an index by node.
pub struct Graph {
    pub g: DiGraph<NodeKind, EdgeKind>,
    pub index: HashMap<NodeKind, NodeIndex>,
}

struct Builder {
    g: DiGraph<NodeKind, EdgeKind>,
    index: HashMap<NodeKind, NodeIndex>,
}

impl Builder {
    fn node(&mut self, k: NodeKind) -> NodeIndex {
        if let Some(i) = self.index.get(&k) {
            return *i;
        }
        let i = self.g.add_node(k.clone());
        self.index.insert(k, i);
        i
    }
    fn edge(&mut self, from: NodeIndex, to: NodeIndex, e: EdgeKind) {
        self.g.add_edge(from, to, e);
    }
}

impl Graph {
    pub fn build(m: &Model) -> Graph {
        let mut b = Builder {
            g: DiGraph::new(),
            index: HashMap::new(),
        };
        // People and groups.
        for p in m.people.keys() {
            b.node(NodeKind::Person(p.clone()));
        }
        for g in m.groups.values() {
            let gi = b.node(NodeKind::Group(g.id.clone()));
            for member in &g.members {
                let pi = b.node(NodeKind::Person(member.clone()));
                b.edge(pi, gi, EdgeKind::MemberOf);
            }
        }
        // Tiers.
        if let Some(p) = &m.policy {
            for t in &p.spec.tiers {
                let ti = b.node(NodeKind::Tier(t.id.clone()));
                for a in &t.approvals {
                    let gi = b.node(NodeKind::Group(a.from.clone()));
                    b.edge(ti, gi, EdgeKind::ApprovalFrom);
                }
            }
        }
        // Connectors, resources, operations, syncs.
        for (cn, c) in &m.connectors {
            let ci = b.node(NodeKind::Connector(cn.clone()));
            for (rn, r) in &c.spec.resources {
                let rid = format!("{cn}.{rn}");
                let ri = b.node(NodeKind::Resource(rid.clone()));
                b.edge(ci, ri, EdgeKind::HasResource);
                for o in r.operations.keys() {
                    let oi = b.node(NodeKind::Operation(format!("{rid}.{o}")));
                    b.edge(ri, oi, EdgeKind::HasOperation);
                }
            }
        }
        for (cn, c) in &m.connectors {
            for (rn, r) in &c.spec.resources {
                let from = b.node(NodeKind::Resource(format!("{cn}.{rn}")));
                for s in &r.syncs_to {
                    let to = b.node(NodeKind::Resource(s.clone()));
                    b.edge(from, to, EdgeKind::SyncsTo);
                }
            }
        }
        // Agents: ownership, grants, delegation.
        for a in m.agents.values() {
            b.node(NodeKind::Agent(a.name.clone()));
        }
        for a in m.agents.values() {
            let ai = b.node(NodeKind::Agent(a.name.clone()));
            for (who, role) in [
                (&a.spec.owners.business, OwnerRole::Business),
                (&a.spec.owners.technical, OwnerRole::Technical),
            ] {
                let pi = b.node(NodeKind::Person(who.clone()));
                b.edge(pi, ai, EdgeKind::Owns(role));
            }
            for (gi, grant) in a.spec.grants.iter().enumerate() {
                for op in covered_operations(m, &grant.resource, &grant.operations) {
                    let oi = b.node(NodeKind::Operation(op.to_string()));
                    b.edge(ai, oi, EdgeKind::Grants { grant: gi });
                }
            }
            for d in &a.spec.delegates_to {
                if m.agents.contains_key(d) {
                    let to = b.node(NodeKind::Agent(d.clone()));
                    b.edge(ai, to, EdgeKind::DelegatesTo);
                }
            }
        }
        // Workflows, steps, playbooks.
        for pb in m.playbooks.values() {
            let pi = b.node(NodeKind::Playbook(pb.name.clone()));
            for person in &pb.spec.can_pause {
                let who = b.node(NodeKind::Person(person.clone()));
                b.edge(who, pi, EdgeKind::CanPause);
            }
        }
        for w in m.workflows.values() {
            let wi = b.node(NodeKind::Workflow(w.name.clone()));
            for s in &w.spec.steps {
                let si = b.node(NodeKind::Step {
                    workflow: w.name.clone(),
                    step: s.id.clone(),
                });
                b.edge(wi, si, EdgeKind::HasStep);
                let ai = b.node(NodeKind::Agent(s.agent.clone()));
                b.edge(si, ai, EdgeKind::PerformedBy);
                let oi = b.node(NodeKind::Operation(s.does.to_string()));
                b.edge(si, oi, EdgeKind::Performs);
                let ti = b.node(NodeKind::Tier(s.gate.clone()));
                b.edge(si, ti, EdgeKind::GatedBy);
            }
            for p in &w.spec.playbooks {
                let pi = b.node(NodeKind::Playbook(p.clone()));
                b.edge(wi, pi, EdgeKind::HasPlaybook);
            }
        }
        // Growth by doubling leaves up to half of each vector unused; the graph lives to the end.
        b.g.shrink_to_fit();
        b.index.shrink_to_fit();
        Graph {
            g: b.g,
            index: b.index,
        }
    }
}

/// The result of one breadth-first traversal: every node reached, with the shortest path back.
pub struct Reach<'g> {
    graph: &'g Graph,
    start: NodeIndex,
    /// Reached nodes in order of distance (then name), excluding the start unless a cycle leads
    /// back to it.
    order: Vec<NodeIndex>,
    parent: HashMap<NodeIndex, NodeIndex>,
}

impl<'g> Reach<'g> {
    /// Nodes reached, nearest first.
    pub fn nodes(&self) -> &[NodeIndex] {
        &self.order
    }

    /// Ids of the nodes reached, nearest first.
    pub fn ids(&self) -> impl Iterator<Item = String> + '_ {
        self.order.iter().map(|n| self.graph.g[*n].id())
    }

    /// Is the node reached?
    pub fn contains(&self, n: NodeIndex) -> bool {
        self.parent.contains_key(&n)
    }

    /// The path from the start to `n` (both included), as node ids; `None` when not reached.
    pub fn path_to(&self, n: NodeIndex) -> Option<Vec<String>> {
        if !self.parent.contains_key(&n) {
            return None;
        }
        let mut path = vec![self.graph.g[n].id()];
        let mut cur = n;
        // Walk back until the start; a path back to the start itself ends at its first hop.
        loop {
            let p = self.parent[&cur];
            path.push(self.graph.g[p].id());
            if p == self.start {
                break;
            }
            cur = p;
        }
        path.reverse();
        Some(path)
    }

    /// The first hop from the start towards `n`.
    pub fn first_hop(&self, n: NodeIndex) -> Option<NodeIndex> {
        let mut cur = n;
        loop {
            let p = *self.parent.get(&cur)?;
            if p == self.start {
                return Some(cur);
            }
            cur = p;
        }
    }
}

impl Graph {
    pub fn node(&self, k: &NodeKind) -> Option<NodeIndex> {
        self.index.get(k).copied()
    }

    pub fn agent(&self, name: &str) -> Option<NodeIndex> {
        self.node(&NodeKind::Agent(name.to_string()))
    }

    pub fn resource(&self, id: &str) -> Option<NodeIndex> {
        self.node(&NodeKind::Resource(id.to_string()))
    }

    /// Targets of a node's edges of one kind, sorted by node, each once.
    pub fn successors(&self, n: NodeIndex, kind: EdgeKind) -> Vec<NodeIndex> {
        let mut next: Vec<NodeIndex> = self
            .g
            .edges(n)
            .filter(|e| *e.weight() == kind)
            .map(|e| e.target())
            .collect();
        next.sort_by(|a, b| self.g[*a].cmp(&self.g[*b]));
        next.dedup();
        next
    }

    /// Sources of the edges of one kind into a node, sorted by node, each once.
    pub fn predecessors(&self, n: NodeIndex, kind: EdgeKind) -> Vec<NodeIndex> {
        let mut prev: Vec<NodeIndex> = self
            .g
            .edges_directed(n, Direction::Incoming)
            .filter(|e| *e.weight() == kind)
            .map(|e| e.source())
            .collect();
        prev.sort_by(|a, b| self.g[*a].cmp(&self.g[*b]));
        prev.dedup();
        prev
    }

    /// One breadth-first traversal along edges of `kind` from `start`.
    pub fn reach(&self, start: NodeIndex, kind: EdgeKind) -> Reach<'_> {
        let mut order = Vec::new();
        let mut parent = HashMap::new();
        let mut queue = VecDeque::from([start]);
        let mut seen = HashSet::from([start]);
        while let Some(n) = queue.pop_front() {
            for t in self.successors(n, kind) {
                if t == start && !parent.contains_key(&start) {
                    // A cycle back to the start: record it once, but do not expand it again.
                    parent.insert(start, n);
                    order.push(start);
                }
                if seen.insert(t) {
                    parent.insert(t, n);
                    order.push(t);
                    queue.push_back(t);
                }
            }
        }
        Reach {
            graph: self,
            start,
            order,
            parent,
        }
    }

    /// Agents `agent` reaches through `delegates_to`, transitively, with the delegation chains.
    pub fn delegation_reach(&self, agent: &str) -> Option<Reach<'_>> {
        Some(self.reach(self.agent(agent)?, EdgeKind::DelegatesTo))
    }

    /// Resources `resource` (`connector.resource`) flows into through `syncs_to`, transitively,
    /// with the sync chains.
    pub fn sync_reach(&self, resource: &str) -> Option<Reach<'_>> {
        Some(self.reach(self.resource(resource)?, EdgeKind::SyncsTo))
    }

    /// Concrete operations an agent is granted, each with the first grant index covering it.
    pub fn granted_operations(&self, agent: NodeIndex) -> Vec<(String, usize)> {
        let mut ops: HashMap<NodeIndex, usize> = HashMap::new();
        for e in self.g.edges(agent) {
            if let EdgeKind::Grants { grant } = *e.weight() {
                let slot = ops.entry(e.target()).or_insert(grant);
                *slot = (*slot).min(grant);
            }
        }
        let mut out: Vec<(String, usize)> =
            ops.into_iter().map(|(n, g)| (self.g[n].id(), g)).collect();
        out.sort();
        out
    }

    /// Operations `agent` reaches through delegation that it is not granted itself, each once,
    /// through its nearest grantee. `keep(operation, grantee)` selects the operations of interest
    /// (so that paths are built only for them). One traversal.
    pub fn operations_via_delegation(
        &self,
        agent: &str,
        mut keep: impl FnMut(&str, &str) -> bool,
    ) -> Vec<DelegatedOp> {
        let Some(start) = self.agent(agent) else {
            return Vec::new();
        };
        let own: HashSet<String> = self
            .granted_operations(start)
            .into_iter()
            .map(|(o, _)| o)
            .collect();
        let reach = self.reach(start, EdgeKind::DelegatesTo);
        let mut done: HashSet<String> = HashSet::new();
        let mut out = Vec::new();
        for &d in reach.nodes() {
            if d == start {
                continue;
            }
            let grantee = self.g[d].id();
            for (op, grant) in self.granted_operations(d) {
                if own.contains(&op) || done.contains(&op) || !keep(&op, &grantee) {
                    continue;
                }
                done.insert(op.clone());
                out.push(DelegatedOp {
                    operation: op,
                    grantee: grantee.clone(),
                    grant,
                    path: reach.path_to(d).unwrap_or_default(),
                });
            }
        }
        out.sort_by(|a, b| a.operation.cmp(&b.operation));
        out
    }

    /// Delegation cycles: one per group of agents that reach each other (a strongly connected
    /// component of `delegates_to` with more than one agent), through its smallest agent, plus
    /// one per self-delegation. Linear in the graph's size (Kosaraju, iterative).
    pub fn delegation_cycles(&self) -> Vec<DelegationCycle> {
        let only = EdgeFiltered::from_fn(&self.g, |e| *e.weight() == EdgeKind::DelegatesTo);
        let mut out = Vec::new();
        for scc in petgraph::algo::kosaraju_scc(&only) {
            if scc.len() < 2 {
                continue;
            }
            let members: HashSet<NodeIndex> = scc.iter().copied().collect();
            let smallest = *scc
                .iter()
                .min_by(|a, b| self.g[**a].cmp(&self.g[**b]))
                .expect("non-empty");
            // Shortest way back to the smallest agent, inside the component, ignoring self-loops.
            let mut parent: HashMap<NodeIndex, NodeIndex> = HashMap::new();
            let mut queue = VecDeque::from([smallest]);
            let mut back = None;
            'bfs: while let Some(n) = queue.pop_front() {
                for t in self.successors(n, EdgeKind::DelegatesTo) {
                    if t == n || !members.contains(&t) {
                        continue;
                    }
                    if t == smallest {
                        back = Some(n);
                        break 'bfs;
                    }
                    if t != smallest && !parent.contains_key(&t) {
                        parent.insert(t, n);
                        queue.push_back(t);
                    }
                }
            }
            let mut cycle = vec![self.g[smallest].id()];
            let mut cur = back.expect("a strongly connected component has a cycle");
            while cur != smallest {
                cycle.push(self.g[cur].id());
                cur = parent[&cur];
            }
            cycle.push(self.g[smallest].id());
            cycle.reverse();
            let mut names: Vec<String> = scc.iter().map(|n| self.g[*n].id()).collect();
            names.sort();
            out.push(DelegationCycle {
                members: names,
                cycle,
            });
        }
        for (k, &n) in &self.index {
            if let NodeKind::Agent(name) = k {
                if self
                    .g
                    .edges(n)
                    .any(|e| *e.weight() == EdgeKind::DelegatesTo && e.target() == n)
                {
                    out.push(DelegationCycle {
                        members: vec![name.clone()],
                        cycle: vec![name.clone(), name.clone()],
                    });
                }
            }
        }
        out.sort_by(|a, b| {
            (&a.cycle[0], a.members.len(), &a.cycle).cmp(&(&b.cycle[0], b.members.len(), &b.cycle))
        });
        out
    }

    /// For every resource that data at or above `min` reaches through `syncs_to` (including the
    /// resources holding it), the source with the highest class that reaches it, and the chain.
    /// `class_of` gives a resource's class. Linear: each resource is labelled once, by a
    /// traversal from sources taken in order of decreasing class (among sources of one class,
    /// those no resource of that class or higher syncs into first, then by name).
    pub fn sync_sources(
        &self,
        class_of: impl Fn(&str) -> Option<usize>,
        min: usize,
    ) -> SyncSources<'_> {
        let class_at = |n: NodeIndex| match &self.g[n] {
            NodeKind::Resource(id) => class_of(id),
            _ => None,
        };
        // Sources in order of decreasing class; among equals, those that no resource of the same
        // or a higher class syncs into come first, so that chains start as far upstream as they can.
        let mut origins: Vec<(usize, bool, NodeIndex)> = self
            .index
            .iter()
            .filter_map(|(k, &n)| match k {
                NodeKind::Resource(_) => class_at(n).filter(|c| *c >= min).map(|c| {
                    let fed = self.g.edges_directed(n, Direction::Incoming).any(|e| {
                        *e.weight() == EdgeKind::SyncsTo
                            && e.source() != n
                            && class_at(e.source()).is_some_and(|pc| pc >= c)
                    });
                    (c, fed, n)
                }),
                _ => None,
            })
            .collect();
        origins.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then(a.1.cmp(&b.1))
                .then_with(|| self.g[a.2].cmp(&self.g[b.2]))
        });
        let mut label: HashMap<NodeIndex, (NodeIndex, usize, Option<NodeIndex>)> = HashMap::new();
        for (class, _, o) in origins {
            if label.contains_key(&o) {
                continue;
            }
            label.insert(o, (o, class, None));
            let mut queue = VecDeque::from([o]);
            while let Some(n) = queue.pop_front() {
                for t in self.successors(n, EdgeKind::SyncsTo) {
                    if let std::collections::hash_map::Entry::Vacant(v) = label.entry(t) {
                        v.insert((o, class, Some(n)));
                        queue.push_back(t);
                    }
                }
            }
        }
        SyncSources { graph: self, label }
    }
}

/// The result of [`Graph::delegators_of`]: agents that reach a set of agents through delegation.
pub struct Delegators<'g> {
    graph: &'g Graph,
    /// Next hop towards the nearest target, for every agent that reaches one (targets excluded).
    next: HashMap<NodeIndex, NodeIndex>,
    /// Agents that reach a target, nearest first (then by name).
    order: Vec<NodeIndex>,
}

impl Delegators<'_> {
    /// Agents, other than the targets, that reach one of the targets.
    pub fn nodes(&self) -> &[NodeIndex] {
        &self.order
    }

    /// The delegation path from `agent` to its nearest target, both included.
    pub fn path_from(&self, agent: NodeIndex) -> Option<Vec<String>> {
        let mut cur = agent;
        let mut path = vec![self.graph.g[cur].id()];
        while let Some(n) = self.next.get(&cur) {
            path.push(self.graph.g[*n].id());
            cur = *n;
        }
        (path.len() > 1).then_some(path)
    }
}

impl Graph {
    /// Every agent that reaches one of `targets` through `delegates_to` (transitively), with a
    /// shortest path to the nearest target: one backward traversal from all targets at once,
    /// linear in the delegation graph whatever the number of targets. Targets themselves are
    /// end points: they are not in the result, and paths stop at the first one.
    pub fn delegators_of(&self, targets: &[NodeIndex]) -> Delegators<'_> {
        let mut sorted = targets.to_vec();
        sorted.sort_by(|a, b| self.g[*a].cmp(&self.g[*b]));
        sorted.dedup();
        let is_target: HashSet<NodeIndex> = sorted.iter().copied().collect();
        let mut next: HashMap<NodeIndex, NodeIndex> = HashMap::new();
        let mut order = Vec::new();
        let mut seen: HashSet<NodeIndex> = HashSet::new();
        let mut queue: VecDeque<NodeIndex> = sorted.iter().copied().collect();
        while let Some(n) = queue.pop_front() {
            for p in self.predecessors(n, EdgeKind::DelegatesTo) {
                if is_target.contains(&p) || !seen.insert(p) {
                    continue;
                }
                next.insert(p, n);
                order.push(p);
                queue.push_back(p);
            }
        }
        Delegators {
            graph: self,
            next,
            order,
        }
    }
}

/// An operation reached through delegation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelegatedOp {
    pub operation: String,
    /// The delegate granted the operation (the nearest one).
    pub grantee: String,
    /// The index of the grantee's first grant covering the operation.
    pub grant: usize,
    /// Agents from the delegating agent to the grantee.
    pub path: Vec<String>,
}

/// A delegation cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelegationCycle {
    /// Every agent of the strongly connected group, sorted.
    pub members: Vec<String>,
    /// A shortest cycle through the smallest member, starting and ending with it.
    pub cycle: Vec<String>,
}

/// The result of [`Graph::sync_sources`].
pub struct SyncSources<'g> {
    graph: &'g Graph,
    label: HashMap<NodeIndex, (NodeIndex, usize, Option<NodeIndex>)>,
}

impl SyncSources<'_> {
    /// The highest-class source whose data reaches `resource` (possibly itself), and its class.
    pub fn origin(&self, resource: NodeIndex) -> Option<(String, usize)> {
        self.label
            .get(&resource)
            .map(|(o, c, _)| (self.graph.g[*o].id(), *c))
    }

    /// The sync chain from the origin to `resource`, both included.
    pub fn chain_to(&self, resource: NodeIndex) -> Vec<String> {
        let mut chain = Vec::new();
        let mut cur = Some(resource);
        while let Some(n) = cur {
            chain.push(self.graph.g[n].id());
            cur = self.label.get(&n).and_then(|(_, _, p)| *p);
        }
        chain.reverse();
        chain
    }
}

impl Graph {
    /// The shortest delegation path from `agent` to an agent granted `op` (excluding `agent`
    /// itself), as agent names from `agent` to the grantee.
    pub fn delegation_path_to(&self, m: &Model, agent: &str, op: &OpId) -> Option<Vec<String>> {
        self.delegation_path_where(agent, |name| grants_op(m, name, op))
    }

    /// The delegation path from `agent` to the first agent it reaches (transitively, not itself)
    /// for which `covers` holds.
    pub fn delegation_path_where(
        &self,
        agent: &str,
        covers: impl Fn(&str) -> bool,
    ) -> Option<Vec<String>> {
        let start = self.agent(agent)?;
        let reach = self.reach(start, EdgeKind::DelegatesTo);
        let d = reach.nodes().iter().find(|&&n| {
            n != start && matches!(&self.g[n], NodeKind::Agent(name) if covers(name))
        })?;
        reach.path_to(*d)
    }
}

/// A path for a message: `a → b → c`; a path of more than 12 nodes shows its first and last
/// five around `… (N more) …`.
pub fn show_path(path: &[String]) -> String {
    if path.len() <= 12 {
        return path.join(" → ");
    }
    format!(
        "{} → … ({} more) … → {}",
        path[..5].join(" → "),
        path.len() - 10,
        path[path.len() - 5..].join(" → ")
    )
}

/// Test support for the rules: the base fixture repository with files replaced or added.
#[cfg(test)]
pub(crate) mod test_repo {
    use crate::diag::Diagnostic;

    /// An Agent document with these grant lines (YAML list items) and delegates.
    pub fn agent(name: &str, grants: &str, delegates: &str) -> String {
        format!(
            r#"apiVersion: agentgov.dev/v1
kind: Agent
metadata: {{ name: {name} }}
spec:
  owners: {{ business: ana, technical: dev }}
  model: {{ provider: example, name: small, version: "1" }}
  mode: autonomous
  grants:
{grants}
  delegates_to: [{delegates}]
"#
        )
    }

    /// Checks `tests/fixtures/base` with `files` (path, content) written over it, on 2026-11-26.
    pub fn checked(files: &[(&str, &str)]) -> crate::analysis::Checked {
        crate::rules::util::testing::checked(files, &[])
    }

    /// The diagnostics of [`checked`].
    pub fn check_with(files: &[(&str, &str)]) -> Vec<Diagnostic> {
        checked(files).diagnostics
    }

    /// The findings of one rule.
    pub fn findings(files: &[(&str, &str)], rule: &str) -> Vec<Diagnostic> {
        check_with(files)
            .into_iter()
            .filter(|d| d.rule == rule)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(
        kind: fn(String) -> NodeKind,
        edge: EdgeKind,
        names: &[&str],
        edges: &[(usize, usize)],
    ) -> Graph {
        let mut g = DiGraph::new();
        let mut index = HashMap::new();
        let ids: Vec<NodeIndex> = names
            .iter()
            .map(|n| {
                let i = g.add_node(kind(n.to_string()));
                index.insert(kind(n.to_string()), i);
                i
            })
            .collect();
        for (a, b) in edges {
            g.add_edge(ids[*a], ids[*b], edge);
        }
        Graph { g, index }
    }

    #[test]
    fn long_paths_are_elided_in_messages() {
        let p: Vec<String> = (0..13).map(|i| format!("a{i}")).collect();
        assert_eq!(show_path(&p[..3]), "a0 → a1 → a2");
        assert_eq!(show_path(&p[..12]).matches('→').count(), 11);
        assert_eq!(
            show_path(&p),
            "a0 → a1 → a2 → a3 → a4 → … (3 more) … → a8 → a9 → a10 → a11 → a12"
        );
    }

    #[test]
    fn delegation_reach_returns_shortest_paths() {
        // a → b → c → d and a → d: d is one hop away; c two.
        let g = chain(
            NodeKind::Agent,
            EdgeKind::DelegatesTo,
            &["a", "b", "c", "d"],
            &[(0, 1), (1, 2), (2, 3), (0, 3)],
        );
        let r = g.delegation_reach("a").unwrap();
        assert_eq!(r.ids().collect::<Vec<_>>(), ["b", "d", "c"]);
        assert_eq!(r.path_to(g.agent("c").unwrap()).unwrap(), ["a", "b", "c"]);
        assert_eq!(r.path_to(g.agent("d").unwrap()).unwrap(), ["a", "d"]);
        assert_eq!(r.first_hop(g.agent("c").unwrap()), g.agent("b"));
        assert!(!r.contains(g.agent("a").unwrap()));
    }

    #[test]
    fn a_cycle_back_to_the_start_is_reached_once() {
        let g = chain(
            NodeKind::Agent,
            EdgeKind::DelegatesTo,
            &["a", "b"],
            &[(0, 1), (1, 0)],
        );
        let r = g.delegation_reach("a").unwrap();
        assert_eq!(r.ids().collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(r.path_to(g.agent("a").unwrap()).unwrap(), ["a", "b", "a"]);
    }

    #[test]
    fn cycles_one_per_component_and_per_self_loop() {
        // c → a → b → c (three), d → d (self), e → c (into the cycle, not part of it).
        let g = chain(
            NodeKind::Agent,
            EdgeKind::DelegatesTo,
            &["c", "a", "b", "d", "e"],
            &[(0, 1), (1, 2), (2, 0), (3, 3), (4, 0)],
        );
        let cycles = g.delegation_cycles();
        assert_eq!(cycles.len(), 2);
        assert_eq!(cycles[0].cycle, ["a", "b", "c", "a"]);
        assert_eq!(cycles[0].members, ["a", "b", "c"]);
        assert_eq!(cycles[1].cycle, ["d", "d"]);
    }

    #[test]
    fn long_chains_do_not_overflow_the_stack() {
        let n = 10_000;
        let names: Vec<String> = (0..n).map(|i| format!("a{i:05}")).collect();
        let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
        let mut edges: Vec<(usize, usize)> = (0..n - 1).map(|i| (i, i + 1)).collect();
        edges.push((n - 1, 0));
        let g = chain(NodeKind::Agent, EdgeKind::DelegatesTo, &refs, &edges);
        let cycles = g.delegation_cycles();
        assert_eq!(cycles.len(), 1);
        assert_eq!(cycles[0].cycle.len(), n + 1);

        let r = chain(
            NodeKind::Resource,
            EdgeKind::SyncsTo,
            &refs,
            &edges[..n - 1],
        );
        let s = r.sync_sources(|id| (id == "a00000").then_some(3), 3);
        let last = r.resource("a09999").unwrap();
        assert_eq!(s.origin(last), Some(("a00000".to_string(), 3)));
        assert_eq!(s.chain_to(last).len(), n);
    }

    #[test]
    fn sync_sources_label_with_the_highest_origin() {
        // p (3) → q (4) → r (0) → s (0); t (3) → s.
        let g = chain(
            NodeKind::Resource,
            EdgeKind::SyncsTo,
            &["p", "q", "r", "s", "t"],
            &[(0, 1), (1, 2), (2, 3), (4, 3)],
        );
        let class = |id: &str| match id {
            "p" | "t" => Some(3),
            "q" => Some(4),
            _ => Some(0),
        };
        let s = g.sync_sources(class, 3);
        let at = |id: &str| g.resource(id).unwrap();
        assert_eq!(s.origin(at("p")), Some(("p".to_string(), 3)));
        assert_eq!(s.origin(at("r")), Some(("q".to_string(), 4)));
        assert_eq!(s.chain_to(at("s")), ["q", "r", "s"]);
        assert_eq!(s.origin(at("t")), Some(("t".to_string(), 3)));
    }

    #[test]
    fn the_base_fixture_graph() {
        let c = test_repo::checked(&[]);
        let g = c.graph.as_ref().unwrap();
        let n = |k: NodeKind| g.node(&k).unwrap_or_else(|| panic!("no node {k:?}"));
        let has = |a: NodeIndex, b: NodeIndex, e: EdgeKind| {
            g.g.edges(a).any(|x| x.target() == b && *x.weight() == e)
        };
        let writer = n(NodeKind::Agent("writer".into()));
        let send = n(NodeKind::Operation("mail.campaigns.send".into()));
        let read = n(NodeKind::Operation("crm.contacts.read".into()));
        assert!(has(writer, send, EdgeKind::Grants { grant: 0 }));
        assert!(has(writer, read, EdgeKind::Grants { grant: 1 }));
        assert!(!g
            .g
            .edges(writer)
            .any(|x| x.target() == n(NodeKind::Operation("crm.contacts.update".into()))));
        assert_eq!(
            g.granted_operations(writer),
            [
                ("crm.contacts.read".to_string(), 1),
                ("mail.campaigns.create".to_string(), 0),
                ("mail.campaigns.send".to_string(), 0)
            ]
        );
        let ana = n(NodeKind::Person("ana".into()));
        assert!(has(ana, writer, EdgeKind::Owns(OwnerRole::Business)));
        assert!(has(
            n(NodeKind::Person("dev".into())),
            writer,
            EdgeKind::Owns(OwnerRole::Technical)
        ));
        assert!(has(
            ana,
            n(NodeKind::Group("leads".into())),
            EdgeKind::MemberOf
        ));
        let two = n(NodeKind::Tier("two-person".into()));
        assert_eq!(
            g.successors(two, EdgeKind::ApprovalFrom),
            [
                n(NodeKind::Group("compliance".into())),
                n(NodeKind::Group("leads".into()))
            ]
        );
        let wf = n(NodeKind::Workflow("newsletter".into()));
        let step = n(NodeKind::Step {
            workflow: "newsletter".into(),
            step: "send".into(),
        });
        assert!(has(wf, step, EdgeKind::HasStep));
        assert!(has(step, writer, EdgeKind::PerformedBy));
        assert!(has(step, send, EdgeKind::Performs));
        assert!(has(step, two, EdgeKind::GatedBy));
        let pb = n(NodeKind::Playbook("bad-send".into()));
        assert!(has(wf, pb, EdgeKind::HasPlaybook));
        assert!(has(ana, pb, EdgeKind::CanPause));
        let contacts = n(NodeKind::Resource("crm.contacts".into()));
        assert!(has(
            n(NodeKind::Connector("crm".into())),
            contacts,
            EdgeKind::HasResource
        ));
        assert!(has(contacts, read, EdgeKind::HasOperation));
        let steps =
            g.g.node_weights()
                .filter(|k| matches!(k, NodeKind::Step { .. }))
                .count();
        assert_eq!(steps, 3);
    }
}
