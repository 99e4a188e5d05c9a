//! What a new user tripped over: one mistake gives one located diagnostic, a typo is reported
//! even when another file is broken, `why` checks the names it is given, `test` runs on a
//! repository with analysis errors, and the README's quick start works as written.

use crate::common::edit;
use agentgov::analysis::{check, CheckOptions, Checked};
use assert_cmd::Command;
use chrono::NaiveDate;
use std::path::{Path, PathBuf};

fn example_copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let gov = tmp.path().join("gov");
    crate::common::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("governance"),
        &gov,
    );
    (tmp, gov)
}

fn checked(dir: &Path) -> Checked {
    check(
        dir,
        &CheckOptions {
            today: NaiveDate::from_ymd_opt(2026, 11, 26).expect("date"),
            ..Default::default()
        },
    )
    .expect("readable")
}

fn rules_of(c: &Checked) -> Vec<(&'static str, String)> {
    c.diagnostics
        .iter()
        .map(|d| (d.rule, d.message.clone()))
        .collect()
}

fn agentgov(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::cargo_bin("agentgov")
        .expect("binary")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const BROKEN_PLAYBOOK: &str =
    "apiVersion: agentgov.dev/v1\nkind: Playbook\nmetadata: { name: broken\nspec: [\n";

#[test]
fn a_typo_is_reported_even_when_another_file_is_broken() {
    let (_tmp, gov) = example_copy();
    edit(
        &gov.join("workflows/email-campaign.yaml"),
        "agent: campaign-writer",
        "agent: campaign-writr",
    );
    std::fs::write(gov.join("playbooks/broken.yaml"), BROKEN_PLAYBOOK).expect("write");
    let c = checked(&gov);
    let rules = rules_of(&c);
    assert!(rules.iter().any(|(r, _)| *r == "yaml-syntax"), "{rules:#?}");
    let typo = c
        .diagnostics
        .iter()
        .find(|d| d.rule == "unknown-reference" && d.message.contains("campaign-writr"))
        .unwrap_or_else(|| panic!("the typo waits for the broken playbook: {rules:#?}"));
    assert_eq!(
        typo.help.as_deref(),
        Some("did you mean `campaign-writer`?")
    );
    assert_eq!(
        typo.location.as_ref().expect("located").file,
        "workflows/email-campaign.yaml"
    );

    // A broken file whose `kind:` is Agent might define `campaign-writr`: that reference waits,
    // while a typo'd playbook reference (no Playbook is broken now) is still reported.
    std::fs::write(
        gov.join("playbooks/broken.yaml"),
        BROKEN_PLAYBOOK.replace("Playbook", "Agent"),
    )
    .expect("write");
    edit(
        &gov.join("workflows/email-campaign.yaml"),
        "playbooks: [",
        "playbooks: [hallucinated-clam, ",
    );
    let c = checked(&gov);
    let rules = rules_of(&c);
    assert!(
        !rules.iter().any(|(_, m)| m.contains("campaign-writr")),
        "{rules:#?}"
    );
    assert!(
        rules
            .iter()
            .any(|(r, m)| *r == "unknown-reference" && m.contains("hallucinated-clam")),
        "{rules:#?}"
    );
}

#[test]
fn one_mistake_one_diagnostic() {
    let (_tmp, gov) = example_copy();
    edit(
        &gov.join("workflows/email-campaign.yaml"),
        "  use_case:",
        "  use_cas:",
    );
    edit(
        &gov.join("agents/campaign-writer.yaml"),
        "last_reviewed: 2026-11-23",
        "last_reviewed: 2026-13-45",
    );
    let c = checked(&gov);
    let in_file = |f: &str| -> Vec<&'static str> {
        c.diagnostics
            .iter()
            .filter(|d| d.location.as_ref().is_some_and(|l| l.file == f))
            .map(|d| d.rule)
            .collect()
    };
    assert_eq!(
        in_file("workflows/email-campaign.yaml"),
        ["unknown-field"],
        "{:#?}",
        c.diagnostics
    );
    let typo = c
        .diagnostics
        .iter()
        .find(|d| d.rule == "unknown-field")
        .expect("unknown-field");
    assert_eq!(typo.help.as_deref(), Some("did you mean `use_case`?"));
    assert_eq!(
        in_file("agents/campaign-writer.yaml"),
        ["invalid-value"],
        "{:#?}",
        c.diagnostics
    );
    // A date that is not even shaped like one: still one diagnostic.
    edit(
        &gov.join("agents/campaign-writer.yaml"),
        "last_reviewed: 2026-13-45",
        "last_reviewed: next-week",
    );
    let c = checked(&gov);
    let n = c
        .diagnostics
        .iter()
        .filter(|d| {
            d.location
                .as_ref()
                .is_some_and(|l| l.file == "agents/campaign-writer.yaml")
        })
        .count();
    assert_eq!(n, 1, "{:#?}", c.diagnostics);
}

