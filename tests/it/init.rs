//! `agentgov init`: the starter repository checks clean (no error, no warning), its policy tests
//! pass, it builds, every YAML file carries the yaml-language-server modeline, and init never
//! overwrites a file.

use assert_cmd::Command;
use serde_json::Value;
use std::fs;
use std::path::Path;

fn agentgov() -> Command {
    Command::cargo_bin("agentgov").expect("binary")
}

fn init(dir: &Path) -> std::process::Output {
    agentgov()
        .arg("init")
        .arg(dir)
        .args(["--today", "2026-11-26"])
        .output()
        .expect("runs")
}

#[test]
fn starter_checks_clean_tests_pass_and_builds() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("governance");
    let out = init(&dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Next steps"), "{stdout}");
    assert!(stdout.contains("agentgov check"), "{stdout}");

    let out = agentgov()
        .arg("check")
        .arg(&dir)
        .args([
            "--today",
            "2026-11-26",
            "--format",
            "json",
            "--fail-on",
            "note",
        ])
        .output()
        .expect("runs");
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        report["diagnostics"],
        serde_json::json!([]),
        "the starter has findings: {report:#}"
    );
    assert_eq!(report["analyzed"], true);
    assert_eq!(out.status.code(), Some(0));

    let out = agentgov()
        .arg("test")
        .arg(&dir)
        .args(["--today", "2026-11-26", "--format", "json"])
        .output()
        .expect("runs");
    let tests: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(tests["failed"], 0, "{tests:#}");
    assert!(tests["passed"].as_u64().unwrap_or(0) >= 4, "{tests:#}");
    assert_eq!(out.status.code(), Some(0));

    let build = tmp.path().join("build");
    let out = agentgov()
        .arg("build")
        .arg(&dir)
        .args(["--today", "2026-11-26", "--out"])
        .arg(&build)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "build failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(build.join("bundle.json").is_file());
}

#[test]
fn starter_follows_the_fastest_way_to_start() {
    let tmp = tempfile::tempdir().expect("tempdir");
    assert!(init(tmp.path()).status.success());
    let c = agentgov::analysis::check(
        tmp.path(),
        &agentgov::analysis::CheckOptions {
            today: chrono::NaiveDate::from_ymd_opt(2026, 11, 26).expect("date"),
            ..Default::default()
        },
    )
    .expect("readable");
    let m = &c.resolved.as_ref().expect("resolved").model;
    // One workflow with one approval gate, a logging template and a rollback plan.
    assert_eq!(m.workflows.len(), 1);
    let w = m.workflows.values().next().expect("workflow");
    let gates: Vec<&str> = w
        .spec
        .steps
        .iter()
        .map(|s| s.gate.as_str())
        .filter(|g| *g != "auto")
        .collect();
    assert_eq!(gates.len(), 1, "one approval gate: {gates:?}");
    assert!(!w.spec.audit.is_empty());
    assert!(w.spec.rollback.is_some());
    assert_eq!(m.agents.len(), 1);
    assert_eq!(m.connectors.len(), 1);
    assert_eq!(m.playbooks.len(), 1);
    assert_eq!(m.tests.len(), 1);
    let p = m.policy();
    assert_eq!(
        p.tiers.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
        ["auto", "review", "two-person"]
    );
    assert!(!p.escalations.is_empty() && !p.derive.is_empty());
    let s = p.sampling.as_ref().expect("sampling");
    assert_eq!(
        (s.initial_rate, s.initial_days, s.steady_rate),
        (1.0, Some(14), 0.2)
    );
    // Every YAML file has the modeline for its kind, pointing at a schema file written beside
    // it (no network, no host of ours): the same schema `check` validates with.
    for entry in walk(tmp.path()) {
        if entry.extension().is_some_and(|e| e == "yaml") {
            let text = fs::read_to_string(&entry).expect("read");
            let first = text.lines().next().unwrap_or("");
            let kind = text
                .lines()
                .find_map(|l| l.strip_prefix("kind: "))
                .expect("a kind")
                .trim()
                .to_lowercase();
            let target = first
                .strip_prefix("# yaml-language-server: $schema=")
                .unwrap_or_else(|| panic!("{}: no modeline: {first}", entry.display()));
            assert!(!target.contains("://"), "a local file: {target}");
            assert!(
                target.ends_with(&format!("schemas/{kind}.json")),
                "{target}"
            );
            let schema = entry.parent().expect("folder").join(target);
            let written =
                fs::read_to_string(&schema).unwrap_or_else(|e| panic!("{}: {e}", schema.display()));
            let embedded = agentgov::schema::SCHEMAS
                .iter()
                .find(|(_, name, _)| *name == format!("{kind}.json"))
                .map(|(_, _, text)| *text)
                .expect("an embedded schema");
            assert_eq!(written, embedded, "{}", schema.display());
        }
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).expect("dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn init_refuses_to_overwrite_anything_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    fs::create_dir_all(tmp.path().join("workflows")).expect("mkdir");
    fs::write(tmp.path().join("workflows/newsletter.yaml"), "mine\n").expect("write");
    let out = init(tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("workflows/newsletter.yaml"));
    assert_eq!(
        fs::read_to_string(tmp.path().join("workflows/newsletter.yaml")).expect("kept"),
        "mine\n"
    );
    let files = walk(tmp.path());
    assert_eq!(files.len(), 1, "nothing else was written: {files:?}");

    // A second init over a complete starter also refuses.
    let tmp = tempfile::tempdir().expect("tempdir");
    assert!(init(tmp.path()).status.success());
    let before: Vec<(std::path::PathBuf, String)> = walk(tmp.path())
        .into_iter()
        .map(|p| (p.clone(), fs::read_to_string(&p).expect("read")))
        .collect();
    assert_eq!(init(tmp.path()).status.code(), Some(2));
    for (p, text) in before {
        assert_eq!(fs::read_to_string(&p).expect("read"), text);
    }
}

/// `init` writes a `.gitignore` for the build output it suggests: after the suggested build,
/// git sees the governance files and nothing of the output.
#[test]
fn the_suggested_build_output_is_git_ignored() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("gov");
    let out = init(&dir);
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    let suggested = format!("--out {}/build", dir.display());
    assert!(said.contains(&suggested), "{said}");
    crate::common::git::git(&dir, &["init", "-q"]);
    crate::common::build_ok(&dir, &dir.join("build"));
    let status = std::process::Command::new("git")
        .arg("-C")
        .arg(&dir)
        .args(["status", "--porcelain", "--untracked-files=all"])
        .output()
        .expect("git");
    let listed = String::from_utf8_lossy(&status.stdout).into_owned();
    assert!(
        listed.contains(".gitignore") && listed.contains("policy.yaml"),
        "{listed}"
    );
    assert!(!listed.contains("build/"), "{listed}");
}
