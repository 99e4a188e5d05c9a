//! `cedar-mcp/`, evaluated by the `cedar-policy` crate on generated tool calls, answers exactly
//! like the operation the call performs under `decide` plus the approval check: arguments that
//! match and miss the discriminators, fields inside and outside the grants, every escalation,
//! approvals that do and do not satisfy each tier, unbound tools, unknown agents.

use agentgov::analysis::{check, CheckOptions};
use agentgov::decide::{FactValue, Request};
use agentgov::emit::{cedar_mcp, mcp_bindings, EmitContext};
use agentgov::model::FactType;
use cedar_policy::{
    Authorizer, Context, Decision, Entities, EntityUid, PolicySet, Request as CedarRequest, Schema,
    ValidationMode, Validator,
};
use chrono::NaiveDate;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::str::FromStr;

fn uid(ty: &str, id: &str) -> EntityUid {
    EntityUid::from_type_name_and_id(ty.parse().expect("type"), cedar_policy::EntityId::new(id))
}

/// A fact value for Cedar (numbers as decimals, with four fractional digits at most).
fn cedar_value(v: &FactValue) -> Value {
    match v {
        FactValue::Number(n) => json!({ "__extn": { "fn": "decimal", "arg": format!("{n:.4}") } }),
        FactValue::Bool(b) => json!(b),
        FactValue::String(s) => json!(s),
    }
}

/// The operation a call with these arguments performs: the first binding whose `args` it has.
fn selected_operation(list: &[Value], args: &serde_json::Map<String, Value>) -> Option<String> {
    list.iter()
        .find(|b| {
            b["args"]
                .as_object()
                .is_none_or(|a| a.iter().all(|(k, v)| args.get(k) == Some(v)))
        })
        .map(|b| b["operation"].as_str().expect("op").to_string())
}

/// The fields of an operation's resource (none for no operation).
fn fields_of(m: &agentgov::model::Model, op: Option<&str>) -> Vec<String> {
    op.and_then(|o| {
        let mut it = o.split('.');
        let (cn, rn) = (it.next()?, it.next()?);
        m.connectors
            .get(cn)?
            .spec
            .resources
            .get(rn)
            .map(|r| r.fields.keys().cloned().collect())
    })
    .unwrap_or_default()
}

