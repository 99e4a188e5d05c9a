//! The command line as a user meets it: exit codes, formats, explain, schema, test and why.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn agentgov() -> Command {
    let mut c = Command::cargo_bin("agentgov").expect("binary");
    c.current_dir(root()).env("NO_COLOR", "1");
    c
}

const TODAY: &str = "2026-11-26";

#[test]
fn worked_example_checks_clean_with_exit_0() {
    agentgov()
        .args(["check", "governance", "--today", TODAY])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("0 errors, 0 warnings"));
}

#[test]
fn json_output_is_versioned_and_located() {
    let out = agentgov()
        .args([
            "check",
            "tests/fixtures/base",
            "--today",
            TODAY,
            "--format",
            "json",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["version"], 1);
    assert_eq!(v["summary"]["errors"], 0);
    assert!(v["diagnostics"].as_array().expect("list").is_empty());

    let dir = tempfile::tempdir().expect("tmp");
    crate::common::copy_dir(&root().join("tests/fixtures/base"), dir.path());
    let agents = std::fs::read_to_string(dir.path().join("agents.yaml")).expect("read");
    std::fs::write(
        dir.path().join("agents.yaml"),
        agents.replace("mode: autonomous", "mode: autonomus"),
    )
    .expect("write");
    let out = agentgov()
        .args(["check", "--today", TODAY, "--format", "json"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let d = &v["diagnostics"][0];
    assert_eq!(d["rule"], "invalid-value");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "agents.yaml");
    assert_eq!(d["line"], 8);
    assert_eq!(d["column"], 9);
    assert_eq!(d["end_line"], 8);
    assert_eq!(d["end_column"], 18);
    assert_eq!(d["help"], "did you mean `autonomous`?");
}

#[test]
fn fail_on_warning_makes_warnings_fail() {
    let dir = tempfile::tempdir().expect("tmp");
    crate::common::copy_dir(&root().join("tests/fixtures/base"), dir.path());
    std::fs::write(dir.path().join("empty.yaml"), "").expect("write");
    agentgov()
        .args(["check", "--today", TODAY])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("1 warning"));
    agentgov()
        .args(["check", "--today", TODAY, "--fail-on", "warning"])
        .arg(dir.path())
        .assert()
        .code(1);
}

#[test]
fn unreadable_input_exits_2() {
    agentgov()
        .args(["check", "no/such/folder"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read"));
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("bad.yaml"), [0x6b, 0x3a, 0x20, 0xff, 0xfe]).expect("write");
    agentgov()
        .arg("check")
        .arg(dir.path())
        .assert()
        .code(2)
        .stdout(predicate::str::contains("invalid-encoding"));
}

#[test]
fn bad_usage_exits_2() {
    agentgov()
        .args(["check", "--format", "xml"])
        .assert()
        .code(2);
    agentgov()
        .args(["check", "--today", "2026-13-01"])
        .assert()
        .code(2);
}

#[test]
fn explain_prints_the_docs_of_every_name() {
    for r in agentgov::rules::registry() {
        agentgov()
            .args(["explain", r.name])
            .assert()
            .code(0)
            .stdout(
                predicate::str::contains("## What it finds").and(predicate::str::contains(r.name)),
            );
    }
    agentgov()
        .args(["explain", "unknown-refrence"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "did you mean `unknown-reference`?",
        ));
    agentgov()
        .args(["explain", "--list"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("yaml-syntax"));
}

#[test]
fn schema_exports_every_schema() {
    let dir = tempfile::tempdir().expect("tmp");
    agentgov()
        .args(["schema", "--out"])
        .arg(dir.path())
        .assert()
        .code(0);
    for (_, name, text) in agentgov::schema::SCHEMAS {
        assert_eq!(
            std::fs::read_to_string(dir.path().join(name)).expect("written"),
            *text
        );
    }
    agentgov()
        .args(["schema", "agent"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "urn:agentgov:schemas:v1:agent.json",
        ));
}

#[test]
fn policy_tests_of_the_worked_example_pass_and_cover_every_grant() {
    agentgov()
        .args(["test", "governance", "--today", TODAY, "--coverage"])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("every granted operation is exercised")
                .and(predicate::str::contains("0 failed")),
        );
}

#[test]
fn a_failing_policy_test_shows_expected_actual_and_location() {
    let dir = tempfile::tempdir().expect("tmp");
    crate::common::copy_dir(&root().join("tests/fixtures/base"), dir.path());
    let tests = std::fs::read_to_string(dir.path().join("tests.yaml")).expect("read");
    std::fs::write(
        dir.path().join("tests.yaml"),
        tests.replace("expect: { approve: two-person } }", "expect: allow }"),
    )
    .expect("write");
    agentgov()
        .args(["test", "--today", TODAY])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("test-failed")
                .and(predicate::str::contains("expected allow, got"))
                .and(predicate::str::contains("got approve `two-person`"))
                .and(predicate::str::contains("tests.yaml:7"))
                .and(predicate::str::contains("gate:newsletter.send"))
                .and(predicate::str::contains("3 passed, 1 failed")),
        );
}

#[test]
fn why_explains_every_reason() {
    agentgov()
        .args([
            "why",
            "campaign-writer",
            "email.campaigns.send",
            "governance",
            "--today",
            TODAY,
        ])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("approve: needs tier `two-person`")
                .and(predicate::str::contains(
                    "step `send` of workflow `email-campaign`",
                ))
                .and(predicate::str::contains(
                    "derive rule #0 (effect is external) requires `review`",
                ))
                .and(predicate::str::contains(
                    "2 distinct approver(s) covering `marketing-leads`, `compliance`",
                )),
        );
    agentgov()
        .args([
            "why",
            "brief-summarizer",
            "docs.summaries.create",
            "governance",
            "--today",
            TODAY,
            "--context",
            "confidence=0.4",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "escalation `low-confidence` holds (confidence below 0.7) and raises to `review`",
        ));
    agentgov()
        .args([
            "why",
            "campaign-writer",
            "crm.contacts.read",
            "governance",
            "--today",
            TODAY,
        ])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("deny").and(predicate::str::contains(
                "reachable through delegation: campaign-writer → segmenter",
            )),
        );
    agentgov()
        .args([
            "why",
            "campaign-writer",
            "email.campaigns.send",
            "governance",
            "--context",
            "confidense=1",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `confidence`?"));
}

#[test]
fn readme_lists_every_rule() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    for r in agentgov::rules::registry() {
        assert!(
            readme.contains(&format!("| `{}` |", r.name)),
            "README.md does not list `{}`",
            r.name
        );
    }
}
