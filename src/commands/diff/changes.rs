//! The structural half of the diff: every change between the two revisions' documents, located
//! in its file (at the head, or at the base for a removal), with its direction.
//!
//! Documents are matched by kind and name, map entries by key, list items by their identity
//! (`id`, `name`, `from`, ... when unique) or else by value, so that reordering a list changes
//! nothing — except where order means something (tiers, classifications). A change that can
//! alter a decision (grants, steps, derive rules, escalations, prohibitions, facts, tiers,
//! groups, modes, operations) is a relaxation exactly when a newly permitted request
//! ([`super::permits`]) is attributed to it; its example is that request. A change to a control
//! that decides nothing (audit, retention, monitors, playbooks, rollback, sampling, review
//! cadence, rule levels, `unwaivable`, waivers) is reported as weakened or tightened, and never
//! fails `--fail-on relaxation`. Text (descriptions, names, reasons) is neutral.

use super::permits::{Example, Witness};
use crate::analysis::Checked;
use crate::decide::Outcome;
use crate::diag::{Location, Severity};
use crate::load::repo::DocId;
use crate::schema::escape_pointer;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Some request is permitted now that was not.
    Relaxes,
    /// A control is weaker; nothing new is permitted.
    Weakens,
    /// A control is stronger.
    Tightens,
    /// Something that decides or controls changed, but nothing new is permitted.
    Changed,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Relaxes => "relaxes",
            Direction::Weakens => "weakens",
            Direction::Tightens => "tightens",
            Direction::Changed => "changed",
        }
    }
}

/// One located change.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub direction: Direction,
    /// The document: its kind and `metadata.name`.
    pub kind: &'static str,
    pub name: String,
    /// Where in the document, with list items by identity: `spec.tiers[two-person].approvals`.
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
    /// At the head, or at the base when the change is a removal.
    pub location: Location,
    /// `head` or `base`: which revision `location` is in.
    pub at: &'static str,
    /// What the change does, in words.
    pub what: String,
    /// How many newly permitted requests this change explains.
    #[serde(skip_serializing_if = "is_zero")]
    pub permits: usize,
    /// One request permitted now and not before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<Example>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// What a document is, for matching and scoping.
struct Doc {
    id: DocId,
    json: Value,
}

type DocKey = (&'static str, String);

fn documents(c: &Checked) -> BTreeMap<DocKey, Doc> {
    let mut out = BTreeMap::new();
    let mut unnamed: BTreeMap<&'static str, usize> = BTreeMap::new();
    for (i, d) in c.ws.docs.iter().enumerate() {
        let kind = d.kind.name();
        let name = match d.name() {
            Some(n) => n.to_string(),
            None => {
                let n = unnamed.entry(kind).or_default();
                *n += 1;
                format!("#{n}")
            }
        };
        let id = DocId(i);
        let json = c.ws.tree(id).to_json();
        // A duplicate name (an error at that revision) keeps the first document.
        out.entry((kind, name)).or_insert(Doc { id, json });
    }
    out
}

/// One raw difference between two documents.
struct Raw {
    /// JSON pointers at each side (absent on the side where the value is absent).
    base_ptr: Option<String>,
    head_ptr: Option<String>,
    /// Path segments: keys and list items by identity (`[id]`) or `[]` by value.
    path: Vec<String>,
    before: Option<Value>,
    after: Option<Value>,
}

/// The identity key of a list's items: a key every item has, with distinct string values at
/// each side.
fn identity(b: &[Value], h: &[Value]) -> Option<&'static str> {
    const KEYS: [&str; 8] = [
        "id",
        "name",
        "from",
        "metric",
        "operation",
        "rule",
        "fact",
        "resource",
    ];
    KEYS.into_iter().find(|k| {
        [b, h].iter().all(|list| {
            let mut seen = std::collections::BTreeSet::new();
            list.iter().all(|v| {
                v.get(k)
                    .and_then(Value::as_str)
                    .is_some_and(|s| seen.insert(s))
            })
        })
    })
}

