//! What the site and POLICY.md show, computed from the model, the plan and the findings.
//!
//! Every decision shown comes from [`Plan::decide`](crate::decide::Plan::decide); nothing here
//! re-implements the tier logic.

use crate::decide::{Decision, Outcome, Request};
use crate::diag::Diagnostic;
use crate::emit::EmitContext;
use crate::model::{Agent, Cadence, Effect, OpId, Reversibility, Workflow};
use crate::semantics;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Days ahead a review counts as "coming due".
pub const DUE_SOON_DAYS: i64 = 14;

/// One operation as a reviewer sees it.
#[derive(Debug, Clone, Serialize)]
pub struct OpRow {
    pub op: String,
    pub resource: String,
    pub effect: &'static str,
    pub reversibility: &'static str,
    /// How the action is undone (compensation text, version history, or nothing).
    pub undo: String,
    pub classification: String,
    /// Why this tier (or why denied), in words.
    pub why: Vec<String>,
    pub risky: bool,
}

/// The decisions of one agent on every operation the connectors define, with no context.
#[derive(Debug, Clone, Serialize)]
pub struct AgentOps {
    /// Per tier rank, weakest first: the operations that land in that tier.
    pub by_tier: Vec<Vec<OpRow>>,
    /// Denied whoever approves: operations a Policy `prohibited` pattern matches.
    pub prohibited: Vec<OpRow>,
    /// Other denied operations that matter: granted but blocked (a pause, the agent's mode), and
    /// risky operations the agent is not granted.
    pub not_granted: Vec<OpRow>,
    /// How many further operations are denied because they are not granted (and harmless).
    pub other_denied: usize,
}

pub fn decide(
    cx: &EmitContext,
    agent: &str,
    op: &str,
    workflow: Option<&str>,
    fields: Option<Vec<String>>,
) -> Decision {
    cx.plan.decide(&Request {
        agent: agent.to_string(),
        operation: op.to_string(),
        fields,
        workflow: workflow.map(str::to_string),
        context: BTreeMap::new(),
    })
}

pub fn tier_rank(cx: &EmitContext, d: &Decision) -> Option<usize> {
    semantics::decision_rank(cx.plan, d)
}

/// "acts alone", "1 reviewer", "2 people", ...
pub fn tier_label(cx: &EmitContext, rank: usize) -> String {
    match cx.plan.approvals.get(rank).map(|a| a.count).unwrap_or(0) {
        0 => "acts alone".into(),
        1 => "one reviewer".into(),
        2 => "two people".into(),
        n => format!("{n} people"),
    }
}

/// Is the operation risky: external, irreversible, or a write on personal or sensitive data?
pub fn is_risky(cx: &EmitContext, op: &OpId) -> bool {
    let Some(spec) = cx.model.operation(op) else {
        return false;
    };
    spec.effect == Effect::External
        || spec.reversibility == Reversibility::Irreversible
        || (!semantics::is_read(&op.operation)
            && semantics::is_personal(
                cx.model,
                semantics::resource_class_of(cx.model, &op.resource_id()),
            ))
}

/// Highest classification of a resource (its own and its fields'), 0 when unknown.
pub fn resource_class_rank(cx: &EmitContext, resource: &str) -> usize {
    semantics::resource_class_of(cx.model, resource).unwrap_or(0)
}

pub fn resource_class(cx: &EmitContext, resource: &str) -> String {
    cx.model
        .policy()
        .classifications
        .get(resource_class_rank(cx, resource))
        .cloned()
        .unwrap_or_default()
}

/// How an action is undone.
pub fn undo_text(cx: &EmitContext, op: &OpId) -> String {
    let Some(spec) = cx.model.operation(op) else {
        return String::new();
    };
    match spec.reversibility {
        Reversibility::Irreversible => "cannot be undone".into(),
        Reversibility::Compensable => match &spec.compensation {
            Some(c) => format!("compensate: {c}"),
            None => "compensable (no compensation written down)".into(),
        },
        Reversibility::Reversible if spec.history == Some(true) => {
            "reversible from version history".into()
        }
        Reversibility::Reversible => "reversible".into(),
    }
}

