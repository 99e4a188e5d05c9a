//! `agentgov build`: what it writes, that it writes it deterministically and atomically, that it
//! never deletes what it did not write; and that `bundle.json` matches its schema and lets a
//! gateway reach the same answers as `Plan::decide`.

use crate::common::gen;

use agentgov::analysis::{check, CheckOptions};
use agentgov::decide::{FactValue, Outcome, Plan, Request};
use agentgov::emit::{self, EmitContext};
use assert_cmd::Command;
use chrono::NaiveDate;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const TODAY: &str = "2026-11-26";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).expect("date")
}

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn agentgov() -> Command {
    Command::cargo_bin("agentgov").expect("binary")
}

fn build(input: &Path, out: &Path) -> assert_cmd::assert::Assert {
    agentgov()
        .arg("build")
        .arg(input)
        .arg("--out")
        .arg(out)
        .args(["--today", TODAY])
        .assert()
}

/// Every file under `dir`, by relative path, with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(dir).min_depth(1) {
        let e = e.expect("walk");
        if e.file_type().is_file() {
            let rel = e
                .path()
                .strip_prefix(dir)
                .expect("inside")
                .to_string_lossy()
                .replace('\\', "/");
            out.insert(rel, std::fs::read(e.path()).expect("read"));
        }
    }
    out
}

/// Copies a folder, creating its files in the given order of the sorted listing.
fn copy_tree(from: &Path, to: &Path, reverse: bool) {
    let mut files: Vec<(String, Vec<u8>)> = tree(from).into_iter().collect();
    if reverse {
        files.reverse();
    }
    for (rel, bytes) in files {
        let p = to.join(&rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, bytes).expect("write");
    }
}

/// Siblings of `out` that a build left behind (temporary or old folders).
fn leftovers(out: &Path) -> Vec<String> {
    let name = out
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    std::fs::read_dir(out.parent().expect("parent"))
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&format!(".{name}.agentgov-")))
        .collect()
}

fn artifacts_of(root: &Path) -> Vec<(String, Vec<u8>)> {
    let c = check(
        root,
        &CheckOptions {
            today: today(),
            ..CheckOptions::default()
        },
    )
    .expect("readable");
    assert!(
        !c.has_errors(),
        "{}",
        agentgov::commands::common::human_report(&c, false)
    );
    let cx = EmitContext::from_checked(&c, today()).expect("compiled");
    emit::all(&cx).expect("the built-in templates render")
}

#[test]
fn worked_example_builds_every_artifact() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let assert = build(&repo("governance"), &out).success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(stdout.contains("wrote "), "summary: {stdout}");
    let written = tree(&out);
    let expected = artifacts_of(&repo("governance"));
    for name in ["bundle.json", "prometheus/rules.yml", "CODEOWNERS"] {
        assert!(
            written.contains_key(name),
            "{name} missing; wrote {:?}",
            written.keys().collect::<Vec<_>>()
        );
    }
    for (path, bytes) in &expected {
        assert_eq!(
            written.get(path),
            Some(bytes),
            "{path} differs from the emitter's output"
        );
    }
    // Nothing else than the artifacts and the marker that lists them.
    let mut names: BTreeSet<&str> = expected.iter().map(|(p, _)| p.as_str()).collect();
    names.insert(agentgov::commands::build::MARKER);
    assert_eq!(
        written.keys().map(|s| s.as_str()).collect::<BTreeSet<_>>(),
        names
    );
    let marker =
        String::from_utf8(written[agentgov::commands::build::MARKER].clone()).expect("utf-8");
    for (path, _) in &expected {
        assert!(marker.lines().any(|l| l == path), "marker lists {path}");
    }
    assert!(
        leftovers(&out).is_empty(),
        "left behind: {:?}",
        leftovers(&out)
    );
}

#[test]
fn builds_are_byte_identical_whatever_the_file_order_and_location() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    let src_a = a.path().join("governance");
    let src_b = b.path().join("some/deeper/place/gov");
    copy_tree(&repo("governance"), &src_a, false);
    copy_tree(&repo("governance"), &src_b, true);
    let out_a = a.path().join("out");
    let out_b = b.path().join("elsewhere/build-output");
    build(&src_a, &out_a).success();
    build(&src_b, &out_b).success();
    let (ta, tb) = (tree(&out_a), tree(&out_b));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (path, bytes) in &ta {
        assert!(tb[path] == *bytes, "{path} differs between the two builds");
    }
    // And a second build of the same input gives the same bytes again.
    build(&src_b, &out_b).success();
    assert_eq!(tree(&out_b), tb);
}