/// Lists whose order means something: compared as a whole.
fn ordered(path: &[String]) -> bool {
    matches!(path.last().map(String::as_str), Some("classifications"))
}

fn walk(
    b: Option<&Value>,
    h: Option<&Value>,
    bp: &str,
    hp: &str,
    path: &mut Vec<String>,
    out: &mut Vec<Raw>,
) {
    let raw = |path: &[String]| Raw {
        base_ptr: b.map(|_| bp.to_string()),
        head_ptr: h.map(|_| hp.to_string()),
        path: path.to_vec(),
        before: b.cloned(),
        after: h.cloned(),
    };
    match (b, h) {
        (Some(Value::Object(bm)), Some(Value::Object(hm))) => {
            let keys: std::collections::BTreeSet<&String> = bm.keys().chain(hm.keys()).collect();
            for k in keys {
                path.push(k.clone());
                let (bp2, hp2) = (
                    format!("{bp}/{}", escape_pointer(k)),
                    format!("{hp}/{}", escape_pointer(k)),
                );
                walk(bm.get(k), hm.get(k), &bp2, &hp2, path, out);
                path.pop();
            }
        }
        (Some(Value::Array(bl)), Some(Value::Array(hl))) if !ordered(path) => {
            if let Some(key) = identity(bl, hl) {
                let id = |v: &Value| v[key].as_str().unwrap_or("").to_string();
                let ids: std::collections::BTreeSet<String> =
                    bl.iter().chain(hl.iter()).map(id).collect();
                for i in &ids {
                    let bi = bl.iter().position(|v| &id(v) == i);
                    let hi = hl.iter().position(|v| &id(v) == i);
                    path.push(format!("[{i}]"));
                    walk(
                        bi.map(|j| &bl[j]),
                        hi.map(|j| &hl[j]),
                        &format!("{bp}/{}", bi.unwrap_or(0)),
                        &format!("{hp}/{}", hi.unwrap_or(0)),
                        path,
                        out,
                    );
                    path.pop();
                }
                // The order of tiers is what they mean.
                if path.last().map(String::as_str) == Some("tiers") {
                    let order = |l: &[Value]| l.iter().map(id).collect::<Vec<_>>();
                    let (ob, oh) = (order(bl), order(hl));
                    let common = |o: &[String], other: &[String]| -> Vec<String> {
                        o.iter().filter(|x| other.contains(x)).cloned().collect()
                    };
                    if common(&ob, &oh) != common(&oh, &ob) {
                        out.push(raw(path));
                    }
                }
                return;
            }
            // By value, as a multiset: equal items pair up, the rest are removed or added.
            let mut used = vec![false; hl.len()];
            let mut removed = Vec::new();
            for (i, v) in bl.iter().enumerate() {
                match (0..hl.len()).find(|&j| !used[j] && &hl[j] == v) {
                    Some(j) => used[j] = true,
                    None => removed.push(i),
                }
            }
            path.push("[]".into());
            for i in removed {
                walk(Some(&bl[i]), None, &format!("{bp}/{i}"), hp, path, out);
            }
            for (j, u) in used.iter().enumerate() {
                if !u {
                    walk(None, Some(&hl[j]), bp, &format!("{hp}/{j}"), path, out);
                }
            }
            path.pop();
        }
        (b, h) if b != h => out.push(raw(path)),
        _ => {}
    }
}

/// Path segments with identities replaced by `*`, for the tables below: `spec.tiers.*.approvals`.
fn shape(path: &[String]) -> String {
    path.iter()
        .map(|s| if s.starts_with('[') { "*" } else { s.as_str() })
        .collect::<Vec<_>>()
        .join(".")
}

fn path_text(path: &[String]) -> String {
    let mut s = String::new();
    for p in path {
        if !p.starts_with('[') && !s.is_empty() {
            s.push('.');
        }
        s.push_str(p);
    }
    s
}