/// A decision reason code in words (one clause, no final period).
pub fn reason_text(cx: &EmitContext, reason: &str) -> String {
    reason_words(cx, reason).trim_end_matches('.').to_string()
}

fn reason_words(cx: &EmitContext, reason: &str) -> String {
    let p = cx.model.policy();
    if reason == "agent-paused" {
        return "the agent is paused".into();
    }
    if reason == "not-granted" {
        return "not granted (default deny)".into();
    }
    if reason == "recommend-only" {
        return "the agent is recommend-only: a human reviews every change".into();
    }
    if let Some(pat) = reason.strip_prefix("prohibited:") {
        let why = p
            .prohibited
            .iter()
            .find(|x| x.operation == pat)
            .map(|x| x.reason.as_str())
            .unwrap_or("");
        return format!("prohibited by `{pat}`: {why}");
    }
    if let Some(step) = reason.strip_prefix("gate:") {
        let (w, s) = step.split_once('.').unwrap_or((step, ""));
        return format!("gate of step {s} in workflow {w}");
    }
    if let Some(i) = reason
        .strip_prefix("derive:")
        .and_then(|i| i.parse::<usize>().ok())
    {
        if let Some(d) = p.derive.get(i) {
            return d.description.clone().unwrap_or_else(|| {
                format!("derive rule: {} requires {}", when_text(&d.when), d.require)
            });
        }
    }
    if let Some(id) = reason.strip_prefix("escalation:") {
        if let Some(e) = p.escalations.iter().find(|e| e.id == id) {
            return e
                .description
                .clone()
                .unwrap_or_else(|| format!("escalation {id}"));
        }
    }
    reason.to_string()
}

/// A derive rule's condition in words.
pub fn when_text(w: &crate::model::DeriveWhen) -> String {
    let mut parts = Vec::new();
    if let Some(e) = w.effect {
        parts.push(format!("effect is {}", e.as_str()));
    }
    if let Some(r) = w.reversibility {
        parts.push(format!("{} actions", r.as_str()));
    }
    if let Some(c) = &w.data_at_least {
        parts.push(format!("data at least {c}"));
    }
    if let Some(ops) = &w.operation {
        parts.push(format!("operation in {}", ops.join(", ")));
    }
    if let Some(t) = &w.touches {
        parts.push(format!("touches {}", t.join(", ")));
    }
    if parts.is_empty() {
        "always".into()
    } else {
        parts.join(" and ")
    }
}

/// An escalation condition in words.
pub fn condition_text(c: &crate::model::Condition) -> String {
    use crate::model::Test;
    match c.test() {
        Test::Below(n) => format!("{} below {n}", c.fact),
        Test::Above(n) => format!("{} above {n}", c.fact),
        Test::In(v) => format!("{} is one of {}", c.fact, v.join(", ")),
        Test::Is(b) => format!("{} is {b}", c.fact),
    }
}

fn op_row(cx: &EmitContext, op: &OpId, why: Vec<String>) -> OpRow {
    let spec = cx.model.operation(op);
    OpRow {
        op: op.to_string(),
        resource: op.resource_id(),
        effect: spec.map(|s| s.effect.as_str()).unwrap_or(""),
        reversibility: spec.map(|s| s.reversibility.as_str()).unwrap_or(""),
        undo: undo_text(cx, op),
        classification: resource_class(cx, &op.resource_id()),
        why,
        risky: is_risky(cx, op),
    }
}

/// Up to this many operations in the repository, every agent page weighs every one of them.
const ALL_OPERATIONS_MAX: usize = 100;

