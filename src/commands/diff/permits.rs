//! The sound half of the diff: every request the head permits and the base does not.
//!
//! A request is (agent, operation, fields, workflow, context, approvals); there are infinitely
//! many, but the decision depends on each part only through finitely many classes, so one
//! representative per class is enough to be exact:
//!
//! - agents and operations: those the head grants (anything else the head denies);
//! - workflows: no workflow, and every workflow with its own choice of steps in either revision
//!   (any other name selects the default, as no workflow does);
//! - fields: none named, the empty list, and for each field set the head grants and each pair of
//!   (head class, base class) levels, the granted fields at or below both. A request's tier depends
//!   on its fields only through their highest class, and the fields-granted check is monotone, so
//!   if any field list is a witness, the largest one of the same two classes is too;
//! - context: per fact, one value for each distinct (valid at the base, escalation rank at the
//!   head, at the base) — from the thresholds and lists both revisions' escalations use — combined
//!   over facts by the maximum rank (the tier is the maximum of its parts). A context malformed at
//!   the head is denied there and never a witness;
//! - approvals: none; the fewest the head's tier accepts (`{count, groups}`, what the contract
//!   sends: the base check is monotone in both, so if any is a witness this one is); and, for a
//!   change of who belongs to which group, people: for some group the base tier needs, everyone
//!   who is not in it at the base is a witness exactly when they satisfy the head's tier.
//!
//! Each representative is decided with [`Plan::decide`] and [`Plan::approvals_satisfy`] at both
//! revisions: there is no second model of the decision here.

use crate::decide::{Decision, FactValue, Outcome, Plan, Request, TestPlan};
use crate::model::{FactType, Mode, Model};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Approvals in an example request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExampleApprovals {
    pub count: usize,
    pub groups: BTreeSet<String>,
    /// When the example is about who approves: the people (their groups are the head's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub people: Option<Vec<String>>,
}

/// A request the head permits and the base does not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Example {
    pub agent: String,
    pub operation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub context: BTreeMap<String, FactValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approvals: Option<ExampleApprovals>,
}

impl Example {
    pub fn request(&self) -> Request {
        Request {
            agent: self.agent.clone(),
            operation: self.operation.clone(),
            fields: self.fields.clone(),
            workflow: self.workflow.clone(),
            context: self.context.clone(),
        }
    }
}

/// One witness, with what each revision decides for it.
#[derive(Debug, Clone, Serialize)]
pub struct Witness {
    pub example: Example,
    pub head: Decision,
    /// `None`: the base has no such agent, or did not compile.
    pub base: Option<Decision>,
}

/// What kind of difference a witness shows, so that one example per kind and operation is kept.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct WitnessKey {
    pub workflow: Option<String>,
    /// The base's deny reason kind (`not-granted`, `prohibited`, ...), or `tier`.
    pub base: String,
    pub context: bool,
    pub approvals: u8,
}

/// A revision, as the search reads it.
pub struct Side<'a> {
    pub model: &'a Model,
    pub plan: &'a Plan,
}

/// Every kind of witness, one example each, per agent and operation, in name order.
pub fn witnesses(base: Option<&Side>, head: &Side) -> Vec<Witness> {
    let contexts = contexts(base.map(|b| b.plan), head.plan);
    let people = People::new(base.map(|b| b.model), head.model);
    let mut out = Vec::new();
    for (agent, ap) in &head.plan.agents {
        if ap.mode == Mode::Paused {
            continue;
        }
        for (op, hop) in &ap.operations {
            if hop.prohibited.is_some() {
                continue;
            }
            let bop = base.and_then(|b| b.plan.agents.get(agent)?.operations.get(op));
            let mut workflows: BTreeSet<Option<String>> = BTreeSet::from([None]);
            workflows.extend(hop.workflows.keys().cloned().map(Some));
            if let Some(bop) = bop {
                workflows.extend(bop.workflows.keys().cloned().map(Some));
            }
            let empty = BTreeMap::new();
            let base_classes = bop.map(|b| &*b.field_classes).unwrap_or(&empty);
            let field_lists = field_candidates(&hop.field_sets, &hop.field_classes, base_classes);
            let mut kept: BTreeMap<WitnessKey, Witness> = BTreeMap::new();
            for workflow in &workflows {
                for fields in &field_lists {
                    let req = Request {
                        agent: agent.clone(),
                        operation: op.clone(),
                        fields: fields.clone(),
                        workflow: workflow.clone(),
                        context: BTreeMap::new(),
                    };
                    let h0 = head.plan.decide(&req);
                    let Some(rh0) = rank(head.plan, &h0) else {
                        continue;
                    };
                    let b0 = base.map(|b| b.plan.decide(&req));
                    let rb0 = b0.as_ref().and_then(|d| rank(base.unwrap().plan, d));
                    for st in &contexts {
                        let th = rh0.max(st.head);
                        let tb = match rb0 {
                            Some(r) if st.base_valid => Some(r.max(st.base)),
                            _ => None,
                        };
                        let Some((approvals, kind)) =
                            approval_witness(head.plan, base.map(|b| b.plan), th, tb, &people)
                        else {
                            continue;
                        };
                        let example = Example {
                            context: st.context.clone(),
                            approvals,
                            ..Example {
                                agent: agent.clone(),
                                operation: op.clone(),
                                fields: fields.clone(),
                                workflow: workflow.clone(),
                                context: BTreeMap::new(),
                                approvals: None,
                            }
                        };
                        let full = example.request();
                        let head_d = head.plan.decide(&full);
                        let base_d = base.map(|b| b.plan.decide(&full));
                        let key = WitnessKey {
                            workflow: workflow.clone(),
                            base: match &base_d {
                                None => "absent".into(),
                                Some(d) if d.effect == Outcome::Deny => d
                                    .reasons
                                    .first()
                                    .map(|r| r.split(':').next().unwrap_or(r).to_string())
                                    .unwrap_or_default(),
                                Some(_) => "tier".into(),
                            },
                            context: !st.context.is_empty(),
                            approvals: kind,
                        };
                        // Every example is checked with the decision and the approval check of
                        // both revisions: the report never shows a request that is not a witness.
                        let holds =
                            permits(head, &example) && base.is_none_or(|b| !permits(b, &example));
                        if holds {
                            kept.entry(key).or_insert(Witness {
                                example,
                                head: head_d,
                                base: base_d,
                            });
                        }
                    }
                }
            }
            out.extend(kept.into_values());
        }
    }
    out
}

