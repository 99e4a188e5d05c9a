//! Opens every page of the worked example's site in headless Chromium: no console error, no
//! failed or network request, no broken link or anchor; screenshots go to `target/screenshots/`.
//!
//! Needs Debian's `chromium` (or `CHROMIUM=/path`), Node, and `npm ci` in `tests/browser/`.

use agentgov::analysis::{check, CheckOptions};
use agentgov::emit::{policy_md, site, EmitContext};
use chrono::NaiveDate;
use std::path::PathBuf;
use std::process::Command;

#[test]
#[ignore = "needs chromium"]
fn every_page_renders_cleanly_in_chromium() {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let checked = check(
        &manifest.join("governance"),
        &CheckOptions {
            today,
            ..Default::default()
        },
    )
    .unwrap();
    let cx = EmitContext::from_checked(&checked, today).expect("the example checks");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("target"));
    // Kept after the run for a look: target/browser-site/site/index.html.
    let out_dir = target.join("browser-site");
    let _ = std::fs::remove_dir_all(&out_dir);
    for (p, bytes) in site::try_emit(&cx)
        .unwrap()
        .into_iter()
        .chain(policy_md::try_emit(&cx).unwrap())
    {
        let dst = out_dir.as_path().join(&p);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::write(dst, bytes).unwrap();
    }
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
