//! Differential test: the intervals in which `agentgov audit` says a monitor held are exactly the
//! instants at which the generated Prometheus alerting rules fire, as the real `promtool`
//! evaluates them. A deterministic pseudo-random log of the worked example (`governance/`), on a
//! 10-minute grid from 1970-01-01T00:00:00Z, drives every counter the monitors use; the same
//! events become `promtool` input series (the counters a scrape every 10 minutes would read),
//! and audit's `dashboard.monitors[].held` become the expected alerts: just inside and just
//! outside every interval, and at random instants. Ignored by default (needs `promtool`).

use super::promtool::{build_rules, promtool};
use assert_cmd::Command;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

/// The grid: one sample, one evaluation, every 10 minutes.
const STEP_MIN: i64 = 10;
const STEPS_PER_DAY: usize = 144;
/// Days with records; the series run on long enough for every window (2w for the rate before)
/// to run out.
const LOG_DAYS: usize = 28;
const TAIL_DAYS: usize = 16;
/// Days without any record, for quiet periods in the middle of the log.
const QUIET_DAYS: [usize; 2] = [9, 17];

const FAILED: usize = 0;
const REVIEWS: usize = 1;
const REJECTED: usize = 2;
const RESTRICTED: usize = 3;
const CORRECTIONS: usize = 4;
const METRICS: [&str; 5] = [
    "agentgov_actions_failed_total",
    "agentgov_reviews_total",
    "agentgov_reviews_rejected_total",
    "agentgov_restricted_field_access_total",
    "agentgov_corrections_total",
];

const AGENTS: [&str; 6] = [
    "brief-summarizer",
    "campaign-writer",
    "lead-router",
    "lead-scorer",
    "segmenter",
    "social-drafter",
];

#[path = "../../examples/common/rng.rs"]
#[allow(clippy::duplicate_mod)]
mod rng;
use rng::Rng;

fn chance(rng: &mut Rng, p: f64) -> bool {
    rng.unit() < p
}