#[test]
fn why_checks_the_names_it_is_given() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let why = |args: &[&str]| {
        let mut all = vec!["why"];
        all.extend(args);
        all.extend(["governance", "--today", "2026-11-26"]);
        agentgov(root, &all)
    };
    let (code, _, err) = why(&["campaign-writr", "crm.contacts.read"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("unknown agent `campaign-writr`: did you mean `campaign-writer`?"),
        "{err}"
    );
    let (code, _, err) = why(&["campaign-writer", "email.campaign.send"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("did you mean `email.campaigns.send`?"),
        "{err}"
    );
    // Names are trimmed.
    let (code, out, _) = why(&[" campaign-writer ", " email.campaigns.send "]);
    assert_eq!(code, Some(0));
    assert!(
        out.starts_with("campaign-writer email.campaigns.send → approve"),
        "{out}"
    );
    // `--fields ''` is the empty list: not the same request as naming no fields.
    let (_, empty, _) = why(&["campaign-writer", "crm.contacts.read", "--fields", ""]);
    assert!(empty.contains("with an empty field list"), "{empty}");
    // The delegation hint only when the delegate covers the request: segmenter reads `region`
    // but not `email`.
    let (_, covered, _) = why(&["campaign-writer", "crm.contacts.read", "--fields", "region"]);
    assert!(
        covered.contains("reachable through delegation: campaign-writer → segmenter"),
        "{covered}"
    );
    let (_, uncovered, _) = why(&["campaign-writer", "crm.contacts.read", "--fields", "email"]);
    assert!(!uncovered.contains("delegation"), "{uncovered}");
}

#[test]
fn test_runs_when_only_analysis_rules_have_errors() {
    let (_tmp, gov) = example_copy();
    // Dropping a rollback plan is an analysis error (`missing-rollback`), not a broken model.
    let wf = gov.join("workflows/email-campaign.yaml");
    let text = std::fs::read_to_string(&wf).expect("read");
    let kept: String = text
        .lines()
        .scan(false, |skip, l| {
            if l.starts_with("  rollback:") {
                *skip = true;
                return Some(None);
            }
            if *skip && l.starts_with("    ") {
                return Some(None);
            }
            *skip = false;
            Some(Some(format!("{l}\n")))
        })
        .flatten()
        .collect();
    assert_ne!(kept, text);
    std::fs::write(&wf, kept).expect("write");
    let (code, _, _) = agentgov(&gov, &["check", ".", "--today", "2026-11-26"]);
    assert_eq!(code, Some(1), "the change is an error");
    let (code, out, err) = agentgov(&gov, &["test", ".", "--today", "2026-11-26"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("passed, 0 failed"), "{out}");
    assert!(err.contains("analysis errors"), "{err}");
    // A structural error still stops it.
    edit(&wf, "  use_case:", "  use_cas:");
    let (code, _, err) = agentgov(&gov, &["test", ".", "--today", "2026-11-26"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("fix the errors above"), "{err}");
}

/// Every command of the README's quick start, run as written after `init`.
#[test]
fn the_quick_start_works_as_written() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README");
    let start = readme.find("## Quick start").expect("a quick start");
    let block = &readme[start..];
    let block = &block[block.find("```sh").expect("a block") + 5..];
    let block = &block[..block.find("```").expect("its end")];
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut ran = 0;
    for line in block.lines() {
        let cmd = line.split('#').next().unwrap_or("").trim();
        let Some(args) = cmd.strip_prefix("agentgov ") else {
            continue;
        };
        let args: Vec<&str> = args.split_whitespace().collect();
        let (code, out, err) = agentgov(tmp.path(), &args);
        assert_eq!(code, Some(0), "`{cmd}`:\n{out}{err}");
        ran += 1;
    }
    assert!(ran >= 5, "{ran} commands");
}