/// The base fixture with an unknown business owner: an error.
fn broken_repo(dir: &Path) -> PathBuf {
    let src = dir.join("broken");
    copy_tree(&repo("tests/fixtures/base"), &src, false);
    let agents = src.join("agents.yaml");
    let text = std::fs::read_to_string(&agents).expect("read");
    assert!(text.contains("business: ana"));
    std::fs::write(&agents, text.replace("business: ana", "business: nobody")).expect("write");
    src
}

#[test]
fn errors_block_the_build_and_leave_no_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = broken_repo(dir.path());
    let out = dir.path().join("nested/out");
    let assert = build(&src, &out).code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("nobody"),
        "the report names the problem: {stderr}"
    );
    assert!(!out.exists(), "no output folder on errors");
    assert!(
        !dir.path().join("nested").exists(),
        "not even its parent is created"
    );
}

#[test]
fn templates_that_do_not_render_fail_the_build_and_leave_no_folder() {
    for (file, text) in [
        ("agent.html", "<p>{{ agent.nosuchfield.deeper }}</p>"),
        ("POLICY.md", "{{ nosuchvariable.field }}"),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let templates = dir.path().join("templates");
        std::fs::create_dir(&templates).expect("mkdir");
        std::fs::write(templates.join(file), text).expect("write");
        let out = dir.path().join("out");
        let assert = agentgov()
            .arg("build")
            .arg(repo("governance"))
            .arg("--out")
            .arg(&out)
            .arg("--templates")
            .arg(&templates)
            .args(["--today", TODAY])
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(stderr.contains("do not render"), "{file}: {stderr}");
        assert!(!out.exists(), "{file}: no output folder");
        assert!(leftovers(&out).is_empty(), "{file}: {:?}", leftovers(&out));
    }
}

#[test]
fn errors_leave_a_previous_build_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("good");
    copy_tree(&repo("tests/fixtures/base"), &good, false);
    let out = dir.path().join("out");
    build(&good, &out).success();
    let before = tree(&out);
    let src = broken_repo(dir.path());
    build(&src, &out).code(1);
    assert_eq!(tree(&out), before);
    assert!(leftovers(&out).is_empty());
}

#[test]
fn refuses_to_replace_a_folder_it_did_not_write() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("docs");
    std::fs::create_dir_all(&out).expect("mkdir");
    std::fs::write(out.join("notes.txt"), "mine").expect("write");
    let assert = build(&repo("tests/fixtures/base"), &out).code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("not written by `agentgov build`"),
        "{stderr}"
    );
    assert_eq!(tree(&out).len(), 1);
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).expect("kept"),
        "mine"
    );
    assert!(leftovers(&out).is_empty());
}

#[test]
fn refuses_to_delete_a_file_added_to_a_previous_build() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    build(&repo("tests/fixtures/base"), &out).success();
    std::fs::write(out.join("prometheus/extra.yml"), "groups: []\n").expect("write");
    let assert = build(&repo("tests/fixtures/base"), &out).code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("prometheus/extra.yml"), "{stderr}");
    assert!(out.join("prometheus/extra.yml").exists());
}

#[test]
fn rebuilds_over_its_own_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("repo");
    copy_tree(&repo("tests/fixtures/base"), &src, false);
    let out = dir.path().join("out");
    build(&src, &out).success();
    let first = tree(&out);
    // Change the repository: the new build replaces the old one entirely.
    let agents = src.join("agents.yaml");
    let text = std::fs::read_to_string(&agents).expect("read");
    std::fs::write(&agents, text.replace("above: 3", "above: 5")).expect("write");
    build(&src, &out).success();
    let second = tree(&out);
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        second.keys().collect::<Vec<_>>()
    );
    let rules = String::from_utf8(second["prometheus/rules.yml"].clone()).expect("utf-8");
    assert!(rules.contains("> 5"), "{rules}");
    assert_ne!(
        first["prometheus/rules.yml"],
        second["prometheus/rules.yml"]
    );
    assert!(
        leftovers(&out).is_empty(),
        "left behind: {:?}",
        leftovers(&out)
    );
}

#[test]
fn builds_into_an_empty_folder_and_below_the_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("repo");
    copy_tree(&repo("tests/fixtures/base"), &src, false);
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    build(&src, &empty).success();
    assert!(empty.join("bundle.json").is_file());
    // `target/` inside the governance folder is skipped by the loader, so building there is fine,
    // and a second check of the folder still passes.
    let inside = src.join("target/governance");
    build(&src, &inside).success();
    build(&src, &inside).success();
    agentgov()
        .arg("check")
        .arg(&src)
        .args(["--today", TODAY])
        .assert()
        .success();
}

