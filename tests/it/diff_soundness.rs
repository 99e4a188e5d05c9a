//! The diff is sound, judged by an oracle that does not use the diff's model: random base
//! repositories, random mutations from a catalog that covers every field of every kind, and for
//! a broad sample of requests `decide` plus the approval check at both revisions (the library's
//! `Plan::permits`, with people counted by each revision's groups). Whenever a request is
//! permitted at the head and not at the base, `agentgov diff` must report a relaxation and
//! `--fail-on relaxation` must fail; every example request it reports must be permitted at the
//! head and not at the base; mutations that decide nothing (text, order, comments, formatting)
//! report nothing; weakened controls are reported as weakened and do not fail. Every mutation
//! kind must produce cases, or the test fails.

use crate::common::gen::{self, Rng};
use crate::common::git::{git, isolate_agentgov};
use agentgov::analysis::{check, CheckOptions, Checked};
use agentgov::decide::{FactValue, Request};
use agentgov::model::FactType;
use assert_cmd::Command;
use chrono::NaiveDate;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Repo = BTreeMap<String, Value>;

const TODAY: &str = "2026-11-26";

fn rule_names() -> Vec<&'static str> {
    agentgov::rules::analysis_rules()
        .iter()
        .map(|(i, _)| i.name)
        .collect()
}

/// A generated repository with every control a mutation can weaken.
fn base_repo(seed: u64) -> Repo {
    let mut repo: Repo = gen::repository(seed, &rule_names())
        .into_iter()
        .map(|(p, t)| (p, serde_yaml::from_str(&t).expect("generated YAML")))
        .collect();
    let tiers: Vec<String> = repo["policy.yaml"]["spec"]["tiers"]
        .as_array()
        .expect("tiers")
        .iter()
        .map(|t| t["id"].as_str().expect("id").to_string())
        .collect();
    let policy = &mut repo.get_mut("policy.yaml").expect("policy")["spec"];
    policy["audit"] = json!({
        "retention_days": { "min": 30, "max": 90 },
        "required": { tiers[0].clone(): ["prompt", "output"], tiers[1].clone(): ["reviewer", "decision"] },
    });
    policy["review_cadence"] = json!("monthly");
    policy["sampling"] = json!({ "initial_rate": 1.0, "initial_days": 14, "steady_rate": 0.2 });
    policy["unwaivable"] = json!(["ungated-irreversible-action", "data-flow-leak"]);
    // A prohibition that matches no operation at all.
    policy["prohibited"]
        .as_array_mut()
        .expect("prohibited")
        .push(json!({ "operation": "*.*.archive", "reason": "nothing is archived by agents" }));
    for (path, doc) in repo.iter_mut() {
        let spec = &mut doc["spec"];
        if path.starts_with("agents/") {
            spec["rollout"] =
                json!({ "stage": "sampling", "since": "2026-10-01", "sample_rate": 0.5 });
            spec["review"] = json!({ "cadence": "monthly", "last_reviewed": "2026-11-20" });
            spec["monitors"] = json!([
                { "metric": "failed_actions", "window": "1h", "above": 3, "then": "pause", "playbook": "pb" },
                { "metric": "corrections", "window": "1d", "above": 5, "then": "recommend-only", "playbook": "pb" },
            ]);
        } else if path.starts_with("workflows/") {
            spec["audit"] = json!(["prompt", "output", "reviewer", "decision"]);
            spec["retention_days"] = json!(60);
            spec["rollback"] =
                json!({ "strategy": "Undo the change", "owner": "ana", "within_minutes": 30 });
            spec["playbooks"] = json!(["pb"]);
            for s in spec["steps"].as_array_mut().expect("steps") {
                s["checklist"] = json!(["source-checked", "audience-correct"]);
            }
        }
    }
    repo.insert(
        "playbooks/pb.yaml".into(),
        json!({
            "apiVersion": "agentgov.dev/v1", "kind": "Playbook", "metadata": { "name": "pb" },
            "spec": {
                "failure_mode": "The agent did something wrong", "owner": "ana",
                "can_pause": ["ana", "dev"], "containment": "Pause the agent",
                "rollback": "Undo it", "postmortem": "required",
            },
        }),
    );
    repo
}

// ------------------------------------------------------------------ mutations

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// May change a decision: the oracle says whether it relaxes.
    Decision,
    /// A control that decides nothing, weakened: reported as weakened, never a relaxation.
    Control,
    /// Decides and controls nothing: the diff reports nothing.
    Neutral,
}

type Apply = fn(&mut Repo, &mut Rng) -> bool;

struct Mutation {
    name: &'static str,
    class: Class,
    apply: Apply,
}

fn paths(repo: &Repo, prefix: &str) -> Vec<String> {
    repo.keys()
        .filter(|p| p.starts_with(prefix))
        .cloned()
        .collect()
}

/// A random document of a folder (`agents/`, ...), or the file itself.
fn pick<'a>(repo: &'a mut Repo, rng: &mut Rng, prefix: &str) -> Option<&'a mut Value> {
    let all = paths(repo, prefix);
    if all.is_empty() {
        return None;
    }
    let p = rng.pick(&all).clone();
    repo.get_mut(&p)
}