/// What a change is, for its direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Text only: not reported.
    Neutral,
    /// It can change a decision: judged by the requests it newly permits. `Scope` says which.
    Decides(Scope),
    /// A control: weaker or stronger by the rule given.
    Control(Weaker),
    /// A data sync: data flows where it did not (a relaxation by itself, with no request).
    Flow,
    /// Anything else that matters: reported as changed.
    Other,
}

/// Which newly permitted requests a decision change can explain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Agent,
    Workflow,
    Connector,
    /// Group membership: requests approved by people.
    People,
    /// The Policy's tiers: requests whose tier the base asked approvals for.
    Tiers,
    /// Escalations and facts: requests with a context.
    Context,
    Prohibitions,
    /// Derive rules and classifications: requests the base gave a stronger tier.
    Derive,
}

/// How to tell that a control got weaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Weaker {
    /// Removing it weakens, adding it tightens.
    Presence,
    /// A smaller number is weaker.
    Lower,
    /// A larger number is weaker.
    Higher,
    /// A longer review cadence is weaker.
    Cadence,
    /// A lower rule level is weaker.
    RuleLevel,
    /// A monitor's response: `pause` is stronger than `recommend-only`.
    Response,
    /// Adding it weakens (a waiver), removing it tightens.
    Absence,
    /// A later date is weaker (a waiver's expiry).
    Later,
}

fn classify(kind: &str, shape: &str) -> Class {
    use Class::*;
    if shape.is_empty() || shape == "spec" {
        return match kind {
            "Agent" => Decides(Scope::Agent),
            "Workflow" => Decides(Scope::Workflow),
            "Connector" => Decides(Scope::Connector),
            "Team" => Decides(Scope::People),
            "Policy" => Decides(Scope::Tiers),
            "Playbook" => Control(Weaker::Presence),
            "Waiver" => Control(Weaker::Absence),
            _ => Other,
        };
    }
    let last = shape.rsplit('.').next().unwrap_or("");
    if matches!(
        last,
        "description"
            | "use_case"
            | "summary"
            | "reason"
            | "system"
            | "labels"
            | "email"
            | "github"
            | "role"
            | "failure_mode"
            | "strategy"
    ) || shape.starts_with("metadata.labels")
        || shape.starts_with("metadata.description")
        || shape == "apiVersion"
    {
        return Neutral;
    }
    match (kind, shape) {
        ("Team", s) if s.starts_with("spec.people.*.name") => Neutral,
        ("Team" | "Playbook", s) if s.contains("can_pause") => Control(Weaker::Presence),
        ("Team", _) => Decides(Scope::People),
        ("Agent", s) if s.starts_with("spec.grants") || s == "spec.mode" => Decides(Scope::Agent),
        ("Agent", "spec.monitors.*" | "spec.monitors") => Control(Weaker::Presence),
        ("Agent", s) if s.starts_with("spec.monitors") && s.ends_with("above") => {
            Control(Weaker::Higher)
        }
        ("Agent", s) if s.starts_with("spec.monitors") && s.ends_with("below") => {
            Control(Weaker::Lower)
        }
        ("Agent", s) if s.starts_with("spec.monitors") && s.ends_with("then") => {
            Control(Weaker::Response)
        }
        ("Agent", s) if s.starts_with("spec.monitors") && s.ends_with("playbook") => {
            Control(Weaker::Presence)
        }
        ("Agent", "spec.rollout.sample_rate") => Control(Weaker::Lower),
        ("Agent", "spec.review.cadence") => Control(Weaker::Cadence),
        ("Agent", "spec.review") => Control(Weaker::Presence),
        ("Workflow", s) if s.contains("checklist") => Control(Weaker::Presence),
        ("Workflow", s) if s.starts_with("spec.steps") => Decides(Scope::Workflow),
        ("Workflow", s) if s.starts_with("spec.audit") => Control(Weaker::Presence),
        ("Workflow", "spec.retention_days") => Control(Weaker::Lower),
        ("Workflow", s) if s.starts_with("spec.playbooks") => Control(Weaker::Presence),
        ("Workflow", "spec.rollback") => Control(Weaker::Presence),
        ("Workflow", "spec.rollback.within_minutes") => Control(Weaker::Higher),
        ("Workflow", s) if s.starts_with("spec.rollback") => Other,
        ("Connector", s) if s.contains("syncs_to") => Flow,
        ("Connector", _) => Decides(Scope::Connector),
        ("Policy", s) if s.starts_with("spec.tiers") && s.contains("audit") => {
            Control(Weaker::Presence)
        }
        ("Policy", s) if s.starts_with("spec.tiers") => Decides(Scope::Tiers),
        ("Policy", s) if s.starts_with("spec.derive") || s.starts_with("spec.classifications") => {
            Decides(Scope::Derive)
        }
        ("Policy", s) if s.starts_with("spec.escalations") || s.starts_with("spec.facts") => {
            Decides(Scope::Context)
        }
        ("Policy", s) if s.starts_with("spec.prohibited") => Decides(Scope::Prohibitions),
        ("Policy", "spec.audit.retention_days.min") => Control(Weaker::Lower),
        ("Policy", "spec.audit.retention_days.max") => Control(Weaker::Higher),
        ("Policy", s) if s.starts_with("spec.audit.required") => Control(Weaker::Presence),
        ("Policy", "spec.review_cadence") => Control(Weaker::Cadence),
        ("Policy", "spec.sampling.initial_rate" | "spec.sampling.steady_rate") => {
            Control(Weaker::Lower)
        }
        ("Policy", "spec.sampling.initial_days") => Control(Weaker::Lower),
        ("Policy", "spec.sampling") => Control(Weaker::Presence),
        ("Policy", s) if s.starts_with("spec.rules") => Control(Weaker::RuleLevel),
        ("Policy", s) if s.starts_with("spec.unwaivable") => Control(Weaker::Presence),
        ("Waiver", "spec.expires") => Control(Weaker::Later),
        _ => Other,
    }
}

