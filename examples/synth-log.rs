//! Writes a realistic JSON Lines audit log for a governance repository, for `agentgov audit`'s
//! benchmarks and tests.
//!
//! ```text
//! cargo run --release --example synth-log -- --repo governance --records 300000 \
//!     --out /tmp/audit.jsonl [--violations 0.05] [--seed 7]
//! agentgov audit --repo governance /tmp/audit.jsonl --today 2026-11-26
//! ```
//!
//! The repository is checked and planned as `agentgov audit` does; every record is an action of
//! an agent on an operation some grant of it covers (with the workflow step and MCP tool that
//! perform it, when there is one), decided by the library's `decide`: approvals by distinct
//! people of the Team's groups that satisfy the tier, the audit fields the tier (cumulative) and
//! the workflow require, outcomes mostly `executed`, rejections with a listed reason, and
//! auto-tier actions sampled for review at the agent's rollout rate. Records are in time order,
//! spread over the 20 days before 2026-11-25. With `--violations RATE`, that share of the records
//! is made to break one rule (unauthorized, missing audit field, rejection without reason,
//! override without reason). Written through a `BufWriter`; the same seed gives the same log.

use agentgov::analysis::{check, CheckOptions};
use agentgov::decide::{FactValue, Outcome, Plan, Request};
use agentgov::model::{FactType, Metric, Model, Stage};
use chrono::{DateTime, NaiveDate, SecondsFormat};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

// One file for both generators; the integration tests include both, hence the allow.
#[path = "common/rng.rs"]
#[allow(clippy::duplicate_mod)]
mod rng;
use rng::Rng;

pub struct Args {
    pub repo: PathBuf,
    pub records: u64,
    pub out: PathBuf,
    pub violations: f64,
    pub seed: u64,
}

#[allow(dead_code)]
fn usage() -> ! {
    eprintln!("usage: synth-log --repo DIR --records N --out FILE [--violations RATE] [--seed S]");
    std::process::exit(2)
}

#[allow(dead_code)]
fn parse_args() -> Args {
    let (mut repo, mut records, mut out) = (None, None, None);
    let (mut violations, mut seed) = (0.0, 1u64);
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut val = || it.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--repo" => repo = Some(PathBuf::from(val())),
            "--records" => records = val().parse().ok(),
            "--out" => out = Some(PathBuf::from(val())),
            "--violations" => violations = val().parse().unwrap_or_else(|_| usage()),
            "--seed" => seed = val().parse().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
    }
    match (repo, records, out) {
        (Some(repo), Some(records), Some(out)) if (0.0..=1.0).contains(&violations) => Args {
            repo,
            records,
            out,
            violations,
            seed,
        },
        _ => usage(),
    }
}

/// One thing an agent may do: an operation some grant covers, with its step and tool.
struct Action {
    agent: String,
    operation: String,
    workflow: Option<(String, String)>,
    tool: Option<(String, String)>,
}

/// Per agent: what the log keeps to stay within the agent's monitors and sampling rate.
struct AgentState {
    model: Value,
    prompt: Option<String>,
    sample_rate: f64,
    sample_acc: f64,
    reviews: u64,
    /// Outcomes `failed`, `rolled_back` and overrides would cross a monitor at `above: 0`.
    no_failures: bool,
    no_corrections: bool,
}

fn actions(model: &Model, plan: &Plan) -> Vec<Action> {
    let mut out = Vec::new();
    for (agent, ap) in &plan.agents {
        for (op, opp) in &ap.operations {
            let workflow = opp
                .default
                .gate_step
                .as_deref()
                .and_then(|s| s.split_once('.'))
                .map(|(w, s)| (w.to_string(), s.to_string()));
            let mut parts = op.splitn(3, '.');
            let (c, r, o) = (
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
            );
            let tool = model.connectors.get(c).and_then(|con| {
                let server = con.spec.mcp.as_ref()?.server.clone();
                let t = con
                    .spec
                    .resources
                    .get(r)?
                    .operations
                    .get(o)?
                    .tools
                    .first()?;
                Some((server, t.name().to_string()))
            });
            out.push(Action {
                agent: agent.clone(),
                operation: op.clone(),
                workflow,
                tool,
            });
        }
    }
    out
}

