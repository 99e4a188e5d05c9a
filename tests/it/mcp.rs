//! `agentgov mcp import` against real MCP servers from npm (installed in `tests/mcp` by
//! `.ci/run`), and against misbehaving servers written in `sh` for the error paths.

use agentgov::analysis::{check, CheckOptions};
use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn servers() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp/node_modules/.bin")
}

fn import(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let out = Command::cargo_bin("agentgov")
        .expect("binary")
        .current_dir(dir)
        .args(["mcp", "import"])
        .args(args)
        .envs(env.iter().copied())
        .timeout(Duration::from_secs(60))
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn snapshot(dir: &Path, server: &str) -> Value {
    let text =
        std::fs::read_to_string(dir.join(format!("mcp/{server}.tools.json"))).expect("snapshot");
    serde_json::from_str(&text).expect("JSON")
}

fn names(s: &Value) -> Vec<String> {
    s["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .map(|t| t["name"].as_str().expect("name").to_string())
        .collect()
}

/// A real server: its name, binary, arguments, environment and a tool it lists.
type RealServer = (
    &'static str,
    &'static str,
    Vec<String>,
    Vec<(&'static str, &'static str)>,
    &'static str,
);

/// The four real servers.
fn real() -> Vec<RealServer> {
    let root = std::env::temp_dir().to_string_lossy().into_owned();
    vec![
        (
            "filesystem",
            "mcp-server-filesystem",
            vec![root],
            vec![],
            "read_text_file",
        ),
        (
            "memory",
            "mcp-server-memory",
            vec![],
            vec![],
            "create_entities",
        ),
        (
            "everything",
            "mcp-server-everything",
            vec![],
            vec![],
            "echo",
        ),
        // Lists its tools without an account when given a placeholder token.
        (
            "hubspot",
            "mcp-hubspot",
            vec![],
            vec![("PRIVATE_APP_ACCESS_TOKEN", "placeholder")],
            "hubspot-search-objects",
        ),
    ]
}

#[test]
#[ignore = "needs the MCP servers of tests/mcp (npm ci)"]
fn imports_the_real_servers() {
    for (server, bin, args, env, known) in real() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let program = servers().join(bin).to_string_lossy().into_owned();
        let mut all = vec![
            "--server",
            server,
            "--connector",
            "connectors/drafted.yaml",
            "--",
        ];
        all.push(&program);
        all.extend(args.iter().map(String::as_str));
        let (code, err) = import(tmp.path(), &all, &env);
        assert_eq!(code, Some(0), "{server}: {err}");
        let first = snapshot(tmp.path(), server);
        let list = names(&first);
        assert!(list.contains(&known.to_string()), "{server}: {list:?}");
        let mut sorted = list.clone();
        sorted.sort();
        assert_eq!(list, sorted, "{server}: tools by name");
        for t in first["tools"].as_array().expect("tools") {
            assert!(t["inputSchema"].is_object(), "{server}: {t}");
        }
        // The same server gives the same bytes; without --force nothing is overwritten.
        let before =
            std::fs::read(tmp.path().join(format!("mcp/{server}.tools.json"))).expect("read");
        let (code, err) = import(tmp.path(), &all, &env);
        assert_eq!(code, Some(2), "{server}: {err}");
        assert!(err.contains("--force"), "{err}");
        let mut forced = all.clone();
        forced.insert(0, "--force");
        let (code, err) = import(tmp.path(), &forced, &env);
        assert_eq!(code, Some(0), "{server}: {err}");
        let after =
            std::fs::read(tmp.path().join(format!("mcp/{server}.tools.json"))).expect("read");
        assert_eq!(before, after, "{server}: deterministic");
        // The drafted Connector is valid beside the base fixture: no error, one operation per tool.
        crate::common::copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/base"),
            tmp.path(),
        );
        let c = check(
            tmp.path(),
            &CheckOptions {
                today: chrono::NaiveDate::from_ymd_opt(2026, 11, 26).expect("date"),
                ..Default::default()
            },
        )
        .expect("readable");
        let errors: Vec<_> = c
            .diagnostics
            .iter()
            .filter(|d| d.severity == agentgov::diag::Severity::Error)
            .map(|d| format!("{}: {}", d.rule, d.message))
            .collect();
        assert!(errors.is_empty(), "{server}: {errors:#?}");
        let model = &c.resolved.as_ref().expect("resolved").model;
        let conn = &model.connectors[server];
        let ops: usize = conn
            .spec
            .resources
            .values()
            .map(|r| r.operations.len())
            .sum();
        assert_eq!(ops, list.len(), "{server}");
        assert_eq!(conn.spec.mcp.as_ref().expect("mcp").server, server);
    }
}

