//! Opens every page of the worked example's site (with its Evidence page from a generated log) in headless Chromium: no console error, no
//! failed or network request, no broken link or anchor; screenshots go to `target/screenshots/`.
//!
//! Needs Debian's `chromium` (or `CHROMIUM=/path`), Node, and `npm ci` in `tests/browser/`.

use super::common::synth_log;
use std::path::PathBuf;
use std::process::Command;

#[test]
#[ignore = "needs chromium"]
fn every_page_renders_cleanly_in_chromium() {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("target"));
    // Kept after the run for a look: target/browser-site/site/index.html. Built with an audit
    // log, so that the Evidence page is checked too.
    let out_dir = target.join("browser-site");
    let _ = std::fs::remove_dir_all(&out_dir);
    let log = target.join("browser-audit.jsonl");
    synth_log::generate(&synth_log::Args {
        repo: manifest.join("governance"),
        records: 2000,
        out: log.clone(),
        violations: 0.05,
        seed: 9,
    })
    .expect("generate the log");
    let built = assert_cmd::Command::cargo_bin("agentgov")
        .unwrap()
        .arg("build")
        .arg(manifest.join("governance"))
        .arg("--out")
        .arg(&out_dir)
        .args(["--today", "2026-11-26", "--audit"])
        .arg(&log)
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    assert!(out_dir.join("site/evidence.html").is_file());
    let browser = manifest.join("tests/browser");
    if !browser.join("node_modules/playwright-core").exists() {
        let st = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&browser)
            .status()
            .expect("npm runs");
        assert!(st.success(), "npm ci failed");
    }
    let shots = target.join("screenshots");
    let output = Command::new("node")
        .arg(browser.join("check.mjs"))
        .arg(out_dir.as_path().join("site"))
        .arg(&shots)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "browser check failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains(" pages, "), "{stdout}");
    println!("{stdout}");
}
