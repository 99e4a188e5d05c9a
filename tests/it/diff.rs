//! `agentgov diff --base REF`: real git repositories in temporary folders, with the governance
//! files in a subfolder (as most repositories keep them), committed, changed, and compared.

use crate::common::edit;
use crate::common::git::git;
use assert_cmd::Command;
use serde_json::{json, Value};
use std::fs;
use std::path::{Path, PathBuf};

/// [`repo`] with the CRM bound to HubSpot's real tools (the `unknown-tool` pass fixture),
/// committed on `main`.
fn hubspot_repo() -> (tempfile::TempDir, PathBuf) {
    let (tmp, gov) = repo();
    crate::common::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/unknown-tool/pass"),
        &gov,
    );
    git(tmp.path(), &["add", "-A"]);
    git(tmp.path(), &["commit", "-q", "-m", "bound to HubSpot"]);
    (tmp, gov)
}

/// A git repository whose `governance/` holds the base fixture, committed on `main`.
fn repo() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    git(tmp.path(), &["init", "-q", "-b", "main"]);
    fs::write(tmp.path().join("README.md"), "a repository\n").expect("write");
    let gov = tmp.path().join("governance");
    crate::common::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/base"),
        &gov,
    );
    git(tmp.path(), &["add", "-A"]);
    git(tmp.path(), &["commit", "-q", "-m", "base"]);
    (tmp, gov)
}

fn diff(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut c = Command::cargo_bin("agentgov").expect("binary");
    let out = crate::common::git::isolate_agentgov(&mut c)
        .current_dir(dir)
        .arg("diff")
        .args(args)
        .args(["--today", "2026-11-26"])
        .env_remove("GITHUB_SHA")
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8(out.stdout).expect("utf-8"),
    )
}

fn diff_json(dir: &Path, args: &[&str]) -> (Option<i32>, Value) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let (code, text) = diff(dir, &all);
    (
        code,
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")),
    )
}

