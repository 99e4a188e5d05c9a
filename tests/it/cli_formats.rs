//! `check --format github|markdown`, several `--output FORMAT=PATH` in one run, the job summary,
//! and `--new-since REF`, on fixture repositories built in temporary folders.

use crate::common::edit;
use crate::common::git::git;
use assert_cmd::Command;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

fn base() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/base")
}

/// The base fixture plus: an unused grant (warning), waived; a missing rollback (error).
fn findings_repo(dir: &Path) {
    crate::common::copy_dir(&base(), dir);
    edit(
        &dir.join("agents.yaml"),
        "      operations: [create, send]\n",
        "      operations: [create, send]\n    - resource: crm.contacts\n      operations: [update]\n      fields: [stage]\n",
    );
    fs::write(
        dir.join("waiver.yaml"),
        "apiVersion: agentgov.dev/v1\nkind: Waiver\nmetadata: { name: writer-update }\nspec:\n  rule: unused-grant\n  target: agent/writer\n  justification: \"Needed next sprint: 100%, really\"\n  approved_by: cleo\n  expires: 2027-01-31\n",
    )
    .expect("write");
    edit(
        &dir.join("workflow.yaml"),
        "  rollback: { strategy: Send a correction notice, owner: ana, within_minutes: 30 }\n",
        "",
    );
}

fn check(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::cargo_bin("agentgov").expect("binary");
    crate::common::git::isolate_agentgov(&mut c);
    c.arg("check")
        .arg(dir)
        .args(["--today", "2026-11-26"])
        .args(args);
    for k in [
        "GITHUB_STEP_SUMMARY",
        "GITHUB_SERVER_URL",
        "GITHUB_REPOSITORY",
        "GITHUB_SHA",
    ] {
        c.env_remove(k);
    }
    c
}

fn run(mut c: Command) -> (Option<i32>, String) {
    let out = c.output().expect("runs");
    (
        out.status.code(),
        String::from_utf8(out.stdout).expect("utf-8"),
    )
}

#[test]
fn github_annotations_use_repository_paths_and_escape() {
    let tmp = tempfile::tempdir().expect("tempdir");
    git(tmp.path(), &["init", "-q"]);
    // A folder name that needs escaping in a workflow-command property.
    let gov = tmp.path().join("gov,team:a");
    findings_repo(&gov);
    let (code, out) = run(check(&gov, &["--format", "github"]));
    assert_eq!(code, Some(1), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    let error = lines
        .iter()
        .find(|l| l.starts_with("::error "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        error.starts_with("::error file=gov%2Cteam%3Aa/workflow.yaml,line="),
        "{error}"
    );
    assert!(error.contains(",title=missing-rollback::"), "{error}");
    assert!(error.contains("%0Ahelp: "), "newlines are escaped: {error}");
    let notice = lines
        .iter()
        .find(|l| l.contains("title=unused-grant"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        notice.starts_with("::notice file=gov%2Cteam%3Aa/agents.yaml,line=13,endLine=13,col="),
        "{notice}"
    );
    assert!(notice.contains("(waived)"), "{notice}");
    assert!(
        notice.contains("100%25, really"),
        "percent signs are escaped: {notice}"
    );
    assert!(!notice.contains('\r') && notice.matches("::").count() == 2);
    assert!(
        lines.last().expect("summary").starts_with("1 error"),
        "{out}"
    );
}

#[test]
fn github_format_writes_the_job_summary() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let gov = tmp.path().join("gov");
    findings_repo(&gov);
    let summary = tmp.path().join("summary.md");
    fs::write(&summary, "earlier step\n").expect("write");
    let mut c = check(&gov, &["--format", "github"]);
    c.env("GITHUB_STEP_SUMMARY", &summary);
    let (code, _) = run(c);
    assert_eq!(code, Some(1));
    let text = fs::read_to_string(&summary).expect("summary");
    assert!(
        text.starts_with("earlier step\n## agentgov check"),
        "appended: {text}"
    );
    assert!(text.contains("| 🛑 error | [workflow.yaml:"), "{text}");
    assert!(
        text.contains("<details>\n<summary>1 waived finding(s)</summary>"),
        "{text}"
    );
}

#[test]
fn markdown_lists_findings_with_links_and_collapses_waived_ones() {
    let tmp = tempfile::tempdir().expect("tempdir");
    git(tmp.path(), &["init", "-q"]);
    let gov = tmp.path().join("governance");
    findings_repo(&gov);
    let (code, md) = run(check(&gov, &["--format", "markdown"]));
    assert_eq!(code, Some(1));
    assert!(
        md.starts_with("## agentgov check\n\n❌ **1** error(s), **0** warning(s), **1** waived in"),
        "{md}"
    );
    let row = md
        .lines()
        .find(|l| l.contains("missing-rollback"))
        .unwrap_or_else(|| panic!("{md}"));
    assert!(
        row.starts_with("| 🛑 error | [governance/workflow.yaml:"),
        "{row}"
    );
    assert!(row.contains("](governance/workflow.yaml#L"), "{row}");
    assert!(
        row.contains("| `missing-rollback` |"),
        "no rule page: {row}"
    );
    let (_, linked) = run(check(
        &gov,
        &[
            "--format",
            "markdown",
            "--rules-url",
            "https://docs.example.com/rules",
        ],
    ));
    assert!(
        linked.contains("[`missing-rollback`](https://docs.example.com/rules/missing-rollback)"),
        "{linked}"
    );
    let details = md.find("<details>").expect("collapsed waived findings");
    let waived_row = md.find("unused-grant").expect("waived row");
    assert!(
        waived_row > details,
        "the waived finding is inside the collapsed section"
    );
    assert!(
        md.contains("until 2027-01-31 by `cleo`: Needed next sprint: 100%, really"),
        "{md}"
    );

    // In GitHub Actions, links point at the commit's blob.
    let mut c = check(&gov, &["--format", "markdown"]);
    c.env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "acme/agents")
        .env("GITHUB_SHA", "abc123");
    let (_, md) = run(c);
    assert!(
        md.contains("](https://github.com/acme/agents/blob/abc123/governance/workflow.yaml#L"),
        "{md}"
    );
}

#[test]
fn several_outputs_in_one_run_match_each_format() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let gov = tmp.path().join("gov");
    findings_repo(&gov);
    let out_dir = tmp.path().join("reports");
    fs::create_dir_all(&out_dir).expect("mkdir");
    fs::write(out_dir.join("agentgov.sarif"), "stale").expect("write");
    let outputs = [
        ("sarif", "agentgov.sarif"),
        ("markdown", "summary.md"),
        ("json", "report.json"),
        ("github", "annotations.txt"),
    ];
    let mut args: Vec<String> = vec![
        "--format".into(),
        "human".into(),
        "--color".into(),
        "never".into(),
    ];
    for (f, p) in outputs {
        args.push("--output".into());
        args.push(format!("{f}={}", out_dir.join(p).display()));
    }
    let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, human) = run(check(&gov, &arg_refs));
    assert_eq!(code, Some(1), "same exit code as without outputs");
    assert!(human.contains("missing-rollback"), "{human}");
    for (f, p) in outputs {
        let written = fs::read_to_string(out_dir.join(p)).expect("written");
        let (_, direct) = run(check(&gov, &["--format", f]));
        assert_eq!(written, direct, "{f}: the file is what --format {f} prints");
    }
    let sarif: Value =
        serde_json::from_str(&fs::read_to_string(out_dir.join("agentgov.sarif")).expect("sarif"))
            .expect("json");
    assert_eq!(sarif["version"], "2.1.0");
    // Only the reports: no temporary file is left beside them.
    let mut names: Vec<String> = fs::read_dir(&out_dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "agentgov.sarif",
            "annotations.txt",
            "report.json",
            "summary.md"
        ]
    );

    // A bad spec is a usage error.
    let (code, _) = run(check(&gov, &["--output", "pdf=x.pdf"]));
    assert_eq!(code, Some(2));
    let (code, _) = run(check(&gov, &["--output", "sarif"]));
    assert_eq!(code, Some(2));
}