/// The first resource of a random connector.
fn first_resource<'a>(repo: &'a mut Repo, rng: &mut Rng) -> Option<&'a mut Value> {
    pick(repo, rng, "connectors/")?["spec"]["resources"]
        .as_object_mut()?
        .values_mut()
        .next()
}

/// The first operation of the first resource of a random connector.
fn first_operation<'a>(repo: &'a mut Repo, rng: &mut Rng) -> Option<&'a mut Value> {
    first_resource(repo, rng)?["operations"]
        .as_object_mut()?
        .values_mut()
        .next()
}

/// A random item of a list at `doc[key...]`, with its index.
fn item<'a>(v: &'a mut Value, rng: &mut Rng) -> Option<&'a mut Value> {
    let list = v.as_array_mut()?;
    if list.is_empty() {
        return None;
    }
    let i = rng.below(list.len());
    Some(&mut list[i])
}

fn remove_item(v: &mut Value, rng: &mut Rng, keep: usize) -> bool {
    match v.as_array_mut() {
        Some(list) if list.len() > keep => {
            let i = rng.below(list.len());
            list.remove(i);
            true
        }
        _ => false,
    }
}

/// Every concrete resource: `(connector, resource, operations, fields)`.
fn resources(repo: &Repo) -> Vec<(String, String, Vec<String>, Vec<String>)> {
    let mut out = Vec::new();
    for p in paths(repo, "connectors/") {
        let d = &repo[&p];
        let c = d["metadata"]["name"].as_str().unwrap_or("").to_string();
        for (r, res) in d["spec"]["resources"].as_object().into_iter().flatten() {
            let keys = |v: &Value| -> Vec<String> {
                v.as_object()
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default()
            };
            out.push((
                c.clone(),
                r.clone(),
                keys(&res["operations"]),
                keys(&res["fields"]),
            ));
        }
    }
    out
}