fn run(root: &Path) -> usize {
    let today = NaiveDate::from_ymd_opt(2026, 11, 26).expect("date");
    let c = check(
        root,
        &CheckOptions {
            today,
            ..Default::default()
        },
    )
    .expect("readable");
    let errors: Vec<String> = c
        .diagnostics
        .iter()
        .filter(|d| d.severity == agentgov::diag::Severity::Error && d.waived.is_none())
        .map(|d| d.message.clone())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let cx = EmitContext::from_checked(&c, today).expect("a plan");
    let files: BTreeMap<String, String> = cedar_mcp::emit(&cx)
        .into_iter()
        .map(|(p, b)| (p, String::from_utf8(b).expect("utf-8")))
        .collect();
    let (schema, _) = Schema::from_cedarschema_str(&files["cedar-mcp/schema.cedarschema"])
        .unwrap_or_else(|e| panic!("schema: {e:?}\n{}", files["cedar-mcp/schema.cedarschema"]));
    let text = &files["cedar-mcp/policies.cedar"];
    let policies = PolicySet::from_str(text).unwrap_or_else(|e| panic!("policies: {e:?}\n{text}"));
    let v = Validator::new(schema.clone()).validate(&policies, ValidationMode::Strict);
    let problems: Vec<String> = v.validation_errors().map(|e| format!("{e:?}")).collect();
    assert!(
        problems.is_empty(),
        "strict validation: {problems:#?}\n{text}"
    );
    let entities = Entities::from_json_str(&files["cedar-mcp/entities.json"], Some(&schema))
        .expect("entities");

    let m = cx.model;
    let plan = cx.plan;
    let bindings = mcp_bindings::document(m);
    // Contexts: none, and each escalation's fact on both sides of its test.
    let mut contexts: Vec<BTreeMap<String, FactValue>> = vec![BTreeMap::new()];
    for e in &m.policy().escalations {
        let ty = m.policy().facts.get(&e.when.fact).copied();
        let values: Vec<FactValue> = match ty {
            Some(FactType::Number) => vec![
                FactValue::Number(-1.0),
                FactValue::Number(0.5),
                FactValue::Number(0.9),
                FactValue::Number(3.0),
            ],
            Some(FactType::String) => vec![
                FactValue::String("vip".into()),
                FactValue::String("general".into()),
            ],
            Some(FactType::Bool) => vec![FactValue::Bool(true), FactValue::Bool(false)],
            None => vec![],
        };
        for v in values {
            contexts.push(BTreeMap::from([(e.when.fact.clone(), v)]));
        }
    }
    let mut approvals: Vec<Option<(usize, BTreeSet<String>)>> = vec![None];
    for need in &plan.approvals {
        approvals.push(Some((need.count, need.groups.clone())));
        if need.count > 0 {
            approvals.push(Some((need.count - 1, need.groups.clone())));
        }
        if let Some(g) = need.groups.iter().next() {
            let mut less = need.groups.clone();
            less.remove(g);
            approvals.push(Some((need.count, less)));
        }
    }
    let mut agents: Vec<String> = m.agents.keys().cloned().collect();
    agents.push("ghost".into());
    let mut n = 0;
    for (server, s) in bindings["servers"].as_object().expect("servers") {
        for (tool, t) in s["tools"].as_object().expect("tools") {
            let list = t["bindings"].as_array().expect("bindings");
            // Inputs: each binding's arguments, each with one discriminator missed, and none.
            let mut inputs: Vec<serde_json::Map<String, Value>> = vec![serde_json::Map::new()];
            for b in list {
                if let Some(args) = b["args"].as_object() {
                    let mut with = args.clone();
                    with.insert("extra".into(), json!([1, 2]));
                    inputs.push(with);
                    for k in args.keys() {
                        let mut missed = args.clone();
                        missed.insert(k.clone(), json!("something-else"));
                        inputs.push(missed);
                    }
                }
            }
            let action = uid("Action", &cedar_mcp::action(server, tool));
            for agent in &agents {
                for input in &inputs {
                    let op_id = selected_operation(list, input);
                    let resource_fields = fields_of(m, op_id.as_deref());
                    let mut field_lists: Vec<Option<Vec<String>>> = vec![None, Some(vec![])];
                    // Each field alone (every class shows among the first few), and all of them.
                    field_lists.extend(
                        resource_fields
                            .iter()
                            .step_by(2)
                            .map(|f| Some(vec![f.clone()])),
                    );
                    if !resource_fields.is_empty() {
                        field_lists.push(Some(resource_fields.clone()));
                    }
                    // A call that selects no operation, or of an agent without grants, is denied
                    // whatever else it carries: one context is enough there.
                    let granted = op_id.as_ref().is_some_and(|o| {
                        plan.agents
                            .get(agent)
                            .is_some_and(|a| a.operations.contains_key(o))
                    });
                    if !granted {
                        field_lists.truncate(1);
                    }
                    let contexts = if granted {
                        &contexts[..]
                    } else {
                        &contexts[..1]
                    };
                    for fields in &field_lists {
                        for facts in contexts {
                            for appr in &approvals {
                                let expected = match &op_id {
                                    None => false,
                                    Some(o) => plan.permits(
                                        &Request {
                                            agent: agent.clone(),
                                            operation: o.clone(),
                                            fields: fields.clone(),
                                            workflow: None,
                                            context: facts.clone(),
                                        },
                                        appr.as_ref().map(|(c, g)| (*c, g)),
                                    ),
                                };
                                let mut session: serde_json::Map<String, Value> = facts
                                    .iter()
                                    .map(|(k, v)| (k.clone(), cedar_value(v)))
                                    .collect();
                                if let Some(f) = fields {
                                    session.insert("fields".into(), json!(f));
                                }
                                if let Some((count, groups)) = appr {
                                    session.insert(
                                        "approvals".into(),
                                        json!({ "count": count, "groups": groups }),
                                    );
                                }
                                let context = Context::from_json_value(
                                    json!({ "input": input, "session": session }),
                                    None,
                                )
                                .expect("context");
                                let request = CedarRequest::new(
                                    uid("Agent", agent),
                                    action.clone(),
                                    uid("Resource", "agent"),
                                    context,
                                    None,
                                )
                                .expect("request");
                                let response =
                                    Authorizer::new().is_authorized(&request, &policies, &entities);
                                assert!(
                                    response.diagnostics().errors().next().is_none(),
                                    "evaluation errors for {agent} {tool} {input:?}"
                                );
                                let got = response.decision() == Decision::Allow;
                                assert_eq!(
                                    got, expected,
                                    "{agent} calls {server}_{tool} with {input:?}, fields {fields:?}, facts {facts:?}, approvals {appr:?} (operation {op_id:?})"
                                );
                                n += 1;
                            }
                        }
                    }
                }
            }
        }
    }
    n
}

