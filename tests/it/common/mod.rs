//! Helpers shared by the integration tests.

pub mod fixtures;
pub mod gen;
pub mod git;

/// The audit log generator of the benchmarks (`cargo run --example synth-log`).
#[path = "../../../examples/synth-log.rs"]
#[allow(dead_code)]
pub mod synth_log;

/// Copies a folder's files and subfolders into `to` (created if missing); links are copied as
/// the files they point at.
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let dst = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &dst);
        } else {
            std::fs::copy(entry.path(), &dst).expect("copy");
        }
    }
}

/// Replaces the first `from` in a file with `to`; `from` must be there.
pub fn edit(path: &std::path::Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).expect("write");
}

/// `agentgov build INPUT --out OUT --today 2026-11-26`, which must succeed.
pub fn build_ok(input: &std::path::Path, out: &std::path::Path) {
    let built = assert_cmd::Command::cargo_bin("agentgov")
        .expect("binary")
        .arg("build")
        .arg(input)
        .arg("--out")
        .arg(out)
        .args(["--today", "2026-11-26"])
        .output()
        .expect("runs");
    assert!(
        built.status.success(),
        "{}{}",
        String::from_utf8_lossy(&built.stdout),
        String::from_utf8_lossy(&built.stderr)
    );
}