fn tiers(repo: &Repo) -> Vec<String> {
    repo["policy.yaml"]["spec"]["tiers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["id"].as_str().map(String::from))
        .collect()
}

fn policy(repo: &mut Repo) -> &mut Value {
    &mut repo.get_mut("policy.yaml").expect("policy")["spec"]
}

fn catalog() -> Vec<Mutation> {
    use Class::*;
    macro_rules! m {
        ($name:literal, $class:expr, $f:expr) => {
            Mutation {
                name: $name,
                class: $class,
                apply: $f,
            }
        };
    }
    vec![
        // Agents.
        m!("grant-operations-widened", Decision, |r, g| {
            let Some(a) = pick(r, g, "agents/") else {
                return false;
            };
            let Some(gr) = item(&mut a["spec"]["grants"], g) else {
                return false;
            };
            if gr["operations"] == json!(["*"]) {
                return false;
            }
            gr["operations"] = json!(["*"]);
            true
        }),
        m!("grant-fields-dropped", Decision, |r, g| {
            let Some(a) = pick(r, g, "agents/") else {
                return false;
            };
            let Some(gr) = item(&mut a["spec"]["grants"], g) else {
                return false;
            };
            gr.as_object_mut()
                .is_some_and(|o| o.remove("fields").is_some())
        }),
        m!("grant-field-added", Decision, |r, g| {
            let res = resources(r);
            let Some(a) = pick(r, g, "agents/") else {
                return false;
            };
            let Some(gr) = item(&mut a["spec"]["grants"], g) else {
                return false;
            };
            let Some(list) = gr["fields"].as_array().cloned() else {
                return false;
            };
            let name = gr["resource"].as_str().unwrap_or("").to_string();
            let Some((_, _, _, fields)) = res.iter().find(|x| format!("{}.{}", x.0, x.1) == name)
            else {
                return false;
            };
            let Some(f) = fields.iter().find(|f| !list.contains(&json!(f))) else {
                return false;
            };
            gr["fields"].as_array_mut().expect("list").push(json!(f));
            true
        }),
        m!("grant-resource-widened", Decision, |r, g| {
            let Some(a) = pick(r, g, "agents/") else {
                return false;
            };
            let Some(gr) = item(&mut a["spec"]["grants"], g) else {
                return false;
            };
            if gr["resource"] == json!("*.*") {
                return false;
            }
            gr["resource"] = json!("*.*");
            gr.as_object_mut().expect("grant").remove("fields");
            true
        }),
        m!("grant-added", Decision, |r, g| {
            let res = resources(r);
            let (c, rs, ops, _) = g.pick(&res).clone();
            let Some(op) = ops.first().cloned() else {
                return false;
            };
            let Some(a) = pick(r, g, "agents/") else {
                return false;
            };
            a["spec"]["grants"]
                .as_array_mut()
                .expect("grants")
                .push(json!({ "resource": format!("{c}.{rs}"), "operations": [op] }));
            true
        }),
        m!("grant-removed", Decision, |r, g| {
            let Some(a) = pick(r, g, "agents/") else {
                return false;
            };
            remove_item(&mut a["spec"]["grants"], g, 1)
        }),
        m!("mode-changed", Decision, |r, g| {
            let Some(a) = pick(r, g, "agents/") else {
                return false;
            };
            let mode = *g.pick(&["autonomous", "recommend-only", "paused"]);
            if a["spec"]["mode"] == json!(mode) {
                return false;
            }
            a["spec"]["mode"] = json!(mode);
            true
        }),
        m!("agent-added", Decision, |r, g| {
            let res = resources(r);
            let (c, rs, ops, _) = g.pick(&res).clone();
            r.insert("agents/new.yaml".into(), json!({
                "apiVersion": "agentgov.dev/v1", "kind": "Agent", "metadata": { "name": "new-agent" },
                "spec": {
                    "owners": { "business": "ana", "technical": "dev" },
                    "model": { "provider": "example", "name": "m", "version": "1" },
                    "mode": "autonomous",
                    "grants": [{ "resource": format!("{c}.{rs}"), "operations": ops }],
                },
            }));
            true
        }),
        m!("agent-removed", Decision, |r, g| {
            let all = paths(r, "agents/");
            if all.len() < 2 {
                return false;
            }
            r.remove(g.pick(&all));
            true
        }),
        // Workflows.
        m!("step-gate-changed", Decision, |r, g| {
            let t = tiers(r);
            let Some(w) = pick(r, g, "workflows/") else {
                return false;
            };
            let Some(s) = item(&mut w["spec"]["steps"], g) else {
                return false;
            };
            let gate = g.pick(&t).clone();
            if s["gate"] == json!(gate) {
                return false;
            }
            s["gate"] = json!(gate);
            true
        }),
        m!("step-removed", Decision, |r, g| {
            let Some(w) = pick(r, g, "workflows/") else {
                return false;
            };
            remove_item(&mut w["spec"]["steps"], g, 1)
        }),
        m!("step-fields-changed", Decision, |r, g| {
            let Some(w) = pick(r, g, "workflows/") else {
                return false;
            };
            let Some(s) = item(&mut w["spec"]["steps"], g) else {
                return false;
            };
            let o = s.as_object_mut().expect("step");
            if o.remove("fields").is_some() {
                return true;
            }
            o.insert("fields".into(), json!(["email"]));
            true
        }),
        m!("step-touches-changed", Decision, |r, g| {
            let Some(w) = pick(r, g, "workflows/") else {
                return false;
            };
            let Some(s) = item(&mut w["spec"]["steps"], g) else {
                return false;
            };
            let o = s.as_object_mut().expect("step");
            if o.remove("touches").is_some() {
                return true;
            }
            o.insert("touches".into(), json!([g.pick(&gen::TOPICS)]));
            true
        }),
        m!("step-agent-changed", Decision, |r, g| {
            let agents: Vec<String> = paths(r, "agents/")
                .iter()
                .map(|p| r[p]["metadata"]["name"].as_str().unwrap_or("").to_string())
                .collect();
            let Some(w) = pick(r, g, "workflows/") else {
                return false;
            };
            let Some(s) = item(&mut w["spec"]["steps"], g) else {
                return false;
            };
            let a = g.pick(&agents).clone();
            if s["agent"] == json!(a) {
                return false;
            }
            s["agent"] = json!(a);
            true
        }),
        m!("workflow-removed", Decision, |r, g| {
            let all = paths(r, "workflows/");
            if all.is_empty() {
                return false;
            }
            r.remove(g.pick(&all));
            true
        }),
        // The Policy's decision.
        m!("derive-removed", Decision, |r, g| remove_item(
            &mut policy(r)["derive"],
            g,
            0
        )),
        m!("derive-require-changed", Decision, |r, g| {
            let t = tiers(r);
            let Some(d) = item(&mut policy(r)["derive"], g) else {
                return false;
            };
            let to = g.pick(&t).clone();
            if d["require"] == json!(to) {
                return false;
            }
            d["require"] = json!(to);
            true
        }),
        m!("derive-condition-dropped", Decision, |r, g| {
            let Some(d) = item(&mut policy(r)["derive"], g) else {
                return false;
            };
            let when = d["when"].as_object_mut().expect("when");
            if when.len() < 2 {
                return false;
            }
            let k = when.keys().next().cloned().expect("a key");
            when.remove(&k);
            true
        }),
        m!("escalation-removed", Decision, |r, g| remove_item(
            &mut policy(r)["escalations"],
            g,
            0
        )),
        m!("escalation-threshold-changed", Decision, |r, g| {
            let Some(e) = item(&mut policy(r)["escalations"], g) else {
                return false;
            };
            let when = e["when"].as_object_mut().expect("when");
            let key = ["below", "above"]
                .into_iter()
                .find(|k| when.contains_key(*k));
            let Some(key) = key else { return false };
            let t = *g.pick(&gen::THRESHOLDS);
            if when[key] == json!(t) {
                return false;
            }
            when.insert(key.into(), json!(t));
            true
        }),
        m!("escalation-raise-changed", Decision, |r, g| {
            let t = tiers(r);
            let Some(e) = item(&mut policy(r)["escalations"], g) else {
                return false;
            };
            let to = g.pick(&t).clone();
            if e["raise_to"] == json!(to) {
                return false;
            }
            e["raise_to"] = json!(to);
            true
        }),
        m!("escalation-narrowed", Decision, |r, g| {
            let Some(e) = item(&mut policy(r)["escalations"], g) else {
                return false;
            };
            let when = &mut e["when"];
            if let Some(b) = when["is"].as_bool() {
                when["is"] = json!(!b);
                return true;
            }
            remove_item(&mut when["in"], g, 1)
        }),
        m!("prohibition-removed", Decision, |r, g| {
            let list = policy(r)["prohibited"].as_array_mut().expect("prohibited");
            // Not the one that matches nothing (that is a control).
            let real: Vec<usize> = (0..list.len())
                .filter(|&i| list[i]["operation"] != json!("*.*.archive"))
                .collect();
            if real.is_empty() {
                return false;
            }
            list.remove(*g.pick(&real));
            true
        }),
        m!("prohibition-narrowed", Decision, |r, g| {
            let res = resources(r);
            let Some(p) = item(&mut policy(r)["prohibited"], g) else {
                return false;
            };
            let op = p["operation"].as_str().unwrap_or("").to_string();
            if !op.contains('*') || op == "*.*.archive" {
                return false;
            }
            let (c, rs, ops, _) = g.pick(&res).clone();
            let Some(o) = ops.first() else { return false };
            p["operation"] = json!(format!("{c}.{rs}.{o}"));
            true
        }),
        m!("fact-type-changed", Decision, |r, g| {
            let facts = policy(r)["facts"].as_object_mut().expect("facts");
            let names: Vec<String> = facts.keys().cloned().collect();
            let n = g.pick(&names).clone();
            let to = *g.pick(&["number", "string", "bool"]);
            if facts[&n] == json!(to) {
                return false;
            }
            facts.insert(n, json!(to));
            true
        }),
        m!("tier-approval-dropped", Decision, |r, g| {
            let Some(t) = item(&mut policy(r)["tiers"], g) else {
                return false;
            };
            remove_item(&mut t["approvals"], g, 1)
        }),
        m!("tier-approval-group-changed", Decision, |r, g| {
            let Some(t) = item(&mut policy(r)["tiers"], g) else {
                return false;
            };
            let Some(a) = item(&mut t["approvals"], g) else {
                return false;
            };
            let to = *g.pick(&gen::GROUPS);
            if a["from"] == json!(to) {
                return false;
            }
            a["from"] = json!(to);
            true
        }),
        m!("tier-approval-added", Decision, |r, g| {
            let Some(t) = item(&mut policy(r)["tiers"], g) else {
                return false;
            };
            let Some(list) = t["approvals"].as_array_mut() else {
                return false;
            };
            list.push(json!({ "from": g.pick(&gen::GROUPS) }));
            true
        }),
        m!("tier-order-swapped", Decision, |r, g| {
            let list = policy(r)["tiers"].as_array_mut().expect("tiers");
            if list.len() < 3 {
                return false;
            }
            let i = 1 + g.below(list.len() - 2);
            list.swap(i, i + 1);
            true
        }),
        m!("classifications-reordered", Decision, |r, g| {
            let list = policy(r)["classifications"]
                .as_array_mut()
                .expect("classes");
            let i = g.below(list.len() - 1);
            list.swap(i, i + 1);
            true
        }),
        // The team.
        m!("group-member-added", Decision, |r, g| {
            let team = r.get_mut("team.yaml").expect("team");
            let Some(gr) = item(&mut team["spec"]["groups"], g) else {
                return false;
            };
            let members = gr["members"].as_array_mut().expect("members");
            let Some(p) = gen::PEOPLE.iter().find(|p| !members.contains(&json!(p))) else {
                return false;
            };
            members.push(json!(p));
            true
        }),
        m!("group-member-removed", Decision, |r, g| {
            let team = r.get_mut("team.yaml").expect("team");
            let Some(gr) = item(&mut team["spec"]["groups"], g) else {
                return false;
            };
            remove_item(&mut gr["members"], g, 1)
        }),
        // Connectors.
        m!("operation-effect-changed", Decision, |r, g| {
            let Some(op) = first_operation(r, g) else {
                return false;
            };
            op["effect"] = json!(if op["effect"] == json!("external") {
                "internal"
            } else {
                "external"
            });
            true
        }),
        m!("operation-reversibility-changed", Decision, |r, g| {
            let Some(op) = first_operation(r, g) else {
                return false;
            };
            let to = *g.pick(&["reversible", "irreversible"]);
            if op["reversibility"] == json!(to) {
                return false;
            }
            op["reversibility"] = json!(to);
            op.as_object_mut().expect("op").remove("compensation");
            true
        }),
        m!("classification-changed", Decision, |r, g| {
            let Some(rs) = first_resource(r, g) else {
                return false;
            };
            let to = *g.pick(&gen::CLASSES);
            if let Some(f) = rs["fields"]
                .as_object_mut()
                .and_then(|f| f.values_mut().next())
            {
                if *f != json!(to) {
                    *f = json!(to);
                    return true;
                }
            }
            if rs["classification"] == json!(to) {
                return false;
            }
            rs["classification"] = json!(to);
            true
        }),
        m!("sync-added", Decision, |r, g| {
            let res = resources(r);
            if res.len() < 2 {
                return false;
            }
            let Some(c) = pick(r, g, "connectors/") else {
                return false;
            };
            let name = c["metadata"]["name"].as_str().unwrap_or("").to_string();
            let Some((rname, rs)) = c["spec"]["resources"]
                .as_object_mut()
                .and_then(|m| m.iter_mut().next())
            else {
                return false;
            };
            let Some(to) = res.iter().find(|x| !(x.0 == name && &x.1 == rname)) else {
                return false;
            };
            if rs.get("syncs_to").is_some() {
                return false;
            }
            rs["syncs_to"] = json!([format!("{}.{}", to.0, to.1)]);
            true
        }),
        // Controls.
        m!("audit-field-removed", Control, |r, g| {
            let Some(w) = pick(r, g, "workflows/") else {
                return false;
            };
            remove_item(&mut w["spec"]["audit"], g, 0)
        }),
        m!("policy-audit-field-removed", Control, |r, g| {
            let t = tiers(r);
            remove_item(&mut policy(r)["audit"]["required"][&t[0]], g, 0)
        }),
        m!("retention-lowered", Control, |r, g| {
            let Some(w) = pick(r, g, "workflows/") else {
                return false;
            };
            w["spec"]["retention_days"] = json!(35);
            true
        }),
        m!("retention-bounds-widened", Control, |r, _| {
            policy(r)["audit"]["retention_days"]["min"] = json!(7);
            true
        }),
        m!("monitor-raised", Control, |r, g| {
            let Some(a) = pick(r, g, "agents/") else {
                return false;
            };
            let Some(m) = item(&mut a["spec"]["monitors"], g) else {
                return false;
            };
            m["above"] = json!(50);
            true
        }),
        m!("monitor-removed", Control, |r, g| {
            let Some(a) = pick(r, g, "agents/") else {
                return false;
            };
            remove_item(&mut a["spec"]["monitors"], g, 0)
        }),
        m!("monitor-response-softened", Control, |r, g| {
            let Some(a) = pick(r, g, "agents/") else {
                return false;
            };
            a["spec"]["monitors"][0]["then"] = json!("recommend-only");
            true
        }),
        m!("playbook-removed", Control, |r, g| {
            let Some(w) = pick(r, g, "workflows/") else {
                return false;
            };
            w["spec"]
                .as_object_mut()
                .expect("spec")
                .remove("playbooks")
                .is_some()
        }),
        m!("pause-authority-removed", Control, |r, g| {
            remove_item(
                &mut r.get_mut("playbooks/pb.yaml").expect("pb")["spec"]["can_pause"],
                g,
                1,
            )
        }),
        m!("rollback-removed", Control, |r, g| {
            let Some(w) = pick(r, g, "workflows/") else {
                return false;
            };
            w["spec"]
                .as_object_mut()
                .expect("spec")
                .remove("rollback")
                .is_some()
        }),
        m!("rollback-slower", Control, |r, g| {
            let Some(w) = pick(r, g, "workflows/") else {
                return false;
            };
            w["spec"]["rollback"]["within_minutes"] = json!(240);
            true
        }),
        m!("checklist-removed", Control, |r, g| {
            let Some(w) = pick(r, g, "workflows/") else {
                return false;
            };
            let Some(s) = item(&mut w["spec"]["steps"], g) else {
                return false;
            };
            s.as_object_mut()
                .expect("step")
                .remove("checklist")
                .is_some()
        }),
        m!("sample-rate-lowered", Control, |r, g| {
            let Some(a) = pick(r, g, "agents/") else {
                return false;
            };
            a["spec"]["rollout"]["sample_rate"] = json!(0.1);
            true
        }),
        m!("sampling-lowered", Control, |r, g| {
            let key = *g.pick(&["initial_rate", "steady_rate", "initial_days"]);
            let s = &mut policy(r)["sampling"];
            s[key] = json!(s[key].as_f64().expect("number") / 2.0);
            if key == "initial_days" {
                s[key] = json!(7)
            }
            true
        }),
        m!("review-cadence-lengthened", Control, |r, g| {
            let Some(a) = pick(r, g, "agents/") else {
                return false;
            };
            a["spec"]["review"]["cadence"] = json!("quarterly");
            true
        }),
        m!("policy-review-cadence-lengthened", Control, |r, _| {
            policy(r)["review_cadence"] = json!("quarterly");
            true
        }),
        m!("rule-level-lowered", Control, |r, g| {
            let rules = policy(r)["rules"].as_object_mut().expect("rules");
            let names: Vec<String> = rules.keys().cloned().collect();
            rules.insert(g.pick(&names).clone(), json!("off"));
            true
        }),
        m!("unwaivable-shortened", Control, |r, g| remove_item(
            &mut policy(r)["unwaivable"],
            g,
            0
        )),
        m!("waiver-added", Control, |r, _| {
            let agent = r[&paths(r, "agents/")[0]]["metadata"]["name"].clone();
            r.insert("waivers.yaml".into(), json!({
                "apiVersion": "agentgov.dev/v1", "kind": "Waiver", "metadata": { "name": "w" },
                "spec": { "rule": "unused-grant", "target": format!("agent/{}", agent.as_str().unwrap_or("")),
                          "justification": "Kept while the workflow is redesigned next quarter.",
                          "approved_by": "ana", "expires": "2027-01-31" },
            }));
            true
        }),
        m!("unmatched-prohibition-removed", Control, |r, _| {
            let list = policy(r)["prohibited"].as_array_mut().expect("prohibited");
            let before = list.len();
            list.retain(|p| p["operation"] != json!("*.*.archive"));
            list.len() < before
        }),
        // Neutral: text, order, comments and formatting.
        m!("descriptions-changed", Neutral, |r, _| {
            for d in r.values_mut() {
                d["metadata"]["description"] = json!("Reworded for the reviewers");
                if let Some(steps) = d["spec"].get_mut("steps").and_then(Value::as_array_mut) {
                    for s in steps {
                        s["description"] = json!("What this step does");
                    }
                }
                if d["kind"] == json!("Workflow") {
                    d["spec"]["use_case"] = json!("Another use case")
                }
            }
            true
        }),
        m!("lists-reordered", Neutral, |r, _| {
            for d in r.values_mut() {
                // (`get_mut`: indexing a missing key would insert `null`.)
                for key in [
                    "steps",
                    "grants",
                    "escalations",
                    "derive",
                    "prohibited",
                    "monitors",
                    "audit",
                    "unwaivable",
                    "groups",
                    "people",
                ] {
                    if let Some(l) = d["spec"].get_mut(key).and_then(Value::as_array_mut) {
                        l.reverse()
                    }
                }
                if let Some(tiers) = d["spec"].get_mut("tiers").and_then(Value::as_array_mut) {
                    for t in tiers {
                        if let Some(l) = t.get_mut("approvals").and_then(Value::as_array_mut) {
                            l.reverse()
                        }
                    }
                }
            }
            true
        }),
        m!("files-renamed", Neutral, |r, _| {
            let all: Vec<String> = r.keys().cloned().collect();
            for p in all {
                let v = r.remove(&p).expect("doc");
                r.insert(format!("moved/{}", p.replace('/', "-")), v);
            }
            // The folder prefixes the other mutations use are gone, which is fine for this one.
            true
        }),
    ]
}

// ------------------------------------------------------------------ the oracle

#[derive(Debug, Clone)]
enum Appr {
    None,
    Wire(usize, BTreeSet<String>),
    People(Vec<String>),
}

fn permits(c: &Checked, req: &Request, appr: &Appr) -> bool {
    let (Some(plan), Some(r)) = (&c.plan, &c.resolved) else {
        return false;
    };
    match appr {
        Appr::None => plan.permits(req, None),
        Appr::Wire(n, g) => plan.permits(req, Some((*n, g))),
        Appr::People(people) => {
            let set: BTreeSet<&String> = people.iter().collect();
            let groups: BTreeSet<String> = set
                .iter()
                .flat_map(|p| r.model.groups_of(p).map(String::from).collect::<Vec<_>>())
                .collect();
            plan.permits(req, Some((set.len(), &groups)))
        }
    }
}

fn value(ty: &str, rng: &mut Rng) -> FactValue {
    if rng.chance(5) {
        return FactValue::String("0.5".into()); // of the wrong type for a number or bool fact
    }
    match ty {
        "number" => {
            let t = *rng.pick(&gen::THRESHOLDS);
            FactValue::Number(t + *rng.pick(&[-0.01, 0.0, 0.01, -3.0, 3.0]))
        }
        "string" => FactValue::String(rng.pick(&gen::AUDIENCES).to_string()),
        _ => FactValue::Bool(rng.chance(50)),
    }
}

/// Requests sampled over both revisions' names, each with several approvals.
fn requests(base: &Checked, head: &Checked, rng: &mut Rng) -> Vec<(Request, Appr)> {
    let models: Vec<&agentgov::model::Model> = [base, head]
        .iter()
        .filter_map(|c| c.resolved.as_ref().map(|r| &r.model))
        .collect();
    let mut agents: BTreeSet<String> = BTreeSet::from(["ghost".to_string()]);
    let mut ops: BTreeSet<String> = BTreeSet::new();
    let mut workflows: Vec<Option<String>> = vec![None, Some("nope".into())];
    let mut fields: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut facts: BTreeMap<String, &'static str> = BTreeMap::new();
    for m in &models {
        agents.extend(m.agents.keys().cloned());
        for (op, _) in m.all_operations() {
            ops.insert(op.to_string());
        }
        workflows.extend(m.workflows.keys().cloned().map(Some));
        for (c, conn) in &m.connectors {
            for (r, res) in &conn.spec.resources {
                fields
                    .entry(format!("{c}.{r}"))
                    .or_default()
                    .extend(res.fields.keys().cloned());
            }
        }
        if let Some(p) = &m.policy {
            for (n, t) in &p.spec.facts {
                facts.insert(
                    n.clone(),
                    match t {
                        FactType::Number => "number",
                        FactType::String => "string",
                        FactType::Bool => "bool",
                    },
                );
            }
        }
    }
    let mut wires: Vec<Appr> = vec![Appr::None];
    for c in [base, head] {
        if let Some(p) = &c.plan {
            for t in &p.approvals {
                wires.push(Appr::Wire(t.count, t.groups.clone()));
            }
        }
    }
    for _ in 0..8 {
        wires.push(Appr::People(
            gen::PEOPLE
                .iter()
                .filter(|_| rng.chance(50))
                .map(|p| p.to_string())
                .collect(),
        ));
    }
    for _ in 0..3 {
        let groups = gen::GROUPS
            .iter()
            .filter(|_| rng.chance(50))
            .map(|g| g.to_string())
            .collect();
        wires.push(Appr::Wire(rng.below(4), groups));
    }
    let mut out = Vec::new();
    for agent in &agents {
        for op in &ops {
            let resource = op.rsplit_once('.').map(|(r, _)| r).unwrap_or("");
            let fs: Vec<String> = fields
                .get(resource)
                .map(|s| s.iter().cloned().collect())
                .unwrap_or_default();
            for _ in 0..30 {
                let field_list = match rng.below(4) {
                    0 => None,
                    1 => Some(Vec::new()),
                    2 => Some(fs.clone()),
                    _ => Some(rng.subset(&fs, 1)),
                };
                let mut context = BTreeMap::new();
                for (n, t) in &facts {
                    if rng.chance(40) {
                        context.insert(n.clone(), value(t, rng));
                    }
                }
                let req = Request {
                    agent: agent.clone(),
                    operation: op.clone(),
                    fields: field_list,
                    workflow: rng.pick(&workflows).clone(),
                    context,
                };
                for a in &wires {
                    out.push((req.clone(), a.clone()));
                }
            }
        }
    }
    out
}

/// The example of a reported witness, as a request with its approvals.
fn example_request(e: &Value) -> (Request, Appr) {
    let context = e["context"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), FactValue::from_json(v).expect("a fact value")))
        .collect();
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .map(|x| x.as_str().expect("string").to_string())
            .collect()
    };
    let req = Request {
        agent: e["agent"].as_str().expect("agent").into(),
        operation: e["operation"].as_str().expect("operation").into(),
        fields: e.get("fields").map(strings),
        workflow: e["workflow"].as_str().map(String::from),
        context,
    };
    let a = &e["approvals"];
    let appr = if a.is_null() {
        Appr::None
    } else if a.get("people").is_some() {
        Appr::People(strings(&a["people"]))
    } else {
        Appr::Wire(
            a["count"].as_u64().expect("count") as usize,
            strings(&a["groups"]).into_iter().collect(),
        )
    };
    (req, appr)
}

