//! `--format sarif`: the output of the worked example, the base fixture and every rule fixture's
//! failing case (overlaid on `tests/fixtures/base`) is valid against the official SARIF 2.1.0
//! JSON schema (as shipped with Microsoft's validator, vendored in `tests/data/`) and carries
//! what code scanning needs. The `#[ignore]`d test runs Microsoft's validator
//! (`npm i -g @microsoft/sarif-multitool`) on the same logs.

use assert_cmd::Command;
use serde_json::{json, Value};
use std::fs;
use std::path::{Path, PathBuf};

use crate::common::fixtures::materialize;

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// (name, folder, keep-alive) for the worked example, the base and every `*/fail` case.
fn cases() -> Vec<(String, PathBuf, Option<tempfile::TempDir>)> {
    let mut out = vec![
        (
            "governance".to_string(),
            manifest().join("governance"),
            None,
        ),
        (
            "base".to_string(),
            manifest().join("tests/fixtures/base"),
            None,
        ),
    ];
    let mut names: Vec<PathBuf> = fs::read_dir(manifest().join("tests/fixtures"))
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("fail").is_dir())
        .collect();
    names.sort();
    for p in names {
        let dir = materialize(&p.join("fail"));
        let name = p.file_name().expect("name").to_string_lossy().into_owned();
        out.push((name, dir.path().to_path_buf(), Some(dir)));
    }
    out
}

fn sarif_of(dir: &Path) -> String {
    sarif_with(dir, &[])
}

fn sarif_with(dir: &Path, extra: &[&str]) -> String {
    let out = Command::cargo_bin("agentgov")
        .expect("binary")
        .env_remove("AGENTGOV_RULES_URL")
        .args(extra)
        .arg("check")
        .arg(dir)
        .args([
            "--today",
            "2026-11-26",
            "--format",
            "sarif",
            "--fail-on",
            "never",
        ])
        .output()
        .expect("runs");
    String::from_utf8(out.stdout).expect("utf-8")
}

fn schema() -> jsonschema::Validator {
    let text = fs::read_to_string(manifest().join("tests/data/sarif-schema-2.1.0.json"))
        .expect("vendored schema");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

/// What GitHub code scanning and our users rely on, beyond the schema.
fn structure(name: &str, log: &Value, dir: &Path) {
    assert_eq!(log["version"], "2.1.0", "{name}");
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "agentgov");
    // No rule pages unless the team publishes them (`--rules-url`): the project has no host.
    assert!(driver.get("informationUri").is_none());
    let rules = driver["rules"].as_array().expect("rules");
    let registry = agentgov::rules::registry();
    assert!(rules.len() >= registry.len());
    for (i, r) in registry.iter().enumerate() {
        let d = &rules[i];
        assert_eq!(d["id"], r.name);
        assert!(d["shortDescription"]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with(r.summary)));
        assert!(d["fullDescription"]["text"]
            .as_str()
            .is_some_and(|t| !t.is_empty()));
        assert!(d["help"]["markdown"]
            .as_str()
            .is_some_and(|t| !t.is_empty()));
        assert!(d.get("helpUri").is_none(), "{d}");
        let level = match r.default_severity {
            agentgov::diag::Severity::Error => "error",
            agentgov::diag::Severity::Warning => "warning",
            agentgov::diag::Severity::Note => "note",
        };
        assert_eq!(d["defaultConfiguration"]["level"], level);
    }
    // No machine's absolute path: `%SRCROOT%` is described, never located.
    assert!(run["originalUriBaseIds"]["%SRCROOT%"].get("uri").is_none());
    assert!(!serde_json::to_string(log)
        .expect("JSON")
        .contains("file://"));
    assert_eq!(run["automationDetails"]["id"], "agentgov/");
    for d in run["tool"]["driver"]["rules"].as_array().expect("rules") {
        let p = &d["properties"];
        assert!(
            p["precision"].is_string() && p["problem.severity"].is_string(),
            "{d}"
        );
        assert!(p["tags"].as_array().is_some_and(|t| !t.is_empty()), "{d}");
        let security = p["tags"]
            .as_array()
            .expect("tags")
            .contains(&json!("security"));
        assert_eq!(security, p.get("security-severity").is_some(), "{d}");
        assert!(
            !d["help"]["text"].as_str().unwrap_or("").contains("```"),
            "plain text: {d}"
        );
    }
    for r in run["results"].as_array().expect("results") {
        let related = r["relatedLocations"].as_array().map(Vec::len).unwrap_or(0);
        for id in 1..=related {
            assert!(
                r["message"]["text"]
                    .as_str()
                    .unwrap_or("")
                    .contains(&format!("]({id})")),
                "{r}"
            );
        }
        assert_eq!(
            r["partialFingerprints"]["primaryLocationLineHash"],
            r["partialFingerprints"]["agentgov/v1"]
        );
    }
    // The results are exactly the check's findings.
    let checked = agentgov::analysis::check(
        dir,
        &agentgov::analysis::CheckOptions {
            today: chrono::NaiveDate::from_ymd_opt(2026, 11, 26).expect("date"),
            ..Default::default()
        },
    )
    .expect("readable");
    let results = run["results"].as_array().expect("results");
    assert_eq!(
        results.len(),
        checked.diagnostics.len(),
        "{name}: one result per finding"
    );
    for (res, d) in results.iter().zip(&checked.diagnostics) {
        assert_eq!(res["ruleId"], d.rule, "{name}");
        let idx = res["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(
            rules[idx]["id"], d.rule,
            "{name}: ruleIndex points at the rule"
        );
        let level = if d.severity == agentgov::diag::Severity::Error {
            "error"
        } else if d.severity == agentgov::diag::Severity::Warning {
            "warning"
        } else {
            "note"
        };
        assert_eq!(res["level"], level, "{name}");
        assert_eq!(
            res["partialFingerprints"]["agentgov/v1"],
            d.fingerprint.as_str(),
            "{name}"
        );
        assert_eq!(d.fingerprint.len(), 16);
        // GitHub rejects a result without a location that names a file.
        let loc = &res["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(
            !uri.is_empty() && !uri.starts_with('/') && !uri.contains("://"),
            "{name}: relative uri {uri}"
        );
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        if let Some(l) = &d.location {
            // Relative to the git work tree: the worked example lives in `governance/` of this one.
            let prefix = if name == "governance" {
                "governance/"
            } else {
                ""
            };
            assert_eq!(
                uri,
                format!("{prefix}{}", l.file.replace(' ', "%20")),
                "{name}"
            );
            assert_eq!(loc["region"]["startLine"], l.line);
            assert_eq!(loc["region"]["startColumn"], l.column);
        }
        let related = res["relatedLocations"]
            .as_array()
            .map(Vec::len)
            .unwrap_or(0);
        assert_eq!(
            related,
            d.related.len(),
            "{name}: evidence as related locations"
        );
        assert_eq!(
            res["suppressions"].is_array(),
            d.waived.is_some(),
            "{name}: waived ⇔ suppressed"
        );
        if d.waived.is_some() {
            assert_eq!(res["suppressions"][0]["kind"], "external");
            assert_eq!(res["suppressions"][0]["status"], "accepted");
        }
    }
}

