//! A report that cannot be written is an error (exit 2), never a silent success: a truncated
//! SARIF file must not pass CI.

use assert_cmd::Command;
use std::fs::File;
use std::path::Path;

fn agentgov() -> Command {
    let mut c = Command::cargo_bin("agentgov").expect("binary");
    c.current_dir(Path::new(env!("CARGO_MANIFEST_DIR")));
    c
}

/// Runs with standard output on `/dev/full` (every write fails with "no space left").
fn to_full_disk(args: &[&str]) -> (Option<i32>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_agentgov"))
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .args(args)
        .stdout(File::create("/dev/full").expect("/dev/full"))
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_full_standard_output_is_exit_2() {
    for args in [
        &[
            "check",
            "governance",
            "--format",
            "sarif",
            "--today",
            "2026-11-26",
        ][..],
        &["check", "governance", "--today", "2026-11-26"],
        &["explain", "unused-grant"],
        &["schema"],
        &["test", "governance", "--today", "2026-11-26"],
    ] {
        let (code, stderr) = to_full_disk(args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("error: cannot write to standard output"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn an_output_file_that_cannot_be_written_is_exit_2() {
    let out = agentgov()
        .args(["check", "governance", "--today", "2026-11-26"])
        .args(["--output", "sarif=/nonexistent-dir/agentgov.sarif"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot write `/nonexistent-dir/agentgov.sarif`"),
        "{stderr}"
    );
}

#[test]
fn color_is_a_checked_choice() {
    let out = agentgov()
        .args(["check", "governance", "--color", "sometimes"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid value 'sometimes'"));
}