// ------------------------------------------------------------------ running a case

fn write(dir: &Path, repo: &Repo) {
    if dir.exists() {
        std::fs::remove_dir_all(dir).expect("clean");
    }
    for (p, v) in repo {
        let path = dir.join(p);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, serde_yaml::to_string(v).expect("yaml")).expect("write");
    }
}

fn checked(dir: &Path) -> Checked {
    check(
        dir,
        &CheckOptions {
            today: NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").expect("date"),
            ..Default::default()
        },
    )
    .expect("readable")
}

struct Outcome {
    report: Value,
    code: Option<i32>,
    base: Checked,
    head: Checked,
}

/// Commits `base`, writes `head` over it (or `head_text` files as they are), runs the diff.
fn run_case(base: &Repo, head: &Repo, extra: Option<(&str, &str)>) -> Outcome {
    let tmp = tempfile::tempdir().expect("tempdir");
    git(tmp.path(), &["init", "-q", "-b", "main"]);
    let gov = tmp.path().join("gov");
    write(&gov, base);
    let base_checked = checked(&gov);
    git(tmp.path(), &["add", "-A"]);
    git(tmp.path(), &["commit", "-q", "-m", "base"]);
    write(&gov, head);
    if let Some((path, text)) = extra {
        std::fs::write(gov.join(path), text).expect("write");
    }
    let head_checked = checked(&gov);
    let mut c = Command::cargo_bin("agentgov").expect("binary");
    let out = isolate_agentgov(&mut c)
        .current_dir(&gov)
        .args([
            "diff",
            "--base",
            "HEAD",
            "--format",
            "json",
            "--fail-on",
            "relaxation",
            "--today",
            TODAY,
        ])
        .env_remove("GITHUB_SHA")
        .output()
        .expect("runs");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let report = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{e}: {text}\n{}", String::from_utf8_lossy(&out.stderr)));
    Outcome {
        report,
        code: out.status.code(),
        base: base_checked,
        head: head_checked,
    }
}

