//! Hostile input: every case ends with a clear diagnostic under the right rule name and exit 1
//! or 2 (or, for what is not ours to read, none), never a panic, a hang (20 s guard) or more
//! than 1 GiB of address space.

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

const GIB: u64 = 1024 * 1024 * 1024;

/// A copy of the worked example (clean) to put hostile files into.
fn base() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    crate::common::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("governance"),
        &dir.path().join("repo"),
    );
    dir
}

fn repo(d: &tempfile::TempDir) -> PathBuf {
    d.path().join("repo")
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `agentgov check REPO --today 2026-11-26 ARGS` under a 1 GiB address-space limit.
fn check(repo: &Path, args: &[&str]) -> Run {
    let bin = assert_cmd::cargo::cargo_bin("agentgov");
    let mut cmd = if Path::new("/usr/bin/prlimit").exists() {
        let mut c = Command::new("/usr/bin/prlimit");
        c.arg(format!("--as={GIB}")).arg("--").arg(&bin);
        c
    } else {
        let mut c = Command::new("sh");
        c.arg("-c")
            .arg(format!("ulimit -v {} && exec \"$0\" \"$@\"", GIB / 1024))
            .arg(&bin);
        c
    };
    cmd.arg("check")
        .arg(repo)
        .args(["--today", "2026-11-26", "--color", "never"])
        .args(args)
        .timeout(Duration::from_secs(20));
    let out = cmd.output().expect("runs");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("memory allocation"),
        "agentgov crashed:\n{}",
        run.stderr
    );
    assert!(
        out.status.code().is_some(),
        "killed by a signal or the timeout: {:?}\n{}",
        out.status,
        run.stderr
    );
    run
}

fn expect(run: &Run, rule: &str, codes: &[i32]) {
    assert!(
        run.stdout.contains(&format!("[{rule}]")),
        "expected a `{rule}` diagnostic; got:\n{}\n{}",
        run.stdout,
        run.stderr
    );
    assert!(
        codes.contains(&run.code),
        "exit {} not in {codes:?}:\n{}",
        run.code,
        run.stdout
    );
}

fn billion_laughs() -> String {
    let mut s = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        s.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    s
}

