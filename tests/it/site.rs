//! The policy site and POLICY.md: snapshots of the worked example, hostile text, links.

use crate::common::edit;
use agentgov::analysis::{check, CheckOptions};
use agentgov::emit::{policy_md, site, EmitContext};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
}

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The site and POLICY.md of a repository, by path.
fn build(root: &Path) -> BTreeMap<String, Vec<u8>> {
    build_on(root, today())
}

/// The same, on another day.
fn build_on(root: &Path, today: NaiveDate) -> BTreeMap<String, Vec<u8>> {
    let opts = CheckOptions {
        today,
        ..Default::default()
    };
    let checked = check(root, &opts).expect("readable repository");
    let cx = EmitContext::from_checked(&checked, today)
        .unwrap_or_else(|| panic!("the check got as far as a plan: {:#?}", checked.diagnostics));
    let mut out = BTreeMap::new();
    for (p, b) in site::try_emit(&cx)
        .expect("templates render")
        .into_iter()
        .chain(policy_md::try_emit(&cx).expect("POLICY.md renders"))
    {
        assert!(out.insert(p.clone(), b).is_none(), "{p} emitted twice");
    }
    out
}

fn text(files: &BTreeMap<String, Vec<u8>>, path: &str) -> String {
    String::from_utf8(
        files
            .get(path)
            .unwrap_or_else(|| panic!("{path} missing"))
            .clone(),
    )
    .expect("utf-8")
}

fn example() -> BTreeMap<String, Vec<u8>> {
    build(&manifest().join("governance"))
}

/// The synthetic repository generator of the benchmarks.
#[path = "../../examples/synth.rs"]
#[allow(dead_code)]
mod synth;

/// Words as a reader counts them: tokens with a letter or digit (not table rules or pipes).
fn words(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

/// POLICY.md summarises: one page (about 600 words) for the worked example and for 10,000
/// agents alike (here 2,000; `.ci/run` checks 10,000 in release); every monitor names its agents and overdue reviews are marked.
#[test]
fn policy_md_stays_one_page() {
    let example = text(&example(), "POLICY.md");
    assert!(
        words(&example) <= 600,
        "{} words:\n{example}",
        words(&example)
    );
    assert!(
        example.contains(
            "- failed_actions above 3 per 1h → recommend-only: `campaign-writer`, `lead-router`"
        ),
        "monitors are attributed: {example}"
    );
    assert!(
        !example.contains("Overdue"),
        "nothing is overdue on 2026-11-26"
    );

    let late = text(
        &build_on(
            &manifest().join("governance"),
            NaiveDate::from_ymd_opt(2026, 12, 5).unwrap(),
        ),
        "POLICY.md",
    );
    assert!(
        late.contains(
            "**Overdue:** lead-router (due 2026-11-27), campaign-writer (due 2026-11-30)"
        ),
        "{late}"
    );

    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("gov");
    synth::generate(2_000, &repo, 1).expect("synthetic repository");
    let big = text(&build(&repo), "POLICY.md");
    assert!(big.contains("2000 AI agents"), "{big}");
    assert!(words(&big) <= 600, "{} words:\n{big}", words(&big));
    assert!(
        big.contains(" more"),
        "long lists are counted, not listed: {big}"
    );
}

#[test]
fn example_policy_md() {
    insta::assert_snapshot!("policy_md", text(&example(), "POLICY.md"));
}

#[test]
fn example_index() {
    insta::assert_snapshot!("index_html", text(&example(), "site/index.html"));
}

#[test]
fn example_agent_page() {
    insta::assert_snapshot!(
        "agent_campaign_writer_html",
        text(&example(), "site/agents/campaign-writer.html")
    );
}

#[test]
fn example_has_every_page() {
    let files = example();
    let m = &files;
    for p in [
        "site/index.html",
        "site/comparison.html",
        "site/risks.html",
        "site/approvals.html",
        "site/accountability.html",
        "site/playbooks.html",
        "site/audit.html",
        "site/waivers.html",
        "site/rules.html",
        "site/frameworks.html",
        "site/style.css",
        "POLICY.md",
    ] {
        assert!(m.contains_key(p), "{p} missing");
    }
    for a in [
        "brief-summarizer",
        "campaign-writer",
        "lead-router",
        "lead-scorer",
        "segmenter",
        "social-drafter",
    ] {
        assert!(m.contains_key(&format!("site/agents/{a}.html")), "{a}");
    }
    for w in [
        "brief-summarization",
        "crm-lead-scoring",
        "email-campaign",
        "lead-routing",
        "social-post-drafting",
    ] {
        assert!(m.contains_key(&format!("site/workflows/{w}.html")), "{w}");
    }
}

#[test]
fn output_is_deterministic() {
    assert_eq!(example(), example());
}

/// `href` and `src` values of an HTML page (entities for `&` decoded).
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "src=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').expect("closing quote");
            out.push(rest[..end].replace("&amp;", "&"));
            rest = &rest[end..];
        }
    }
    out
}

