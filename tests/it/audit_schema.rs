//! `audit/record.schema.json` (issue 16.1): the schema `build` writes accepts every record
//! `agentgov audit` reads cleanly, and the records it rejects are the ones `audit` reports.

use super::common::{build_ok, fixtures::fixtures, fixtures::materialize};
use assert_cmd::Command;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

use super::common::synth_log;

fn governance() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("governance")
}

/// The schema `build` writes for `repo`, compiled.
fn record_schema(repo: &Path) -> jsonschema::Validator {
    let out = tempfile::tempdir().expect("tempdir");
    build_ok(repo, out.path());
    let text = std::fs::read_to_string(out.path().join("audit/record.schema.json"))
        .expect("build writes audit/record.schema.json");
    let schema: Value = serde_json::from_str(&text).expect("JSON");
    jsonschema::draft202012::meta::validate(&schema).expect("a valid 2020-12 schema");
    jsonschema::draft202012::new(&schema).expect("the schema compiles")
}

fn invalid_lines(v: &jsonschema::Validator, log: &str) -> Vec<(usize, String)> {
    log.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let record: Value = serde_json::from_str(l).expect("a JSON line");
            let errors: Vec<String> = v.iter_errors(&record).map(|e| e.to_string()).collect();
            (!errors.is_empty()).then(|| (i + 1, errors.join("; ")))
        })
        .collect()
}

#[test]
fn a_clean_generated_log_is_valid_record_by_record() {
    let v = record_schema(&governance());
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("clean.jsonl");
    synth_log::generate(&synth_log::Args {
        repo: governance(),
        records: 3000,
        out: log.clone(),
        violations: 0.0,
        seed: 11,
    })
    .expect("generate");
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.lines().count(), 3000);
    let bad = invalid_lines(&v, &text);
    assert!(bad.is_empty(), "{bad:?}");
}

/// Every evidence rule's passing log (a log `audit` reports nothing for) is valid against its
/// repository's schema.
#[test]
fn every_passing_fixture_log_is_valid() {
    let mut seen = 0;
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let case = entry.unwrap().path().join("pass");
        let Ok(log) = std::fs::read_to_string(case.join("audit.jsonl")) else {
            continue;
        };
        seen += 1;
        let repo = materialize(&case);
        let v = record_schema(repo.path());
        for (line, errors) in invalid_lines(&v, &log) {
            problems.push(format!("{}:{line}: {errors}", case.display()));
        }
    }
    assert!(seen >= 9, "the evidence rules' fixtures: {seen}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A reviewed, executed action of the worked example that `audit` reports nothing for.
fn reviewed_record() -> Value {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.jsonl");
    synth_log::generate(&synth_log::Args {
        repo: governance(),
        records: 200,
        out: log.clone(),
        violations: 0.0,
        seed: 3,
    })
    .expect("generate");
    std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|r| {
            r["outcome"] == "executed"
                && r["decision"]["effect"] == "approve"
                && r["approvals"].as_array().is_some_and(|a| !a.is_empty())
        })
        .expect("a reviewed action in 200 records")
}