fn cadence_days(v: &Value) -> Option<i64> {
    match v.as_str()? {
        "weekly" => Some(7),
        "monthly" => Some(31),
        "quarterly" => Some(92),
        _ => None,
    }
}

/// A rule level's strength; a rule the Policy does not set has its default.
fn level_rank(v: Option<&Value>, rule: &str) -> Option<u8> {
    let level = match v {
        Some(v) => v.as_str()?.to_string(),
        None => match crate::rules::find(rule)?.default_severity {
            Severity::Error => "error".into(),
            Severity::Warning => "warning".into(),
            _ => "info".into(),
        },
    };
    match level.as_str() {
        "off" => Some(0),
        "info" => Some(1),
        "warning" => Some(2),
        "error" => Some(3),
        _ => None,
    }
}

fn empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.is_empty(),
        _ => false,
    }
}

fn control_direction(w: Weaker, raw: &Raw) -> Direction {
    let (b, h) = (raw.before.as_ref(), raw.after.as_ref());
    let num = |v: Option<&Value>| v.and_then(Value::as_f64);
    let by = |weaker: bool, stronger: bool| {
        if weaker {
            Direction::Weakens
        } else if stronger {
            Direction::Tightens
        } else {
            Direction::Changed
        }
    };
    match w {
        // An empty list or map says as little as none.
        Weaker::Presence => by(empty(h) && !empty(b), empty(b) && !empty(h)),
        Weaker::Absence => by(empty(b) && !empty(h), empty(h) && !empty(b)),
        Weaker::Lower | Weaker::Higher => match (num(b), num(h)) {
            (Some(x), Some(y)) if w == Weaker::Lower => by(y < x, y > x),
            (Some(x), Some(y)) => by(y > x, y < x),
            (Some(_), None) => Direction::Weakens,
            (None, Some(_)) => Direction::Tightens,
            _ => Direction::Changed,
        },
        Weaker::Cadence => match (b.and_then(cadence_days), h.and_then(cadence_days)) {
            (Some(x), Some(y)) => by(y > x, y < x),
            (Some(_), None) => Direction::Weakens,
            _ => Direction::Changed,
        },
        Weaker::RuleLevel => {
            // One rule's level, or each rule of a whole `rules:` map added or removed.
            let pairs: Vec<(String, Option<&Value>, Option<&Value>)> = match raw.path.get(2) {
                Some(rule) => vec![(rule.clone(), b, h)],
                None => {
                    let keys: std::collections::BTreeSet<&String> = [b, h]
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_object)
                        .flat_map(|m| m.keys())
                        .collect();
                    keys.into_iter()
                        .map(|k| {
                            (
                                k.clone(),
                                b.and_then(|v| v.get(k)),
                                h.and_then(|v| v.get(k)),
                            )
                        })
                        .collect()
                }
            };
            let (mut weaker, mut stronger) = (false, false);
            for (rule, b, h) in pairs {
                if let (Some(x), Some(y)) = (level_rank(b, &rule), level_rank(h, &rule)) {
                    weaker |= y < x;
                    stronger |= y > x;
                }
            }
            by(weaker, stronger && !weaker)
        }
        Weaker::Response => {
            let r = |v: Option<&Value>| match v.and_then(Value::as_str) {
                Some("pause") => 2,
                Some("recommend-only") => 1,
                _ => 0,
            };
            by(r(h) < r(b), r(h) > r(b))
        }
        Weaker::Later => match (b.and_then(Value::as_str), h.and_then(Value::as_str)) {
            (Some(x), Some(y)) => by(y > x, y < x),
            _ => Direction::Changed,
        },
    }
}