/// Every link in a log points where the user said: the SARIF schema's address, and with
/// `--rules-url` (or `AGENTGOV_RULES_URL`) the team's published rule pages.
#[test]
fn rule_links_only_where_the_team_publishes_them() {
    let example = manifest().join("governance");
    let links = |text: &str| -> Vec<String> {
        text.split('"')
            .filter(|s| s.starts_with("http://") || s.starts_with("https://"))
            .map(str::to_string)
            .collect()
    };
    let plain = sarif_of(&example);
    assert_eq!(
        links(&plain),
        ["https://json.schemastore.org/sarif-2.1.0.json"],
        "without a base URL the only link is the schema"
    );
    let text = sarif_with(
        &example,
        &["--rules-url", "https://docs.example.com/agentgov/"],
    );
    let log: Value = serde_json::from_str(&text).expect("JSON");
    let driver = &log["runs"][0]["tool"]["driver"];
    assert_eq!(
        driver["informationUri"],
        "https://docs.example.com/agentgov"
    );
    for d in driver["rules"].as_array().expect("rules") {
        assert_eq!(
            d["helpUri"],
            format!(
                "https://docs.example.com/agentgov/{}",
                d["id"].as_str().unwrap()
            )
        );
    }
    let by_env = Command::cargo_bin("agentgov")
        .expect("binary")
        .env("AGENTGOV_RULES_URL", "https://rules.example.org")
        .args(["check", "--today", "2026-11-26", "--format", "sarif"])
        .arg(&example)
        .output()
        .expect("runs");
    let log: Value = serde_json::from_slice(&by_env.stdout).expect("JSON");
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"],
        format!(
            "https://rules.example.org/{}",
            agentgov::rules::registry()[0].name
        )
    );
}

#[test]
fn sarif_is_valid_for_the_example_and_every_fixture() {
    let validator = schema();
    let all = cases();
    assert!(all.len() > 2, "rule fixtures exist");
    for (name, dir, _keep) in &all {
        let text = sarif_of(dir);
        let log: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: not JSON: {e}\n{text}"));
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{name}: SARIF schema errors: {errors:#?}"
        );
        structure(name, &log, dir);
    }
}