/// DESIGN: "the four lists", computed with `decide` on every operation, no context.
pub fn agent_ops(cx: &EmitContext, agent: &str) -> AgentOps {
    let mut by_tier = vec![Vec::new(); cx.plan.tiers.len()];
    let mut prohibited = Vec::new();
    let mut not_granted = Vec::new();
    let mut other_denied = 0;
    let granted = cx.plan.agents.get(agent).map(|a| &a.operations);
    // Every operation of every connector, while that stays small; in a large repository the
    // connectors the agent is granted anything on (the rest are counted as denied), so that
    // pages stay linear in the size of the repository.
    let total = *cx
        .memo
        .operation_count
        .get_or_init(|| cx.model.all_operations().count());
    let considered: Vec<OpId> = if total <= ALL_OPERATIONS_MAX {
        cx.model.all_operations().map(|(op, _)| op).collect()
    } else {
        let connectors: BTreeSet<&str> = granted
            .map(|g| g.keys().filter_map(|k| k.split('.').next()).collect())
            .unwrap_or_default();
        connectors
            .iter()
            .filter_map(|c| cx.model.connectors.get(*c))
            .flat_map(|conn| {
                conn.spec.resources.iter().flat_map(move |(r, res)| {
                    res.operations.keys().map(move |o| OpId {
                        connector: conn.name.clone(),
                        resource: r.clone(),
                        operation: o.clone(),
                    })
                })
            })
            .collect()
    };
    other_denied += total - considered.len();
    for op in considered {
        let d = decide(cx, agent, &op.to_string(), None, None);
        let why: Vec<String> = d.reasons.iter().map(|r| reason_text(cx, r)).collect();
        match d.effect {
            Outcome::Deny => {
                let is_granted = granted.is_some_and(|g| g.contains_key(&op.to_string()));
                let pattern = cx
                    .model
                    .policy()
                    .prohibited
                    .iter()
                    .find(|p| crate::model::op_pattern_matches(&p.operation, &op));
                if pattern.is_some() {
                    prohibited.push(op_row(cx, &op, why));
                } else if is_granted || is_risky(cx, &op) {
                    not_granted.push(op_row(cx, &op, why));
                } else {
                    other_denied += 1;
                }
            }
            _ => {
                let rank = tier_rank(cx, &d).unwrap_or(0);
                by_tier[rank].push(op_row(cx, &op, why));
            }
        }
    }
    AgentOps {
        by_tier,
        prohibited,
        not_granted,
        other_denied,
    }
}

/// A resource an agent can reach, and how.
#[derive(Debug, Clone, Serialize)]
pub struct ReachRow {
    pub resource: String,
    pub system: String,
    pub classification: String,
    pub class_rank: usize,
    /// `direct`, `delegation` or `sync`.
    pub via: &'static str,
    /// The chain that leads to it: agent names, then resource ids for syncs.
    pub path: Vec<String>,
    /// Operations on it (for direct and delegated reach), with the acting agent's decision tier.
    pub operations: Vec<String>,
    /// Fields granted (`None`: all fields).
    pub fields: Option<Vec<String>>,
}