fn control_text(d: Direction, raw: &Raw) -> String {
    let v = |x: &Option<Value>| {
        x.as_ref()
            .map(|v| match v {
                Value::String(s) => format!("`{s}`"),
                v => format!("`{v}`"),
            })
            .unwrap_or_default()
    };
    let verb = match d {
        Direction::Weakens => "weakened",
        Direction::Tightens => "tightened",
        _ => "changed",
    };
    match (&raw.before, &raw.after) {
        (Some(_), Some(_)) => format!("{verb}: {} → {}", v(&raw.before), v(&raw.after)),
        (None, Some(_)) => format!("{verb}: added {}", v(&raw.after)),
        (Some(_), None) => format!("{verb}: removed {}", v(&raw.before)),
        (None, None) => verb.to_string(),
    }
}

/// The kind of a base decision, as a witness key: the deny reason's kind, or `tier`.
fn base_kind(w: &Witness) -> &str {
    match &w.base {
        Some(d) if d.effect == Outcome::Deny => d
            .reasons
            .first()
            .map(|r| r.split(':').next().unwrap_or(r))
            .unwrap_or("not-granted"),
        Some(_) => "tier",
        None => "absent",
    }
}

/// Does a decision change of this scope explain this newly permitted request?
fn explains(scope: Scope, name: &str, w: &Witness, sides: &[&Checked]) -> bool {
    let ex = &w.example;
    match scope {
        Scope::Agent => ex.agent == name,
        Scope::Connector => ex.operation.split('.').next() == Some(name),
        Scope::Workflow => {
            ex.workflow.as_deref() == Some(name)
                || sides.iter().any(|c| {
                    c.resolved.as_ref().is_some_and(|r| {
                        r.model.workflows.get(name).is_some_and(|wf| {
                            wf.spec
                                .steps
                                .iter()
                                .any(|s| s.agent == ex.agent && s.does.to_string() == ex.operation)
                        })
                    })
                })
        }
        Scope::People => ex.approvals.as_ref().is_some_and(|a| a.people.is_some()),
        Scope::Tiers => base_kind(w) == "tier" || ex.approvals.is_some(),
        Scope::Context => !ex.context.is_empty() || base_kind(w) == "malformed-request",
        Scope::Prohibitions => base_kind(w) == "prohibited",
        Scope::Derive => base_kind(w) == "tier",
    }
}

