//! The decision of DESIGN §3: one pure function, the source of truth for every output.
//!
//! The model is first compiled into a [`Plan`]: per agent and concrete granted operation, everything
//! that does not depend on the request (grants, prohibition, the step gates and derive rules that
//! apply for each possible workflow). [`decide`] evaluates a request against the plan; the Cedar
//! and Rego generators translate the same plan, so the three cannot drift apart.

use crate::model::*;
use crate::semantics::{self, DeriveMatch};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A fact value supplied by the enforcement point.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum FactValue {
    Bool(bool),
    Number(f64),
    String(String),
}

impl FactValue {
    pub fn from_json(v: &serde_json::Value) -> Option<FactValue> {
        match v {
            serde_json::Value::Bool(b) => Some(FactValue::Bool(*b)),
            serde_json::Value::Number(n) => n.as_f64().map(FactValue::Number),
            serde_json::Value::String(s) => Some(FactValue::String(s.clone())),
            _ => None,
        }
    }
}

/// What an enforcement point asks.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub agent: String,
    pub operation: String,
    /// `Some` when the request names the fields it touches (an empty list touches no field).
    pub fields: Option<Vec<String>>,
    pub workflow: Option<String>,
    pub context: BTreeMap<String, FactValue>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Allow,
    Approve,
    Deny,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allow => "allow",
            Outcome::Approve => "approve",
            Outcome::Deny => "deny",
        }
    }
}

/// The answer. `reasons` are stable codes, also produced by the generated Rego:
/// `agent-paused`, `not-granted`, `prohibited:<pattern>`, `gate:<workflow>.<step>`,
/// `derive:<index>`, `escalation:<id>`, `recommend-only`, `malformed-request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub effect: Outcome,
    /// The tier for allow (the weakest) and approve; `None` for deny.
    pub tier: Option<String>,
    pub reasons: Vec<String>,
}

