//! `agentgov audit` on bad input (issue 16): every bad line is one located
//! `invalid-audit-record`, and the records after it are still checked.

use assert_cmd::Command;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

fn governance() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("governance")
}

fn prompt_hash() -> String {
    // The hash of `governance/prompts/brief-summarizer.md`, as `unvalidated-change` computes it.
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(governance().join("prompts/brief-summarizer.md")).expect("prompt");
    format!("{:x}", Sha256::digest(bytes))
}

/// A valid record of the worked example at `10:MM:SS`: `brief-summarizer` reading a brief
/// (auto tier, nothing to report), or, with `violate`, executing a send it holds no grant for
/// (an `unauthorized-action`).
fn record(minute: u32, second: u32, violate: bool) -> String {
    let op = if violate {
        ("email.campaigns.send", r#"{"effect":"deny"}"#)
    } else {
        ("docs.briefs.read", r#"{"effect":"allow","tier":"auto"}"#)
    };
    format!(
        r#"{{"time":"2026-11-20T10:{minute:02}:{second:02}Z","agent":"brief-summarizer","operation":"{}","decision":{},"outcome":"executed","model":{{"provider":"anthropic","name":"claude-haiku-4-5","version":"20251001"}},"prompt_sha256":"{}","audit":{{"prompt":"Summarize the brief","inputs":"brief-42","output":"summary v1","model_version":"20251001"}}}}"#,
        op.0,
        op.1,
        prompt_hash()
    )
}

struct Run {
    code: i32,
    json: Value,
    stderr: String,
}

impl Run {
    fn diags(&self, rule: &str) -> Vec<&Value> {
        self.json["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .filter(|d| d["rule"] == rule)
            .collect()
    }

    /// The one `invalid-audit-record` of the run, at `file:line`, located and explained.
    fn bad_line(&self, file: &str, line: u64) -> &Value {
        let bad = self.diags("invalid-audit-record");
        assert_eq!(bad.len(), 1, "one bad line, one finding: {:#}", self.json);
        let d = bad[0];
        assert_eq!(d["file"], file, "{d:#}");
        assert_eq!(d["line"], line, "{d:#}");
        assert_eq!(d["severity"], "error");
        assert!(d["help"].as_str().is_some_and(|h| !h.is_empty()), "{d:#}");
        assert!(d["message"].as_str().is_some_and(|m| !m.is_empty()));
        d
    }

    /// The violating record after the bad line was checked.
    fn still_checked(&self, file: &str, line: u64) {
        let u = self.diags("unauthorized-action");
        assert!(
            u.iter().any(|d| d["file"] == file && d["line"] == line),
            "the record at {file}:{line} after the bad line is still checked: {:#}",
            self.json
        );
    }
}

fn audit(dir: &Path, logs: &[&str], extra: &[&str]) -> Run {
    let out = Command::cargo_bin("agentgov")
        .expect("binary")
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .arg("audit")
        .arg("--repo")
        .arg(governance())
        .args(logs)
        .args(["--today", "2026-11-26", "--format", "json"])
        .args(extra)
        .output()
        .expect("runs");
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "JSON on stdout ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    Run {
        code: out.status.code().expect("exit code"),
        json,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).expect("write");
}

/// Lines joined, each with its line break.
fn lines(ls: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in ls {
        out.extend_from_slice(l);
        out.push(b'\n');
    }
    out
}

#[test]
fn the_valid_records_alone_report_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ok = [record(0, 0, false), record(1, 0, false)];
    write(
        dir.path(),
        "ok.jsonl",
        &lines(&[ok[0].as_bytes(), ok[1].as_bytes()]),
    );
    let r = audit(dir.path(), &["ok.jsonl"], &[]);
    assert_eq!(r.code, 0, "{:#}", r.json);
    assert_eq!(r.json["summary"]["errors"], 0);
    assert_eq!(r.json["summary"]["warnings"], 0);
}

#[test]
fn a_truncated_last_line_then_the_next_log() {
    let dir = tempfile::tempdir().unwrap();
    let first = record(0, 0, false);
    let cut = record(1, 0, false);
    let mut bytes = lines(&[first.as_bytes()]);
    bytes.extend_from_slice(&cut.as_bytes()[..cut.len() / 2]);
    write(dir.path(), "a.jsonl", &bytes);
    write(
        dir.path(),
        "b.jsonl",
        &lines(&[record(2, 0, true).as_bytes()]),
    );
    let r = audit(dir.path(), &["a.jsonl", "b.jsonl"], &[]);
    assert_eq!(r.code, 1);
    let d = r.bad_line("a.jsonl", 2);
    assert!(d["message"].as_str().unwrap().contains("cut off"), "{d:#}");
    assert!(d["snippet"].as_str().unwrap().starts_with("{\"time\""));
    r.still_checked("b.jsonl", 1);
    // A whole last record without its line break is a record.
    write(
        dir.path(),
        "c.jsonl",
        record(3, 0, true).trim_end().as_bytes(),
    );
    let r = audit(dir.path(), &["c.jsonl"], &[]);
    assert!(r.diags("invalid-audit-record").is_empty(), "{:#}", r.json);
    r.still_checked("c.jsonl", 1);
}

#[test]
fn a_line_that_is_not_json() {
    let dir = tempfile::tempdir().unwrap();
    let (a, c) = (record(0, 0, false), record(2, 0, true));
    write(
        dir.path(),
        "log.jsonl",
        &lines(&[a.as_bytes(), b"GET /health 200 OK", c.as_bytes()]),
    );
    let r = audit(dir.path(), &["log.jsonl"], &[]);
    assert_eq!(r.code, 1);
    let d = r.bad_line("log.jsonl", 2);
    assert_eq!(d["snippet"], "GET /health 200 OK");
    r.still_checked("log.jsonl", 3);
}

#[test]
fn a_line_over_the_default_limit() {
    // The documented limit: `--max-line-bytes` defaults to 1 MiB.
    assert_eq!(agentgov::audit::read::DEFAULT_MAX_LINE_BYTES, 1 << 20);
    let dir = tempfile::tempdir().unwrap();
    let long = record(1, 0, false).replace(
        "Summarize the brief",
        &"x".repeat(agentgov::audit::read::DEFAULT_MAX_LINE_BYTES),
    );
    let (a, c) = (record(0, 0, false), record(2, 0, true));
    write(
        dir.path(),
        "log.jsonl",
        &lines(&[a.as_bytes(), long.as_bytes(), c.as_bytes()]),
    );
    let r = audit(dir.path(), &["log.jsonl"], &[]);
    assert_eq!(r.code, 1);
    let d = r.bad_line("log.jsonl", 2);
    let m = d["message"].as_str().unwrap();
    assert!(
        m.contains(&format!("{} bytes long", long.len())) && m.contains("--max-line-bytes"),
        "{m}"
    );
    r.still_checked("log.jsonl", 3);
    // Under a raised limit, the same line is a record.
    let r = audit(dir.path(), &["log.jsonl"], &["--max-line-bytes", "2000000"]);
    assert!(r.diags("invalid-audit-record").is_empty(), "{:#}", r.json);
    // And a lowered one cuts an ordinary record.
    let r = audit(dir.path(), &["log.jsonl"], &["--max-line-bytes", "100"]);
    assert_eq!(r.diags("invalid-audit-record").len(), 3);
}

#[test]
fn a_line_of_invalid_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let mut bad = record(1, 0, false).into_bytes();
    let at = bad.windows(9).position(|w| w == b"Summarize").unwrap();
    bad[at] = 0xff;
    let (a, c) = (record(0, 0, false), record(2, 0, true));
    write(
        dir.path(),
        "log.jsonl",
        &lines(&[a.as_bytes(), &bad, c.as_bytes()]),
    );
    let r = audit(dir.path(), &["log.jsonl"], &[]);
    assert_eq!(r.code, 1);
    let d = r.bad_line("log.jsonl", 2);
    assert!(d["message"].as_str().unwrap().contains("UTF-8"), "{d:#}");
    assert_eq!(d["column"], at as u64 + 1, "the column of the bad byte");
    assert!(d["snippet"].as_str().unwrap().starts_with("{\"time\""));
    r.still_checked("log.jsonl", 3);
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// Many distinct records, so that the compressed stream is long enough to break in its middle.
fn many(n: u32) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..n {
        out.extend_from_slice(record(i / 60, i % 60, false).as_bytes());
        out.push(b'\n');
    }
    out
}