/// `id` values of an HTML page.
fn ids(html: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = html;
    while let Some(i) = rest.find(" id=\"") {
        rest = &rest[i + 5..];
        let end = rest.find('"').expect("closing quote");
        out.insert(rest[..end].to_string());
        rest = &rest[end..];
    }
    out
}

fn resolve(from: &str, link: &str) -> String {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for seg in link.split('/') {
        match seg {
            ".." => {
                parts.pop().expect("link stays inside the output folder");
            }
            "." | "" => {}
            s => parts.push(s),
        }
    }
    parts.join("/")
}

fn assert_links_resolve(files: &BTreeMap<String, Vec<u8>>) {
    let mut checked = 0;
    for (path, bytes) in files {
        if !path.ends_with(".html") {
            continue;
        }
        let html = String::from_utf8(bytes.clone()).unwrap();
        for l in links(&html) {
            if l.starts_with("mailto:") {
                continue;
            }
            assert!(!l.contains("://"), "{path}: external link {l}");
            let (file, frag) = l.split_once('#').unwrap_or((&l, ""));
            let target = if file.is_empty() {
                path.clone()
            } else {
                resolve(path, file)
            };
            let t = files
                .get(&target)
                .unwrap_or_else(|| panic!("{path}: link {l} points at missing {target}"));
            if !frag.is_empty() {
                let ids = ids(&String::from_utf8(t.clone()).unwrap());
                assert!(
                    ids.contains(frag),
                    "{path}: link {l}: no id {frag} in {target}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} links checked");
}

#[test]
fn every_link_resolves() {
    assert_links_resolve(&example());
}

#[test]
fn pages_are_self_contained_and_locked_down() {
    for (path, bytes) in example() {
        let s = String::from_utf8(bytes).unwrap();
        if path.ends_with(".html") {
            assert!(s.contains("Content-Security-Policy"), "{path}");
            assert!(s.contains("<main"), "{path}");
            assert!(
                !s.contains(" style=\""),
                "{path}: inline style blocked by the CSP"
            );
            assert!(!s.contains("<script"), "{path}");
            assert_eq!(s.matches("<h1").count(), 1, "{path}: one h1");
        }
        assert!(!s.contains("http://") || path.ends_with(".html"), "{path}");
    }
}

#[test]
fn agent_lists_come_from_decide() {
    let files = example();
    let page = text(&files, "site/agents/campaign-writer.html");
    // Sending is irreversible and external: two people, never alone.
    let two = page.find("id=\"tier-two-person\"").unwrap();
    let prohibited = page.find("id=\"prohibited\"").unwrap();
    let not_granted = page.find("id=\"not-granted\"").unwrap();
    let send = page.find("<code>email.campaigns.send</code>").unwrap();
    assert!(
        send > two && send < prohibited,
        "send is in the two-person list"
    );
    // Deleting contacts is prohibited (not merely not granted); delegation to segmenter is in
    // the reach.
    assert!(page[prohibited..not_granted].contains("crm.contacts.delete"));
    assert!(!page[not_granted..].contains("crm.contacts.delete"));
    assert!(page.contains("through campaign-writer → segmenter"));
    // Reach follows the CRM's syncs.
    assert!(page.contains("email.audiences"));
    assert!(page.contains("<svg"));
}

#[test]
fn frameworks_are_computed() {
    let files = example();
    let page = text(&files, "site/frameworks.html");
    for needle in [
        "LLM06",
        "ASI01",
        "Agent Goal Hijack",
        "ASI02",
        "Tool Misuse",
        "ASI03",
        "ASI04",
        "ASI05",
        "ASI06",
        "ASI07",
        "ASI08",
        "ASI09",
        "ASI10",
        "Rogue Agents",
        "Art. 12",
        "Art. 14",
        "GOVERN",
        "MAP",
        "MEASURE",
        "MANAGE",
    ] {
        assert!(page.contains(needle), "{needle}");
    }
    // The example keeps logs at most 90 days: the six-month note of Articles 19/26(6) shows.
    assert!(page.contains("six months"));
}

const SCRIPT: &str = "<script>alert(1)</script>";
const ATTR: &str = "\\\" onmouseover=\\\"alert(1)";
const LINK: &str = "[click](javascript:alert(1)) <a href='javascript:alert(1)'>x</a>";

fn hostile(s: &str) -> String {
    format!("\"{s} {SCRIPT} {ATTR} {LINK}\"")
}

#[test]
fn hostile_text_is_escaped_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    crate::common::copy_dir(&manifest().join("tests/fixtures/base"), root);
    edit(
        &root.join("agents.yaml"),
        "metadata: { name: writer }",
        &format!(
            "metadata: {{ name: writer, description: {} }}",
            hostile("Writer")
        ),
    );
    edit(
        &root.join("workflow.yaml"),
        "use_case: Monthly newsletter",
        &format!("use_case: {}", hostile("Newsletter")),
    );
    edit(
        &root.join("workflow.yaml"),
        "strategy: Send a correction notice",
        &format!("strategy: {}", hostile("Correct")),
    );
    edit(
        &root.join("playbook.yaml"),
        "failure_mode: A campaign went to the wrong audience",
        &format!("failure_mode: {}", hostile("Wrong")),
    );
    edit(
        &root.join("playbook.yaml"),
        "containment: Pause the agent and the mail queue",
        &format!("containment: {}", hostile("Pause")),
    );
    edit(
        &root.join("playbook.yaml"),
        "when: Any customer received a wrong email",
        &format!("when: {}", hostile("When")),
    );
    edit(
        &root.join("team.yaml"),
        "name: Ana Lima",
        &format!("name: {}", hostile("Ana")),
    );
    edit(
        &root.join("connectors.yaml"),
        "system: Example CRM",
        &format!("system: {}", hostile("CRM")),
    );
    edit(
        &root.join("policy.yaml"),
        "reason: Agents never delete records",
        &format!("reason: {}", hostile("Never")),
    );
    edit(
        &root.join("policy.yaml"),
        "metadata: { name: base }",
        &format!(
            "metadata: {{ name: base, description: {} }}",
            hostile("Policy")
        ),
    );
    std::fs::write(
        root.join("waiver.yaml"),
        format!(
            "apiVersion: agentgov.dev/v1\nkind: Waiver\nmetadata: {{ name: w, description: {} }}\nspec:\n  rule: unused-grant\n  target: agent/writer\n  justification: {}\n  approved_by: ana\n  expires: 2027-01-31\n",
            hostile("Waiver"),
            hostile("Because")
        ),
    )
    .unwrap();
    let files = build(root);
    let mut seen = 0;
    for (path, bytes) in &files {
        let s = String::from_utf8(bytes.clone()).unwrap();
        let lower = s.to_ascii_lowercase();
        assert!(!lower.contains("<script"), "{path}: unescaped <script");
        assert!(
            !lower.contains("onmouseover=\""),
            "{path}: attribute injection"
        );
        assert!(
            !lower.contains("href=\"javascript:"),
            "{path}: javascript: link"
        );
        if path.ends_with(".md") {
            // No raw HTML at all: every `<` is escaped, so no tag (and no href) can start; and a
            // Markdown parser sees no HTML and no link but safe ones.
            assert!(!s.contains('<'), "{path}: raw HTML");
            for ev in pulldown_cmark::Parser::new_ext(&s, pulldown_cmark::Options::ENABLE_TABLES) {
                match ev {
                    pulldown_cmark::Event::Html(h) | pulldown_cmark::Event::InlineHtml(h) => {
                        panic!("{path}: HTML {h}")
                    }
                    pulldown_cmark::Event::Start(pulldown_cmark::Tag::Link {
                        dest_url, ..
                    }) => {
                        assert!(
                            !dest_url.to_ascii_lowercase().contains("javascript:"),
                            "{path}: link to {dest_url}"
                        )
                    }
                    _ => {}
                }
            }
        } else {
            assert!(
                !lower.contains("href='javascript:"),
                "{path}: javascript: link"
            );
            for l in links(&s) {
                assert!(
                    !l.trim().to_ascii_lowercase().starts_with("javascript:"),
                    "{path}: link to {l}"
                );
            }
        }
        if s.contains("alert(1)") {
            seen += 1;
        }
    }
    // The hostile text is shown (escaped), not dropped.
    assert!(seen >= 5, "hostile text reached only {seen} files");
    let index = text(&files, "site/index.html");
    assert!(
        index.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;")
            || index.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
    );
    assert_links_resolve_loose(&files);
}

/// Links resolve (without the minimum count the example has).
fn assert_links_resolve_loose(files: &BTreeMap<String, Vec<u8>>) {
    for (path, bytes) in files {
        if !path.ends_with(".html") {
            continue;
        }
        for l in links(&String::from_utf8(bytes.clone()).unwrap()) {
            if l.starts_with("mailto:") || l.starts_with('#') {
                continue;
            }
            let file = l.split('#').next().unwrap();
            assert!(files.contains_key(&resolve(path, file)), "{path}: {l}");
        }
    }
}

#[test]
fn templates_folder_overrides_by_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("style.css"), "body { color: black; }\n").unwrap();
    std::fs::write(
        dir.path().join("waivers.html"),
        "{% extends \"base.html\" %}{% block content %}<h1>Custom waivers</h1>{% for w in waivers %}<p>{{ w.justification }}</p>{% endfor %}{% endblock content %}",
    )
    .unwrap();
    let opts = CheckOptions {
        today: today(),
        ..Default::default()
    };
    let checked = check(&manifest().join("governance"), &opts).unwrap();
    let mut cx = EmitContext::from_checked(&checked, today()).unwrap();
    cx.templates = Some(dir.path());
    let files: BTreeMap<String, Vec<u8>> = site::try_emit(&cx).unwrap().into_iter().collect();
    assert_eq!(files["site/style.css"], b"body { color: black; }\n");
    let w = String::from_utf8(files["site/waivers.html"].clone()).unwrap();
    assert!(w.contains("<h1>Custom waivers</h1>"));
    assert!(w.contains("phone enrichment"));
    // Other pages keep the built-in templates.
    assert!(String::from_utf8(files["site/index.html"].clone())
        .unwrap()
        .contains("Risk at a glance"));

    // A broken template is an error, not a silent fallback.
    std::fs::write(dir.path().join("index.html"), "{% if %}").unwrap();
    assert!(site::try_emit(&cx).is_err());
}

