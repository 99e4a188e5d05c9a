//! The generated `prometheus/rules.yml`, checked and unit-tested by the real `promtool`
//! (Debian's `prometheus` package): every monitor's alert fires above its threshold and stays
//! silent below it. Ignored by default: run with `cargo test --test promtool -- --include-ignored`.

use agentgov::analysis::{check, CheckOptions};
use agentgov::model::{Metric, Monitor};
use assert_cmd::Command;
use chrono::NaiveDate;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).expect("date")
}

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

pub(crate) fn promtool(args: &[&str], file: &Path) -> std::process::Output {
    std::process::Command::new("promtool")
        .args(args)
        .arg(file)
        .output()
        .expect("promtool runs (install Debian's `prometheus` package)")
}

/// `1h` → seconds.
fn seconds(window: &str) -> u64 {
    let (n, unit) = window.split_at(window.len() - 1);
    let n: u64 = n.parse().expect("window number");
    n * match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        other => panic!("unit {other}"),
    }
}

fn series(values: &[f64]) -> String {
    values
        .iter()
        .map(|v| format!("{v:.4}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A counter that starts at 0 and grows by `step(i)` at sample `i` (1-based), for `n` samples.
fn counter(n: usize, step: impl Fn(usize) -> f64) -> Vec<f64> {
    let mut v = vec![0.0];
    for i in 1..=n {
        v.push(v[i - 1] + step(i));
    }
    v
}

/// Input series and the evaluation step at which to look, for a monitor whose value should be
/// above (`fire`) or below its threshold. Samples are 1/60 of the window apart.
fn scenario(agent: &str, mo: &Monitor, fire: bool) -> Option<(Vec<Value>, usize)> {
    let t = mo.above;
    let sel = |metric: &str| format!("{metric}{{agent=\"{agent}\"}}");
    let counting = |metric: &str| {
        // Flat for 60 samples, then one jump, then flat; looked at 30 samples after the jump.
        let jump = if fire {
            t.floor() + 1.0
        } else {
            (t / 2.0).floor()
        };
        let v = counter(120, |i| if i == 61 { jump } else { 0.0 });
        (
            vec![json!({ "series": sel(metric), "values": series(&v) })],
            90,
        )
    };
    Some(match mo.metric {
        Metric::FailedActions => counting("agentgov_actions_failed_total"),
        Metric::RestrictedFieldAccess => counting("agentgov_restricted_field_access_total"),
        Metric::Corrections => counting("agentgov_corrections_total"),
        Metric::RejectionRate => {
            if fire && t >= 1.0 {
                return None; // a rate never exceeds 1
            }
            let q = if fire { (t + 1.0) / 2.0 } else { t / 2.0 };
            let reviews = counter(120, |_| 100.0);
            let rejected = counter(120, |_| 100.0 * q);
            (
                vec![
                    json!({ "series": sel("agentgov_reviews_total"), "values": series(&reviews) }),
                    json!({ "series": sel("agentgov_reviews_rejected_total"), "values": series(&rejected) }),
                ],
                90,
            )
        }
        Metric::RejectionRateIncrease => {
            let p = 0.05;
            if fire && p + t >= 1.0 {
                return None;
            }
            let q = if fire {
                p + t + (1.0 - p - t) / 2.0
            } else {
                p + t / 2.0
            };
            let reviews = counter(120, |_| 100.0);
            // The previous window at rate p, this window at rate q.
            let rejected = counter(120, |i| 100.0 * if i <= 60 { p } else { q });
            (
                vec![
                    json!({ "series": sel("agentgov_reviews_total"), "values": series(&reviews) }),
                    json!({ "series": sel("agentgov_reviews_rejected_total"), "values": series(&rejected) }),
                ],
                120,
            )
        }
    })
}

pub(crate) fn build_rules(root: &Path, out: &Path) -> PathBuf {
    Command::cargo_bin("agentgov")
        .expect("binary")
        .arg("build")
        .arg(root)
        .arg("--out")
        .arg(out)
        .args(["--today", "2026-11-26"])
        .assert()
        .success();
    out.join("prometheus/rules.yml")
}

/// Builds `root`, runs `promtool check rules`, then one `promtool test rules` per monitor.
fn check_with_promtool(root: &Path) {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules_path = build_rules(root, &dir.path().join("out"));
    let o = promtool(&["check", "rules"], &rules_path);
    assert!(
        o.status.success(),
        "promtool check rules:\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );

    let rules: Value =
        serde_yaml::from_str(&std::fs::read_to_string(&rules_path).expect("rules")).expect("YAML");
    let all_rules: Vec<&Value> = rules["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .flat_map(|g| g["rules"].as_array().expect("rules").iter())
        .collect();

    let c = check(
        root,
        &CheckOptions {
            today: today(),
            ..CheckOptions::default()
        },
    )
    .expect("readable");
    let m = &c.resolved.as_ref().expect("resolved").model;
    let mut tested = 0;
    let mut with_response = 0;
    for (name, a) in &m.agents {
        for (i, mo) in a.spec.monitors.iter().enumerate() {
            let alert = agentgov::emit::prometheus::alert_name(name, &a.spec.monitors, i);
            let Some(alert) = alert else {
                assert!(mo.then.is_none());
                continue;
            };
            with_response += 1;
            let matching: Vec<&&Value> = all_rules
                .iter()
                .filter(|r| r["alert"] == alert.as_str())
                .collect();
            assert_eq!(matching.len(), 1, "one rule named {alert}");
            let rule = matching[0];
            assert_eq!(rule["labels"]["agent"], name.as_str());
            assert_eq!(
                rule["labels"]["response"],
                mo.then.expect("response").as_str()
            );
            assert_eq!(rule["labels"]["owner"], a.spec.owners.business.as_str());
            assert!(rule["annotations"]["playbook"]
                .as_str()
                .is_some_and(|p| !p.is_empty()));

            let interval = seconds(&mo.window) / 60;
            let mut groups = Vec::new();
            for fire in [true, false] {
                let Some((input, at)) = scenario(name, mo, fire) else {
                    continue;
                };
                let exp: Vec<Value> = if fire {
                    vec![
                        json!({ "exp_labels": rule["labels"], "exp_annotations": rule["annotations"] }),
                    ]
                } else {
                    vec![]
                };
                groups.push(json!({
                    "name": format!("{alert} {}", if fire { "fires above the threshold" } else { "stays silent below it" }),
                    "interval": format!("{interval}s"),
                    "input_series": input,
                    "alert_rule_test": [{
                        "eval_time": format!("{}s", interval * at as u64),
                        "alertname": alert,
                        "exp_alerts": exp,
                    }],
                }));
            }
            let test = json!({
                "rule_files": [rules_path.to_string_lossy()],
                "evaluation_interval": format!("{interval}s"),
                "tests": groups,
            });
            let test_path = dir.path().join(format!("test-{alert}.yml"));
            std::fs::write(&test_path, serde_yaml::to_string(&test).expect("YAML")).expect("write");
            let o = promtool(&["test", "rules"], &test_path);
            assert!(
                o.status.success(),
                "promtool test rules for {alert}:\n{}{}\n{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr),
                std::fs::read_to_string(&test_path).unwrap_or_default()
            );
            tested += 1;
        }
    }
    assert_eq!(
        all_rules.len(),
        with_response,
        "one rule per monitor with a response"
    );
    assert!(tested > 0);
}

#[test]
#[ignore = "needs promtool"]
fn worked_example_rules_pass_promtool() {
    check_with_promtool(&repo("governance"));
}

#[test]
#[ignore = "needs promtool"]
fn base_fixture_rules_pass_promtool() {
    check_with_promtool(&repo("tests/fixtures/base"));
}

#[test]
#[ignore = "needs promtool"]
fn monitors_without_a_response_get_a_comment_and_no_rule() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("repo");
    for e in walkdir::WalkDir::new(repo("tests/fixtures/base")).min_depth(1) {
        let e = e.expect("walk");
        let to = src.join(
            e.path()
                .strip_prefix(repo("tests/fixtures/base"))
                .expect("inside"),
        );
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&to).expect("mkdir");
        } else {
            std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
            std::fs::copy(e.path(), &to).expect("copy");
        }
    }
    let agents = src.join("agents.yaml");
    let text = std::fs::read_to_string(&agents).expect("read");
    let text = text.replace(
        "    - { metric: failed_actions, window: 1h, above: 3, then: recommend-only, playbook: bad-send }",
        "    - { metric: failed_actions, window: 1h, above: 3, then: recommend-only, playbook: bad-send }\n    - { metric: corrections, window: 1d, above: 2 }",
    );
    std::fs::write(&agents, text).expect("write");
    let rules_path = build_rules(&src, &dir.path().join("out"));
    let text = std::fs::read_to_string(&rules_path).expect("rules");
    assert!(
        text.contains("# writer: monitor 2 (corrections above 2 over 1d) has no `then` response"),
        "{text}"
    );
    assert!(!text.contains("agentgov_corrections_total{"), "{text}");
    let o = promtool(&["check", "rules"], &rules_path);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
}