/// A fake server: a `sh` script reading requests line by line.
fn fake(script: &str) -> Vec<String> {
    vec!["sh".into(), "-c".into(), script.into()]
}

fn import_fake(script: &str, extra: &[&str]) -> (Option<i32>, String, Duration, tempfile::TempDir) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cmd = fake(script);
    let mut args: Vec<&str> = vec!["--server", "fake"];
    args.extend(extra);
    args.push("--");
    args.extend(cmd.iter().map(String::as_str));
    let start = Instant::now();
    let (code, err) = import(tmp.path(), &args, &[]);
    (code, err, start.elapsed(), tmp)
}

const INIT_OK: &str = r#"{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"fake"}}}"#;

#[test]
fn every_page_of_tools_is_merged_and_sorted() {
    let script = format!(
        r#"read a
echo '{{"jsonrpc":"2.0","method":"notifications/message","params":{{"level":"info","data":"hello"}}}}'
echo '{INIT_OK}'
read b
read c
echo '{{"jsonrpc":"2.0","id":2,"result":{{"tools":[{{"name":"zeta","inputSchema":{{"type":"object"}},"annotations":{{"readOnlyHint":true}}}}],"nextCursor":"page-2"}}}}'
read d
case "$d" in *page-2*) ;; *) echo "no cursor: $d" >&2; exit 9;; esac
echo '{{"jsonrpc":"2.0","id":3,"result":{{"tools":[{{"name":"alpha"}}]}}}}'
read e"#
    );
    let (code, err, _, tmp) = import_fake(&script, &[]);
    assert_eq!(code, Some(0), "{err}");
    let s = snapshot(tmp.path(), "fake");
    assert_eq!(names(&s), ["alpha", "zeta"]);
    assert_eq!(s["tools"][0]["inputSchema"]["type"], "object");
}