#[test]
fn the_worked_example_tool_calls_agree_with_decide() {
    let n = run(&Path::new(env!("CARGO_MANIFEST_DIR")).join("governance"));
    eprintln!("{n} tool calls");
    assert!(n > 5_000, "{n} calls");
}

#[test]
fn hubspot_bound_fixture_agrees_with_decide() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    crate::common::copy_dir(&root.join("tests/fixtures/base"), tmp.path());
    crate::common::copy_dir(&root.join("tests/fixtures/unknown-tool/pass"), tmp.path());
    let n = run(tmp.path());
    assert!(n > 500, "{n} calls");
}

/// Puts field names at a binding's `fields` path in a call's arguments (the keys of an object;
/// `[]` steps wrap a one-element array).
fn place(input: &mut serde_json::Map<String, Value>, path: &str, fields: &[String]) {
    fn build(steps: &[&str], fields: &[String]) -> Value {
        match steps.split_first() {
            None => Value::Object(fields.iter().map(|f| (f.clone(), json!("x"))).collect()),
            Some((step, rest)) => {
                let (name, many) = match step.strip_suffix("[]") {
                    Some(n) => (n, true),
                    None => (*step, false),
                };
                let inner = build(rest, fields);
                let v = if many { json!([inner]) } else { inner };
                json!({ name: v })
            }
        }
    }
    let steps: Vec<&str> = path.split('.').collect();
    if let Value::Object(m) = build(&steps, fields) {
        input.extend(m);
    }
}