#[test]
fn a_corrupt_and_a_cut_gzip_stream() {
    let dir = tempfile::tempdir().unwrap();
    let gz = gzip(&many(2000));
    let mut corrupt = gz.clone();
    let mid = corrupt.len() / 2;
    for b in &mut corrupt[mid..mid + 16] {
        *b ^= 0x5a;
    }
    write(dir.path(), "corrupt.jsonl.gz", &corrupt);
    write(dir.path(), "cut.jsonl.gz", &gz[..gz.len() * 2 / 3]);
    // The next log starts after the broken ones, later in time.
    let next = record(59, 59, true);
    write(dir.path(), "next.jsonl", &lines(&[next.as_bytes()]));
    for broken in ["corrupt.jsonl.gz", "cut.jsonl.gz"] {
        let r = audit(dir.path(), &[broken, "next.jsonl"], &[]);
        assert_eq!(r.code, 1, "{broken}");
        let bad = r.diags("invalid-audit-record");
        assert!(
            bad.iter().any(|d| d["file"] == broken
                && d["message"]
                    .as_str()
                    .unwrap()
                    .contains("corrupt or cut-off compressed stream")),
            "{broken}: {:#}",
            r.json
        );
        for d in &bad {
            assert_eq!(d["file"], broken, "{d:#}");
            assert!(d["line"].as_u64().unwrap() >= 1);
            assert!(d["help"].as_str().is_some_and(|h| !h.is_empty()));
        }
        r.still_checked("next.jsonl", 1);
        // The records before the break were read.
        let read = r.json["dashboard"]["totals"]["records"].as_u64().unwrap();
        assert!(read > 100 && read < 2001, "{broken}: {read} records read");
    }
}

