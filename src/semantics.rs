//! One answer to every question that several parts of agentgov ask about a repository: the data
//! class of a resource, a grant, a step or a request; whether a derive rule matches; which grants
//! cover an operation; a step's and a workflow's tier; the audit fields a tier requires; when a
//! review is due; a waiver's status; which operations only read.
//!
//! [`crate::decide`], the graph, every rule, the diff, the site, the framework evidence,
//! `POLICY.md` and the bundle call these functions, so that a check, a page and an enforcement
//! output can never give two answers to the same question.

use crate::decide::{Decision, Plan, Request};
use crate::model::*;
use chrono::{Days, Months, NaiveDate};
use std::collections::{BTreeMap, BTreeSet};

// ---------------------------------------------------------------- operations

/// Operation names that only read: a `recommend-only` agent may perform them without review, and
/// an MCP tool bound to one must be read-only.
pub const READ_OPERATIONS: &[&str] = &["read", "list", "get", "search", "view", "query"];

/// Does an operation name only read?
pub fn is_read(operation: &str) -> bool {
    READ_OPERATIONS.contains(&operation)
}

// ---------------------------------------------------------------- data classes

/// The rank from which data counts as "personal or sensitive" (DESIGN §4): the Policy's
/// `personal` classification, else its `sensitive` one, else `None` (no level is singled out).
pub fn personal_rank(m: &Model) -> Option<usize> {
    m.class_rank("personal")
        .or_else(|| m.class_rank("sensitive"))
}

/// Is a data class personal or sensitive (at or above [`personal_rank`])?
pub fn is_personal(m: &Model, class: Option<usize>) -> bool {
    personal_rank(m).is_some_and(|p| class.is_some_and(|c| c >= p))
}

/// The highest class among some fields of a resource (unknown fields count for nothing).
pub fn fields_class<'a>(
    m: &Model,
    res: &ResourceSpec,
    fields: impl IntoIterator<Item = &'a String>,
) -> Option<usize> {
    fields
        .into_iter()
        .filter_map(|f| res.fields.get(f))
        .filter_map(|c| m.class_rank(c))
        .max()
}

/// A resource's class: the highest of its own classification and its fields' classes.
pub fn resource_class(m: &Model, res: &ResourceSpec) -> Option<usize> {
    res.fields
        .values()
        .chain([&res.classification])
        .filter_map(|c| m.class_rank(c))
        .max()
}

/// [`resource_class`] of a resource named `connector.resource`.
pub fn resource_class_of(m: &Model, resource: &str) -> Option<usize> {
    let (c, r) = resource.split_once('.')?;
    resource_class(m, m.resource(c, r)?)
}

/// The class of each field of a resource, by name (fields of an unknown class are left out).
pub fn field_classes(m: &Model, res: &ResourceSpec) -> BTreeMap<String, usize> {
    res.fields
        .iter()
        .filter_map(|(f, c)| Some((f.clone(), m.class_rank(c)?)))
        .collect()
}

/// The class of what a request names: the highest class of its fields.
pub fn request_class<'a>(
    fields: impl IntoIterator<Item = &'a String>,
    classes: &BTreeMap<String, usize>,
) -> Option<usize> {
    fields
        .into_iter()
        .filter_map(|f| classes.get(f).copied())
        .max()
}

/// The data class of an operation as its grants allow it (DESIGN §4): the granted fields when
/// every covering grant lists fields, else the whole resource.
pub fn grant_class(m: &Model, res: &ResourceSpec, covering: &[&Grant]) -> Option<usize> {
    if !covering.is_empty() && covering.iter().all(|g| g.fields.is_some()) {
        let granted: BTreeSet<&String> = covering
            .iter()
            .flat_map(|g| g.fields.iter().flatten())
            .collect();
        fields_class(m, res, granted)
    } else {
        resource_class(m, res)
    }
}

/// The data class of one step (DESIGN §4): the highest class among the step's `fields`; without
/// `fields`, the class its agent's covering grants allow ([`grant_class`]).
pub fn step_class(m: &Model, step: &Step, op: &OpId) -> Option<usize> {
    let res = m.resource(&op.connector, &op.resource)?;
    if let Some(fs) = &step.fields {
        return fields_class(m, res, fs);
    }
    let covering: Vec<&Grant> = m
        .agents
        .get(&step.agent)
        .map(|a| covering_grants(a, op).into_iter().map(|(_, g)| g).collect())
        .unwrap_or_default();
    grant_class(m, res, &covering)
}