#[test]
fn the_worked_example_is_clean_under_the_memory_limit() {
    let d = base();
    let r = check(&repo(&d), &[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn alias_bomb_is_an_input_limit() {
    let d = base();
    fs::write(repo(&d).join("bomb.yaml"), billion_laughs()).unwrap();
    let r = check(&repo(&d), &[]);
    expect(&r, "input-limit", &[2]);
    assert!(r.stdout.contains("--max-alias-nodes"), "{}", r.stdout);
}

#[test]
fn alias_bomb_inside_a_governance_document_is_an_input_limit() {
    let d = base();
    let doc = format!(
        "apiVersion: agentgov.dev/v1\nkind: Playbook\nmetadata: {{ name: bomb }}\nspec:\n  {}",
        billion_laughs().replace('\n', "\n  ")
    );
    fs::write(repo(&d).join("bomb.yaml"), doc).unwrap();
    expect(&check(&repo(&d), &[]), "input-limit", &[2]);
}

#[test]
fn deep_flow_nesting_is_an_input_limit() {
    let d = base();
    let s = "[".repeat(200_000) + &"]".repeat(200_000) + "\n";
    fs::write(repo(&d).join("deep.yaml"), s).unwrap();
    expect(&check(&repo(&d), &[]), "input-limit", &[2]);
}

#[test]
fn deep_flow_mapping_nesting_is_an_input_limit() {
    let d = base();
    let s = "{a: ".repeat(200_000) + "x" + &"}".repeat(200_000) + "\n";
    fs::write(repo(&d).join("deep.yaml"), s).unwrap();
    expect(&check(&repo(&d), &[]), "input-limit", &[2]);
}

#[test]
fn deep_block_nesting_is_an_input_limit() {
    let d = base();
    let s = "- ".repeat(200_000) + "x\n";
    fs::write(repo(&d).join("deep.yaml"), s).unwrap();
    expect(&check(&repo(&d), &[]), "input-limit", &[2]);
}

#[test]
fn deep_indented_block_mappings_are_an_input_limit() {
    let d = base();
    let mut s = String::new();
    for i in 0..2_000 {
        s.push_str(&" ".repeat(i));
        s.push_str("k:\n");
    }
    fs::write(repo(&d).join("deep.yaml"), s).unwrap();
    expect(&check(&repo(&d), &[]), "input-limit", &[2]);
}

#[test]
fn a_50_mb_file_is_an_input_limit_and_not_read() {
    let d = base();
    let line = "# ".to_string() + &"x".repeat(98) + "\n";
    fs::write(repo(&d).join("huge.yaml"), line.repeat(500_000)).unwrap();
    let r = check(&repo(&d), &[]);
    expect(&r, "input-limit", &[2]);
    assert!(r.stdout.contains("--max-file-size"), "{}", r.stdout);
}

#[test]
fn max_file_size_flag_changes_the_limit() {
    let d = base();
    // The worked example's policy is a few KB: a 1 KB limit rejects it, the default accepts it.
    let r = check(&repo(&d), &["--max-file-size", "1000"]);
    expect(&r, "input-limit", &[2]);
    let line = "# ".to_string() + &"x".repeat(98) + "\n";
    fs::write(repo(&d).join("big.yaml"), line.repeat(90_000)).unwrap(); // 9 MB > 8 MiB default
    expect(&check(&repo(&d), &[]), "input-limit", &[2]);
    let r = check(&repo(&d), &["--max-file-size", "10000000"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn max_depth_flag_changes_the_limit() {
    let d = base();
    expect(
        &check(&repo(&d), &["--max-depth", "3"]),
        "input-limit",
        &[2],
    );
    fs::write(
        repo(&d).join("deep.yaml"),
        "[".repeat(100) + &"]".repeat(100),
    )
    .unwrap();
    expect(&check(&repo(&d), &[]), "input-limit", &[2]);
    let r = check(&repo(&d), &["--max-depth", "200"]);
    assert!(!r.stdout.contains("[input-limit]"), "{}", r.stdout);
}

#[test]
fn max_alias_nodes_flag_changes_the_limit() {
    let d = base();
    fs::write(
        repo(&d).join("alias.yaml"),
        "a: &a [1, 2, 3, 4, 5]\nb: [*a, *a, *a]\n",
    )
    .unwrap();
    assert_eq!(check(&repo(&d), &[]).code, 0);
    expect(
        &check(&repo(&d), &["--max-alias-nodes", "4"]),
        "input-limit",
        &[2],
    );
}

#[test]
fn too_many_documents_is_an_input_limit() {
    let d = base();
    fs::write(repo(&d).join("many.yaml"), "---\na: 1\n".repeat(5_000)).unwrap();
    expect(&check(&repo(&d), &[]), "input-limit", &[2]);
}

#[test]
fn binary_garbage_named_yaml_is_reported() {
    let d = base();
    let mut x: u32 = 12345;
    let bytes: Vec<u8> = (0..100_000)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (x >> 16) as u8
        })
        .collect();
    fs::write(repo(&d).join("garbage.yaml"), bytes).unwrap();
    expect(&check(&repo(&d), &[]), "invalid-encoding", &[2]);
}

#[test]
fn valid_utf8_control_garbage_is_a_syntax_error() {
    let d = base();
    let bytes: Vec<u8> = (0..20_000u32)
        .map(|i| [0u8, 7, 27, b'\t', b'@', b'`', 0x7f][i as usize % 7])
        .collect();
    fs::write(repo(&d).join("garbage.yaml"), bytes).unwrap();
    expect(&check(&repo(&d), &[]), "yaml-syntax", &[1]);
}

#[test]
fn invalid_utf8_points_at_the_byte() {
    let d = base();
    let mut bytes = b"apiVersion: agentgov.dev/v1\nkind: Playbook\nmetadata: { name: caf".to_vec();
    bytes.extend([0xC3, 0x28, b' ', b'}', b'\n']);
    fs::write(repo(&d).join("latin.yaml"), bytes).unwrap();
    let r = check(&repo(&d), &[]);
    expect(&r, "invalid-encoding", &[2]);
    assert!(r.stdout.contains("latin.yaml:3:"), "{}", r.stdout);
}

#[cfg(unix)]
#[test]
fn symbolic_link_loops_are_not_followed() {
    let d = base();
    std::os::unix::fs::symlink(".", repo(&d).join("loop")).unwrap();
    std::os::unix::fs::symlink("../agents", repo(&d).join("agents/again")).unwrap();
    let r = check(&repo(&d), &["--fail-on", "warning"]);
    expect(&r, "link-outside-repository", &[1]);
    assert!(r.stdout.contains("loop"), "{}", r.stdout);
}

#[cfg(unix)]
#[test]
fn a_link_to_a_file_outside_the_repository_is_not_read() {
    let d = base();
    let secret = d.path().join("secret.yaml");
    fs::write(
        &secret,
        "apiVersion: agentgov.dev/v1\nkind: Nonsense\nmetadata: { name: top-secret-value }\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(&secret, repo(&d).join("linked.yaml")).unwrap();
    let r = check(&repo(&d), &["--fail-on", "warning"]);
    expect(&r, "link-outside-repository", &[1]);
    assert!(
        !r.stdout.contains("Nonsense") && !r.stdout.contains("top-secret-value"),
        "{}",
        r.stdout
    );
}

fn set_prompt(repo: &Path, path: &str) {
    let f = repo.join("agents/campaign-writer.yaml");
    let s = fs::read_to_string(&f).unwrap();
    let s = s.replace("prompts/campaign-writer.md", path);
    fs::write(&f, s).unwrap();
}

#[test]
fn a_prompt_path_escaping_with_dotdot_is_refused() {
    let d = base();
    fs::write(d.path().join("outside.md"), "secret prompt").unwrap();
    set_prompt(&repo(&d), "../outside.md");
    let r = check(&repo(&d), &[]);
    expect(&r, "path-escape", &[1]);
    assert!(r.stdout.contains("campaign-writer.yaml"), "{}", r.stdout);
}

#[test]
fn an_absolute_prompt_path_is_refused() {
    let d = base();
    set_prompt(&repo(&d), "/etc/passwd");
    expect(&check(&repo(&d), &[]), "path-escape", &[1]);
}

#[cfg(unix)]
#[test]
fn a_prompt_path_escaping_through_a_link_is_refused() {
    let d = base();
    fs::write(d.path().join("outside.md"), "secret prompt").unwrap();
    std::os::unix::fs::symlink(
        d.path().join("outside.md"),
        repo(&d).join("prompts/linked.md"),
    )
    .unwrap();
    set_prompt(&repo(&d), "prompts/linked.md");
    let r = check(&repo(&d), &[]);
    expect(&r, "path-escape", &[1]);
    // A link to a folder outside is refused too.
    let d = base();
    fs::create_dir(d.path().join("elsewhere")).unwrap();
    fs::write(d.path().join("elsewhere/p.md"), "x").unwrap();
    std::os::unix::fs::symlink(d.path().join("elsewhere"), repo(&d).join("prompts/dir")).unwrap();
    set_prompt(&repo(&d), "prompts/dir/p.md");
    expect(&check(&repo(&d), &[]), "path-escape", &[1]);
}

#[test]
fn a_prompt_that_is_a_folder_is_reported() {
    let d = base();
    set_prompt(&repo(&d), "prompts");
    expect(&check(&repo(&d), &[]), "prompt-not-found", &[1]);
}

#[cfg(unix)]
#[test]
fn a_link_to_a_folder_outside_the_repository_is_not_followed() {
    let d = base();
    let outside = d.path().join("outside");
    fs::create_dir(&outside).unwrap();
    fs::write(
        outside.join("secret.yaml"),
        "apiVersion: agentgov.dev/v1\nkind: Nonsense\nmetadata: { name: top-secret-value }\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(&outside, repo(&d).join("linked")).unwrap();
    let r = check(&repo(&d), &["--fail-on", "warning"]);
    expect(&r, "link-outside-repository", &[1]);
    assert!(r.stdout.contains("linked"), "{}", r.stdout);
    assert!(
        !r.stdout.contains("Nonsense") && !r.stdout.contains("top-secret-value"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_named_pipe_called_yaml_is_not_opened() {
    let d = base();
    let pipe = repo(&d).join("pipe.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&pipe)
        .status()
        .expect("mkfifo runs");
    assert!(made.success(), "mkfifo failed");
    // Opening it would wait for a writer forever; it is not a file the walk reads.
    let r = check(&repo(&d), &[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}