/// An agent's reach: delegates (with their paths) and resources.
#[derive(Debug, Clone, Serialize)]
pub struct Reach {
    pub delegates: Vec<(String, Vec<String>)>,
    pub resources: Vec<ReachRow>,
    /// Edges of the picture: (from, to, kind) with kind `delegates`, `grant` or `sync`; ids are
    /// `agent:NAME` or `resource:ID`.
    pub edges: Vec<(String, String, &'static str)>,
}

/// The concrete resources a grant pattern covers.
fn grant_resources(cx: &EmitContext, pattern: &str) -> Vec<String> {
    cx.model
        .resources_matching(pattern)
        .into_iter()
        .map(|(cn, rn, _)| format!("{cn}.{rn}"))
        .collect()
}

/// Operations of `agent` on `resource` that `decide` does not deny, as `op (tier)`.
fn ops_on(cx: &EmitContext, agent: &str, resource: &str) -> Vec<String> {
    let Some((c, r)) = resource.split_once('.') else {
        return Vec::new();
    };
    let Some(res) = cx.model.resource(c, r) else {
        return Vec::new();
    };
    res.operations
        .keys()
        .filter_map(|o| {
            let d = decide(cx, agent, &format!("{resource}.{o}"), None, None);
            match d.effect {
                Outcome::Deny if d.reasons.iter().any(|r| r.starts_with("prohibited:")) => {
                    Some(format!("{o} (prohibited)"))
                }
                Outcome::Deny if d.reasons.iter().any(|r| r == "agent-paused") => {
                    Some(format!("{o} (paused)"))
                }
                Outcome::Deny => None,
                _ => Some(format!("{o} ({})", d.tier.unwrap_or_default())),
            }
        })
        .collect()
}

pub fn reach(cx: &EmitContext, agent: &str) -> Reach {
    let m = cx.model;
    // Delegates, breadth first, with the shortest path to each.
    let mut paths: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut order = vec![agent.to_string()];
    paths.insert(agent.to_string(), vec![agent.to_string()]);
    let mut queue = VecDeque::from([agent.to_string()]);
    let mut edges = Vec::new();
    let mut edge_set = BTreeSet::new();
    let mut add_edge =
        |edges: &mut Vec<(String, String, &'static str)>, a: String, b: String, k: &'static str| {
            if edge_set.insert((a.clone(), b.clone(), k)) {
                edges.push((a, b, k));
            }
        };
    while let Some(a) = queue.pop_front() {
        let Some(ag) = m.agents.get(&a) else { continue };
        let mut next: Vec<&String> = ag
            .spec
            .delegates_to
            .iter()
            .filter(|d| m.agents.contains_key(*d))
            .collect();
        next.sort();
        next.dedup();
        for d in next {
            add_edge(
                &mut edges,
                format!("agent:{a}"),
                format!("agent:{d}"),
                "delegates",
            );
            if !paths.contains_key(d) {
                let mut p = paths[&a].clone();
                p.push(d.clone());
                paths.insert(d.clone(), p);
                order.push(d.clone());
                queue.push_back(d.clone());
            }
        }
    }
    let delegates: Vec<(String, Vec<String>)> = order
        .iter()
        .skip(1)
        .map(|d| (d.clone(), paths[d].clone()))
        .collect();

    // Resources granted to the agent or a delegate.
    let mut rows: BTreeMap<String, ReachRow> = BTreeMap::new();
    for a in &order {
        let Some(ag) = m.agents.get(a) else { continue };
        let mut granted: BTreeMap<String, Option<BTreeSet<String>>> = BTreeMap::new();
        for g in &ag.spec.grants {
            for res in grant_resources(cx, &g.resource) {
                let e = granted.entry(res).or_insert_with(|| Some(BTreeSet::new()));
                match (&g.fields, e.as_mut()) {
                    (Some(fs), Some(set)) => set.extend(fs.iter().cloned()),
                    _ => *e = None,
                }
            }
        }
        for (res, fields) in granted {
            add_edge(
                &mut edges,
                format!("agent:{a}"),
                format!("resource:{res}"),
                "grant",
            );
            if rows.contains_key(&res) && (a != agent || rows[&res].via == "direct") {
                continue;
            }
            let (c, _) = res.split_once('.').unwrap_or((&res, ""));
            rows.insert(
                res.clone(),
                ReachRow {
                    resource: res.clone(),
                    system: m
                        .connectors
                        .get(c)
                        .map(|c| c.spec.system.clone())
                        .unwrap_or_default(),
                    classification: resource_class(cx, &res),
                    class_rank: resource_class_rank(cx, &res),
                    via: if a == agent { "direct" } else { "delegation" },
                    path: paths[a].clone(),
                    operations: ops_on(cx, a, &res),
                    fields: fields.map(|s| s.into_iter().collect()),
                },
            );
        }
    }
    // Resources the reached ones sync to, transitively.
    let mut queue: VecDeque<String> = rows.keys().cloned().collect();
    let mut sync_paths: BTreeMap<String, Vec<String>> = rows
        .iter()
        .map(|(k, r)| (k.clone(), r.path.clone()))
        .collect();
    while let Some(res) = queue.pop_front() {
        let Some((c, r)) = res.split_once('.') else {
            continue;
        };
        let Some(spec) = m.resource(c, r) else {
            continue;
        };
        let mut next = spec.syncs_to.clone();
        next.sort();
        for s in next {
            let Some((sc, sr)) = s.split_once('.') else {
                continue;
            };
            if m.resource(sc, sr).is_none() {
                continue;
            }
            add_edge(
                &mut edges,
                format!("resource:{res}"),
                format!("resource:{s}"),
                "sync",
            );
            if rows.contains_key(&s) {
                continue;
            }
            let mut p = sync_paths[&res].clone();
            p.push(res.clone());
            p.push(s.clone());
            let p = dedup_adjacent(p);
            sync_paths.insert(s.clone(), p.clone());
            rows.insert(
                s.clone(),
                ReachRow {
                    resource: s.clone(),
                    system: m
                        .connectors
                        .get(sc)
                        .map(|c| c.spec.system.clone())
                        .unwrap_or_default(),
                    classification: resource_class(cx, &s),
                    class_rank: resource_class_rank(cx, &s),
                    via: "sync",
                    path: p,
                    operations: Vec::new(),
                    fields: None,
                },
            );
            queue.push_back(s);
        }
    }
    Reach {
        delegates,
        resources: rows.into_values().collect(),
        edges,
    }
}

fn dedup_adjacent(mut v: Vec<String>) -> Vec<String> {
    v.dedup();
    v
}

/// The cadence that applies to an agent, and its next review date.
pub fn next_review(cx: &EmitContext, a: &Agent) -> (Cadence, Option<NaiveDate>) {
    (
        semantics::review_cadence(cx.model, a),
        semantics::next_review(cx.model, a),
    )
}

/// `overdue`, `due-soon` or `ok` (or `never-reviewed`).
pub fn review_status(cx: &EmitContext, next: Option<NaiveDate>) -> &'static str {
    match next {
        None => "never-reviewed",
        Some(d) if d < cx.today => "overdue",
        Some(d) if (d - cx.today).num_days() <= DUE_SOON_DAYS => "due-soon",
        Some(_) => "ok",
    }
}

/// The effective decision of a step, in its workflow, with its fields.
pub fn step_decision(cx: &EmitContext, w: &Workflow, step: &crate::model::Step) -> Decision {
    semantics::step_decision(cx.plan, &w.name, step)
}

/// The workflow's tier (a denied step counts for nothing here; pages show it as denied).
pub fn workflow_tier(cx: &EmitContext, w: &Workflow) -> usize {
    semantics::workflow_rank(cx.plan, w).0
}

/// Audit fields required for a tier: its own and those of weaker tiers.
pub fn required_audit(cx: &EmitContext, rank: usize) -> Vec<String> {
    semantics::required_audit(cx.model, rank)
}

/// The detailed-log retention of a workflow: its own, else the policy's minimum.
pub fn retention(cx: &EmitContext, w: &Workflow) -> Option<u64> {
    semantics::retention_days(cx.model, w)
}

/// A workflow's overall risk level from its risk profile, with the points it scored.
/// Points: personal or sensitive data 2 (confidential 1); external impact 2; regulatory exposure
/// high 2, medium 1; rollback difficulty hard 2, moderate 1. 0–1 low, 2–3 medium,
/// 4–5 medium-high, 6+ high.
pub fn risk_level(cx: &EmitContext, w: &Workflow) -> Option<&'static str> {
    let r = w.spec.risk.as_ref()?;
    let mut points = 0;
    if let Some(c) = r
        .data_sensitivity
        .as_deref()
        .and_then(|c| cx.model.class_rank(c))
    {
        if semantics::is_personal(cx.model, Some(c)) {
            points += 2;
        } else if cx.model.class_rank("confidential").is_some_and(|p| c >= p) {
            points += 1;
        }
    }
    if r.external_impact.as_deref() == Some("external") {
        points += 2;
    }
    points += match r.regulatory_exposure.as_deref() {
        Some("high") => 2,
        Some("medium") => 1,
        _ => 0,
    };
    points += match r.rollback_difficulty.as_deref() {
        Some("hard") => 2,
        Some("moderate") => 1,
        _ => 0,
    };
    Some(match points {
        0..=1 => "low",
        2..=3 => "medium",
        4..=5 => "medium-high",
        _ => "high",
    })
}