#[test]
fn records_out_of_time_order() {
    let dir = tempfile::tempdir().unwrap();
    let (a, early, c) = (record(5, 0, false), record(1, 0, true), record(6, 0, true));
    write(
        dir.path(),
        "log.jsonl",
        &lines(&[a.as_bytes(), early.as_bytes(), c.as_bytes()]),
    );
    let r = audit(dir.path(), &["log.jsonl"], &[]);
    assert_eq!(r.code, 1);
    let d = r.bad_line("log.jsonl", 2);
    assert!(d["message"].as_str().unwrap().contains("out of time order"));
    assert!(d["snippet"]
        .as_str()
        .unwrap()
        .contains("2026-11-20T10:01:00Z"));
    // The record out of order takes no further part; the next one is checked.
    assert_eq!(r.diags("unauthorized-action").len(), 1, "{:#}", r.json);
    r.still_checked("log.jsonl", 3);
}

/// An unreadable first log `name`: exit 2, one `unreadable-file` naming it, the next log checked.
fn unreadable_then_checked(dir: &Path, name: &str) {
    write(dir, "b.jsonl", &lines(&[record(0, 0, true).as_bytes()]));
    let r = audit(dir, &[name, "b.jsonl"], &[]);
    assert_eq!(r.code, 2, "{:#}\n{}", r.json, r.stderr);
    let d = r.diags("unreadable-file");
    assert_eq!(d.len(), 1, "{:#}", r.json);
    assert_eq!(d[0]["file"], name);
    let m = d[0]["message"].as_str().unwrap();
    assert!(m.contains(&format!("cannot read the log `{name}`")), "{m}");
    r.still_checked("b.jsonl", 1);
}

#[test]
fn a_missing_log_exits_2_and_the_others_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    unreadable_then_checked(dir.path(), "missing.jsonl");
}

#[test]
fn a_directory_as_log_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("logs")).unwrap();
    unreadable_then_checked(dir.path(), "logs");
}

use super::common::synth_log;

fn synth(dir: &Path, violations: f64) -> Run {
    synth_log::generate(&synth_log::Args {
        repo: governance(),
        records: 2000,
        out: dir.join("synth.jsonl"),
        violations,
        seed: 7,
    })
    .expect("generate");
    audit(dir, &["synth.jsonl"], &[])
}

#[test]
fn a_synthetic_log_without_violations_is_clean_and_with_them_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let r = synth(dir.path(), 0.0);
    assert_eq!(
        r.json["summary"]["errors"], 0,
        "{:#}",
        r.json["diagnostics"]
    );
    assert_eq!(
        r.json["summary"]["warnings"], 0,
        "{:#}",
        r.json["diagnostics"]
    );
    assert_eq!(r.code, 0);
    assert_eq!(r.json["dashboard"]["totals"]["records"], 2000);
    let r = synth(dir.path(), 0.05);
    assert_eq!(r.code, 1);
    let errors = r.json["summary"]["errors"].as_u64().unwrap();
    assert!(
        (30..=200).contains(&errors),
        "{errors} errors for about 100 violations"
    );
    for rule in [
        "unauthorized-action",
        "audit-record-incomplete",
        "rejection-without-reason",
        "override-without-reason",
    ] {
        assert!(!r.diags(rule).is_empty(), "{rule}");
    }
}