/// The same tool calls, through Strands Agents' own `CedarAuthorization` handler loaded with
/// the worked example's `cedar-mcp/` and the README's context enricher (`tests/strands/`).
#[test]
#[ignore = "needs python3 with strands-agents[cedar] (AGENTGOV_STRANDS_PYTHON)"]
fn strands_cedar_authorization_agrees_with_decide() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let today = NaiveDate::from_ymd_opt(2026, 11, 26).expect("date");
    let gov = root.join("governance");
    let c = check(
        &gov,
        &CheckOptions {
            today,
            ..Default::default()
        },
    )
    .expect("readable");
    let cx = EmitContext::from_checked(&c, today).expect("a plan");
    let (m, plan) = (cx.model, cx.plan);
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    crate::common::build_ok(&gov, &out);
    let bindings = mcp_bindings::document(m);
    let facts: Vec<serde_json::Map<String, Value>> = vec![
        serde_json::Map::new(),
        serde_json::Map::from_iter([("confidence".to_string(), json!(0.4))]),
        serde_json::Map::from_iter([("confidence".to_string(), json!(0.9))]),
        serde_json::Map::from_iter([("audience".to_string(), json!("vip"))]),
        serde_json::Map::from_iter([("customer_data".to_string(), json!(true))]),
        serde_json::Map::from_iter([("systems_touched".to_string(), json!(3))]),
    ];
    let mut approvals: Vec<Option<(usize, BTreeSet<String>)>> = vec![None];
    for need in &plan.approvals {
        approvals.push(Some((need.count, need.groups.clone())));
        if let Some(g) = need.groups.iter().next() {
            let mut less = need.groups.clone();
            less.remove(g);
            approvals.push(Some((need.count, less)));
        }
    }
    let mut agents: Vec<String> = m.agents.keys().cloned().collect();
    agents.push("ghost".into());
    let mut calls = Vec::new();
    for (server, s) in bindings["servers"].as_object().expect("servers") {
        for (tool, t) in s["tools"].as_object().expect("tools") {
            let list = t["bindings"].as_array().expect("bindings");
            let mut shapes: Vec<(serde_json::Map<String, Value>, Option<&str>)> =
                vec![(serde_json::Map::new(), None)];
            for b in list {
                let args = b["args"].as_object().cloned().unwrap_or_default();
                shapes.push((args.clone(), b["fields"].as_str()));
                for k in args.keys() {
                    let mut missed = args.clone();
                    missed.insert(k.clone(), json!("something-else"));
                    shapes.push((missed, None));
                }
            }
            for agent in &agents {
                for (args, path) in &shapes {
                    let op_id = selected_operation(list, args);
                    let granted = op_id.as_ref().is_some_and(|o| {
                        plan.agents
                            .get(agent)
                            .is_some_and(|a| a.operations.contains_key(o))
                    });
                    let resource_fields = fields_of(m, op_id.as_deref());
                    let mut field_lists: Vec<Option<Vec<String>>> = vec![None];
                    if path.is_some() && granted {
                        field_lists.push(Some(vec![]));
                        field_lists.extend(
                            resource_fields
                                .iter()
                                .step_by(3)
                                .map(|f| Some(vec![f.clone()])),
                        );
                        field_lists.push(Some(resource_fields.clone()));
                    }
                    let contexts = if granted { &facts[..] } else { &facts[..1] };
                    for fields in &field_lists {
                        let mut input = args.clone();
                        if let (Some(p), Some(f)) = (path, fields) {
                            place(&mut input, p, f);
                        }
                        for fs in contexts {
                            for appr in &approvals {
                                let permit = op_id.as_ref().is_some_and(|o| {
                                    plan.permits(
                                        &Request {
                                            agent: agent.clone(),
                                            operation: o.clone(),
                                            fields: fields.clone(),
                                            workflow: None,
                                            context: fs
                                                .iter()
                                                .map(|(k, v)| {
                                                    (
                                                        k.clone(),
                                                        FactValue::from_json(v).expect("fact"),
                                                    )
                                                })
                                                .collect(),
                                        },
                                        appr.as_ref().map(|(c, g)| (*c, g)),
                                    )
                                });
                                calls.push(json!({
                                    "agent": agent,
                                    "tool": cedar_mcp::action(server, tool),
                                    "input": input,
                                    "facts": fs,
                                    "approvals": appr.as_ref().map(|(c, g)| json!({ "count": c, "groups": g })),
                                    "permit": permit,
                                }));
                            }
                        }
                    }
                }
            }
        }
    }
    let permitted = calls.iter().filter(|c| c["permit"] == true).count();
    assert!(
        permitted > 100 && permitted < calls.len(),
        "{permitted} of {}",
        calls.len()
    );
    let calls_path = tmp.path().join("calls.json");
    std::fs::write(&calls_path, serde_json::to_string(&calls).expect("JSON")).expect("write");
    let python = std::env::var("AGENTGOV_STRANDS_PYTHON").unwrap_or_else(|_| "python3".into());
    let run = std::process::Command::new(python)
        .arg(root.join("tests/strands/check.py"))
        .arg(&out)
        .arg(&calls_path)
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        stdout.contains(&format!("{} calls, 0 disagreements", calls.len())),
        "{stdout}"
    );
}