// ---------------------------------------------------------------- grants

/// Does a grant cover an operation?
pub fn grant_covers(g: &Grant, op: &OpId) -> bool {
    resource_pattern_matches(&g.resource, &op.connector, &op.resource)
        && g.operations
            .iter()
            .any(|o| segment_matches(o, &op.operation))
}

/// The grants of an agent that cover an operation, with their index in `spec.grants`.
pub fn covering_grants<'a>(agent: &'a Agent, op: &OpId) -> Vec<(usize, &'a Grant)> {
    agent
        .spec
        .grants
        .iter()
        .enumerate()
        .filter(|(_, g)| grant_covers(g, op))
        .collect()
}

/// The concrete operations a grant's `resource` and `operations` (both may use `*`) cover.
pub fn covered_operations(m: &Model, resource: &str, operations: &[String]) -> Vec<OpId> {
    let mut out = Vec::new();
    let mut push = |c: &str, r: &str, res: &ResourceSpec| {
        for o in res.operations.keys() {
            if operations.iter().any(|p| segment_matches(p, o)) {
                out.push(OpId {
                    connector: c.to_string(),
                    resource: r.to_string(),
                    operation: o.clone(),
                });
            }
        }
    };
    if !resource.contains('*') {
        if let Some((c, r)) = resource.split_once('.') {
            if let Some(res) = m.resource(c, r) {
                push(c, r, res);
            }
        }
        return out;
    }
    for (c, conn) in &m.connectors {
        for (r, res) in &conn.spec.resources {
            if resource_pattern_matches(resource, c, r) {
                push(c, r, res);
            }
        }
    }
    out
}

/// Is `op` covered by one of the agent's grants?
pub fn grants_op(m: &Model, agent: &str, op: &OpId) -> bool {
    m.agents
        .get(agent)
        .is_some_and(|a| a.spec.grants.iter().any(|g| grant_covers(g, op)))
}

/// The JSON pointer of the first grant entry (`/spec/grants/i/operations/j`) that grants `op`.
pub fn grant_op_pointer(agent: &Agent, op: &OpId) -> Option<String> {
    covering_grants(agent, op).into_iter().find_map(|(i, g)| {
        g.operations
            .iter()
            .position(|o| segment_matches(o, &op.operation))
            .map(|j| format!("/spec/grants/{i}/operations/{j}"))
    })
}

// ---------------------------------------------------------------- derive rules

/// How a derive rule applies to an operation with some `touches`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeriveMatch {
    /// It does not hold, whatever the data.
    Never,
    /// It holds whatever the data.
    Always,
    /// It holds when the data class reaches this rank (`data_at_least`).
    AtLeast(usize),
}

/// Does a derive rule hold for an operation with these `touches`? An unknown `data_at_least`
/// class never holds.
pub fn derive_match<'a>(
    m: &Model,
    d: &DeriveRule,
    op: &OpId,
    spec: &OperationSpec,
    touches: impl IntoIterator<Item = &'a String>,
) -> DeriveMatch {
    let w = &d.when;
    let mut touches = touches.into_iter();
    let holds = w.effect.is_none_or(|e| e == spec.effect)
        && w.reversibility.is_none_or(|r| r == spec.reversibility)
        && w.operation
            .as_ref()
            .is_none_or(|ops| ops.contains(&op.operation))
        && w.touches
            .as_ref()
            .is_none_or(|t| touches.any(|x| t.contains(x)));
    match (&w.data_at_least, holds) {
        (_, false) => DeriveMatch::Never,
        (None, true) => DeriveMatch::Always,
        (Some(c), true) => m
            .class_rank(c)
            .map_or(DeriveMatch::Never, DeriveMatch::AtLeast),
    }
}

/// Does a derive rule hold for one operation with these `touches` and this data class?
pub fn derive_holds(
    m: &Model,
    d: &DeriveRule,
    op: &OpId,
    spec: &OperationSpec,
    touches: &[String],
    class: Option<usize>,
) -> bool {
    match derive_match(m, d, op, spec, touches) {
        DeriveMatch::Never => false,
        DeriveMatch::Always => true,
        DeriveMatch::AtLeast(t) => class.is_some_and(|c| c >= t),
    }
}