fn errors(c: &Checked) -> usize {
    c.diagnostics
        .iter()
        .filter(|d| d.severity == agentgov::diag::Severity::Error && d.waived.is_none())
        .count()
}

/// One case: the problems found (empty when the diff is right), and whether the oracle found a
/// newly permitted request.
fn judge(m: &Mutation, seed: u64, o: &Outcome, rng: &mut Rng) -> (Vec<String>, bool) {
    let mut problems = Vec::new();
    let r = &o.report;
    let relaxations = r["relaxations"].as_u64().expect("relaxations");
    let witness = requests(&o.base, &o.head, rng)
        .into_iter()
        .find(|(q, a)| permits(&o.head, q, a) && !permits(&o.base, q, a));
    let case = format!("{} on seed {seed}", m.name);
    if let Some((q, a)) = &witness {
        if relaxations == 0 {
            problems.push(format!(
                "{case}: {q:?} with {a:?} is newly permitted, but the diff reports no relaxation"
            ));
        }
        if o.code != Some(1) {
            problems.push(format!(
                "{case}: newly permitted {q:?}, but --fail-on relaxation exits {:?}",
                o.code
            ));
        }
    }
    for w in r["permitted"].as_array().expect("permitted") {
        let (q, a) = example_request(&w["example"]);
        if !permits(&o.head, &q, &a) || permits(&o.base, &q, &a) {
            problems.push(format!(
                "{case}: the reported example {} is not newly permitted",
                w["example"]
            ));
        }
    }
    let listed = |k: &str| r[k].as_array().map(Vec::len).unwrap_or(0);
    match m.class {
        Class::Neutral => {
            // (`tiers` may list reason changes, e.g. `derive:<index>` after a reorder: not relaxations.)
            for k in [
                "permitted",
                "relaxed",
                "weakened",
                "changes",
                "grants_added",
                "grants_removed",
            ] {
                if listed(k) > 0 {
                    problems.push(format!(
                        "{case}: a neutral change reports `{k}`: {:#}",
                        r[k]
                    ));
                }
            }
            if relaxations > 0 || o.code != Some(0) {
                problems.push(format!(
                    "{case}: a neutral change reports {relaxations} relaxation(s), exit {:?}",
                    o.code
                ));
            }
        }
        Class::Control => {
            if listed("weakened") == 0 {
                problems.push(format!(
                    "{case}: the weakened control is not reported: {:#}",
                    r["changes"]
                ));
            }
            if witness.is_none() && relaxations > 0 {
                problems.push(format!(
                    "{case}: a weakened control counts as a relaxation: {:#}",
                    r["relaxed"]
                ));
            }
            if witness.is_none() && errors(&o.head) == 0 && o.code != Some(0) {
                problems.push(format!(
                    "{case}: a weakened control fails the diff (exit {:?})",
                    o.code
                ));
            }
        }
        Class::Decision => {
            if m.name == "sync-added" && errors(&o.head) == 0 && relaxations == 0 {
                problems.push(format!("{case}: a new data sync is not a relaxation"));
            }
            // Every relaxation is located in a file of the repository.
            for c in r["relaxed"].as_array().expect("relaxed") {
                if c["location"]["line"].as_u64().unwrap_or(0) == 0 {
                    problems.push(format!("{case}: a relaxation without a line: {c}"));
                }
            }
        }
    }
    (problems, witness.is_some())
}