fn agent_states(model: &Model, prompts: &BTreeMap<String, String>) -> BTreeMap<String, AgentState> {
    let p = model.policy();
    let (initial, initial_days, steady) = p
        .sampling
        .as_ref()
        .map(|s| (s.initial_rate, s.initial_days.unwrap_or(0), s.steady_rate))
        .unwrap_or((0.0, 0, 0.0));
    let start = NaiveDate::from_ymd_opt(2026, 11, 5).unwrap();
    model
        .agents
        .iter()
        .map(|(name, a)| {
            let s = &a.spec;
            let ro = s.rollout.as_ref();
            let fresh = ro
                .and_then(|r| r.since)
                .is_some_and(|since| (start - since).num_days() < initial_days as i64 + 20);
            let stage_rate = match ro.map(|r| &r.stage) {
                Some(Stage::Pilot) => initial,
                _ if fresh => initial,
                Some(Stage::Stable) => 0.0,
                _ => steady,
            };
            let rate = stage_rate.max(ro.and_then(|r| r.sample_rate).unwrap_or(0.0));
            let at_zero = |m: Metric| s.monitors.iter().any(|x| x.metric == m);
            (
                name.clone(),
                AgentState {
                    model: json!({"provider": s.model.provider, "name": s.model.name, "version": s.model.version}),
                    prompt: prompts.get(name).cloned(),
                    // A little above the rate, so that no week falls below it by rounding.
                    sample_rate: if rate > 0.0 { (rate + 0.05).min(1.0) } else { 0.0 },
                    sample_acc: 1.0,
                    reviews: 0,
                    no_failures: at_zero(Metric::FailedActions),
                    no_corrections: at_zero(Metric::Corrections),
                },
            )
        })
        .collect()
}

/// People who satisfy tier `rank`: one distinct member of each group it lists, then others.
fn approvers(model: &Model, plan: &Plan, rank: usize, rng: &mut Rng) -> Vec<String> {
    let need = &plan.approvals[rank];
    let mut chosen: Vec<String> = Vec::new();
    for g in &need.groups {
        let Some(group) = model.groups.get(g) else {
            continue;
        };
        let free: Vec<&String> = group
            .members
            .iter()
            .filter(|m| !chosen.contains(*m) && model.people.contains_key(*m))
            .collect();
        if !free.is_empty() {
            chosen.push((*rng.pick(&free)).clone());
        }
    }
    let people: Vec<&String> = model.people.keys().collect();
    while chosen.len() < need.count && chosen.len() < people.len() {
        let p = *rng.pick(&people);
        if !chosen.contains(p) {
            chosen.push(p.clone());
        }
    }
    chosen
}

