//! A random governance-repository generator for property tests.
//!
//! [`repository`] builds, from a seed, a repository that passes schema and reference checks: every
//! name it uses is defined, every list is non-empty and unique where the schemas say so. The
//! analysis rules are set to `warning` in the Policy's `rules:` so that the repository is free of
//! errors whatever the (evolving) rules think of its least privilege; the decision does not
//! depend on them. It covers what the decision depends on: several tiers with approvals from one
//! or two groups, derive rules of every kind (effect, reversibility, operation names,
//! `data_at_least`, `touches`), escalations of every test (`below`, `above`, `in`, `is`, with
//! thresholds of more than four decimals, facts with names that need quoting), prohibitions with
//! `*`, autonomous, recommend-only and paused agents, grants with `*` and field lists, and
//! workflows with several steps per operation.

#![allow(dead_code)]

use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A small deterministic PRNG (SplitMix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    /// A random subset, in the original order, of at least `min` items (when there are).
    pub fn subset<T: Clone>(&mut self, items: &[T], min: usize) -> Vec<T> {
        loop {
            let out: Vec<T> = items.iter().filter(|_| self.chance(50)).cloned().collect();
            if out.len() >= min.min(items.len()) {
                return out;
            }
        }
    }
}

pub const TIERS: [&str; 4] = ["auto", "review", "two-person", "board"];
pub const CLASSES: [&str; 4] = ["public", "internal", "personal", "sensitive"];
pub const GROUPS: [&str; 3] = ["reviewers", "leads", "compliance"];
pub const PEOPLE: [&str; 4] = ["ana", "ben", "cleo", "dev"];
pub const TOPICS: [&str; 3] = ["pricing", "legal", "routing-rule"];
pub const OPERATIONS: [&str; 5] = ["read", "update", "send", "delete", "export"];
pub const FIELDS: [&str; 4] = ["email", "name", "notes", "score"];
/// Number thresholds, some with more than four decimals.
pub const THRESHOLDS: [f64; 7] = [0.7, 0.5, 2.0, 0.12345, -1.5, 0.0, 100.0];
/// Strings escalations look for; some need escaping.
pub const AUDIENCES: [&str; 4] = ["vip", "enterprise", "say \"hi\" \\ now", "general"];
/// Facts: name and type. Names that are Cedar keywords or contain `-` need quoting in Cedar.
pub const FACTS: [(&str, &str); 6] = [
    ("confidence", "number"),
    ("risk-score", "number"),
    ("audience", "string"),
    ("in", "string"),
    ("customer_data", "bool"),
    ("is", "bool"),
];

fn doc(kind: &str, name: &str, spec: Value) -> Value {
    json!({ "apiVersion": "agentgov.dev/v1", "kind": kind, "metadata": { "name": name }, "spec": spec })
}

/// `(connector, resource, operations, fields)` of the generated connectors.
type Resources = Vec<(String, String, Vec<String>, Vec<String>)>;