#[test]
fn refuses_to_write_over_its_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("parent/repo");
    copy_tree(&repo("tests/fixtures/base"), &src, false);
    let before = tree(dir.path());
    build(&src, &src).code(2);
    build(&src, &dir.path().join("parent")).code(2);
    assert_eq!(tree(dir.path()), before, "nothing changed");
}

#[cfg(unix)]
#[test]
fn refuses_a_symbolic_link_or_a_file_as_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let real = dir.path().join("real");
    build(&repo("tests/fixtures/base"), &real).success();
    let before = tree(&real);
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    build(&repo("tests/fixtures/base"), &link).code(2);
    assert!(std::fs::symlink_metadata(&link)
        .expect("link")
        .file_type()
        .is_symlink());
    assert_eq!(tree(&real), before);
    let file = dir.path().join("file");
    std::fs::write(&file, "mine").expect("write");
    build(&repo("tests/fixtures/base"), &file).code(2);
    assert_eq!(std::fs::read_to_string(&file).expect("kept"), "mine");
}

// ---------------------------------------------------------------- bundle.json

fn bundle_of(root: &Path) -> (Value, Plan) {
    let c = check(
        root,
        &CheckOptions {
            today: today(),
            ..CheckOptions::default()
        },
    )
    .expect("readable");
    let cx = EmitContext::from_checked(&c, today()).expect("compiled");
    let text = emit::bundle::emit(&cx).remove(0).1;
    (
        serde_json::from_slice(&text).expect("bundle.json is JSON"),
        c.plan.clone().expect("plan"),
    )
}

fn assert_valid(bundle: &Value) {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo("schemas/bundle.json")).expect("schema"),
    )
    .expect("JSON");
    let validator = jsonschema::draft202012::new(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(bundle)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "bundle.json does not match schemas/bundle.json:\n{}",
        errors.join("\n")
    );
}

/// Does an escalation's `when` hold on a context, as a gateway reads it from the bundle?
fn holds(fact: &str, when: &Value, context: &BTreeMap<String, FactValue>) -> bool {
    let v = context.get(fact);
    match (when.as_object().and_then(|o| o.iter().next()), v) {
        (Some((k, t)), Some(FactValue::Number(n))) if k == "below" => {
            *n < t.as_f64().expect("number")
        }
        (Some((k, t)), Some(FactValue::Number(n))) if k == "above" => {
            *n > t.as_f64().expect("number")
        }
        (Some((k, t)), Some(FactValue::String(s))) if k == "in" => t
            .as_array()
            .expect("list")
            .iter()
            .any(|x| x.as_str() == Some(s)),
        (Some((k, t)), Some(FactValue::Bool(b))) if k == "is" => t.as_bool() == Some(*b),
        _ => false,
    }
}

/// The README's gateway algorithm, on the bundle alone: (effect, tier).
fn gateway(bundle: &Value, req: &Request) -> (String, Option<String>) {
    let deny = ("deny".to_string(), None);
    let Some(op) = bundle["agents"]
        .get(&req.agent)
        .and_then(|a| a["operations"].get(&req.operation))
    else {
        return deny;
    };
    let d = req
        .workflow
        .as_ref()
        .and_then(|w| op["workflows"].get(w))
        .unwrap_or(&op["decision"]);
    if d["effect"] == "deny" {
        return deny;
    }
    let tiers: Vec<&str> = bundle["policy"]["tiers"]
        .as_array()
        .expect("tiers")
        .iter()
        .map(|t| t["id"].as_str().expect("id"))
        .collect();
    let rank = |t: &str| tiers.iter().position(|x| *x == t).expect("known tier");
    let mut r = rank(d["tier"].as_str().expect("tier"));
    if let Some(fields) = &req.fields {
        let granted = op["allowed_fields"]
            .as_array()
            .expect("sets")
            .iter()
            .any(|set| {
                fields
                    .iter()
                    .all(|f| set.as_array().expect("set").iter().any(|x| x == f.as_str()))
            });
        if !granted {
            return deny;
        }
        for rule in d["field_rules"].as_array().expect("rules") {
            if rule["fields"]
                .as_array()
                .expect("fields")
                .iter()
                .any(|f| fields.iter().any(|x| f == x.as_str()))
            {
                r = r.max(rank(rule["tier"].as_str().expect("tier")));
            }
        }
    }
    for e in bundle["policy"]["escalations"]
        .as_array()
        .expect("escalations")
    {
        if holds(e["fact"].as_str().expect("fact"), &e["when"], &req.context) {
            r = r.max(rank(e["raise_to"].as_str().expect("tier")));
        }
    }
    let effect = if r == 0 { "allow" } else { "approve" };
    (effect.to_string(), Some(tiers[r].to_string()))
}