/// The tier rank a decision gives, `None` for deny.
fn rank(plan: &Plan, d: &Decision) -> Option<usize> {
    match d.effect {
        Outcome::Deny => None,
        _ => plan.tiers.iter().position(|t| Some(t) == d.tier.as_ref()),
    }
}

/// Fields the search tries (see the module docs).
fn field_candidates(
    head_sets: &[BTreeSet<String>],
    head_classes: &BTreeMap<String, usize>,
    base_classes: &BTreeMap<String, usize>,
) -> Vec<Option<Vec<String>>> {
    let mut lists: BTreeSet<Vec<String>> = BTreeSet::from([Vec::new()]);
    for set in head_sets {
        let hc = |f: &String| head_classes.get(f).copied();
        let bc = |f: &String| base_classes.get(f).copied();
        let hl: BTreeSet<Option<usize>> = set.iter().map(hc).collect();
        let bl: BTreeSet<Option<usize>> = set.iter().map(bc).collect();
        for h in &hl {
            for b in &bl {
                let list: Vec<String> = set
                    .iter()
                    .filter(|f| hc(f) <= *h && bc(f) <= *b)
                    .cloned()
                    .collect();
                lists.insert(list);
            }
        }
    }
    std::iter::once(None)
        .chain(lists.into_iter().map(Some))
        .collect()
}

/// A class of contexts: valid at the head, with this validity at the base and these escalation
/// ranks.
struct ContextClass {
    base_valid: bool,
    head: usize,
    base: usize,
    context: BTreeMap<String, FactValue>,
}

fn escalation_rank(plan: &Plan, fact: &str, value: Option<&FactValue>) -> usize {
    let Some(value) = value else { return 0 };
    let ctx = BTreeMap::from([(fact.to_string(), value.clone())]);
    plan.escalations
        .iter()
        .filter(|e| e.fact == fact && crate::decide::escalation_holds(e, &ctx))
        .map(|e| e.rank)
        .max()
        .unwrap_or(0)
}

fn values_for(fact: &str, ty: FactType, plans: &[&Plan]) -> Vec<FactValue> {
    let tests = plans
        .iter()
        .flat_map(|p| p.escalations.iter())
        .filter(|e| e.fact == fact)
        .map(|e| &e.test);
    match ty {
        FactType::Bool => vec![FactValue::Bool(false), FactValue::Bool(true)],
        FactType::String => {
            let mut listed: BTreeSet<String> = BTreeSet::new();
            for t in tests {
                if let TestPlan::In(l) = t {
                    listed.extend(l.iter().cloned());
                }
            }
            let mut other = "other".to_string();
            while listed.contains(&other) {
                other.push('-');
            }
            std::iter::once(other)
                .chain(listed)
                .map(FactValue::String)
                .collect()
        }
        FactType::Number => {
            let mut t: Vec<f64> = tests
                .filter_map(|t| match t {
                    TestPlan::Below(n) | TestPlan::Above(n) => Some(*n),
                    _ => None,
                })
                .collect();
            t.sort_by(f64::total_cmp);
            t.dedup();
            let mut v = Vec::new();
            match (t.first(), t.last()) {
                (Some(lo), Some(hi)) => {
                    // Below every threshold: half of a positive one reads better than `lo - 1`.
                    v.push(if *lo > 0.0 { lo / 2.0 } else { lo - 1.0 });
                    for w in t.windows(2) {
                        v.push(w[0]);
                        v.push((w[0] + w[1]) / 2.0);
                    }
                    v.push(*hi);
                    v.push(hi + 1.0);
                }
                _ => v.push(0.0),
            }
            v.into_iter().map(FactValue::Number).collect()
        }
    }
}

