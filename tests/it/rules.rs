//! Data-driven rule tests: every diagnostic in the registry has documentation and a fixture folder
//! `tests/fixtures/NAME/{fail,pass}`, each an overlay on `tests/fixtures/base`. The failing case
//! must report the rule (its human and JSON output are snapshotted); the passing case must not,
//! and must have no error at all.

use agentgov::analysis::{check, CheckOptions};
use agentgov::diag::{Severity, Summary};
use agentgov::rules;
use chrono::NaiveDate;
use std::path::Path;

use crate::common::fixtures::{fixtures, materialize};

fn options() -> CheckOptions {
    CheckOptions {
        today: NaiveDate::from_ymd_opt(2026, 11, 26).expect("date"),
        ..Default::default()
    }
}

#[test]
fn base_fixture_is_clean() {
    let c = check(&fixtures().join("base"), &options()).expect("readable");
    assert!(c.analyzed, "rules ran");
    assert!(
        c.diagnostics.is_empty(),
        "base has findings: {:#?}",
        c.diagnostics
    );
}

#[test]
fn worked_example_is_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("governance");
    let c = check(&root, &options()).expect("readable");
    assert!(c.analyzed);
    let open: Vec<_> = c
        .diagnostics
        .iter()
        .filter(|d| d.waived.is_none())
        .collect();
    assert!(
        open.is_empty(),
        "the worked example has findings: {open:#?}"
    );
}

#[test]
fn registry_names_are_unique_kebab_case_and_documented() {
    let all = rules::registry();
    let mut names: Vec<&str> = all.iter().map(|r| r.name).collect();
    names.sort();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "duplicate rule names");
    for r in &all {
        assert!(
            r.name.split('-').all(|p| !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
            "{} is not kebab-case",
            r.name
        );
        for section in [
            "## What it finds",
            "## Why it matters",
            "## Example",
            "## How to fix",
        ] {
            assert!(
                r.docs.contains(section),
                "{} lacks `{section}` in its docs",
                r.name
            );
        }
        assert!(!r.docs.contains("TODO"), "{} has TODO docs", r.name);
        assert!(!r.summary.is_empty());
    }
}

/// Rules with no fixture: only those whose failing input cannot live in a git checkout.
const NO_FIXTURE: &[(&str, &str)] = &[(
    "test-failed",
    "reported by `agentgov test`, not `check`; covered by tests/cli.rs",
)];