/// The README shows the enricher the Strands check runs, verbatim.
#[test]
fn the_readme_shows_the_tested_enricher() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README");
    let enricher =
        std::fs::read_to_string(root.join("tests/strands/enricher.py")).expect("enricher");
    assert!(
        readme.contains(&enricher),
        "README.md does not show tests/strands/enricher.py as it is"
    );
}

/// The base fixture with the mail connector bound to the real memory server's tools: drafting
/// through a tool without discriminators (one approval at most: `ask`), sending (two people:
/// denied for lack of expressiveness); `escalations` as given, or removed (drafting: `allow`).
fn name_only_repo(escalations: bool) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    crate::common::copy_dir(&root.join("tests/fixtures/base"), tmp.path());
    std::fs::create_dir_all(tmp.path().join("mcp")).expect("mkdir");
    std::fs::copy(
        root.join("tests/data/mcp/memory.tools.json"),
        tmp.path().join("mcp/memory.tools.json"),
    )
    .expect("copy");
    let conn = std::fs::read_to_string(tmp.path().join("connectors.yaml")).expect("read");
    let conn = conn
        .replace(
            "  system: Example Mail\n",
            "  system: Example Mail\n  mcp:\n    server: memory\n    tools: mcp/memory.tools.json\n    ignore: [add_observations, create_relations, delete_observations, delete_relations, open_nodes, read_graph, search_nodes]\n",
        )
        .replace(
            "create: { effect: internal, reversibility: reversible }",
            "create: { effect: internal, reversibility: reversible, tools: [create_entities] }",
        )
        .replace(
            "send: { effect: external, reversibility: irreversible }",
            "send: { effect: external, reversibility: irreversible, tools: [delete_entities] }",
        );
    std::fs::write(tmp.path().join("connectors.yaml"), conn).expect("write");
    if !escalations {
        let policy = std::fs::read_to_string(tmp.path().join("policy.yaml")).expect("read");
        let policy = policy.replace(
            "  escalations:\n    - id: low-confidence\n      when: { fact: confidence, below: 0.7 }\n      raise_to: review\n",
            "  escalations: []\n",
        );
        std::fs::write(tmp.path().join("policy.yaml"), policy).expect("write");
    }
    tmp
}