/// Contexts that make each escalation hold or not, in every combination (up to 64).
fn contexts(plan: &Plan) -> Vec<BTreeMap<String, FactValue>> {
    use agentgov::decide::TestPlan;
    let mut out = vec![BTreeMap::new()];
    for e in plan.escalations.iter().take(6) {
        let (yes, no) = match &e.test {
            TestPlan::Below(n) => (FactValue::Number(n - 1.0), FactValue::Number(n + 1.0)),
            TestPlan::Above(n) => (FactValue::Number(n + 1.0), FactValue::Number(n - 1.0)),
            TestPlan::In(v) => (
                FactValue::String(v[0].clone()),
                FactValue::String("zz-none".into()),
            ),
            TestPlan::Is(b) => (FactValue::Bool(*b), FactValue::Bool(!b)),
        };
        out = out
            .into_iter()
            .flat_map(|c| {
                let mut with = c.clone();
                with.insert(e.fact.clone(), yes.clone());
                let mut without = c.clone();
                without.entry(e.fact.clone()).or_insert(no.clone());
                [with, without]
            })
            .collect();
    }
    out
}

/// The bundle's static decisions equal `decide`, and the gateway algorithm reaches `decide`'s
/// effect and tier for every context and workflow (and a tier never weaker when fields are named).
fn assert_gateway_agrees(bundle: &Value, plan: &Plan) {
    let ctxs = contexts(plan);
    for (agent, ap) in &plan.agents {
        for (op_id, op) in &ap.operations {
            let entry = &bundle["agents"][agent]["operations"][op_id];
            let d = plan.decide(&Request {
                agent: agent.clone(),
                operation: op_id.clone(),
                ..Request::default()
            });
            assert_eq!(
                entry["decision"]["effect"],
                d.effect.as_str(),
                "{agent} {op_id}"
            );
            assert_eq!(
                entry["decision"]["tier"],
                serde_json::json!(d.tier),
                "{agent} {op_id}"
            );
            assert_eq!(
                entry["decision"]["reasons"],
                serde_json::json!(d.reasons),
                "{agent} {op_id}"
            );
            let mut workflows: Vec<Option<String>> = vec![None];
            for w in op.workflows.keys() {
                let wd = plan.decide(&Request {
                    agent: agent.clone(),
                    operation: op_id.clone(),
                    workflow: Some(w.clone()),
                    ..Request::default()
                });
                assert_eq!(entry["workflows"][w]["effect"], wd.effect.as_str());
                assert_eq!(entry["workflows"][w]["tier"], serde_json::json!(wd.tier));
                assert_eq!(
                    entry["workflows"][w]["reasons"],
                    serde_json::json!(wd.reasons)
                );
                workflows.push(Some(w.clone()));
            }
            // Escalations listed are exactly those stronger than the static tier.
            if d.effect != Outcome::Deny {
                let r = plan
                    .tiers
                    .iter()
                    .position(|t| Some(t) == d.tier.as_ref())
                    .expect("tier");
                let expect: Vec<&str> = plan
                    .escalations
                    .iter()
                    .filter(|e| e.rank > r)
                    .map(|e| e.id.as_str())
                    .collect();
                assert_eq!(
                    entry["escalations"],
                    serde_json::json!(expect),
                    "{agent} {op_id}"
                );
            }
            for w in &workflows {
                for ctx in &ctxs {
                    let req = Request {
                        agent: agent.clone(),
                        operation: op_id.clone(),
                        fields: None,
                        workflow: w.clone(),
                        context: ctx.clone(),
                    };
                    let want = plan.decide(&req);
                    let got = gateway(bundle, &req);
                    assert_eq!(
                        got,
                        (want.effect.as_str().to_string(), want.tier.clone()),
                        "{agent} {op_id} {w:?} {ctx:?}"
                    );
                }
                // Named fields: each single field, and each whole granted set.
                let mut field_reqs: Vec<Vec<String>> =
                    op.field_classes.keys().map(|f| vec![f.clone()]).collect();
                field_reqs.extend(op.field_sets.iter().map(|s| s.iter().cloned().collect()));
                for fields in field_reqs {
                    let req = Request {
                        agent: agent.clone(),
                        operation: op_id.clone(),
                        fields: Some(fields.clone()),
                        workflow: w.clone(),
                        context: BTreeMap::new(),
                    };
                    let want = plan.decide(&req);
                    let (effect, tier) = gateway(bundle, &req);
                    if want.effect == Outcome::Deny {
                        assert_eq!(effect, "deny", "{agent} {op_id} {fields:?}");
                    } else {
                        assert_ne!(effect, "deny", "{agent} {op_id} {fields:?}");
                        let rank = |t: &Option<String>| {
                            plan.tiers.iter().position(|x| Some(x) == t.as_ref())
                        };
                        assert!(
                            rank(&tier) >= rank(&want.tier),
                            "{agent} {op_id} {fields:?}: {tier:?} < {:?}",
                            want.tier
                        );
                    }
                }
            }
        }
    }
    // Agents and operations outside the bundle are denied, as by decide.
    let req = Request {
        agent: "no-such-agent".into(),
        operation: "crm.contacts.read".into(),
        ..Request::default()
    };
    assert_eq!(gateway(bundle, &req).0, plan.decide(&req).effect.as_str());
}