const SEGMENTER: &str = "---
apiVersion: agentgov.dev/v1
kind: Agent
metadata: { name: segmenter }
spec:
  owners: { business: ana, technical: dev }
  model: { provider: example, name: small, version: \"1\" }
  mode: autonomous
  grants:
    - resource: crm.contacts
      operations: [update]
      fields: [email]
  rollout: { stage: pilot, since: 2026-11-20, sample_rate: 1.0 }
  review: { cadence: monthly, last_reviewed: 2026-11-20 }
";

#[test]
fn delegation_shows_new_reach_to_the_other_agents_operations() {
    let (tmp, gov) = repo();
    // Commit a second agent first, so that the pull request only adds the delegation.
    let agents = gov.join("agents.yaml");
    let mut text = fs::read_to_string(&agents).expect("read");
    text.push_str(SEGMENTER);
    fs::write(&agents, text).expect("write");
    git(tmp.path(), &["commit", "-q", "-am", "segmenter"]);
    edit(
        &agents,
        "  rollout: { stage: sampling",
        "  delegates_to: [segmenter]\n  rollout: { stage: sampling",
    );

    let (_, report) = diff_json(&gov, &["--base", "main"]);
    let reach = report["reach_added"].as_array().expect("reach");
    assert_eq!(reach.len(), 1, "{report:#}");
    assert_eq!(reach[0]["agent"], "writer");
    assert_eq!(reach[0]["operation"], "crm.contacts.update");
    assert_eq!(reach[0]["path"], serde_json::json!(["writer", "segmenter"]));
    assert_eq!(reach[0]["risky"], true, "it writes personal data");
    assert_eq!(
        report["grants_added"],
        serde_json::json!([]),
        "no grant changed"
    );

    let (code, md) = diff(&gov, &["--base", "main"]);
    assert!(md.starts_with("<!-- agentgov-diff -->"), "{md}");
    assert!(md.contains("`writer` now reaches `crm.contacts.update` (writes personal data) through `writer` → `segmenter`"), "{md}");
    // New risky reach fails `--fail-on relaxation` but not the default `--fail-on error`.
    let head_errors = report["head_summary"]["errors"].as_u64().expect("count");
    assert_eq!(code, Some(if head_errors > 0 { 1 } else { 0 }));
    let (code, _) = diff(&gov, &["--base", "main", "--fail-on", "relaxation"]);
    assert_eq!(code, Some(1));
}

#[test]
fn relaxing_a_gate_is_a_relaxation() {
    let (tmp, gov) = repo();
    let wf = gov.join("workflow.yaml");
    edit(
        &wf,
        "does: mail.campaigns.create, gate: auto",
        "does: mail.campaigns.create, gate: review",
    );
    git(tmp.path(), &["commit", "-q", "-am", "drafts need review"]);
    // The pull request: drafting becomes automatic again (left uncommitted in the work tree).
    edit(
        &wf,
        "does: mail.campaigns.create, gate: review",
        "does: mail.campaigns.create, gate: auto",
    );

    let (code, report) = diff_json(&gov, &["--base", "HEAD"]);
    assert!(
        report["relaxations"].as_u64().expect("count") >= 1,
        "{report:#}"
    );
    // Every newly permitted request is the relaxed drafting, for the writer, with no approvals.
    let permitted = report["permitted"].as_array().expect("permitted");
    assert!(!permitted.is_empty(), "{report:#}");
    for w in permitted {
        assert_eq!(w["example"]["agent"], "writer", "{w:#}");
        assert_eq!(w["example"]["operation"], "mail.campaigns.create", "{w:#}");
        assert_eq!(w["head"]["effect"], "allow", "{w:#}");
    }
    let tiers = report["tiers"].as_array().expect("tiers");
    let relaxed: Vec<&Value> = tiers
        .iter()
        .filter(|t| t["direction"] == "relaxed")
        .collect();
    assert!(!relaxed.is_empty());
    for t in &relaxed {
        assert_eq!(t["agent"], "writer");
        assert_eq!(t["operation"], "mail.campaigns.create");
        assert_eq!(t["before"]["effect"], "approve");
        assert_eq!(t["before"]["tier"], "review");
        assert_eq!(t["after"]["effect"], "allow");
    }
    assert_eq!(
        code,
        Some(0),
        "the head has no errors: the default --fail-on error passes"
    );
    let (code, md) = diff(&gov, &["--base", "HEAD", "--fail-on", "relaxation"]);
    assert_eq!(code, Some(1));
    assert!(
        md.contains("🔓 relaxed | `writer` | `mail.campaigns.create`"),
        "{md}"
    );
    let (code, _) = diff(&gov, &["--base", "HEAD", "--fail-on", "never"]);
    assert_eq!(code, Some(0));

    // Tightening back is not a relaxation.
    edit(
        &wf,
        "does: mail.campaigns.create, gate: auto",
        "does: mail.campaigns.create, gate: two-person, checklist: [claims-approved]",
    );
    let (code, report) = diff_json(&gov, &["--base", "HEAD", "--fail-on", "relaxation"]);
    // Tiers do not nest: `two-person` (leads and compliance) can be approved by two people of
    // whom neither is in `review`'s group. That is the only thing the head newly permits.
    let permitted = report["permitted"].as_array().expect("permitted");
    assert!(!permitted.is_empty(), "{report:#}");
    for w in permitted {
        assert_eq!(w["base"]["tier"], "review", "{w:#}");
        assert_eq!(w["head"]["tier"], "two-person", "{w:#}");
        let groups = &w["example"]["approvals"]["groups"];
        assert!(
            !groups
                .as_array()
                .expect("groups")
                .contains(&json!("reviewers")),
            "{w:#}"
        );
    }
    assert_eq!(code, Some(1));
    // Once `two-person` also needs a reviewer, raising the gate permits nothing new.
    edit(
        &gov.join("policy.yaml"),
        "{ from: leads }, { from: compliance }]",
        "{ from: leads }, { from: compliance }, { from: reviewers }]",
    );
    git(
        tmp.path(),
        &["commit", "-q", "-am", "two-person includes a reviewer"],
    );
    edit(
        &wf,
        "does: mail.campaigns.create, gate: two-person, checklist: [claims-approved]",
        "does: mail.campaigns.create, gate: auto",
    );
    git(tmp.path(), &["commit", "-q", "-am", "back to auto"]);
    edit(
        &wf,
        "does: mail.campaigns.create, gate: auto",
        "does: mail.campaigns.create, gate: two-person, checklist: [claims-approved]",
    );
    let (code, report) = diff_json(&gov, &["--base", "HEAD", "--fail-on", "relaxation"]);
    assert_eq!(report["relaxations"], 0, "{report:#}");
    assert!(report["tiers"]
        .as_array()
        .expect("tiers")
        .iter()
        .all(|t| t["direction"] == "tightened"));
    assert_eq!(code, Some(0));
}

#[test]
fn removing_a_prohibition_turns_deny_into_a_decision() {
    let (tmp, gov) = repo();
    let agents = gov.join("agents.yaml");
    edit(
        &agents,
        "operations: [read]\n      fields: [email]",
        "operations: [read, delete]\n      fields: [email]",
    );
    git(
        tmp.path(),
        &["commit", "-q", "-am", "grant delete (prohibited)"],
    );
    let policy = gov.join("policy.yaml");
    edit(&policy, "  prohibited:\n    - operation: \"*.*.delete\"\n      reason: Agents never delete records\n", "");
    let (_, report) = diff_json(&gov, &["--base", "HEAD"]);
    let t = report["tiers"]
        .as_array()
        .expect("tiers")
        .iter()
        .find(|t| t["operation"] == "crm.contacts.delete" && t["workflow"].is_null())
        .cloned()
        .unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!(t["before"]["effect"], "deny");
    assert_ne!(t["after"]["effect"], "deny");
    assert_eq!(t["direction"], "relaxed");
}

#[test]
fn a_prompt_change_asks_for_revalidation() {
    let (tmp, gov) = repo();
    fs::write(
        gov.join("prompts/writer.md"),
        "You write the newsletter. Be bold.\n",
    )
    .expect("write");
    git(tmp.path(), &["commit", "-q", "-am", "new prompt"]);
    let (_, report) = diff_json(&gov, &["--base", "HEAD~1"]);
    let reval = report["revalidation"].as_array().expect("revalidation");
    assert_eq!(reval.len(), 1, "{report:#}");
    assert_eq!(reval[0]["agent"], "writer");
    assert!(reval[0]["reasons"][0]
        .as_str()
        .expect("reason")
        .contains("prompt `prompts/writer.md` changed"));
    let (_, md) = diff(&gov, &["--base", "HEAD~1"]);
    assert!(
        md.contains("mini validation cycle: test cases, reviewer sign-off, a short observation window; sampling back to 100%"),
        "{md}"
    );
    assert!(
        md.contains("set `rollout.sample_rate: 1.0`, now 0.2"),
        "{md}"
    );

    // A model change too; a connector change for every agent using it.
    edit(
        &gov.join("agents.yaml"),
        "version: \"2026-05-01\"",
        "version: \"2026-09-01\"",
    );
    edit(
        &gov.join("connectors.yaml"),
        "system: Example Mail",
        "system: Example Mail v2",
    );
    let (_, report) = diff_json(&gov, &["--base", "HEAD"]);
    let reasons = report["revalidation"][0]["reasons"].to_string();
    assert!(
        reasons.contains(
            "model `example/writer-large@2026-05-01` → `example/writer-large@2026-09-01`"
        ),
        "{reasons}"
    );
    assert!(reasons.contains("connector `mail` changed"), "{reasons}");
}

#[test]
fn findings_introduced_and_fixed_are_matched_by_fingerprint() {
    let (tmp, gov) = repo();
    // Base: an unused grant. Head: that one fixed, a broad grant introduced; lines shifted.
    let agents = gov.join("agents.yaml");
    edit(&agents, "operations: [create, send]", "operations: [create, send]\n    - resource: crm.contacts\n      operations: [update]\n      fields: [stage]");
    git(tmp.path(), &["commit", "-q", "-am", "unused grant"]);
    let (_, base_report) = diff_json(&gov, &["--base", "HEAD"]);
    assert_eq!(
        base_report["findings_introduced"],
        serde_json::json!([]),
        "nothing changed: {base_report:#}"
    );
    edit(
        &agents,
        "    - resource: crm.contacts\n      operations: [update]\n      fields: [stage]",
        "",
    );
    edit(
        &agents,
        "      operations: [read]\n      fields: [email]",
        "      operations: [read]\n      fields: [email, stage]",
    );
    edit(&agents, "apiVersion", "# shifted\n# shifted\napiVersion");
    let (_, report) = diff_json(&gov, &["--base", "HEAD"]);
    let rules = |k: &str| -> Vec<String> {
        report[k]
            .as_array()
            .expect(k)
            .iter()
            .map(|d| d["rule"].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert!(
        rules("findings_fixed").contains(&"unused-grant".to_string()),
        "{report:#}"
    );
    assert!(
        rules("findings_introduced").contains(&"broad-field-access".to_string()),
        "{report:#}"
    );
    assert!(!rules("findings_introduced").contains(&"unused-grant".to_string()));
}

#[test]
fn a_base_without_governance_files_makes_everything_added() {
    let tmp = tempfile::tempdir().expect("tempdir");
    git(tmp.path(), &["init", "-q", "-b", "main"]);
    fs::write(tmp.path().join("README.md"), "empty\n").expect("write");
    git(tmp.path(), &["add", "-A"]);
    git(tmp.path(), &["commit", "-q", "-m", "empty"]);
    let gov = tmp.path().join("governance");
    crate::common::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/base"),
        &gov,
    );
    let (code, report) = diff_json(&gov, &["--base", "main"]);
    assert_eq!(report["base_exists"], false);
    assert_eq!(report["agents_added"][0]["name"], "writer");
    let ops: Vec<&str> = report["grants_added"]
        .as_array()
        .expect("grants")
        .iter()
        .filter_map(|g| g["operation"].as_str())
        .collect();
    assert_eq!(
        ops,
        [
            "crm.contacts.read",
            "mail.campaigns.create",
            "mail.campaigns.send"
        ]
    );
    let caps = report["capabilities_added"].as_array().expect("caps");
    assert_eq!(caps.len(), 1);
    assert_eq!(caps[0]["operation"], "mail.campaigns.send");
    assert_eq!(code, Some(0));
    let (code, md) = diff(&gov, &["--base", "main", "--fail-on", "relaxation"]);
    assert_eq!(
        code,
        Some(1),
        "a new external, irreversible capability is new risky reach"
    );
    assert!(md.contains("everything is new"), "{md}");
}

#[test]
fn bad_revisions_and_folders_outside_git_are_usage_errors() {
    let (_tmp, gov) = repo();
    let (code, _) = diff(&gov, &["--base", "no-such-branch"]);
    assert_eq!(code, Some(2));
    let outside = tempfile::tempdir().expect("tempdir");
    crate::common::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/base"),
        outside.path(),
    );
    let (code, _) = diff(outside.path(), &["--base", "main"]);
    assert_eq!(code, Some(2));
}

/// One edit of the base fixture and what the diff must say about it.
struct Case {
    name: &'static str,
    file: &'static str,
    from: &'static str,
    to: &'static str,
    /// `relaxes` (listed in `relaxed`, fails `--fail-on relaxation`) or `weakens` (listed in
    /// `weakened`, fails only if the head has errors).
    direction: &'static str,
    /// A part of the change's path.
    path: &'static str,
    /// An edit committed first, so that the base has what the case changes.
    base: Option<(&'static str, &'static str, &'static str)>,
}

/// The send step's own gate lowered to `auto`, so that its tier comes from the derive rules.
const SEND_UNGATED: (&str, &str, &str) = (
    "workflow.yaml",
    "      gate: two-person\n",
    "      gate: auto\n",
);

const CASES: &[Case] = &[
    Case { name: "grant widened", file: "agents.yaml", from: "operations: [read]\n      fields: [email]", to: "operations: [read, update]\n      fields: [email]", direction: "relaxes", path: "spec.grants", base: None },
    Case { name: "grant field list dropped", file: "agents.yaml", from: "      fields: [email]\n", to: "", direction: "relaxes", path: "spec.grants", base: None },
    Case { name: "agent resumed", file: "agents.yaml", from: "mode: paused", to: "mode: autonomous", direction: "relaxes", path: "spec.mode", base: Some(("agents.yaml", "mode: autonomous", "mode: paused")) },
    Case { name: "prohibition removed", file: "policy.yaml", from: "  prohibited:\n    - operation: \"*.*.delete\"\n      reason: Agents never delete records\n", to: "", direction: "relaxes", path: "spec.prohibited", base: Some(("agents.yaml", "operations: [read]\n      fields: [email]", "operations: [read, delete]\n      fields: [email]")) },
    Case { name: "derive rule removed", file: "policy.yaml", from: "    - when: { reversibility: irreversible }\n      require: two-person\n", to: "", direction: "relaxes", path: "spec.derive", base: Some(SEND_UNGATED) },
    Case { name: "escalation loosened", file: "policy.yaml", from: "below: 0.7", to: "below: 0.5", direction: "relaxes", path: "spec.escalations[low-confidence].when.below", base: None },
    Case { name: "escalation removed", file: "policy.yaml", from: "  escalations:\n    - id: low-confidence\n      when: { fact: confidence, below: 0.7 }\n      raise_to: review\n", to: "  escalations: []\n", direction: "relaxes", path: "spec.escalations[low-confidence]", base: None },
    Case { name: "tier approval dropped", file: "policy.yaml", from: "{ from: leads }, { from: compliance }", to: "{ from: leads }", direction: "relaxes", path: "spec.tiers[two-person].approvals[compliance]", base: None },
    Case { name: "tier order swapped", file: "policy.yaml", from: "    - id: review\n      approvals: [{ from: reviewers }]\n    - id: two-person\n      approvals: [{ from: leads }, { from: compliance }]\n", to: "    - id: two-person\n      approvals: [{ from: leads }, { from: compliance }]\n    - id: review\n      approvals: [{ from: reviewers }]\n", direction: "relaxes", path: "spec.tiers", base: None },
    Case { name: "group member added", file: "team.yaml", from: "{ id: compliance, members: [cleo] }", to: "{ id: compliance, members: [cleo, ben] }", direction: "relaxes", path: "spec.groups[compliance].members", base: None },
    Case { name: "operation made reversible", file: "connectors.yaml", from: "send: { effect: external, reversibility: irreversible }", to: "send: { effect: external, reversibility: reversible }", direction: "relaxes", path: "operations.send.reversibility", base: Some(SEND_UNGATED) },
    Case { name: "data sync added", file: "connectors.yaml", from: "    contacts:\n", to: "    contacts:\n      syncs_to: [mail.campaigns]\n", direction: "relaxes", path: "syncs_to", base: None },
    Case { name: "audit field removed", file: "workflow.yaml", from: "reviewer, decision, approval_timestamps]", to: "reviewer, decision]", direction: "weakens", path: "spec.audit", base: None },
    Case { name: "policy audit field removed", file: "policy.yaml", from: "auto: [prompt, output]", to: "auto: [prompt]", direction: "weakens", path: "spec.audit.required.auto", base: None },
    Case { name: "retention shortened", file: "workflow.yaml", from: "retention_days: 60", to: "retention_days: 45", direction: "weakens", path: "spec.retention_days", base: None },
    Case { name: "retention bounds widened", file: "policy.yaml", from: "min: 30", to: "min: 7", direction: "weakens", path: "spec.audit.retention_days.min", base: None },
    Case { name: "monitor raised", file: "agents.yaml", from: "above: 3", to: "above: 10", direction: "weakens", path: "spec.monitors[failed_actions].above", base: None },
    Case { name: "monitor removed", file: "agents.yaml", from: "  monitors:\n    - { metric: failed_actions, window: 1h, above: 3, then: recommend-only, playbook: bad-send }\n", to: "", direction: "weakens", path: "spec.monitors", base: None },
    Case { name: "playbook removed", file: "workflow.yaml", from: "  playbooks: [bad-send]\n", to: "", direction: "weakens", path: "spec.playbooks", base: None },
    Case { name: "pause authority removed", file: "playbook.yaml", from: "can_pause: [ana, dev]", to: "can_pause: [ana]", direction: "weakens", path: "spec.can_pause", base: None },
    Case { name: "rollback removed", file: "workflow.yaml", from: "  rollback: { strategy: Send a correction notice, owner: ana, within_minutes: 30 }\n", to: "", direction: "weakens", path: "spec.rollback", base: None },
    Case { name: "rollback slower", file: "workflow.yaml", from: "within_minutes: 30", to: "within_minutes: 240", direction: "weakens", path: "spec.rollback.within_minutes", base: None },
    Case { name: "checklist removed", file: "workflow.yaml", from: "      checklist: [audience-correct, claims-approved]\n", to: "", direction: "weakens", path: "spec.steps[send].checklist", base: None },
    Case { name: "sample rate lowered", file: "agents.yaml", from: "sample_rate: 0.2", to: "sample_rate: 0.1", direction: "weakens", path: "spec.rollout.sample_rate", base: None },
    Case { name: "policy sampling lowered", file: "policy.yaml", from: "steady_rate: 0.2", to: "steady_rate: 0.1", direction: "weakens", path: "spec.sampling.steady_rate", base: None },
    Case { name: "review cadence lengthened", file: "agents.yaml", from: "cadence: monthly", to: "cadence: quarterly", direction: "weakens", path: "spec.review.cadence", base: None },
    Case { name: "policy review cadence lengthened", file: "policy.yaml", from: "review_cadence: monthly", to: "review_cadence: quarterly", direction: "weakens", path: "spec.review_cadence", base: None },
    Case { name: "rule level lowered", file: "policy.yaml", from: "  review_cadence: monthly\n", to: "  review_cadence: monthly\n  rules: { missing-checklist: off }\n", direction: "weakens", path: "spec.rules", base: None },
    Case { name: "unwaivable shortened", file: "policy.yaml", from: "unwaivable: [missing-checklist]", to: "unwaivable: []", direction: "weakens", path: "spec.unwaivable", base: Some(("policy.yaml", "  review_cadence: monthly\n", "  review_cadence: monthly\n  unwaivable: [missing-checklist]\n")) },
    Case { name: "prohibition of nothing granted removed", file: "policy.yaml", from: "  prohibited:\n    - operation: \"*.*.delete\"\n      reason: Agents never delete records\n", to: "", direction: "weakens", path: "spec.prohibited", base: None },
];

/// Every kind of relaxation and weakened control, one edit each, and what the diff says.
#[test]
fn every_kind_of_change_is_reported_in_its_place() {
    let mut problems = Vec::new();
    for case in CASES {
        let (tmp, gov) = repo();
        if let Some((file, from, to)) = case.base {
            edit(&gov.join(file), from, to);
            git(tmp.path(), &["commit", "-q", "-am", "the base of the case"]);
        }
        edit(&gov.join(case.file), case.from, case.to);
        let (code, r) = diff_json(&gov, &["--base", "main", "--fail-on", "relaxation"]);
        let head_errors = r["head_summary"]["errors"].as_u64().expect("errors");
        let list = match case.direction {
            "relaxes" => "relaxed",
            "weakens" => "weakened",
            _ => "changes",
        };
        let found = r[list].as_array().expect("list").iter().find(|c| {
            c["direction"] == case.direction
                && c["path"].as_str().is_some_and(|p| p.contains(case.path))
        });
        let Some(found) = found else {
            problems.push(format!(
                "{}: no `{}` change at `{}` in `{list}`: {:#}",
                case.name, case.direction, case.path, r[list]
            ));
            continue;
        };
        if found["location"]["line"].as_u64().unwrap_or(0) == 0 {
            problems.push(format!("{}: not located: {found}", case.name));
        }
        let relaxed = case.direction == "relaxes";
        if relaxed != (r["relaxations"].as_u64().expect("count") > 0) {
            problems.push(format!("{}: {} relaxation(s)", case.name, r["relaxations"]));
        }
        if relaxed && case.path != "syncs_to" && found["example"].is_null() {
            problems.push(format!(
                "{}: a relaxation without an example: {found}",
                case.name
            ));
        }
        let fails = relaxed || head_errors > 0;
        if code != Some(if fails { 1 } else { 0 }) {
            problems.push(format!(
                "{}: exit {code:?} (head errors: {head_errors})",
                case.name
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Changes of a server's tool snapshot: tools added (ungoverned until bound), removed (dead
/// bindings), and changed annotations or input schemas (revalidate).
#[test]
fn snapshot_changes_are_reported() {
    let (_tmp, gov) = hubspot_repo();
    let path = gov.join("mcp/hubspot.tools.json");
    let mut snap: Value =
        serde_json::from_str(&fs::read_to_string(&path).expect("read")).expect("JSON");
    let tools = snap["tools"].as_array_mut().expect("tools");
    tools.retain(|t| t["name"] != "hubspot-get-link");
    for t in tools.iter_mut() {
        if t["name"] == "hubspot-batch-update-objects" {
            t["annotations"]["destructiveHint"] = json!(true);
        }
        if t["name"] == "hubspot-search-objects" {
            t["inputSchema"]["properties"]["newArgument"] = json!({ "type": "string" });
        }
    }
    tools.push(json!({ "name": "hubspot-delete-objects", "inputSchema": { "type": "object" } }));
    fs::write(&path, serde_json::to_string_pretty(&snap).expect("JSON")).expect("write");
    let (_, r) = diff_json(&gov, &["--base", "main"]);
    let changes: Vec<(String, String)> = r["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .map(|t| {
            (
                t["tool"].as_str().expect("tool").to_string(),
                t["change"].as_str().expect("change").to_string(),
            )
        })
        .collect();
    for want in [
        ("hubspot-get-link", "removed"),
        ("hubspot-delete-objects", "added"),
        ("hubspot-batch-update-objects", "annotations"),
        ("hubspot-search-objects", "input-schema"),
    ] {
        assert!(
            changes.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?} in {changes:?}"
        );
    }
    let update = r["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .find(|t| t["tool"] == "hubspot-batch-update-objects")
        .expect("update");
    assert_eq!(update["bound_to"], json!(["crm.contacts.update"]));
    let (_, md) = diff(&gov, &["--base", "main"]);
    assert!(md.contains("### MCP tools"), "{md}");
    assert!(md.contains("ungoverned until bound"), "{md}");
}

/// A binding changed so that a tool call performs a weaker operation, or no longer names the
/// fields its grant restricts, is a relaxation (DESIGN §5, "a binding").
#[test]
fn a_relaxed_binding_is_a_relaxation() {
    for (from, to, what) in [
        (
            "{ name: hubspot-batch-read-objects, args: { objectType: contacts }, fields: properties }",
            "{ name: hubspot-batch-read-objects, fields: properties }",
            "now performs `crm.contacts.read`",
        ),
        (
            "{ name: hubspot-batch-read-objects, args: { objectType: contacts }, fields: properties }",
            "{ name: hubspot-batch-read-objects, args: { objectType: contacts } }",
            "no longer names its fields",
        ),
    ] {
        let (_tmp, gov) = hubspot_repo();
        edit(&gov.join("connectors.yaml"), from, to);
        let (code, r) = diff_json(&gov, &["--base", "main", "--fail-on", "relaxation"]);
        let found = r["relaxed"]
            .as_array()
            .expect("relaxed")
            .iter()
            .find(|c| c["what"].as_str().is_some_and(|w| w.contains(what)));
        assert!(found.is_some(), "{what}: {:#}", r["relaxed"]);
        let c = found.expect("found");
        assert_eq!(c["location"]["file"], "connectors.yaml");
        assert_eq!(code, Some(1), "{r:#}");
    }
}