fn rfc3339(minutes: i64) -> String {
    chrono::DateTime::from_timestamp(minutes * 60, 0)
        .expect("time")
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn minutes(rfc: &str) -> i64 {
    let t = chrono::DateTime::parse_from_rfc3339(rfc).expect("RFC 3339");
    let s = t.timestamp();
    assert_eq!(s % 60, 0, "{rfc} on whole minutes");
    s / 60
}

/// A series in promtool's expanding notation: runs of equal values as `v+0xN`.
fn expanding(values: &[u64]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < values.len() {
        let v = values[i];
        let mut j = i;
        while j + 1 < values.len() && values[j + 1] == v {
            j += 1;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        if j == i {
            write!(out, "{v}").expect("write");
        } else {
            write!(out, "{v}+0x{}", j - i).expect("write");
        }
        i = j + 1;
    }
    out
}

/// The log (JSON Lines) and, per agent, the cumulative counters at every grid step.
fn generate(seed: u64) -> (String, BTreeMap<&'static str, [Vec<u64>; 5]>) {
    let mut rng = Rng(seed);
    let log_steps = LOG_DAYS * STEPS_PER_DAY;
    let steps = (LOG_DAYS + TAIL_DAYS) * STEPS_PER_DAY;
    let mut log = String::new();
    let mut counters: BTreeMap<&str, [Vec<u64>; 5]> = AGENTS
        .iter()
        .map(|a| (*a, std::array::from_fn(|_| vec![0u64; steps])))
        .collect();
    // Per agent: a rejection rate per week, failure and correction bursts (steps left).
    let weekly: BTreeMap<&str, Vec<f64>> = AGENTS
        .iter()
        .map(|a| {
            let rates = (0..LOG_DAYS / 7 + 1)
                .map(|_| [0.02, 0.1, 0.2, 0.35, 0.5][rng.below(5)])
                .collect();
            (*a, rates)
        })
        .collect();
    let mut failing: BTreeMap<&str, usize> = AGENTS.iter().map(|a| (*a, 0)).collect();
    let mut correcting: BTreeMap<&str, usize> = AGENTS.iter().map(|a| (*a, 0)).collect();
    let reasons = ["wrong-audience", "off-brand", "factual-error"];
    // No record at time 0: the series' first sample is the counters' zero.
    for step in 1..log_steps {
        let day = step / STEPS_PER_DAY;
        let quiet = QUIET_DAYS.contains(&day);
        let time = rfc3339(step as i64 * STEP_MIN);
        for agent in AGENTS {
            let mut add = [0u64; 5];
            if !quiet {
                let f = failing.get_mut(agent).expect("agent");
                if *f == 0 && chance(&mut rng, 0.004) {
                    *f = 3 + rng.below(12);
                }
                let c = correcting.get_mut(agent).expect("agent");
                if *c == 0 && chance(&mut rng, 0.002) {
                    *c = 6 + rng.below(40);
                }
                let burst_fail = failing[agent] > 0;
                let burst_correct = correcting[agent] > 0;
                let n = rng.below(4);
                for _ in 0..n {
                    let mut r = json!({
                        "time": time,
                        "agent": agent,
                        "operation": "crm.leads.read",
                        "decision": {"effect": "allow", "tier": "auto"},
                        "outcome": "executed",
                    });
                    let roll = rng.unit();
                    if roll < if burst_fail { 0.6 } else { 0.01 } {
                        r["outcome"] = json!("failed");
                        add[FAILED] += 1;
                    } else if chance(&mut rng, if burst_correct { 0.3 } else { 0.002 }) {
                        if chance(&mut rng, 0.5) {
                            r["outcome"] = json!("rolled_back");
                        } else {
                            r["override"] = json!({"by": "lena", "reason": "wrong call"});
                        }
                        add[CORRECTIONS] += 1;
                    } else if chance(&mut rng, 0.03) {
                        r["outcome"] = json!("blocked");
                    }
                    if chance(&mut rng, 0.5) {
                        let rate = weekly[agent][step / (7 * STEPS_PER_DAY)];
                        let reject = chance(&mut rng, rate);
                        r["approvals"] = if reject {
                            let reason = reasons[rng.below(3)];
                            json!([{"by": "lena", "decision": "reject", "reason": reason}])
                        } else {
                            json!([{"by": "lena", "decision": "approve"}])
                        };
                        add[REVIEWS] += 1;
                        add[REJECTED] += u64::from(reject);
                    }
                    if chance(&mut rng, 0.0015) {
                        r["fields"] = json!(["restricted_probe_field"]);
                        add[RESTRICTED] += 1;
                    } else if chance(&mut rng, 0.01) {
                        r["fields"] = json!([]);
                    }
                    log.push_str(&r.to_string());
                    log.push('\n');
                }
            }
            let f = failing.get_mut(agent).expect("agent");
            *f = f.saturating_sub(1);
            let c = correcting.get_mut(agent).expect("agent");
            *c = c.saturating_sub(1);
            let cs = counters.get_mut(agent).expect("agent");
            for (k, a) in add.iter().enumerate() {
                cs[k][step] = cs[k][step - 1] + a;
            }
        }
    }
    for cs in counters.values_mut() {
        for c in cs.iter_mut() {
            for s in log_steps..steps {
                c[s] = c[s - 1];
            }
        }
    }
    (log, counters)
}

#[test]
#[ignore = "needs promtool"]
fn audit_monitor_intervals_are_where_the_alerts_fire() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("governance");
    let dir = tempfile::tempdir().expect("tempdir");
    let rules_path = build_rules(&root, &dir.path().join("out"));
    let rules: Value =
        serde_yaml::from_str(&std::fs::read_to_string(&rules_path).expect("rules")).expect("YAML");
    let rules: BTreeMap<String, Value> = rules["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .flat_map(|g| g["rules"].as_array().expect("rules").iter())
        .map(|r| (r["alert"].as_str().expect("alert").to_string(), r.clone()))
        .collect();
    for r in rules.values() {
        assert!(r.get("for").is_none(), "no `for:` in {r}");
    }

    let (log, counters) = generate(0x5eed_0001);
    let log_path = dir.path().join("audit.jsonl");
    std::fs::write(&log_path, &log).expect("write log");
    let out = Command::cargo_bin("agentgov")
        .expect("binary")
        .arg("audit")
        .arg("--repo")
        .arg(&root)
        .arg(&log_path)
        .args(["--format", "json", "--today", "1970-02-15"])
        .output()
        .expect("audit runs");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "audit's JSON: {e}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let monitors = report["dashboard"]["monitors"]
        .as_array()
        .expect("dashboard.monitors");
    let audited: BTreeSet<&str> = monitors
        .iter()
        .map(|m| m["alert"].as_str().expect("alert"))
        .collect();
    let ruled: BTreeSet<&str> = rules.keys().map(String::as_str).collect();
    assert_eq!(audited, ruled, "audit's monitors are the rules' alerts");

    let end = ((LOG_DAYS + TAIL_DAYS) * STEPS_PER_DAY) as i64 * STEP_MIN;
    let mut rng = Rng(0xc0de_d00d);
    // (alert, minute) → fires
    let mut expect: BTreeMap<(String, i64), bool> = BTreeMap::new();
    for m in monitors {
        let alert = m["alert"].as_str().expect("alert").to_string();
        assert_eq!(m["truncated"], false, "{alert} truncated");
        let held: Vec<(i64, i64)> = m["held"]
            .as_array()
            .expect("held")
            .iter()
            .map(|h| {
                (
                    minutes(h[0].as_str().expect("from")),
                    minutes(h[1].as_str().expect("to")),
                )
            })
            .collect();
        assert!(
            !held.is_empty(),
            "{alert} never held: the test would be vacuous"
        );
        let inside = |t: i64| held.iter().any(|&(a, b)| a <= t && t < b);
        for &(from, to) in &held {
            assert_eq!(from % STEP_MIN, 0, "{alert} from on the grid");
            assert_eq!(to % STEP_MIN, 0, "{alert} to on the grid");
            assert!(to < end, "{alert} ends inside the series");
            for t in [from, to - STEP_MIN, to, from - STEP_MIN] {
                if t >= 0 {
                    expect.insert((alert.clone(), t), inside(t));
                }
            }
        }
        for _ in 0..200 {
            let t = rng.below((end / STEP_MIN) as usize) as i64 * STEP_MIN;
            expect.insert((alert.clone(), t), inside(t));
        }
        eprintln!("{alert}: held {} times", held.len());
    }

    let input: Vec<Value> = counters
        .iter()
        .flat_map(|(agent, cs)| {
            cs.iter().enumerate().map(move |(k, c)| {
                json!({
                    "series": format!("{}{{agent=\"{agent}\"}}", METRICS[k]),
                    "values": expanding(c),
                })
            })
        })
        .collect();
    let tests: Vec<Value> = expect
        .iter()
        .map(|((alert, t), fires)| {
            let r = &rules[alert];
            let exp: Vec<Value> = if *fires {
                vec![json!({ "exp_labels": r["labels"], "exp_annotations": r["annotations"] })]
            } else {
                vec![]
            };
            json!({ "eval_time": format!("{t}m"), "alertname": alert, "exp_alerts": exp })
        })
        .collect();
    let firing = expect.values().filter(|f| **f).count();
    assert!(firing > 0 && firing < expect.len());
    let test = json!({
        "rule_files": [rules_path.to_string_lossy()],
        "evaluation_interval": format!("{STEP_MIN}m"),
        "tests": [{
            "name": "audit's monitor intervals",
            "interval": format!("{STEP_MIN}m"),
            "input_series": input,
            "alert_rule_test": tests,
        }],
    });
    let test_path = dir.path().join("test.yml");
    std::fs::write(&test_path, serde_yaml::to_string(&test).expect("YAML")).expect("write");
    let o = promtool(&["test", "rules"], &test_path);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let kept = std::env::temp_dir().join("agentgov-audit-promtool.yml");
    if !o.status.success() {
        std::fs::copy(&test_path, &kept).expect("keep the test file");
        std::fs::copy(&rules_path, kept.with_extension("rules.yml")).expect("keep the rules");
        std::fs::copy(&log_path, kept.with_extension("jsonl")).expect("keep the log");
    }
    assert!(
        o.status.success(),
        "promtool test rules ({} checks, {firing} firing; test file kept as {}):\n{}",
        expect.len(),
        kept.display(),
        text.chars().take(20_000).collect::<String>()
    );
}