#[test]
fn bundle_of_the_worked_example_matches_its_schema_and_decide() {
    let (bundle, plan) = bundle_of(&repo("governance"));
    assert_eq!(bundle["version"], 1);
    assert_valid(&bundle);
    assert_gateway_agrees(&bundle, &plan);
    // Prompt hashes are the SHA-256 of the prompt files.
    use sha2::Digest;
    let bytes = std::fs::read(repo("governance/prompts/campaign-writer.md")).expect("prompt");
    let hex: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(bundle["agents"]["campaign-writer"]["prompt"]["sha256"], hex);
    // Cumulative audit fields for a two-person operation.
    let send = &bundle["agents"]["campaign-writer"]["operations"]["email.campaigns.send"];
    assert_eq!(send["decision"]["tier"], "two-person");
    let audit: Vec<&str> = send["audit_fields"]
        .as_array()
        .expect("list")
        .iter()
        .map(|v| v.as_str().expect("str"))
        .collect();
    for f in ["prompt", "reviewer", "approval_timestamps"] {
        assert!(audit.contains(&f), "{audit:?}");
    }
    assert_eq!(send["rollback"][0]["workflow"], "email-campaign");
}

#[test]
fn bundle_of_the_base_fixture_matches_its_schema_and_decide() {
    let (bundle, plan) = bundle_of(&repo("tests/fixtures/base"));
    assert_valid(&bundle);
    assert_gateway_agrees(&bundle, &plan);
}

#[test]
fn bundles_of_random_repositories_agree_with_decide() {
    let rules: Vec<&str> = agentgov::rules::analysis_rules()
        .iter()
        .map(|(i, _)| i.name)
        .collect();
    for seed in 0..24u64 {
        let dir = tempfile::tempdir().expect("tempdir");
        for (path, text) in gen::repository(seed.wrapping_mul(0x9E37_79B9), &rules) {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, text).expect("write");
        }
        let (bundle, plan) = bundle_of(dir.path());
        assert_valid(&bundle);
        assert_gateway_agrees(&bundle, &plan);
    }
}

#[test]
fn the_bundle_schema_is_exported() {
    let dir = tempfile::tempdir().expect("tempdir");
    agentgov()
        .args(["schema", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let exported = std::fs::read_to_string(dir.path().join("bundle.json")).expect("exported");
    let schema: Value = serde_json::from_str(&exported).expect("JSON");
    assert_eq!(schema["$id"], "urn:agentgov:schemas:v1:bundle.json");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
}

// ---------------------------------------------------------------- snapshots

#[test]
fn snapshots_of_the_worked_example() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    // Built in place so that CODEOWNERS paths are relative to this git repository.
    build(&repo("governance"), &out).success();
    let read = |p: &str| std::fs::read_to_string(out.join(p)).expect("artifact");
    insta::assert_snapshot!("bundle.json", read("bundle.json"));
    insta::assert_snapshot!("prometheus_rules.yml", read("prometheus/rules.yml"));
    insta::assert_snapshot!("CODEOWNERS", read("CODEOWNERS"));
    insta::assert_snapshot!("cedar_schema", read("cedar/schema.cedarschema"));
    insta::assert_snapshot!("cedar_policies", read("cedar/policies.cedar"));
    insta::assert_snapshot!("opa_policy.rego", read("opa/policy.rego"));
    insta::assert_snapshot!("opa_data.json", read("opa/data.json"));
    insta::assert_snapshot!("cedar_mcp_policies", read("cedar-mcp/policies.cedar"));
    insta::assert_snapshot!("mcp_bindings.json", read("mcp/bindings.json"));
    insta::assert_snapshot!("audit_record.schema.json", read("audit/record.schema.json"));
}