/// `audit` on the log of these records: the rules reported at each line.
fn audited(records: &[Value]) -> Vec<Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    let text: String = records.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(dir.path().join("log.jsonl"), text).unwrap();
    let out = Command::cargo_bin("agentgov")
        .unwrap()
        .current_dir(dir.path())
        .args(["audit", "--repo"])
        .arg(governance())
        .args(["log.jsonl", "--today", "2026-11-26", "--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let mut rules = vec![Vec::new(); records.len()];
    for d in report["diagnostics"].as_array().unwrap() {
        let line = d["line"].as_u64().expect("located") as usize;
        rules[line - 1].push(d["rule"].as_str().unwrap().to_string());
    }
    rules
}

type Mutation = fn(&mut Value);

#[test]
fn the_records_the_schema_rejects_are_the_ones_audit_reports() {
    let v = record_schema(&governance());
    let base = reviewed_record();
    assert!(v.is_valid(&base), "{base:#}");
    // Each mutation breaks the record; the schema rejects it and `audit` reports it with the rule.
    let cases: &[(&str, Mutation, &str)] = &[
        (
            "no outcome",
            |r| drop(r.as_object_mut().unwrap().remove("outcome")),
            "invalid-audit-record",
        ),
        (
            "an unknown outcome",
            |r| r["outcome"] = json!("done"),
            "invalid-audit-record",
        ),
        (
            "an unknown key",
            |r| r["colour"] = json!("blue"),
            "invalid-audit-record",
        ),
        (
            "sampled as a string",
            |r| r["sampled"] = json!("yes"),
            "invalid-audit-record",
        ),
        (
            "a time without seconds",
            |r| r["time"] = json!("2026-11-05T00:00Z"),
            "invalid-audit-record",
        ),
        (
            "an unknown effect",
            |r| r["decision"]["effect"] = json!("maybe"),
            "invalid-audit-record",
        ),
        (
            "no decision",
            |r| drop(r.as_object_mut().unwrap().remove("decision")),
            "invalid-audit-record",
        ),
        (
            "an approval without by",
            |r| drop(r["approvals"][0].as_object_mut().unwrap().remove("by")),
            "invalid-audit-record",
        ),
        (
            "an approval's unknown decision",
            |r| r["approvals"][0]["decision"] = json!("ok"),
            "invalid-audit-record",
        ),
        (
            "a model without version",
            |r| drop(r["model"].as_object_mut().unwrap().remove("version")),
            "invalid-audit-record",
        ),
        (
            "fields as a string",
            |r| r["fields"] = json!("email"),
            "invalid-audit-record",
        ),
        (
            "a context value that is a list",
            |r| r["context"]["audience"] = json!(["vip"]),
            "invalid-audit-record",
        ),
        (
            "an unknown agent executing",
            |r| r["agent"] = json!("ghost"),
            "unauthorized-action",
        ),
        (
            "an unknown operation executed",
            |r| r["operation"] = json!("sales.everything.delete"),
            "unauthorized-action",
        ),
        (
            "an approver not in the Team",
            |r| r["approvals"][0]["by"] = json!("mallory"),
            "unauthorized-action",
        ),
        (
            "an unknown tier recorded",
            |r| r["decision"]["tier"] = json!("platinum"),
            "decision-mismatch",
        ),
        (
            "a rejection without reason",
            |r| {
                r["approvals"][0]["decision"] = json!("reject");
                r["outcome"] = json!("rejected");
            },
            "rejection-without-reason",
        ),
        (
            "a rejection with a reason the Policy does not list",
            |r| {
                r["approvals"][0]["decision"] = json!("reject");
                r["approvals"][0]["reason"] = json!("bored");
                r["outcome"] = json!("rejected");
            },
            "rejection-without-reason",
        ),
    ];
    let mut records = vec![base.clone()];
    for (_, mutate, _) in cases {
        let mut r = base.clone();
        mutate(&mut r);
        records.push(r);
    }
    let reported = audited(&records);
    let mut problems = Vec::new();
    if !reported[0].is_empty() {
        problems.push(format!("the base record: {:?}", reported[0]));
    }
    for (i, (what, _, rule)) in cases.iter().enumerate() {
        let record = &records[i + 1];
        if v.is_valid(record) {
            problems.push(format!("{what}: the schema accepts {record}"));
        }
        if !reported[i + 1].iter().any(|r| r == rule) {
            problems.push(format!(
                "{what}: audit reports {:?}, not `{rule}`",
                reported[i + 1]
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The README's records, one per outcome: each valid against the schema, and `audit` reports
/// nothing for them.
#[test]
fn the_readme_records_are_valid_and_clean() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme
        .split("## Audit evidence")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("the README's audit evidence section");
    let records: Vec<Value> = section
        .split("```json\n")
        .skip(1)
        .map(|block| {
            let json = block.split("```").next().unwrap();
            serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"))
        })
        .collect();
    let outcomes: std::collections::BTreeSet<&str> = records
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes.into_iter().collect::<Vec<_>>(),
        ["blocked", "executed", "failed", "rejected", "rolled_back"]
    );
    let v = record_schema(&governance());
    for r in &records {
        let errors: Vec<String> = v.iter_errors(r).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}: {r:#}");
    }
    let reported = audited(&records);
    assert!(reported.iter().all(Vec::is_empty), "{reported:?}");
}

/// What JSON Schema cannot see (docs/audit.md): a repeated key, at the top or in a map, and a
/// number beyond a 64-bit float are each an `invalid-audit-record`.
#[test]
fn repeated_keys_and_huge_numbers_are_invalid_records() {
    let base = reviewed_record().to_string();
    assert!(base.ends_with('}'));
    let open = &base[..base.len() - 1];
    let lines = [
        base.clone(),
        format!(r#"{open},"outcome":"blocked"}}"#),
        base.replacen(r#""context":{"#, r#""context":{"audience":"vip","#, 1),
        base.replacen(r#""audit":{"#, r#""audit":{"rationale":"","#, 1),
        base.replacen(r#""confidence":"#, r#""confidence":1e400,"x":"#, 1),
    ];
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("log.jsonl"), lines.join("\n") + "\n").unwrap();
    let out = Command::cargo_bin("agentgov")
        .unwrap()
        .current_dir(dir.path())
        .args(["audit", "--repo"])
        .arg(governance())
        .args(["log.jsonl", "--today", "2026-11-26", "--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let invalid: Vec<u64> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "invalid-audit-record")
        .map(|d| d["line"].as_u64().unwrap())
        .collect();
    assert_eq!(invalid, [2, 3, 4, 5], "{report:#}");
}