fn time(micros: i64) -> String {
    DateTime::from_timestamp_micros(micros)
        .unwrap()
        .to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

#[allow(dead_code)]
fn main() -> io::Result<()> {
    let args = parse_args();
    let violated = generate(&args)?;
    eprintln!(
        "synth-log: {} records ({violated} violating) in {}",
        args.records,
        args.out.display()
    );
    Ok(())
}

/// Writes the log `args` describes; returns how many records were made to violate a rule.
pub fn generate(args: &Args) -> io::Result<u64> {
    let opts = CheckOptions {
        today: NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
        ..CheckOptions::default()
    };
    let checked = check(&args.repo, &opts).map_err(|e| io::Error::other(e.to_string()))?;
    let (Some(resolved), Some(plan)) = (checked.resolved.as_ref(), checked.plan.as_ref()) else {
        return Err(io::Error::other(format!(
            "`{}` has errors: run `agentgov check`",
            args.repo.display()
        )));
    };
    let model = &resolved.model;
    let policy = model.policy();
    let acts = actions(model, plan);
    if acts.is_empty() {
        return Err(io::Error::other("no agent holds a grant"));
    }
    let mut agents = agent_states(model, &resolved.prompt_hashes);
    let (required, reasons): (Vec<Vec<String>>, Vec<String>) = match &policy.audit {
        Some(a) => (
            plan.tiers
                .iter()
                .map(|t| a.required.get(t).cloned().unwrap_or_default())
                .collect(),
            a.rejection_reasons.clone(),
        ),
        None => (vec![Vec::new(); plan.tiers.len()], Vec::new()),
    };
    let context = |rng: &mut Rng| -> Map<String, Value> {
        plan.facts
            .iter()
            .map(|(k, t)| {
                let v = match t {
                    FactType::Bool => json!(false),
                    FactType::Number => json!(0.8 + (rng.below(20) as f64) / 100.0),
                    FactType::String => json!("general"),
                };
                (k.clone(), v)
            })
            .collect()
    };
    let mut rng = Rng(args.seed);
    let start = DateTime::parse_from_rfc3339("2026-11-05T00:00:00Z")
        .unwrap()
        .timestamp_micros();
    let span: i64 = 20 * 86_400 * 1_000_000;
    let step = (span / args.records.max(1) as i64).max(1);
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(&args.out)?);
    let mut violated = 0u64;
    for i in 0..args.records {
        let t = start + i as i64 * step;
        let a = &acts[rng.below(acts.len())];
        let st = agents.get_mut(&a.agent).expect("agent");
        let ctx = context(&mut rng);
        let req = Request {
            agent: a.agent.clone(),
            operation: a.operation.clone(),
            fields: None,
            workflow: a.workflow.as_ref().map(|w| w.0.clone()),
            context: ctx
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), FactValue::from_json(v)?)))
                .collect(),
        };
        let d = plan.decide(&req);
        let rank = d
            .tier
            .as_deref()
            .and_then(|t| plan.tiers.iter().position(|x| x == t))
            .unwrap_or(0);
        let mut rec = Map::new();
        rec.insert("time".into(), json!(time(t)));
        rec.insert("agent".into(), json!(a.agent));
        rec.insert("operation".into(), json!(a.operation));
        if let Some((server, name)) = &a.tool {
            rec.insert("tool".into(), json!({"server": server, "name": name}));
        }
        if let Some((w, s)) = &a.workflow {
            rec.insert("workflow".into(), json!(w));
            rec.insert("step".into(), json!(s));
        }
        rec.insert("context".into(), Value::Object(ctx));
        let mut decision = json!({"effect": d.effect.as_str(), "reasons": d.reasons});
        if let Some(tier) = &d.tier {
            decision["tier"] = json!(tier);
        }
        rec.insert("decision".into(), decision);
        let at = |secs: i64| json!(time(t + secs * 1_000_000));
        let mut approvals = Vec::new();
        let mut sampled = false;
        let outcome = match d.effect {
            Outcome::Deny => "blocked",
            Outcome::Approve => {
                let people = approvers(model, plan, rank, &mut rng);
                st.reviews += 1;
                // One review in 25 is a rejection, at a steady rate (monitors watch the rate).
                if st.reviews % 25 == 0 && !reasons.is_empty() && !people.is_empty() {
                    let reason = &reasons[rng.below(reasons.len())];
                    approvals.push(json!({"by": people[0], "decision": "reject", "at": at(60 + rng.below(3600) as i64), "reason": reason}));
                    "rejected"
                } else {
                    for (k, p) in people.iter().enumerate() {
                        approvals.push(json!({"by": p, "decision": "approve", "at": at(60 * (k as i64 + 1) + rng.below(1800) as i64)}));
                    }
                    "executed"
                }
            }
            Outcome::Allow => {
                st.sample_acc += st.sample_rate;
                if st.sample_rate > 0.0 && st.sample_acc >= 1.0 {
                    st.sample_acc -= 1.0;
                    sampled = true;
                    let people = approvers(model, plan, 1.min(plan.tiers.len() - 1), &mut rng);
                    if let Some(p) = people.first() {
                        approvals.push(json!({"by": p, "decision": "approve", "at": at(300 + rng.below(7200) as i64)}));
                    }
                }
                "executed"
            }
        };
        let roll = rng.unit();
        let outcome = match outcome {
            "executed" if roll < 0.01 && !st.no_failures => "failed",
            "executed" if roll < 0.015 && !st.no_corrections => "rolled_back",
            o => o,
        };
        if !approvals.is_empty() {
            rec.insert("approvals".into(), Value::Array(approvals));
        }
        rec.insert("outcome".into(), json!(outcome));
        rec.insert("sampled".into(), json!(sampled));
        rec.insert("model".into(), st.model.clone());
        if let Some(h) = &st.prompt {
            rec.insert("prompt_sha256".into(), json!(h));
        }
        let mut audit = Map::new();
        for f in required.iter().take(rank + 1).flatten() {
            audit.insert(f.clone(), json!(format!("{f} of record {i}")));
        }
        if let Some(w) = a.workflow.as_ref().and_then(|w| model.workflows.get(&w.0)) {
            for f in &w.spec.audit {
                audit
                    .entry(f.clone())
                    .or_insert_with(|| json!(format!("{f} of record {i}")));
            }
        }
        rec.insert("audit".into(), Value::Object(audit));
        rec.insert("id".into(), json!(format!("rec-{i:09}")));
        if args.violations > 0.0 && rng.unit() < args.violations {
            violated += 1;
            violate(&mut rec, &mut rng);
        }
        serde_json::to_writer(&mut out, &rec)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(violated)
}

/// Makes a record break one rule.
fn violate(rec: &mut Map<String, Value>, rng: &mut Rng) {
    match rng.below(4) {
        // Executed without the approvals its tier needs, or by an agent nobody governs.
        0 => {
            if rec["decision"]["effect"] == "approve" {
                rec.remove("approvals");
            } else {
                rec.insert("agent".into(), json!("shadow-agent"));
            }
            rec.insert("outcome".into(), json!("executed"));
        }
        // An audit field the tier requires, missing.
        1 => {
            if let Some(Value::Object(a)) = rec.get_mut("audit") {
                if let Some(k) = a.keys().next().cloned() {
                    a.remove(&k);
                }
            }
        }
        // A rejection without a listed reason.
        2 => {
            rec.insert(
                "approvals".into(),
                json!([{"by": "someone", "decision": "reject", "reason": "did-not-like-it"}]),
            );
            rec.insert("outcome".into(), json!("rejected"));
        }
        // An override without its reason.
        _ => {
            rec.insert("override".into(), json!({"by": "someone"}));
        }
    }
}