#[test]
fn the_diff_reports_every_newly_permitted_request() {
    let catalog = catalog();
    // Each kind on a few seeds where it applies; the kinds split between two threads.
    const CASES_PER_KIND: usize = 3;
    // Per mutation kind: its index, the problems, the cases applied and those that relaxed.
    let results: Vec<(usize, Vec<String>, usize, usize)> = std::thread::scope(|s| {
        let halves: Vec<_> = (0..2)
            .map(|half| {
                let catalog = &catalog;
                s.spawn(move || {
                    let mut out = Vec::new();
                    for (k, m) in catalog.iter().enumerate().filter(|(k, _)| k % 2 == half) {
                        let (mut applied, mut problems, mut relaxing) = (0, Vec::new(), 0);
                        for seed in 0..40u64 {
                            if applied == CASES_PER_KIND {
                                break;
                            }
                            let base = base_repo(seed);
                            let mut head = base.clone();
                            let mut rng = Rng::new(seed ^ ((k as u64) << 32));
                            if !(m.apply)(&mut head, &mut rng) || head == base {
                                continue;
                            }
                            let o = run_case(&base, &head, None);
                            if errors(&o.base) > 0 {
                                problems.push(format!(
                                    "seed {seed}: the generated base has errors: {:?}",
                                    o.base
                                        .diagnostics
                                        .iter()
                                        .filter(|d| d.severity == agentgov::diag::Severity::Error)
                                        .map(|d| &d.message)
                                        .collect::<Vec<_>>()
                                ));
                                continue;
                            }
                            applied += 1;
                            let (p, w) = judge(m, seed, &o, &mut rng);
                            problems.extend(p);
                            relaxing += w as usize;
                        }
                        out.push((k, problems, applied, relaxing));
                    }
                    out
                })
            })
            .collect();
        halves
            .into_iter()
            .flat_map(|h| h.join().expect("no panic"))
            .collect()
    });
    let mut problems = Vec::new();
    let mut relaxing_kinds = 0;
    for (k, p, applied, relaxing) in &results {
        let (applied, relaxing) = (*applied, *relaxing);
        if applied < CASES_PER_KIND {
            problems.push(format!(
                "mutation `{}` produced {applied} case(s)",
                catalog[*k].name
            ));
        }
        relaxing_kinds += (relaxing > 0) as usize;
        problems.extend(p.iter().cloned());
    }
    // The oracle is not vacuous: most decision mutations relax on some seed.
    let decision_kinds = catalog
        .iter()
        .filter(|m| m.class == Class::Decision)
        .count();
    assert!(
        relaxing_kinds * 2 >= decision_kinds,
        "only {relaxing_kinds} of {decision_kinds} decision mutation kinds relaxed anything"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Comments and formatting decide nothing: the same documents written as JSON (which is YAML),
/// with comments added to the YAML.
#[test]
fn comments_and_formatting_report_nothing() {
    for seed in 0..4u64 {
        let base = base_repo(seed);
        let o = run_case(
            &base,
            &base,
            Some((
                "policy.yaml",
                &format!(
                    "# The policy, reformatted\n{}\n",
                    serde_json::to_string_pretty(&base["policy.yaml"]).expect("json")
                ),
            )),
        );
        let r = &o.report;
        assert_eq!(r["relaxations"], 0, "{r:#}");
        for k in ["permitted", "relaxed", "weakened", "changes", "tiers"] {
            assert_eq!(r[k].as_array().map(Vec::len), Some(0), "{k}: {r:#}");
        }
        assert_eq!(o.code, Some(0));
    }
}