/// Who can pause an agent: `can_pause` of the playbooks of its workflows and of its monitors.
pub fn pausers(cx: &EmitContext, agent: &str) -> BTreeSet<String> {
    agent_playbooks(cx, agent)
        .iter()
        .filter_map(|p| cx.model.playbooks.get(p))
        .flat_map(|p| p.spec.can_pause.iter().cloned())
        .collect()
}

/// Playbooks that apply to an agent: those of workflows it takes part in and of its monitors.
pub fn agent_playbooks(cx: &EmitContext, agent: &str) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = agent_workflows(cx, agent)
        .iter()
        .filter_map(|w| cx.model.workflows.get(w))
        .flat_map(|w| w.spec.playbooks.iter().cloned())
        .collect();
    if let Some(a) = cx.model.agents.get(agent) {
        out.extend(a.spec.monitors.iter().filter_map(|m| m.playbook.clone()));
    }
    out
}

pub fn agent_workflows(cx: &EmitContext, agent: &str) -> BTreeSet<String> {
    cx.agent_workflows.get(agent).cloned().unwrap_or_default()
}

/// Does an agent have an operation with external effect granted (directly)?
pub fn has_external_effects(cx: &EmitContext, agent: &str) -> bool {
    cx.plan.agents.get(agent).is_some_and(|a| {
        a.operations
            .values()
            .any(|o| o.effect == Effect::External && o.prohibited.is_none())
    })
}