/// The name-only projection permits only what `decide` permits ("ask" standing for one
/// approval), for every agent, tool, workflow, context and argument shape.
#[test]
fn name_only_targets_permit_nothing_decide_denies() {
    use agentgov::bindings::{name_only, NameOnly};
    let mut seen = BTreeSet::new();
    for escalations in [true, false] {
        let tmp = name_only_repo(escalations);
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).expect("date");
        let c = check(
            tmp.path(),
            &CheckOptions {
                today,
                ..Default::default()
            },
        )
        .expect("readable");
        let errors: Vec<String> = c
            .diagnostics
            .iter()
            .filter(|d| d.severity == agentgov::diag::Severity::Error)
            .map(|d| d.message.clone())
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        let cx = EmitContext::from_checked(&c, today).expect("a plan");
        let (m, plan) = (cx.model, cx.plan);
        let bindings = mcp_bindings::document(m);
        let all = agentgov::bindings::bindings(m);
        let contexts: Vec<BTreeMap<String, FactValue>> = vec![
            BTreeMap::new(),
            BTreeMap::from([("confidence".to_string(), FactValue::Number(0.2))]),
            BTreeMap::from([("confidence".to_string(), FactValue::Number(0.9))]),
            BTreeMap::from([("audience".to_string(), FactValue::String("vip".into()))]),
        ];
        let mut workflows: Vec<Option<String>> = vec![None, Some("elsewhere".into())];
        workflows.extend(m.workflows.keys().cloned().map(Some));
        for (server, s) in bindings["servers"].as_object().expect("servers") {
            for (tool, t) in s["tools"].as_object().expect("tools") {
                for agent in m.agents.keys() {
                    let v = name_only(plan, &all, agent, server, tool);
                    seen.insert(format!("{v:?}").split('(').next().unwrap_or("").to_string());
                    if matches!(v, NameOnly::Deny | NameOnly::Inexpressible(_)) {
                        continue;
                    }
                    for b in t["bindings"].as_array().expect("bindings") {
                        let op = b["operation"].as_str().expect("op");
                        for workflow in &workflows {
                            for context in &contexts {
                                let d = plan.decide(&Request {
                                    agent: agent.clone(),
                                    operation: op.into(),
                                    fields: None,
                                    workflow: workflow.clone(),
                                    context: context.clone(),
                                });
                                let rank = d
                                    .tier
                                    .as_deref()
                                    .and_then(|x| plan.tiers.iter().position(|y| y == x));
                                let ok = match v {
                                    NameOnly::Allow => d.effect == agentgov::decide::Outcome::Allow,
                                    _ => rank.is_some_and(|r| plan.approvals[r].count <= 1),
                                };
                                assert!(ok, "{agent} {server}_{tool} is {v:?} but decide says {d:?} in {workflow:?} with {context:?}");
                            }
                        }
                    }
                }
            }
        }
        // The generated files say the same.
        let files: BTreeMap<String, Vec<u8>> =
            agentgov::emit::runtimes::emit(&cx).into_iter().collect();
        let openai: Value =
            serde_json::from_slice(&files["openai-agents/writer.json"]).expect("JSON");
        let memory = &openai["mcp_servers"]["memory"];
        let allowed = memory["tool_filter"]["allowed_tool_names"]
            .as_array()
            .expect("list");
        assert!(allowed.contains(&json!("create_entities")), "{openai:#}");
        assert!(memory["tool_filter"]["blocked_tool_names"]
            .as_array()
            .expect("list")
            .contains(&json!("delete_entities")));
        let approval = if escalations { "always" } else { "never" };
        assert!(
            memory["require_approval"][approval]["tool_names"]
                .as_array()
                .expect("list")
                .contains(&json!("create_entities")),
            "{openai:#}"
        );
        let claude: Value =
            serde_json::from_slice(&files["claude/writer.settings.json"]).expect("JSON");
        let list = if escalations { "ask" } else { "allow" };
        assert!(
            claude["permissions"][list]
                .as_array()
                .expect("list")
                .contains(&json!("mcp__memory__create_entities")),
            "{claude:#}"
        );
        assert!(claude["permissions"]["deny"]
            .as_array()
            .expect("list")
            .contains(&json!("mcp__memory__delete_entities")));
    }
    for kind in ["Allow", "Ask", "Deny", "Inexpressible"] {
        assert!(seen.contains(kind), "no {kind} verdict: {seen:?}");
    }
}