#[test]
fn new_since_reports_only_findings_absent_at_the_revision() {
    let tmp = tempfile::tempdir().expect("tempdir");
    git(tmp.path(), &["init", "-q", "-b", "main"]);
    let gov = tmp.path().join("governance");
    crate::common::copy_dir(&base(), &gov);
    // The base already has an error: a workflow without rollback.
    edit(
        &gov.join("workflow.yaml"),
        "  rollback: { strategy: Send a correction notice, owner: ana, within_minutes: 30 }\n",
        "",
    );
    git(tmp.path(), &["add", "-A"]);
    git(tmp.path(), &["commit", "-q", "-m", "base"]);
    // The change adds a grant no step uses, and moves every line of the workflow.
    edit(
        &gov.join("agents.yaml"),
        "      operations: [create, send]\n",
        "      operations: [create, send]\n    - resource: crm.contacts\n      operations: [update]\n      fields: [stage]\n",
    );
    edit(
        &gov.join("workflow.yaml"),
        "apiVersion",
        "# moved\napiVersion",
    );

    let (code, all) = run(check(&gov, &["--format", "json"]));
    assert_eq!(code, Some(1));
    let all: Value = serde_json::from_str(&all).expect("json");
    let rules = |v: &Value| -> Vec<String> {
        v["diagnostics"]
            .as_array()
            .expect("diags")
            .iter()
            .map(|d| d["rule"].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert!(rules(&all).contains(&"missing-rollback".to_string()));
    assert!(rules(&all).contains(&"unused-grant".to_string()));

    let (code, new) = run(check(&gov, &["--format", "json", "--new-since", "main"]));
    let new: Value = serde_json::from_str(&new).expect("json");
    assert_eq!(rules(&new), ["unused-grant"], "{new:#}");
    assert_eq!(new["summary"]["errors"], 0);
    assert_eq!(
        code,
        Some(0),
        "the only error is old: --fail-on error passes"
    );
    let (code, _) = run(check(
        &gov,
        &["--new-since", "main", "--fail-on", "warning"],
    ));
    assert_eq!(code, Some(1));

    let (code, _) = run(check(&gov, &["--new-since", "no-such-ref"]));
    assert_eq!(code, Some(2));
}