/// The compiled, request-independent part of every decision.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// Tier ids, weakest first.
    pub tiers: Vec<String>,
    /// Per tier: how many distinct approvers and which groups they must cover.
    pub approvals: Vec<TierApprovals>,
    pub escalations: Vec<EscalationPlan>,
    /// Tier rank a `recommend-only` agent's non-read operations need.
    pub recommend_only_rank: usize,
    /// The facts a request's context may hold, with their types (anything else is malformed).
    pub facts: BTreeMap<String, FactType>,
    pub agents: BTreeMap<String, AgentPlan>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TierApprovals {
    pub count: usize,
    pub groups: BTreeSet<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EscalationPlan {
    pub id: String,
    pub fact: String,
    pub test: TestPlan,
    pub rank: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TestPlan {
    Below(f64),
    Above(f64),
    In(Vec<String>),
    Is(bool),
}

#[derive(Debug, Clone, Serialize)]
pub struct AgentPlan {
    pub mode: Mode,
    /// By operation id `connector.resource.operation`: only operations some grant covers.
    /// Boxed: a map node holds room for eleven entries, most agents have a few.
    pub operations: BTreeMap<String, Box<OpPlan>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OpPlan {
    pub effect: Effect,
    pub reversibility: Reversibility,
    /// The first prohibition matching the operation.
    pub prohibited: Option<String>,
    /// Field sets of the grants covering the operation (a grant without `fields` allows all fields).
    pub field_sets: Vec<BTreeSet<String>>,
    /// Classification rank of each field of the resource (shared by every agent's plan).
    pub field_classes: Arc<BTreeMap<String, usize>>,
    /// When the request names a workflow that has steps for this agent and operation, and such
    /// steps are in more than one workflow (otherwise the default is that workflow's choice).
    pub workflows: BTreeMap<String, Choice>,
    /// Otherwise: every step of this agent and operation (or none).
    pub default: Choice,
    /// Rank of the `recommend-only` contribution (0 when it does not apply).
    pub recommend_only: usize,
}

impl OpPlan {
    /// Does one grant covering the operation allow every one of `fields`?
    pub fn grants_fields(&self, fields: &[String]) -> bool {
        self.field_sets
            .iter()
            .any(|set| fields.iter().all(|f| set.contains(f)))
    }
}

/// The request-independent part of the tier for one choice of steps.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub gate: usize,
    /// `workflow.step` of the step that sets the gate (the first among the strongest).
    pub gate_step: Option<String>,
    pub touches: BTreeSet<String>,
    /// Data class when the request does not name fields.
    pub fallback_class: Option<usize>,
    /// Derive rules that hold regardless of the request, by index, with their rank.
    pub static_derives: Vec<(usize, usize)>,
    /// Derive rules that hold when the data class reaches a threshold: (index, threshold, rank).
    pub data_derives: Vec<(usize, usize, usize)>,
}

impl OpPlan {
    /// The tier rank a choice of steps gets with no context and no requested fields: the step
    /// gate, the derive rules that hold regardless of the request, the data-class derive rules at
    /// the choice's fallback data class, and the `recommend-only` contribution (what
    /// [`Plan::decide`] answers for such a request). Escalations are left out: they need facts.
    pub fn contextless_rank(&self, choice: &Choice) -> usize {
        let data = choice
            .data_derives
            .iter()
            .filter(|(_, threshold, _)| choice.fallback_class.is_some_and(|c| c >= *threshold))
            .map(|(_, _, r)| *r)
            .max()
            .unwrap_or(0);
        choice.static_rank().max(data).max(self.recommend_only)
    }
}

impl Choice {
    /// Tier rank and reasons without escalations or fields.
    pub fn static_rank(&self) -> usize {
        self.static_derives
            .iter()
            .map(|(_, r)| *r)
            .chain([self.gate])
            .max()
            .unwrap_or(0)
    }
}

/// Compiles the plan. Needs a model with a Policy.
pub fn plan(m: &Model) -> Plan {
    let p = m.policy();
    let rank = |t: &str| m.tier_rank(t).unwrap_or(0);
    let approvals = p
        .tiers
        .iter()
        .map(|t| TierApprovals {
            count: t.approvals.len(),
            groups: t.approvals.iter().map(|a| a.from.clone()).collect(),
        })
        .collect();
    let escalations = p
        .escalations
        .iter()
        .map(|e| EscalationPlan {
            id: e.id.clone(),
            fact: e.when.fact.clone(),
            test: match e.when.test() {
                Test::Below(n) => TestPlan::Below(n),
                Test::Above(n) => TestPlan::Above(n),
                Test::In(v) => TestPlan::In(v),
                Test::Is(b) => TestPlan::Is(b),
            },
            rank: rank(&e.raise_to),
        })
        .collect();
    let recommend_only_rank = m
        .tier_rank("review")
        .unwrap_or(1.min(p.tiers.len().saturating_sub(1)));

    // Steps by (agent, operation).
    let mut steps: BTreeMap<(&str, String), Vec<(&Workflow, &Step)>> = BTreeMap::new();
    for w in m.workflows.values() {
        for s in &w.spec.steps {
            steps
                .entry((s.agent.as_str(), s.does.to_string()))
                .or_default()
                .push((w, s));
        }
    }

    // Every operation once, and the operations of each resource, so that an agent whose grants
    // name resources without `*` only looks at those (linear, not agents × operations).
    let all_ops: Vec<(OpId, &OperationSpec)> = m.all_operations().collect();
    let mut ops_of_resource: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, (op, _)) in all_ops.iter().enumerate() {
        ops_of_resource
            .entry((op.connector.as_str(), op.resource.as_str()))
            .or_default()
            .push(i);
    }

    let mut agents = BTreeMap::new();
    let mut class_cache: std::collections::HashMap<(&str, &str), Arc<BTreeMap<String, usize>>> =
        std::collections::HashMap::new();
    for a in m.agents.values() {
        let mut operations = BTreeMap::new();
        let candidates: Vec<usize> = if a.spec.grants.iter().any(|g| g.resource.contains('*')) {
            (0..all_ops.len()).collect()
        } else {
            let mut v: Vec<usize> = a
                .spec
                .grants
                .iter()
                .filter_map(|g| g.resource.split_once('.'))
                .filter_map(|key| ops_of_resource.get(&key))
                .flatten()
                .copied()
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        for &(ref op, spec) in candidates.iter().map(|&i| &all_ops[i]) {
            let covering: Vec<&Grant> = a
                .spec
                .grants
                .iter()
                .filter(|g| semantics::grant_covers(g, op))
                .collect();
            if covering.is_empty() {
                continue;
            }
            let res = m
                .resource(&op.connector, &op.resource)
                .expect("operation of a known resource");
            let field_classes = class_cache
                .entry((op.connector.as_str(), op.resource.as_str()))
                .or_insert_with(|| Arc::new(semantics::field_classes(m, res)))
                .clone();
            let field_sets: Vec<BTreeSet<String>> = covering
                .iter()
                .map(|g| match &g.fields {
                    Some(fs) => fs
                        .iter()
                        .filter(|f| res.fields.contains_key(*f))
                        .cloned()
                        .collect(),
                    None => res.fields.keys().cloned().collect(),
                })
                .collect();
            let grant_class = semantics::grant_class(m, res, &covering);
            let op_id = op.to_string();
            let op_steps = steps
                .get(&(a.name.as_str(), op_id.clone()))
                .cloned()
                .unwrap_or_default();
            let make_choice = |chosen: &[(&Workflow, &Step)]| -> Choice {
                let mut gate = 0;
                let mut gate_step = None;
                let mut touches = BTreeSet::new();
                let mut fallback_class = if chosen.is_empty() { grant_class } else { None };
                for (w, s) in chosen {
                    let g = rank(&s.gate);
                    if gate_step.is_none() || g > gate {
                        gate = g;
                        gate_step = Some(format!("{}.{}", w.name, s.id));
                    }
                    touches.extend(s.touches.iter().cloned());
                    let c = match &s.fields {
                        Some(fs) => semantics::request_class(fs, &field_classes),
                        None => grant_class,
                    };
                    fallback_class = fallback_class.max(c);
                }
                let mut static_derives = Vec::new();
                let mut data_derives = Vec::new();
                for (i, d) in p.derive.iter().enumerate() {
                    let r = rank(&d.require);
                    match semantics::derive_match(m, d, op, spec, &touches) {
                        DeriveMatch::Never => {}
                        DeriveMatch::Always => static_derives.push((i, r)),
                        DeriveMatch::AtLeast(threshold) => data_derives.push((i, threshold, r)),
                    }
                }
                Choice {
                    gate,
                    gate_step,
                    touches,
                    fallback_class,
                    static_derives,
                    data_derives,
                }
            };
            let mut by_workflow: BTreeMap<&str, Vec<(&Workflow, &Step)>> = BTreeMap::new();
            for (w, s) in &op_steps {
                by_workflow.entry(w.name.as_str()).or_default().push((w, s));
            }
            // With steps in one workflow only, naming it selects exactly the default steps: its
            // choice would be a copy of the default, so it is not stored (most operations).
            let workflows = if by_workflow.len() > 1 {
                by_workflow
                    .iter()
                    .map(|(w, chosen)| (w.to_string(), make_choice(chosen)))
                    .collect()
            } else {
                BTreeMap::new()
            };
            let default = make_choice(&op_steps);
            let prohibited = p
                .prohibited
                .iter()
                .find(|pr| op_pattern_matches(&pr.operation, op))
                .map(|pr| pr.operation.clone());
            let recommend_only =
                if a.spec.mode == Mode::RecommendOnly && !semantics::is_read(&op.operation) {
                    recommend_only_rank
                } else {
                    0
                };
            operations.insert(
                op_id,
                Box::new(OpPlan {
                    effect: spec.effect,
                    reversibility: spec.reversibility,
                    prohibited,
                    field_sets,
                    field_classes,
                    workflows,
                    default,
                    recommend_only,
                }),
            );
        }
        agents.insert(
            a.name.clone(),
            AgentPlan {
                mode: a.spec.mode,
                operations,
            },
        );
    }
    Plan {
        tiers: p.tiers.iter().map(|t| t.id.clone()).collect(),
        approvals,
        escalations,
        recommend_only_rank,
        facts: p.facts.clone(),
        agents,
    }
}

fn deny(reason: impl Into<String>) -> Decision {
    Decision {
        effect: Outcome::Deny,
        tier: None,
        reasons: vec![reason.into()],
    }
}

/// Does an escalation's condition hold on the context? A missing or mistyped fact never holds.
pub fn escalation_holds(e: &EscalationPlan, context: &BTreeMap<String, FactValue>) -> bool {
    match (&e.test, context.get(&e.fact)) {
        (TestPlan::Below(n), Some(FactValue::Number(v))) => v < n,
        (TestPlan::Above(n), Some(FactValue::Number(v))) => v > n,
        (TestPlan::In(list), Some(FactValue::String(s))) => list.contains(s),
        (TestPlan::Is(b), Some(FactValue::Bool(v))) => v == b,
        _ => false,
    }
}

impl Plan {
    /// The choice of steps a request selects.
    pub fn choice<'a>(&self, op: &'a OpPlan, workflow: Option<&str>) -> &'a Choice {
        workflow
            .and_then(|w| op.workflows.get(w))
            .unwrap_or(&op.default)
    }

    /// Does the context hold only declared facts, each of its declared type (DESIGN §5: a
    /// malformed request is denied by every output)? Returns the first offending fact.
    pub fn malformed_fact<'a>(&self, context: &'a BTreeMap<String, FactValue>) -> Option<&'a str> {
        context
            .iter()
            .find(|(name, value)| {
                !matches!(
                    (self.facts.get(*name), value),
                    (Some(FactType::Bool), FactValue::Bool(_))
                        | (Some(FactType::Number), FactValue::Number(_))
                        | (Some(FactType::String), FactValue::String(_))
                )
            })
            .map(|(name, _)| name.as_str())
    }

    /// DESIGN §3, on a well-formed request (a malformed one is denied: `malformed-request`).
    pub fn decide(&self, req: &Request) -> Decision {
        self.decide_in_mode(req, None)
    }

    /// [`Plan::decide`] with the agent's mode replaced by `mode` (when given): what the decision
    /// would be once a monitor's response downgraded or paused the agent (`agentgov audit`).
    pub fn decide_in_mode(&self, req: &Request, mode: Option<Mode>) -> Decision {
        if self.malformed_fact(&req.context).is_some() {
            return deny("malformed-request");
        }
        let Some(agent) = self.agents.get(&req.agent) else {
            return deny("not-granted");
        };
        if mode.unwrap_or(agent.mode) == Mode::Paused {
            return deny("agent-paused");
        }
        let Some(op) = agent.operations.get(&req.operation) else {
            return deny("not-granted");
        };
        if let Some(fields) = &req.fields {
            if !op.grants_fields(fields) {
                return deny("not-granted");
            }
        }
        if let Some(p) = &op.prohibited {
            return deny(format!("prohibited:{p}"));
        }
        let choice = self.choice(op, req.workflow.as_deref());
        let mut rank = 0;
        let mut reasons = Vec::new();
        if choice.gate > 0 {
            rank = choice.gate;
            reasons.push(format!(
                "gate:{}",
                choice.gate_step.as_deref().unwrap_or("")
            ));
        }
        let class = match &req.fields {
            Some(fields) => semantics::request_class(fields, &op.field_classes),
            None => choice.fallback_class,
        };
        let mut derives: Vec<(usize, usize)> = choice.static_derives.clone();
        derives.extend(
            choice
                .data_derives
                .iter()
                .filter(|(_, threshold, _)| class.is_some_and(|c| c >= *threshold))
                .map(|(i, _, r)| (*i, *r)),
        );
        derives.sort();
        for (i, r) in derives {
            if r > 0 {
                rank = rank.max(r);
                reasons.push(format!("derive:{i}"));
            }
        }
        for e in &self.escalations {
            if e.rank > 0 && escalation_holds(e, &req.context) {
                rank = rank.max(e.rank);
                reasons.push(format!("escalation:{}", e.id));
            }
        }
        let recommend_only = match mode {
            None => op.recommend_only,
            Some(Mode::RecommendOnly)
                if !semantics::is_read(req.operation.rsplit('.').next().unwrap_or("")) =>
            {
                self.recommend_only_rank
            }
            Some(_) => 0,
        };
        if recommend_only > 0 {
            rank = rank.max(recommend_only);
            reasons.push("recommend-only".into());
        }
        Decision {
            effect: if rank == 0 {
                Outcome::Allow
            } else {
                Outcome::Approve
            },
            tier: Some(self.tiers[rank].clone()),
            reasons,
        }
    }

    /// Does some grant of `agent` cover `operation` with every one of `fields`?
    pub fn fields_granted(&self, agent: &str, operation: &str, fields: &[String]) -> bool {
        self.agents
            .get(agent)
            .and_then(|a| a.operations.get(operation))
            .is_some_and(|op| op.grants_fields(fields))
    }

    /// The runtime approval check: enough distinct people, covering every group the tier lists.
    pub fn approvals_satisfy(&self, tier: &str, count: usize, groups: &BTreeSet<String>) -> bool {
        match self.tiers.iter().position(|t| t == tier) {
            Some(r) => {
                let need = &self.approvals[r];
                count >= need.count && need.groups.iter().all(|g| groups.contains(g))
            }
            None => false,
        }
    }

    /// What Cedar answers and Rego's `permit` says: allow, or approve with satisfying approvals.
    pub fn permits(&self, req: &Request, approvals: Option<(usize, &BTreeSet<String>)>) -> bool {
        let d = self.decide(req);
        match d.effect {
            Outcome::Allow => true,
            Outcome::Deny => false,
            Outcome::Approve => approvals.is_some_and(|(n, g)| {
                self.approvals_satisfy(d.tier.as_deref().unwrap_or(""), n, g)
            }),
        }
    }
}