/// `claude/<agent>.settings.json` validates against SchemaStore's Claude Code settings schema
/// (vendored in `tests/data/` with its source).
#[test]
fn claude_settings_validate_against_schemastore() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("tests/data/claude-code-settings.json"))
            .expect("schema"),
    )
    .expect("JSON");
    let validator = jsonschema::validator_for(&schema).expect("compiles");
    let mut n = 0;
    for repo in [name_only_repo(true), name_only_repo(false)] {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).expect("date");
        let c = check(
            repo.path(),
            &CheckOptions {
                today,
                ..Default::default()
            },
        )
        .expect("readable");
        let cx = EmitContext::from_checked(&c, today).expect("a plan");
        for (path, bytes) in agentgov::emit::runtimes::emit(&cx) {
            if !path.ends_with(".settings.json") {
                continue;
            }
            let v: Value = serde_json::from_slice(&bytes).expect("JSON");
            let errors: Vec<String> = validator
                .iter_errors(&v)
                .map(|e| format!("{e} at {}", e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{path}: {errors:#?}");
            n += 1;
        }
    }
    // And a rule the schema rejects is rejected: the validator is not vacuous.
    let bad = json!({ "permissions": { "allow": ["mcp-memory-create"] } });
    assert!(!validator.is_valid(&bad));
    assert!(n >= 2);
}

/// The OpenAI Agents SDK, given a generated `openai-agents/<agent>.json` as keyword arguments of
/// its `MCPServerStdio` against the real memory server, offers exactly the allowed tools and asks
/// for approval exactly where the file says.
#[test]
#[ignore = "needs python3 with openai-agents (AGENTGOV_STRANDS_PYTHON) and the MCP servers of tests/mcp"]
fn openai_agents_sdk_reads_the_generated_configuration() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = std::env::var("AGENTGOV_STRANDS_PYTHON").unwrap_or_else(|_| "python3".into());
    let server = root.join("tests/mcp/node_modules/.bin/mcp-server-memory");
    for escalations in [true, false] {
        let repo = name_only_repo(escalations);
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).expect("date");
        let c = check(
            repo.path(),
            &CheckOptions {
                today,
                ..Default::default()
            },
        )
        .expect("readable");
        let cx = EmitContext::from_checked(&c, today).expect("a plan");
        let files: BTreeMap<String, Vec<u8>> =
            agentgov::emit::runtimes::emit(&cx).into_iter().collect();
        let config = repo.path().join("writer.json");
        std::fs::write(&config, &files["openai-agents/writer.json"]).expect("write");
        let run = std::process::Command::new(&python)
            .arg(root.join("tests/openai_agents/check.py"))
            .arg(&config)
            .arg("memory")
            .arg(&server)
            .env("MEMORY_FILE_PATH", repo.path().join("memory.jsonl"))
            .output()
            .expect("python runs");
        let out = String::from_utf8_lossy(&run.stdout);
        assert!(
            run.status.success(),
            "{out}{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let report: Value = serde_json::from_str(out.trim()).expect("JSON");
        assert_eq!(report["offered"], json!(["create_entities"]), "{report}");
    }
    // Every generated configuration of the worked example, against the real server it names
    // (HubSpot's lists its tools with a placeholder token).
    let today = NaiveDate::from_ymd_opt(2026, 11, 26).expect("date");
    let c = check(
        &root.join("governance"),
        &CheckOptions {
            today,
            ..Default::default()
        },
    )
    .expect("readable");
    let cx = EmitContext::from_checked(&c, today).expect("a plan");
    let tmp = tempfile::tempdir().expect("tempdir");
    let bin = root.join("tests/mcp/node_modules/.bin");
    let mut checked = 0;
    for (path, bytes) in agentgov::emit::runtimes::emit(&cx) {
        if !path.starts_with("openai-agents/") {
            continue;
        }
        let config = tmp.path().join(path.replace('/', "-"));
        std::fs::write(&config, &bytes).expect("write");
        let v: Value = serde_json::from_slice(&bytes).expect("JSON");
        for server in v["mcp_servers"].as_object().expect("servers").keys() {
            let mut cmd = std::process::Command::new(&python);
            cmd.arg(root.join("tests/openai_agents/check.py"))
                .arg(&config)
                .arg(server);
            match server.as_str() {
                "filesystem" => cmd.arg(bin.join("mcp-server-filesystem")).arg(tmp.path()),
                "hubspot" => cmd
                    .arg(bin.join("mcp-hubspot"))
                    .env("PRIVATE_APP_ACCESS_TOKEN", "placeholder"),
                other => panic!("no real server for `{other}`"),
            };
            let run = cmd.output().expect("python runs");
            let out = String::from_utf8_lossy(&run.stdout);
            assert!(
                run.status.success(),
                "{path} {server}: {out}{}",
                String::from_utf8_lossy(&run.stderr)
            );
            checked += 1;
        }
    }
    assert!(checked >= 6, "{checked} configurations");
}