/// What the Policy's derive rules require for one step alone: the required rank and the index of
/// the first derive rule requiring it (`None` when no rule holds).
pub fn step_required(m: &Model, step: &Step) -> Option<(usize, usize)> {
    let op = &step.does;
    let spec = m.operation(op)?;
    let class = step_class(m, step, op);
    let mut best: Option<(usize, usize)> = None;
    for (i, d) in m.policy().derive.iter().enumerate() {
        if !derive_holds(m, d, op, spec, &step.touches, class) {
            continue;
        }
        let r = m.tier_rank(&d.require).unwrap_or(0);
        if best.is_none_or(|(b, _)| r > b) {
            best = Some((r, i));
        }
    }
    best
}

// ---------------------------------------------------------------- tiers

/// The rank of a decision's tier (`None` for deny).
pub fn decision_rank(plan: &Plan, d: &Decision) -> Option<usize> {
    d.tier
        .as_deref()
        .and_then(|t| plan.tiers.iter().position(|x| x == t))
}

/// The request a workflow step makes: its agent, operation, workflow and fields, no context.
pub fn step_request(workflow: &str, step: &Step) -> Request {
    Request {
        agent: step.agent.clone(),
        operation: step.does.to_string(),
        fields: step.fields.clone(),
        workflow: Some(workflow.to_string()),
        context: BTreeMap::new(),
    }
}

/// A step's effective decision without runtime context: [`Plan::decide`] on [`step_request`].
pub fn step_decision(plan: &Plan, workflow: &str, step: &Step) -> Decision {
    plan.decide(&step_request(workflow, step))
}

/// A step's effective tier rank without runtime context; `None` when the runtime denies the step
/// (its agent is paused or not granted the operation or a listed field, or it is prohibited).
pub fn step_rank(plan: &Plan, workflow: &str, step: &Step) -> Option<usize> {
    decision_rank(plan, &step_decision(plan, workflow, step))
}

/// A workflow's tier (DESIGN §4): the strongest effective tier of its steps (0 when no step can
/// run), and the index of the first step with that tier.
pub fn workflow_rank(plan: &Plan, w: &Workflow) -> (usize, Option<usize>) {
    let mut best = (0, None);
    for (i, s) in w.spec.steps.iter().enumerate() {
        if let Some(r) = step_rank(plan, &w.name, s) {
            if best.1.is_none() || r > best.0 {
                best = (r, Some(i));
            }
        }
    }
    best
}

/// What the Policy's `audit.required` asks of a tier, cumulatively (DESIGN §4): (tier, field) for
/// that tier and every weaker one, weakest first.
pub fn audit_requirements(m: &Model, rank: usize) -> impl Iterator<Item = (&str, &String)> {
    let p = m.policy();
    p.tiers.iter().take(rank + 1).flat_map(move |t| {
        p.audit
            .as_ref()
            .and_then(|a| a.required.get(&t.id))
            .into_iter()
            .flatten()
            .map(move |f| (t.id.as_str(), f))
    })
}

/// The audit fields a tier requires: its own and those of every weaker tier, in order, once each.
pub fn required_audit(m: &Model, rank: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (_, f) in audit_requirements(m, rank) {
        if !out.contains(f) {
            out.push(f.clone());
        }
    }
    out
}

/// A workflow's detailed-log retention: its own, else the Policy's minimum.
pub fn retention_days(m: &Model, w: &Workflow) -> Option<u64> {
    w.spec.retention_days.or_else(|| {
        m.policy()
            .audit
            .as_ref()
            .and_then(|a| a.retention_days)
            .map(|r| r.min)
    })
}

// ---------------------------------------------------------------- reviews and waivers

/// The cadence that applies to an agent: its own, else the Policy's, else monthly.
pub fn review_cadence(m: &Model, a: &Agent) -> Cadence {
    a.spec
        .review
        .as_ref()
        .and_then(|r| r.cadence)
        .or(m.policy.as_ref().and_then(|p| p.spec.review_cadence))
        .unwrap_or(Cadence::Monthly)
}