#[test]
fn waived_findings_are_suppressed_and_locationless_findings_point_at_a_file() {
    let validator = schema();
    // A waived finding: an extra grant no step uses, and a waiver for it.
    let dir = materialize(&manifest().join("tests/fixtures/base"));
    let agents = dir.path().join("agents.yaml");
    let text = fs::read_to_string(&agents).expect("agents").replace(
        "      operations: [create, send]\n",
        "      operations: [create, send]\n    - resource: crm.contacts\n      operations: [update]\n      fields: [stage]\n",
    );
    fs::write(&agents, text).expect("write");
    fs::write(
        dir.path().join("waiver.yaml"),
        "apiVersion: agentgov.dev/v1\nkind: Waiver\nmetadata: { name: writer-update }\nspec:\n  rule: unused-grant\n  target: agent/writer\n  justification: Needed next sprint\n  approved_by: cleo\n  expires: 2027-01-31\n",
    )
    .expect("write");
    let log: Value = serde_json::from_str(&sarif_of(dir.path())).expect("json");
    assert!(validator.iter_errors(&log).next().is_none());
    let results = log["runs"][0]["results"].as_array().expect("results");
    let waived: Vec<&Value> = results
        .iter()
        .filter(|r| r["ruleId"] == "unused-grant")
        .collect();
    assert_eq!(waived.len(), 1, "{results:#?}");
    let s = &waived[0]["suppressions"][0];
    assert_eq!(s["kind"], "external");
    assert_eq!(s["status"], "accepted");
    assert!(s["justification"]
        .as_str()
        .is_some_and(|j| j.contains("Needed next sprint") && j.contains("cleo")));

    // No Policy at all: the finding has no location in the source, but SARIF still names a file.
    let dir = materialize(&manifest().join("tests/fixtures/base"));
    fs::remove_file(dir.path().join("policy.yaml")).expect("rm");
    let log: Value = serde_json::from_str(&sarif_of(dir.path())).expect("json");
    assert!(validator.iter_errors(&log).next().is_none());
    let r = &log["runs"][0]["results"].as_array().expect("results")[0];
    assert_eq!(r["ruleId"], "missing-policy");
    assert_eq!(r["level"], "error");
    assert_eq!(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "agents.yaml"
    );
}

#[test]
fn fingerprints_survive_moving_lines() {
    let dir = materialize(&manifest().join("tests/fixtures/unused-grant/fail"));
    let before: Value = serde_json::from_str(&sarif_of(dir.path())).expect("json");
    // Push every line of every YAML file down by three comment lines.
    for entry in fs::read_dir(dir.path()).expect("dir") {
        let p = entry.expect("entry").path();
        if p.extension().is_some_and(|e| e == "yaml") {
            let t = fs::read_to_string(&p).expect("read");
            fs::write(&p, format!("# moved\n# moved\n# moved\n{t}")).expect("write");
        }
    }
    let after: Value = serde_json::from_str(&sarif_of(dir.path())).expect("json");
    let fps = |log: &Value| -> Vec<(String, u64, String)> {
        log["runs"][0]["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap_or("").to_string(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap_or(0),
                    r["partialFingerprints"]["primaryLocationLineHash"]
                        .as_str()
                        .unwrap_or("")
                        .to_string(),
                )
            })
            .collect()
    };
    let (b, a) = (fps(&before), fps(&after));
    assert!(!b.is_empty());
    assert_eq!(b.len(), a.len());
    for (x, y) in b.iter().zip(&a) {
        assert_eq!(x.0, y.0);
        assert_eq!(x.1 + 3, y.1, "the line moved");
        assert_eq!(x.2, y.2, "the fingerprint did not");
    }
}

/// Runs Microsoft's SARIF validator on every log (one invocation for all); any error-level
/// result fails.
#[test]
#[ignore = "needs sarif-multitool"]
fn microsoft_sarif_validator_accepts_every_log() {
    let work = tempfile::tempdir().expect("tempdir");
    let all = cases();
    for (name, dir, _keep) in &all {
        fs::write(work.path().join(format!("{name}.sarif")), sarif_of(dir)).expect("write");
    }
    let pattern = work.path().join("*.sarif");
    let out = std::process::Command::new("sarif-multitool")
        .arg("validate")
        .arg(&pattern)
        .output()
        .expect("sarif-multitool is installed (npm i -g @microsoft/sarif-multitool)");
    let console = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{console}");
    let errors: Vec<&str> = console
        .lines()
        .filter(|l| l.contains(": error ") || l.contains(" error ERR"))
        .collect();
    assert!(out.status.success(), "the validator failed:\n{console}");
    assert!(
        errors.is_empty(),
        "the validator reported errors:\n{}",
        errors.join("\n")
    );
    assert!(
        console.contains(&format!("Done. {} files scanned.", all.len())),
        "every log was validated:\n{console}"
    );
    assert!(
        console.contains("Analysis completed successfully"),
        "{console}"
    );
}