/// Every change between the revisions, located and directed, with newly permitted requests
/// attributed to the decision changes that explain them. Returns the changes and the indices of
/// witnesses no change explains.
pub fn changes(
    base: Option<&Checked>,
    head: &Checked,
    permitted: &[Witness],
) -> (Vec<Change>, Vec<usize>) {
    let bdocs = base.map(documents).unwrap_or_default();
    let hdocs = documents(head);
    let mut keys: Vec<&DocKey> = bdocs.keys().chain(hdocs.keys()).collect();
    keys.sort();
    keys.dedup();
    let sides: Vec<&Checked> = base.into_iter().chain([head]).collect();
    let mut out = Vec::new();
    let mut explained = vec![false; permitted.len()];
    for key in keys {
        let (kind, name) = (key.0, &key.1);
        let (bd, hd) = (bdocs.get(key), hdocs.get(key));
        let mut raws = Vec::new();
        walk(
            bd.map(|d| &d.json),
            hd.map(|d| &d.json),
            "",
            "",
            &mut Vec::new(),
            &mut raws,
        );
        for raw in raws {
            let shape = shape(&raw.path);
            let class = classify(kind, &shape);
            if class == Class::Neutral {
                continue;
            }
            let (location, at) = match (&raw.head_ptr, hd, &raw.base_ptr, bd, base) {
                (Some(p), Some(d), ..) => (head.ws.loc(d.id, p), "head"),
                (_, _, Some(p), Some(d), Some(b)) => (b.ws.loc(d.id, p), "base"),
                // Removed at the head: point at the nearest place that is still there.
                (_, Some(d), ..) => (head.ws.loc(d.id, "/spec"), "head"),
                _ => continue,
            };
            let path = path_text(&raw.path);
            let mut change = Change {
                direction: Direction::Changed,
                kind,
                name: name.clone(),
                path: if path.is_empty() {
                    "(document)".into()
                } else {
                    path
                },
                before: raw.before.clone(),
                after: raw.after.clone(),
                location,
                at,
                what: String::new(),
                permits: 0,
                example: None,
            };
            match class {
                Class::Neutral => continue,
                Class::Decides(scope) => {
                    let mine: Vec<usize> = (0..permitted.len())
                        .filter(|&i| explains(scope, name, &permitted[i], &sides))
                        .collect();
                    for &i in &mine {
                        explained[i] = true;
                    }
                    if let Some(&first) = mine.first() {
                        change.direction = Direction::Relaxes;
                        change.permits = mine.len();
                        change.example = Some(permitted[first].example.clone());
                        change.what = format!(
                            "permits {} request kind(s) the base denied or asked more approvals for",
                            mine.len()
                        );
                    } else if kind == "Policy"
                        && shape.starts_with("spec.prohibited")
                        && raw.after.is_none()
                    {
                        change.direction = Direction::Weakens;
                        change.what = "a prohibition removed; it matched nothing granted, so nothing new is permitted yet".into();
                    } else {
                        change.what = "permits nothing new".into();
                    }
                }
                Class::Control(w) => {
                    change.direction = control_direction(w, &raw);
                    change.what = control_text(change.direction, &raw);
                }
                Class::Flow => {
                    change.direction = match (&raw.before, &raw.after) {
                        (None, Some(_)) => Direction::Relaxes,
                        (Some(_), None) => Direction::Tightens,
                        _ => Direction::Changed,
                    };
                    change.what = match change.direction {
                        Direction::Relaxes => {
                            "data now flows to a resource it did not reach".into()
                        }
                        _ => control_text(Direction::Changed, &raw),
                    };
                }
                Class::Other => {
                    change.what = control_text(Direction::Changed, &raw);
                }
            }
            out.push(change);
        }
    }
    let unexplained = (0..permitted.len()).filter(|&i| !explained[i]).collect();
    (out, unexplained)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raws(b: Value, h: Value) -> Vec<(String, Option<Value>, Option<Value>)> {
        let mut out = Vec::new();
        walk(Some(&b), Some(&h), "", "", &mut Vec::new(), &mut out);
        out.into_iter()
            .map(|r| (path_text(&r.path), r.before, r.after))
            .collect()
    }

    #[test]
    fn reordering_changes_nothing_but_tier_order() {
        let b = json!({"spec": {"steps": [{"id": "a", "x": 1}, {"id": "b"}], "audit": ["p", "q"]}});
        let h = json!({"spec": {"steps": [{"id": "b"}, {"id": "a", "x": 1}], "audit": ["q", "p"]}});
        assert!(raws(b, h).is_empty());
        let b = json!({"spec": {"tiers": [{"id": "auto"}, {"id": "review"}]}});
        let h = json!({"spec": {"tiers": [{"id": "review"}, {"id": "auto"}]}});
        assert_eq!(raws(b, h).len(), 1);
        let b = json!({"spec": {"classifications": ["public", "internal"]}});
        let h = json!({"spec": {"classifications": ["internal", "public"]}});
        assert_eq!(raws(b, h).len(), 1);
    }

    #[test]
    fn list_items_by_identity() {
        let b = json!({"tiers": [{"id": "two", "approvals": [{"from": "leads"}, {"from": "compliance"}]}]});
        let h = json!({"tiers": [{"id": "two", "approvals": [{"from": "leads"}]}]});
        let r = raws(b, h);
        assert_eq!(r.len(), 1, "{r:?}");
        assert_eq!(r[0].0, "tiers[two].approvals[compliance]");
        assert_eq!(r[0].2, None);
    }

    #[test]
    fn controls_have_directions() {
        let raw = |b: Option<Value>, h: Option<Value>, path: &[&str]| Raw {
            base_ptr: None,
            head_ptr: None,
            path: path.iter().map(|s| s.to_string()).collect(),
            before: b,
            after: h,
        };
        let d = |w, r: &Raw| control_direction(w, r);
        assert_eq!(
            d(Weaker::Higher, &raw(Some(json!(3)), Some(json!(5)), &[])),
            Direction::Weakens
        );
        assert_eq!(
            d(Weaker::Lower, &raw(Some(json!(0.2)), Some(json!(0.1)), &[])),
            Direction::Weakens
        );
        assert_eq!(
            d(Weaker::Lower, &raw(Some(json!(60)), Some(json!(90)), &[])),
            Direction::Tightens
        );
        assert_eq!(
            d(
                Weaker::Cadence,
                &raw(Some(json!("weekly")), Some(json!("monthly")), &[])
            ),
            Direction::Weakens
        );
        assert_eq!(
            d(
                Weaker::RuleLevel,
                &raw(
                    Some(json!("error")),
                    Some(json!("warning")),
                    &["spec", "rules", "unused-grant"]
                )
            ),
            Direction::Weakens
        );
        // `unused-grant` defaults to warning: setting it to `off` lowers it.
        assert_eq!(
            d(
                Weaker::RuleLevel,
                &raw(None, Some(json!("off")), &["spec", "rules", "unused-grant"])
            ),
            Direction::Weakens
        );
        assert_eq!(
            d(
                Weaker::Response,
                &raw(Some(json!("pause")), Some(json!("recommend-only")), &[])
            ),
            Direction::Weakens
        );
        assert_eq!(
            d(Weaker::Absence, &raw(None, Some(json!({"rule": "x"})), &[])),
            Direction::Weakens
        );
        assert_eq!(
            d(Weaker::Presence, &raw(Some(json!("x")), None, &[])),
            Direction::Weakens
        );
    }

    #[test]
    fn text_is_neutral() {
        assert_eq!(classify("Agent", "metadata.description"), Class::Neutral);
        assert_eq!(
            classify("Workflow", "spec.steps.*.description"),
            Class::Neutral
        );
        assert_eq!(
            classify("Policy", "spec.prohibited.*.reason"),
            Class::Neutral
        );
        assert_eq!(
            classify("Policy", "spec.tiers.*.approvals.*"),
            Class::Decides(Scope::Tiers)
        );
        assert_eq!(
            classify("Team", "spec.groups.*.members.[]"),
            Class::Decides(Scope::People)
        );
    }
}
