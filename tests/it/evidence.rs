//! `build --audit LOG...` (issue 16.5): the site's Evidence page shows the dashboard `agentgov
//! audit` computes for the same log, with charts that are SVG and no script.

use super::common::synth_log;
use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn governance() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("governance")
}

/// The rows of the page's table `id`: each row's header text and the leading number of each cell.
fn table(html: &str, id: &str) -> Vec<(String, Vec<u64>)> {
    let start = html
        .find(&format!(r#"<table id="{id}">"#))
        .unwrap_or_else(|| panic!("table {id}"));
    let body = &html[start..start + html[start..].find("</table>").unwrap()];
    let body = &body[body.find("<tbody>").expect("tbody")..];
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            let th = &row[row.find("<th").unwrap()..row.find("</th>").unwrap()];
            // The name, without a note such as "(not in this repository)".
            let name = strip_tags(th).split(" (").next().unwrap_or("").to_string();
            let cells = row
                .split("<td>")
                .skip(1)
                .map(|c| {
                    let digits: String = c.chars().take_while(char::is_ascii_digit).collect();
                    digits.parse().unwrap_or(u64::MAX)
                })
                .collect();
            (name, cells)
        })
        .collect()
}

fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for ch in s.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(ch),
            _ => {}
        }
    }
    out.trim().to_string()
}

#[test]
fn the_evidence_page_shows_audits_dashboard() {
    let dir = tempfile::tempdir().unwrap();
    synth_log::generate(&synth_log::Args {
        repo: governance(),
        records: 3000,
        out: dir.path().join("log.jsonl"),
        violations: 0.05,
        seed: 5,
    })
    .expect("generate");
    let built = Command::cargo_bin("agentgov")
        .unwrap()
        .current_dir(dir.path())
        .arg("build")
        .arg(governance())
        .args([
            "--out",
            "out",
            "--today",
            "2026-11-26",
            "--audit",
            "log.jsonl",
        ])
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let audited = Command::cargo_bin("agentgov")
        .unwrap()
        .current_dir(dir.path())
        .args(["audit", "--repo"])
        .arg(governance())
        .args(["log.jsonl", "--today", "2026-11-26", "--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&audited.stdout).unwrap();
    let dash = &report["dashboard"];
    assert!(
        report["summary"]["errors"].as_u64().unwrap() > 0,
        "the log has violations"
    );

    let html = std::fs::read_to_string(dir.path().join("out/site/evidence.html")).unwrap();
    assert!(!html.contains("<script"), "no script");
    assert!(
        !html.contains(dir.path().to_str().unwrap()),
        "no absolute path"
    );
    let index = std::fs::read_to_string(dir.path().join("out/site/index.html")).unwrap();
    assert!(
        index.contains(r#"href="evidence.html""#),
        "linked from the navigation"
    );

    for (label, cells) in table(&html, "t-totals") {
        let key = label.to_lowercase().replace(' ', "_");
        assert_eq!(
            Some(cells[0]),
            dash["totals"][&key].as_u64(),
            "totals: {label}"
        );
    }
    for (id, group) in [("t-agents", "agents"), ("t-workflows", "workflows")] {
        let rows = table(&html, id);
        assert_eq!(
            rows.len(),
            dash[group].as_object().unwrap().len(),
            "{group}"
        );
        for (name, cells) in rows {
            let d = &dash[group][&name];
            let keys = [
                "actions",
                "auto_approved",
                "reviewed",
                "rejected",
                "overridden",
                "rolled_back",
                "failed",
            ];
            for (k, n) in keys.iter().zip(&cells) {
                assert_eq!(d[k].as_u64(), Some(*n), "{group} {name} {k}");
            }
        }
    }
    for (reason, cells) in table(&html, "t-reasons") {
        assert_eq!(
            dash["rejections_by_reason"][&reason].as_u64(),
            Some(cells[0]),
            "{reason}"
        );
    }

    // Every chart is an accessible, balanced SVG.
    let svgs: Vec<&str> = html.split("<svg").skip(1).collect();
    assert!(svgs.len() >= 3, "charts: {}", svgs.len());
    for svg in svgs {
        let svg = &svg[..svg.find("</svg>").expect("closed")];
        assert!(
            svg.contains(r#"role="img""#) && svg.contains("<title"),
            "accessible chart"
        );
        for tag in ["g", "text", "rect", "title", "desc"] {
            let open =
                svg.matches(&format!("<{tag}>")).count() + svg.matches(&format!("<{tag} ")).count();
            let self_closed = svg
                .split(&format!("<{tag} "))
                .skip(1)
                .filter(|s| s.split('>').next().is_some_and(|t| t.ends_with('/')))
                .count();
            let close = svg.matches(&format!("</{tag}>")).count();
            assert_eq!(open - self_closed, close, "<{tag}> balanced");
        }
    }
}

#[test]
fn without_audit_there_is_no_evidence_page_and_an_unreadable_log_stops_the_build() {
    let dir = tempfile::tempdir().unwrap();
    super::common::build_ok(&governance(), &dir.path().join("plain"));
    assert!(!dir.path().join("plain/site/evidence.html").exists());
    let index = std::fs::read_to_string(dir.path().join("plain/site/index.html")).unwrap();
    assert!(!index.contains("evidence.html"));
    let out = Command::cargo_bin("agentgov")
        .unwrap()
        .current_dir(dir.path())
        .arg("build")
        .arg(governance())
        .args([
            "--out",
            "out",
            "--today",
            "2026-11-26",
            "--audit",
            "missing.jsonl",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.jsonl"));
    assert!(!dir.path().join("out").exists(), "nothing built");
}