#[test]
fn framework_controls_go_unmet_without_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    crate::common::copy_dir(&manifest().join("tests/fixtures/base"), root);
    let status = |files: &BTreeMap<String, Vec<u8>>, control: &str| -> String {
        let page = text(files, "site/frameworks.html");
        let at = page
            .find(&format!("<strong>{control}</strong>"))
            .unwrap_or_else(|| panic!("{control}"));
        let rest = &page[at..];
        let b = rest.find("class=\"badge b-").unwrap() + "class=\"badge b-".len();
        rest[b..b + rest[b..].find('"').unwrap()].to_string()
    };
    let before = build(root);
    assert_eq!(status(&before, "ASI10"), "met");
    // No playbook applies to the writer any more: nobody is named who may pause it.
    edit(&root.join("workflow.yaml"), "  playbooks: [bad-send]\n", "");
    edit(&root.join("agents.yaml"), ", playbook: bad-send", "");
    let after = build(root);
    assert_eq!(
        status(&after, "ASI10"),
        "partial",
        "monitors still respond, nobody can pause"
    );
    assert_eq!(status(&after, "Art. 14"), "partial");
    // The evidence is the finding of `no-pause-authority` itself.
    assert!(text(&after, "site/frameworks.html")
        .contains("no playbook says who may pause agent <code>writer</code>"));
}

/// A step its agent is not granted (`step-not-granted`, here lowered to a warning so that the
/// site is built) is shown as denied on its workflow's page, with the finding.
#[test]
fn an_ungranted_step_is_shown_denied_with_its_finding() {
    let tmp = tempfile::tempdir().expect("tempdir");
    crate::common::copy_dir(&manifest().join("tests/fixtures/base"), tmp.path());
    edit(
        &tmp.path().join("workflow.yaml"),
        "fields: [email]",
        "fields: [email, stage]",
    );
    edit(
        &tmp.path().join("policy.yaml"),
        "  audit:",
        "  rules: { step-not-granted: warning }\n  audit:",
    );
    let files = build(tmp.path());
    let page = text(&files, "site/workflows/newsletter.html");
    let row = page
        .find("<td>audience</td>")
        .or_else(|| page.find(">audience<"))
        .expect("the step's row");
    let rest = &page[row..];
    let end = rest.find("</tr>").expect("row end");
    assert!(rest[..end].contains("denied"), "{}", &rest[..end]);
    let findings = page.find("id=\"h-findings\"").expect("findings");
    assert!(
        page[findings..].contains("step-not-granted"),
        "{}",
        &page[findings..]
    );
}