#[test]
fn every_rule_has_a_failing_and_a_passing_fixture() {
    let mut failures = Vec::new();
    for r in rules::registry() {
        if NO_FIXTURE.iter().any(|(n, _)| *n == r.name) {
            continue;
        }
        let dir = fixtures().join(r.name);
        for case in ["fail", "pass"] {
            if !dir.join(case).is_dir() {
                failures.push(format!("missing tests/fixtures/{}/{case}", r.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// One fixture: its failing case reports the rule (located, with help; human and JSON output
/// snapshotted), its passing case reports neither the rule nor any error.
fn fixture(name: &str) {
    assert!(
        rules::find(name).is_some(),
        "tests/fixtures/{name} names no rule"
    );
    let dir = fixtures().join(name);
    if dir.join("fail").join(AUDIT_LOG).is_file() {
        return audit_fixture(name, &dir);
    }
    let mut problems = Vec::new();
    if dir.join("fail").is_dir() {
        let tmp = materialize(&dir.join("fail"));
        let c = check(tmp.path(), &options()).expect("readable");
        if !c.diagnostics.iter().any(|d| d.rule == name) {
            problems.push(format!(
                "{name}/fail: no `{name}` finding; got {:?}",
                c.diagnostics.iter().map(|d| d.rule).collect::<Vec<_>>()
            ));
        }
        for d in c.diagnostics.iter().filter(|d| d.rule == name) {
            if d.location.is_none() && name != "missing-policy" {
                problems.push(format!(
                    "{name}/fail: a finding without a location: {}",
                    d.message
                ));
            }
            if d.help.is_none() {
                problems.push(format!(
                    "{name}/fail: a finding without help: {}",
                    d.message
                ));
            }
        }
        let human = agentgov::commands::common::human_report(&c, false);
        let json = agentgov::output::json::render(
            &c.diagnostics,
            &Summary::of(&c.diagnostics, c.ws.governance_files),
            c.analyzed,
        );
        insta::with_settings!({ snapshot_path => "snapshots/rules", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("{name}__human"), human);
            insta::assert_snapshot!(format!("{name}__json"), json);
        });
    }
    if dir.join("pass").is_dir() {
        let tmp = materialize(&dir.join("pass"));
        let c = check(tmp.path(), &options()).expect("readable");
        let bad: Vec<String> = c
            .diagnostics
            .iter()
            .filter(|d| d.rule == name || (d.severity == Severity::Error && d.waived.is_none()))
            .map(|d| format!("{}: {}", d.rule, d.message))
            .collect();
        if !bad.is_empty() {
            problems.push(format!("{name}/pass: {bad:?}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The log of an evidence rule's fixture case, audited against the case's repository.
const AUDIT_LOG: &str = "audit.jsonl";

/// A case's repository (base plus overlay) checked, and its `audit.jsonl` audited against it:
/// the report and its human and JSON renderings.
fn audit_case(case: &Path) -> (agentgov::audit::Report, String, String) {
    use agentgov::commands::{audit::render, common::CheckFormat};
    let tmp = materialize(case);
    let c = check(tmp.path(), &options()).expect("readable");
    assert!(
        c.analyzed && !c.diagnostics.iter().any(|d| d.severity == Severity::Error),
        "{}: the repository has errors: {:?}",
        case.display(),
        c.diagnostics.iter().map(|d| d.rule).collect::<Vec<_>>()
    );
    let resolved = c.resolved.as_ref().expect("resolved");
    let r = agentgov::audit::audit(
        &resolved.model,
        c.plan.as_ref().expect("plan"),
        &resolved.prompt_hashes,
        &[agentgov::audit::Log {
            path: tmp.path().join(AUDIT_LOG),
            name: AUDIT_LOG.into(),
        }],
        &agentgov::audit::Options {
            today: options().today,
            max_line_bytes: agentgov::audit::read::DEFAULT_MAX_LINE_BYTES,
        },
    );
    let human = render(&r, 1, CheckFormat::Human, false, &c.ws);
    let json = render(&r, 1, CheckFormat::Json, false, &c.ws);
    (r, human, json)
}

/// An evidence rule's fixture: the failing log reports the rule at located lines with help (the
/// audit's human and JSON output snapshotted); the passing log reports no finding at all.
fn audit_fixture(name: &str, dir: &Path) {
    let mut problems = Vec::new();
    let (r, human, json) = audit_case(&dir.join("fail"));
    if !r.diagnostics.iter().any(|d| d.rule == name) {
        problems.push(format!(
            "{name}/fail: no `{name}` finding; got {:?}",
            r.diagnostics.iter().map(|d| d.rule).collect::<Vec<_>>()
        ));
    }
    for d in r.diagnostics.iter().filter(|d| d.rule == name) {
        let located = d.location.as_ref().is_some_and(|l| l.line > 0);
        if !located || d.help.is_none() || d.snippet.as_deref().unwrap_or("").is_empty() {
            problems.push(format!(
                "{name}/fail: a finding without a line, help or snippet: {}",
                d.message
            ));
        }
    }
    insta::with_settings!({ snapshot_path => "snapshots/rules", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(format!("{name}__human"), human);
        insta::assert_snapshot!(format!("{name}__json"), json);
    });
    let (r, _, _) = audit_case(&dir.join("pass"));
    if !r.diagnostics.is_empty() {
        problems.push(format!(
            "{name}/pass: {:?}",
            r.diagnostics
                .iter()
                .map(|d| format!("{}: {}", d.rule, d.message))
                .collect::<Vec<_>>()
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// One test per fixture folder, so that one mismatch does not hide the others.
macro_rules! fixture_tests {
    ($($test:ident => $name:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                fixture($name);
            }
        )*
        /// The fixture folders the tests above cover.
        const LISTED: &[&str] = &[$($name),*];
    };
}

mod fixture {
    use super::fixture;

    fixture_tests! {
        audit_fields_missing => "audit-fields-missing",
        broad_field_access => "broad-field-access",
        data_flow_leak => "data-flow-leak",
        delegation_cycle => "delegation-cycle",
        delegation_escalation => "delegation-escalation",
        duplicate_id => "duplicate-id",
        duplicate_key => "duplicate-key",
        duplicate_policy => "duplicate-policy",
        empty_file => "empty-file",
        foreign_api_version => "foreign-api-version",
        gate_below_consequence => "gate-below-consequence",
        input_limit => "input-limit",
        invalid_encoding => "invalid-encoding",
        invalid_type => "invalid-type",
        invalid_value => "invalid-value",
        link_outside_repository => "link-outside-repository",
        missing_checklist => "missing-checklist",
        missing_compensation => "missing-compensation",
        missing_field => "missing-field",
        missing_playbook => "missing-playbook",
        missing_policy => "missing-policy",
        missing_rollback => "missing-rollback",
        monitor_without_response => "monitor-without-response",
        no_pause_authority => "no-pause-authority",
        path_escape => "path-escape",
        prompt_not_found => "prompt-not-found",
        retention_out_of_bounds => "retention-out-of-bounds",
        review_overdue => "review-overdue",
        sample_rate_below_policy => "sample-rate-below-policy",
        step_not_granted => "step-not-granted",
        tier_understaffed => "tier-understaffed",
        ungated_irreversible_action => "ungated-irreversible-action",
        unknown_field => "unknown-field",
        unknown_kind => "unknown-kind",
        unknown_owner => "unknown-owner",
        unknown_reference => "unknown-reference",
        unmonitored_agent => "unmonitored-agent",
        unreadable_file => "unreadable-file",
        unsupported_api_version => "unsupported-api-version",
        unused_grant => "unused-grant",
        waiver_expired => "waiver-expired",
        waiver_expiring => "waiver-expiring",
        waiver_unjustified => "waiver-unjustified",
        waiver_unused => "waiver-unused",
        waiver_unwaivable => "waiver-unwaivable",
        yaml_syntax => "yaml-syntax",
        unknown_tool => "unknown-tool",
        invalid_tool_args => "invalid-tool-args",
        ambiguous_tool_binding => "ambiguous-tool-binding",
        ungoverned_tool => "ungoverned-tool",
        tool_annotation_conflict => "tool-annotation-conflict",
        unbound_operation => "unbound-operation",
        invalid_audit_record => "invalid-audit-record",
        unauthorized_action => "unauthorized-action",
        decision_mismatch => "decision-mismatch",
        audit_record_incomplete => "audit-record-incomplete",
        rejection_without_reason => "rejection-without-reason",
        override_without_reason => "override-without-reason",
        sampling_below_policy => "sampling-below-policy",
        unvalidated_change => "unvalidated-change",
        monitor_not_acted => "monitor-not-acted",
        retention_exceeded => "retention-exceeded",
    }

    /// Every folder under `tests/fixtures/` (but `base`) has its test above.
    #[test]
    fn every_fixture_folder_has_a_test() {
        let mut folders: Vec<String> = std::fs::read_dir(crate::common::fixtures::fixtures())
            .expect("fixtures")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n != "base")
            .collect();
        folders.sort();
        let mut listed: Vec<&str> = LISTED.to_vec();
        listed.sort();
        assert_eq!(
            folders, listed,
            "add the new fixture folder to `fixture_tests!`"
        );
    }
}