fn contexts(base: Option<&Plan>, head: &Plan) -> Vec<ContextClass> {
    type Key = (bool, usize, usize);
    let mut states: BTreeMap<Key, BTreeMap<String, FactValue>> =
        BTreeMap::from([((true, 0, 0), BTreeMap::new())]);
    let plans: Vec<&Plan> = std::iter::once(head).chain(base).collect();
    for (fact, &ty) in &head.facts {
        let base_ty = base.and_then(|b| b.facts.get(fact)).copied();
        // Absent first, so that the simplest context of a class is the one kept.
        let mut options: BTreeMap<Key, Option<FactValue>> = BTreeMap::new();
        let values =
            std::iter::once(None).chain(values_for(fact, ty, &plans).into_iter().map(Some));
        for v in values {
            let valid = v.is_none() || base_ty == Some(ty);
            let key = (
                valid,
                escalation_rank(head, fact, v.as_ref()),
                base.map_or(0, |b| escalation_rank(b, fact, v.as_ref())),
            );
            options.entry(key).or_insert(v);
        }
        let mut next: BTreeMap<Key, BTreeMap<String, FactValue>> = BTreeMap::new();
        for ((valid, h, b), ctx) in &states {
            for ((v2, h2, b2), value) in &options {
                let key = (*valid && *v2, (*h).max(*h2), (*b).max(*b2));
                let mut c = ctx.clone();
                if let Some(value) = value {
                    c.insert(fact.clone(), value.clone());
                }
                match next.get(&key) {
                    Some(old) if old.len() <= c.len() => {}
                    _ => {
                        next.insert(key, c);
                    }
                }
            }
        }
        states = next;
    }
    states
        .into_iter()
        .map(|((base_valid, head, base), context)| ContextClass {
            base_valid,
            head,
            base,
            context,
        })
        .collect()
}

/// People of both revisions with their groups at each.
struct People {
    /// Person → (groups at the head, groups at the base).
    groups: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)>,
}

impl People {
    fn new(base: Option<&Model>, head: &Model) -> People {
        let mut groups = BTreeMap::new();
        let names: BTreeSet<&String> = head
            .people
            .keys()
            .chain(base.into_iter().flat_map(|b| b.people.keys()))
            .collect();
        let of = |m: &Model, p: &str| m.groups_of(p).map(str::to_string).collect::<BTreeSet<_>>();
        for p in names {
            groups.insert(
                p.clone(),
                (of(head, p), base.map(|b| of(b, p)).unwrap_or_default()),
            );
        }
        People { groups }
    }
}

/// Approvals with which the head permits tier `th` and the base does not permit `tb` (`None`: the
/// base denies), and their kind (0 none, 1 `{count, groups}`, 2 people).
fn approval_witness(
    head: &Plan,
    base: Option<&Plan>,
    th: usize,
    tb: Option<usize>,
    people: &People,
) -> Option<(Option<ExampleApprovals>, u8)> {
    if th == 0 {
        return (tb != Some(0)).then_some((None, 0));
    }
    let need = &head.approvals[th];
    let wire = ExampleApprovals {
        count: need.count,
        groups: need.groups.clone(),
        people: None,
    };
    let (Some(tb), Some(base)) = (tb, base) else {
        return Some((Some(wire), 1));
    };
    if tb == 0 {
        return None;
    }
    let tier = &base.tiers[tb];
    if !base.approvals_satisfy(tier, wire.count, &wire.groups) {
        return Some((Some(wire), 1));
    }
    // The base accepts every `{count, groups}` the head does: only who is in which group can
    // differ. Everyone outside some group the base needs never satisfies the base.
    let head_ok = |set: &BTreeSet<&String>| {
        let groups: BTreeSet<String> = set
            .iter()
            .flat_map(|p| people.groups[*p].0.iter().cloned())
            .collect();
        head.approvals_satisfy(&head.tiers[th], set.len(), &groups)
    };
    for g in &base.approvals[tb].groups {
        let mut set: BTreeSet<&String> = people
            .groups
            .iter()
            .filter(|(_, (_, b))| !b.contains(g))
            .map(|(p, _)| p)
            .collect();
        if !head_ok(&set) {
            continue;
        }
        // The smallest readable example: drop whoever the head's tier does not need.
        for p in set.clone() {
            set.remove(p);
            if !head_ok(&set) {
                set.insert(p);
            }
        }
        let groups = set
            .iter()
            .flat_map(|p| people.groups[*p].0.iter().cloned())
            .collect();
        return Some((
            Some(ExampleApprovals {
                count: set.len(),
                groups,
                people: Some(set.into_iter().cloned().collect()),
            }),
            2,
        ));
    }
    None
}

/// The approval check at one revision for an example's approvals (people are counted by that
/// revision's groups).
pub fn permits(side: &Side, example: &Example) -> bool {
    let approvals = example.approvals.as_ref().map(|a| match &a.people {
        Some(people) => crate::semantics::approvals_by(side.model, people),
        None => (a.count, a.groups.clone()),
    });
    side.plan
        .permits(&example.request(), approvals.as_ref().map(|(n, g)| (*n, g)))
}