/// Findings of a rule (all, waived or not).
pub fn findings<'a>(
    cx: &'a EmitContext,
    rule: &'a str,
) -> impl Iterator<Item = &'a Diagnostic> + 'a {
    cx.diagnostics.iter().filter(move |d| d.rule == rule)
}

/// A person's display name ("Maya Okafor") or the id.
pub fn person_name(cx: &EmitContext, id: &str) -> String {
    cx.model
        .people
        .get(id)
        .map(|p| p.person.name.clone())
        .unwrap_or_else(|| id.to_string())
}

/// Members of a group, sorted, or the person itself when `id` is a person.
pub fn members(cx: &EmitContext, id: &str) -> Vec<String> {
    match cx.model.groups.get(id) {
        Some(g) => {
            let mut v = g.members.clone();
            v.sort();
            v
        }
        None => vec![id.to_string()],
    }
}

/// Repository-relative file that defines a document.
pub fn file_of(cx: &EmitContext, doc: crate::load::DocId) -> String {
    cx.ws.file_of(doc).path.clone()
}

/// The tools that perform an agent's granted operations (DESIGN §6), with the targets that
/// enforce each: `cedar-mcp/` exactly, the name-only runtimes by their projection.
pub fn agent_tools(cx: &EmitContext, agent: &str) -> Vec<serde_json::Value> {
    use crate::bindings::{bindings, name_only, NameOnly};
    let Some(ap) = cx.plan.agents.get(agent) else {
        return Vec::new();
    };
    let all = bindings(cx.model);
    all.iter()
        .filter(|b| ap.operations.contains_key(&b.op_id()))
        .map(|b| {
            let args: Vec<String> = b.args().iter().map(|(k, v)| format!("{k} = {v}")).collect();
            let name_only = match name_only(cx.plan, &all, agent, b.server, b.binding.name()) {
                NameOnly::Allow => "allowed".to_string(),
                NameOnly::Ask => "asks for confirmation".to_string(),
                NameOnly::Deny => "denied".to_string(),
                NameOnly::Inexpressible(why) => format!("denied: {why}"),
            };
            serde_json::json!({
                "operation": b.op_id(),
                "tool": crate::emit::cedar_mcp::action(b.server, b.binding.name()),
                "args": args.join(", "),
                "fields": b.fields(),
                "name_only": name_only,
            })
        })
        .collect()
}