/// The day the next review is due after one on `last`.
pub fn due_date(last: NaiveDate, cadence: Cadence) -> Option<NaiveDate> {
    match cadence {
        Cadence::Weekly => last.checked_add_days(Days::new(7)),
        Cadence::Monthly => last.checked_add_months(Months::new(1)),
        Cadence::Quarterly => last.checked_add_months(Months::new(3)),
    }
}

/// An agent's next review date (`None` when it was never reviewed).
pub fn next_review(m: &Model, a: &Agent) -> Option<NaiveDate> {
    let last = a.spec.review.as_ref()?.last_reviewed?;
    due_date(last, review_cadence(m, a))
}

/// How many days ahead a waiver's expiry is announced.
pub const EXPIRY_NOTICE_DAYS: i64 = 14;

/// Where a waiver stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaiverStatus {
    /// Past its `expires` date: it waives nothing.
    Expired,
    /// Expires within [`EXPIRY_NOTICE_DAYS`]: this many days are left.
    Expiring(i64),
    Active,
}

impl WaiverStatus {
    pub fn of(w: &Waiver, today: NaiveDate) -> WaiverStatus {
        let left = (w.spec.expires - today).num_days();
        if left < 0 {
            WaiverStatus::Expired
        } else if left <= EXPIRY_NOTICE_DAYS {
            WaiverStatus::Expiring(left)
        } else {
            WaiverStatus::Active
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            WaiverStatus::Expired => "expired",
            WaiverStatus::Expiring(_) => "expiring",
            WaiverStatus::Active => "active",
        }
    }
}

/// Does a waiver have a justification worth the name?
pub fn waiver_justified(w: &Waiver) -> bool {
    w.spec
        .justification
        .as_deref()
        .is_some_and(|j| !j.trim().is_empty())
}

/// What a set of approvers amounts to for the approval check (DESIGN §3): how many distinct people
/// approved and which groups they belong to, by the Team documents of this revision.
pub fn approvals_by<'a>(
    m: &Model,
    people: impl IntoIterator<Item = &'a String>,
) -> (usize, BTreeSet<String>) {
    let people: BTreeSet<&String> = people.into_iter().collect();
    let groups = people
        .iter()
        .flat_map(|p| m.groups_of(p).map(str::to_string).collect::<Vec<_>>())
        .collect();
    (people.len(), groups)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::util::testing::{base, checked};

    #[test]
    fn personal_falls_back_to_sensitive_and_else_to_nothing() {
        let with = |classes: &str| {
            let policy = base("policy.yaml")
                .replace(
                    "classifications: [public, internal, confidential, personal, sensitive]",
                    &format!("classifications: [{classes}]"),
                )
                .replace("data_at_least: personal", "data_at_least: internal");
            let connectors = base("connectors.yaml").replace("personal", "internal");
            let c = checked(
                &[("policy.yaml", &policy), ("connectors.yaml", &connectors)],
                &[],
            );
            personal_rank(&c.resolved.expect("resolved").model)
        };
        assert_eq!(
            with("public, internal, confidential, personal, sensitive"),
            Some(3)
        );
        assert_eq!(with("public, internal, sensitive"), Some(2));
        assert_eq!(with("public, internal"), None);
    }

    #[test]
    fn waiver_status_at_its_boundaries() {
        let waiver = "apiVersion: agentgov.dev/v1
kind: Waiver
metadata: { name: later }
spec:
  rule: unused-grant
  target: agent/writer
  justification: Next sprint
  approved_by: ana
  expires: 2027-01-31
";
        let c = checked(&[("waiver.yaml", waiver)], &[]);
        let mut w = c.resolved.expect("resolved").model.waivers[0].clone();
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).expect("date");
        for (days, status) in [
            (-1, WaiverStatus::Expired),
            (0, WaiverStatus::Expiring(0)),
            (
                EXPIRY_NOTICE_DAYS,
                WaiverStatus::Expiring(EXPIRY_NOTICE_DAYS),
            ),
            (EXPIRY_NOTICE_DAYS + 1, WaiverStatus::Active),
        ] {
            w.spec.expires = today + chrono::Duration::days(days);
            assert_eq!(WaiverStatus::of(&w, today), status, "{days} days left");
        }
    }

    #[test]
    fn read_operations() {
        assert!(READ_OPERATIONS.iter().all(|o| is_read(o)));
        assert!(!is_read("update") && !is_read("send") && !is_read("Read"));
    }
}