/// The files of a random repository: relative path and YAML text.
pub fn repository(seed: u64, analysis_rules: &[&str]) -> Vec<(String, String)> {
    let mut rng = Rng::new(seed);
    let mut files = Vec::new();
    let mut put =
        |path: String, v: &Value| files.push((path, serde_yaml::to_string(v).expect("yaml")));

    // Team: every group has members, so every tier can be staffed.
    let groups: Vec<Value> = GROUPS
        .iter()
        .map(|g| json!({ "id": g, "members": rng.subset(&PEOPLE, 2) }))
        .collect();
    let people: Vec<Value> = PEOPLE
        .iter()
        .map(|p| json!({ "id": p, "name": format!("Person {p}"), "email": format!("{p}@example.com") }))
        .collect();
    put(
        "team.yaml".into(),
        &doc(
            "Team",
            "team",
            json!({ "people": people, "groups": groups }),
        ),
    );

    // Connectors.
    let mut resources: Resources = Vec::new();
    for c in 0..1 + rng.below(2) {
        let cname = format!("c{c}");
        let mut res = serde_json::Map::new();
        for r in 0..1 + rng.below(2) {
            let rname = format!("r{r}");
            let fields = rng.subset(&FIELDS, 0);
            let ops = rng.subset(&OPERATIONS, 1);
            let mut opmap = serde_json::Map::new();
            for o in &ops {
                let effect = if *o == "send" || rng.chance(20) {
                    "external"
                } else {
                    "internal"
                };
                let rev = *rng.pick(&["reversible", "compensable", "irreversible"]);
                let mut spec = json!({ "effect": effect, "reversibility": rev });
                if rev == "compensable" {
                    spec["compensation"] = json!("send a correction notice");
                }
                opmap.insert(o.to_string(), spec);
            }
            let fieldmap: serde_json::Map<String, Value> = fields
                .iter()
                .map(|f| (f.to_string(), json!(rng.pick(&CLASSES))))
                .collect();
            res.insert(
                rname.clone(),
                json!({ "classification": rng.pick(&CLASSES), "fields": fieldmap, "operations": opmap }),
            );
            resources.push((
                cname.clone(),
                rname,
                ops.iter().map(|s| s.to_string()).collect(),
                fields.iter().map(|s| s.to_string()).collect(),
            ));
        }
        put(
            format!("connectors/{cname}.yaml"),
            &doc(
                "Connector",
                &cname,
                json!({ "system": format!("System \"{cname}\""), "resources": res }),
            ),
        );
    }
    let all_ops: BTreeSet<String> = resources.iter().flat_map(|r| r.2.iter().cloned()).collect();
    let all_ops: Vec<String> = all_ops.into_iter().collect();

    // Policy.
    let ntiers = 2 + rng.below(3);
    let tiers: Vec<&str> = TIERS[..ntiers].to_vec();
    let tier_docs: Vec<Value> = tiers
        .iter()
        .enumerate()
        .map(|(i, t)| {
            if i == 0 {
                json!({ "id": t })
            } else {
                let n = 1 + rng.below(2);
                let approvals: Vec<Value> = (0..n)
                    .map(|_| json!({ "from": rng.pick(&GROUPS) }))
                    .collect();
                json!({ "id": t, "approvals": approvals })
            }
        })
        .collect();
    let mut derive = Vec::new();
    for _ in 0..rng.below(6) {
        let mut when = serde_json::Map::new();
        while when.is_empty() {
            if rng.chance(30) {
                when.insert("effect".into(), json!(rng.pick(&["internal", "external"])));
            }
            if rng.chance(30) {
                when.insert(
                    "reversibility".into(),
                    json!(rng.pick(&["reversible", "compensable", "irreversible"])),
                );
            }
            if rng.chance(40) {
                when.insert("data_at_least".into(), json!(rng.pick(&CLASSES)));
            }
            if rng.chance(25) {
                when.insert("operation".into(), json!(rng.subset(&all_ops, 1)));
            }
            if rng.chance(30) {
                when.insert("touches".into(), json!(rng.subset(&TOPICS, 1)));
            }
        }
        derive.push(json!({ "when": when, "require": rng.pick(&tiers) }));
    }
    let facts: serde_json::Map<String, Value> = FACTS
        .iter()
        .map(|(n, t)| (n.to_string(), json!(t)))
        .collect();
    let mut escalations = Vec::new();
    for i in 0..rng.below(6) {
        let (fact, ty) = *rng.pick(&FACTS);
        let mut when = json!({ "fact": fact });
        match ty {
            "number" => {
                let key = if rng.chance(50) { "below" } else { "above" };
                when[key] = json!(rng.pick(&THRESHOLDS));
            }
            "string" => when["in"] = json!(rng.subset(&AUDIENCES, 1)),
            _ => when["is"] = json!(rng.chance(50)),
        }
        escalations
            .push(json!({ "id": format!("e{i}"), "when": when, "raise_to": rng.pick(&tiers) }));
    }
    let mut prohibited = Vec::new();
    for _ in 0..rng.below(3) {
        let (c, r, ops, _) = rng.pick(&resources).clone();
        let pattern = format!(
            "{}.{}.{}",
            if rng.chance(50) { "*".to_string() } else { c },
            if rng.chance(50) { "*".to_string() } else { r },
            if rng.chance(20) {
                "*".to_string()
            } else {
                rng.pick(&ops).clone()
            }
        );
        prohibited.push(json!({ "operation": pattern, "reason": "Never \"this\"" }));
    }
    let rules: serde_json::Map<String, Value> = analysis_rules
        .iter()
        .map(|r| (r.to_string(), json!("warning")))
        .collect();
    put(
        "policy.yaml".into(),
        &doc(
            "Policy",
            "policy",
            json!({
                "tiers": tier_docs,
                "classifications": CLASSES,
                "derive": derive,
                "facts": facts,
                "escalations": escalations,
                "prohibited": prohibited,
                "rules": rules,
            }),
        ),
    );

    // Agents, with the concrete operations each one's grants cover.
    let nagents = 1 + rng.below(3);
    let mut granted: BTreeMap<String, Vec<(String, Vec<String>)>> = BTreeMap::new();
    for a in 0..nagents {
        let name = format!("agent-{a}");
        let mode = match rng.below(10) {
            0..=5 => "autonomous",
            6..=8 => "recommend-only",
            _ => "paused",
        };
        let mut grants = Vec::new();
        for _ in 0..1 + rng.below(3) {
            let (c, r, ops, fields) = rng.pick(&resources).clone();
            let wild = rng.below(4);
            let (resource, candidates) = match wild {
                0 => ("*.*".to_string(), all_ops.clone()),
                1 => (format!("{c}.*"), {
                    let set: BTreeSet<String> = resources
                        .iter()
                        .filter(|x| x.0 == c)
                        .flat_map(|x| x.2.iter().cloned())
                        .collect();
                    set.into_iter().collect()
                }),
                _ => (format!("{c}.{r}"), ops.clone()),
            };
            let operations = if rng.chance(20) {
                vec!["*".to_string()]
            } else {
                rng.subset(&candidates, 1)
            };
            let mut g = json!({ "resource": resource, "operations": operations });
            if wild >= 2 && !fields.is_empty() && rng.chance(60) {
                g["fields"] = json!(rng.subset(&fields, 1));
            }
            grants.push(g);
        }
        // Concrete operations covered, with the resource's fields.
        let mut ops = Vec::new();
        for (c, r, rops, fields) in &resources {
            for o in rops {
                let covered = grants.iter().any(|g| {
                    let res = g["resource"].as_str().unwrap_or("");
                    let (gc, gr) = res.split_once('.').unwrap_or(("", ""));
                    (gc == "*" || gc == c)
                        && (gr == "*" || gr == r)
                        && g["operations"]
                            .as_array()
                            .is_some_and(|l| l.iter().any(|x| x == "*" || x == o.as_str()))
                });
                if covered {
                    ops.push((format!("{c}.{r}.{o}"), fields.clone()));
                }
            }
        }
        granted.insert(name.clone(), ops);
        put(
            format!("agents/{name}.yaml"),
            &doc(
                "Agent",
                &name,
                json!({
                    "owners": { "business": "ana", "technical": "dev" },
                    "model": { "provider": "example", "name": "m", "version": "1" },
                    "mode": mode,
                    "grants": grants,
                }),
            ),
        );
    }

    // Workflows: steps on a few operations so that several workflows share one.
    let agent_names: Vec<String> = granted.keys().cloned().collect();
    for w in 0..rng.below(4) {
        let mut steps = Vec::new();
        for s in 0..1 + rng.below(4) {
            let agent = rng.pick(&agent_names).clone();
            let choices = &granted[&agent];
            let (does, fields) = if !choices.is_empty() && rng.chance(90) {
                rng.pick(choices).clone()
            } else {
                let (c, r, ops, fields) = rng.pick(&resources).clone();
                (format!("{c}.{r}.{}", rng.pick(&ops)), fields)
            };
            let mut step = json!({ "id": format!("s{s}"), "agent": agent, "does": does, "gate": rng.pick(&tiers) });
            if !fields.is_empty() && rng.chance(50) {
                step["fields"] = json!(rng.subset(&fields, 1));
            }
            if rng.chance(40) {
                step["touches"] = json!(rng.subset(&TOPICS, 1));
            }
            steps.push(step);
        }
        let name = format!("w{w}");
        put(
            format!("workflows/{name}.yaml"),
            &doc(
                "Workflow",
                &name,
                json!({ "use_case": "A use case", "steps": steps }),
            ),
        );
    }
    files
}