#[test]
fn a_server_that_never_answers_times_out_and_is_stopped() {
    let (code, err, took, tmp) = import_fake("echo starting >&2; sleep 60", &["--timeout", "1"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("did not answer `initialize` in time"), "{err}");
    assert!(
        err.contains("starting"),
        "the tail of its standard error: {err}"
    );
    assert!(
        took < Duration::from_secs(20),
        "the child was killed, not waited for: {took:?}"
    );
    assert!(!tmp.path().join("mcp").exists(), "nothing written");
}

#[test]
fn a_server_answering_garbage_is_an_error() {
    let (code, err, ..) = import_fake("read a; echo 'Welcome to my server!'; sleep 5", &[]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("not JSON-RPC: `Welcome to my server!`"),
        "{err}"
    );
}

#[test]
fn a_server_of_another_protocol_version_is_an_error() {
    let script = r#"read a; echo '{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"1999-01-01","capabilities":{"tools":{}}}}'; sleep 5"#;
    let (code, err, ..) = import_fake(script, &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("protocol version `1999-01-01`"), "{err}");
}

#[test]
fn a_server_that_exits_is_an_error_with_its_stderr() {
    let (code, err, ..) = import_fake("echo 'fatal: missing token' >&2; exit 3", &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("exited"), "{err}");
    assert!(err.contains("fatal: missing token"), "{err}");
}

#[test]
fn a_server_that_answers_with_an_error() {
    let script = format!(
        r#"read a; echo '{INIT_OK}'; read b; read c; echo '{{"jsonrpc":"2.0","id":2,"error":{{"code":-32000,"message":"not allowed"}}}}'; sleep 5"#
    );
    let (code, err, ..) = import_fake(&script, &[]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("answered `tools/list` with an error: not allowed"),
        "{err}"
    );
}

#[test]
fn a_saved_result_is_read_with_from() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        tmp.path().join("saved.json"),
        r#"{"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"b"},{"name":"a","annotations":{"readOnlyHint":true}}]}}"#,
    )
    .expect("write");
    let (code, err) = import(
        tmp.path(),
        &[
            "--server",
            "remote",
            "--from",
            "saved.json",
            "--connector",
            "remote.yaml",
        ],
        &[],
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(names(&snapshot(tmp.path(), "remote")), ["a", "b"]);
    let draft = std::fs::read_to_string(tmp.path().join("remote.yaml")).expect("draft");
    assert!(draft.contains("REVIEW"), "{draft}");
    // `a` is read-only: internal and reversible; `b` is unannotated: external, irreversible.
    let a = draft.find("        a:").expect("a");
    let b = draft.find("        b:").expect("b");
    assert!(
        draft[a..b].contains("effect: internal")
            && draft[a..b].contains("reversibility: reversible"),
        "{draft}"
    );
    assert!(
        draft[b..].contains("effect: external")
            && draft[b..].contains("reversibility: irreversible"),
        "{draft}"
    );
    let (code, err) = import(
        tmp.path(),
        &["--server", "Bad Name", "--from", "saved.json"],
        &[],
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("not a server name"), "{err}");
    std::fs::write(tmp.path().join("junk.json"), "{\"no\": 1}").expect("write");
    let (code, err) = import(tmp.path(), &["--server", "x", "--from", "junk.json"], &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no `tools` list"), "{err}");
}

/// `mcp/bindings.json` of a repository bound to HubSpot's real snapshot: valid against its
/// schema, every snapshot tool listed, the bindings with their discriminators and field paths.
#[test]
fn bindings_json_lists_every_tool_with_its_bindings() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    crate::common::copy_dir(&root.join("tests/fixtures/base"), tmp.path());
    crate::common::copy_dir(&root.join("tests/fixtures/unknown-tool/pass"), tmp.path());
    let out = tmp.path().join("out");
    crate::common::build_ok(tmp.path(), &out);
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("mcp/bindings.json")).expect("bindings"),
    )
    .expect("JSON");
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("schemas/mcp-bindings.json")).expect("schema"),
    )
    .expect("JSON");
    let validator = jsonschema::draft202012::new(&schema).expect("compiles");
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let hubspot = &doc["servers"]["hubspot"];
    assert_eq!(hubspot["connectors"], serde_json::json!(["crm"]));
    let snap: Value = serde_json::from_str(
        &std::fs::read_to_string(
            root.join("tests/fixtures/unknown-tool/pass/mcp/hubspot.tools.json"),
        )
        .expect("snapshot"),
    )
    .expect("JSON");
    assert_eq!(
        hubspot["tools"].as_object().expect("tools").len(),
        names(&snap).len(),
        "every tool of the snapshot"
    );
    let read = &hubspot["tools"]["hubspot-batch-read-objects"]["bindings"][0];
    assert_eq!(read["operation"], "crm.contacts.read");
    assert_eq!(read["args"]["objectType"], "contacts");
    assert_eq!(read["fields"], "properties");
    let update = &hubspot["tools"]["hubspot-batch-update-objects"]["bindings"][0];
    assert_eq!(update["fields"], "inputs[].properties");
    let feedback = &hubspot["tools"]["hubspot-generate-feedback-link"];
    assert_eq!(feedback["ignored"], true);
    assert_eq!(feedback["bindings"], serde_json::json!([]));
    assert_eq!(feedback["annotations"]["readOnlyHint"], true);
}
