//! `--format sarif`: SARIF 2.1.0 for code scanning (GitHub, Azure DevOps, IDE viewers).
//!
//! Every registry entry is a rule descriptor; every finding a result with its rule index, a
//! physical location relative to `%SRCROOT%` (the root of the git work tree when the governance
//! folder lives inside one, else the governance folder), the evidence as related locations, a
//! `partialFingerprints` entry built from the finding's meaning (so that moving a line does not
//! reopen an alert), and an accepted external suppression for waived findings.

use crate::diag::{Diagnostic, Location};
use crate::load::Workspace;
use crate::rules::{registry, RuleInfo};
use serde_json::{json, Map, Value};

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The key of our entry in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "agentgov/v1";

static RULES_URL: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();

/// Sets where the team publishes the rule pages (`--rules-url`); once, before any output.
/// Empty or unset: no rule links at all — the project has no documentation host of its own.
pub fn set_rules_url(base: Option<String>) {
    let base = base
        .map(|b| b.trim().trim_end_matches('/').to_string())
        .filter(|b| !b.is_empty());
    let _ = RULES_URL.set(base);
}

fn rules_url() -> Option<&'static str> {
    RULES_URL.get().and_then(|b| b.as_deref())
}

/// The documentation page of a rule, when a base URL was given.
pub fn help_uri(rule: &str) -> Option<String> {
    rules_url().map(|base| format!("{base}/{rule}"))
}

/// `unused-grant` → `UnusedGrant` (SARIF's friendly rule name).
fn pascal(rule: &str) -> String {
    rule.split('-')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

/// A sentence for SARIF messages, which should end with a period.
fn sentence(s: &str) -> String {
    let t = s.trim_end();
    if t.ends_with(['.', '!', '?']) {
        t.to_string()
    } else {
        format!("{t}.")
    }
}

/// The first paragraph of the rule's documentation that is not a heading.
fn first_paragraph(docs: &str) -> Option<String> {
    let mut para: Vec<&str> = Vec::new();
    for line in docs.lines() {
        let l = line.trim();
        if l.starts_with('#') || l.starts_with("```") {
            if !para.is_empty() {
                break;
            }
            continue;
        }
        if l.is_empty() {
            if !para.is_empty() {
                break;
            }
            continue;
        }
        para.push(l);
    }
    (!para.is_empty()).then(|| para.join(" "))
}

fn descriptor(r: &RuleInfo) -> Value {
    let markdown = r.markdown();
    let full = first_paragraph(&markdown).unwrap_or_else(|| r.summary.to_string());
    let docs = if markdown.trim().is_empty() {
        r.summary
    } else {
        markdown.as_str()
    };
    let mut props = json!({
        "tags": tags(r),
        // Structure rules read the files; the others follow the decision exactly.
        "precision": if r.group == "structure" { "very-high" } else { "high" },
        "problem.severity": match r.default_severity {
            crate::diag::Severity::Error => "error",
            crate::diag::Severity::Warning => "warning",
            _ => "recommendation",
        },
    });
    if is_security(r) {
        props["security-severity"] = json!(match r.default_severity {
            crate::diag::Severity::Error => "8.0",
            crate::diag::Severity::Warning => "5.0",
            _ => "3.0",
        });
    }
    with_help_uri(
        json!({
            "id": r.name,
            "name": pascal(r.name),
            "shortDescription": { "text": sentence(r.summary) },
            "fullDescription": { "text": sentence(&full) },
            "help": { "text": plain_text(docs), "markdown": docs },
            "defaultConfiguration": { "level": r.default_severity.as_str() },
            "properties": props,
        }),
        r.name,
    )
}

/// `helpUri` only where the team published the rule pages (`--rules-url`).
fn with_help_uri(mut descriptor: Value, rule: &str) -> Value {
    if let Some(uri) = help_uri(rule) {
        descriptor["helpUri"] = json!(uri);
    }
    descriptor
}

/// Rules about what an agent can reach or do without a human: security findings for code
/// scanning (they get a `security-severity`).
fn is_security(r: &RuleInfo) -> bool {
    matches!(
        r.group,
        "least-privilege" | "irreversibility" | "tools" | "workflows" | "approvals"
    )
}

fn tags(r: &RuleInfo) -> Vec<&'static str> {
    let mut t = vec![r.group, "governance"];
    if is_security(r) {
        t.push("security");
    }
    t
}

/// Link text for a related location: no brackets, one line.
fn link_text(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '[' | ']' => '\'',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

/// The rule documentation as plain text: headings, code fences and emphasis marks dropped.
fn plain_text(markdown: &str) -> String {
    let mut out = String::new();
    for line in markdown.lines() {
        let l = line.trim_start_matches('#').trim_start_matches(' ');
        if line.trim_start().starts_with("```") {
            continue;
        }
        let l = if line.starts_with('#') { l } else { line };
        out.push_str(&l.replace('`', "").replace("**", ""));
        out.push('\n');
    }
    out.trim_end().to_string()
}

/// A rule seen in findings but missing from the registry still gets a descriptor.
fn bare_descriptor(rule: &str) -> Value {
    with_help_uri(
        json!({
            "id": rule,
            "name": pascal(rule),
            "shortDescription": { "text": sentence(rule) },
        }),
        rule,
    )
}

/// A file's uri relative to `%SRCROOT%`: the prefix of the governance folder in the work tree,
/// then the path relative to it, percent-encoded where a URI needs it.
pub fn uri(prefix: &str, file: &str) -> String {
    let mut out = String::new();
    for b in format!("{prefix}{file}").bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'/'
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'='
            | b':'
            | b'@' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn snippet(ws: &Workspace, l: &Location) -> Option<String> {
    let f = ws.files.iter().find(|f| f.path == l.file)?;
    let s = f.text().get(l.span.start..l.span.end.max(l.span.start))?;
    (!s.is_empty()).then(|| s.to_string())
}

/// `own`: the finding's own snippet, for a file outside the workspace (an audit log).
fn physical(ws: &Workspace, prefix: &str, l: &Location, own: Option<&str>) -> Value {
    let mut region = Map::new();
    region.insert("startLine".into(), json!(l.line.max(1)));
    region.insert("startColumn".into(), json!(l.column.max(1)));
    let (end_line, end_column) = if (l.end_line, l.end_column) < (l.line, l.column) {
        (l.line, l.column)
    } else {
        (l.end_line, l.end_column)
    };
    region.insert("endLine".into(), json!(end_line.max(1)));
    region.insert("endColumn".into(), json!(end_column.max(1)));
    if let Some(text) = own.map(str::to_string).or_else(|| snippet(ws, l)) {
        region.insert("snippet".into(), json!({ "text": text }));
    }
    json!({
        "artifactLocation": { "uri": uri(prefix, &l.file), "uriBaseId": "%SRCROOT%" },
        "region": Value::Object(region),
    })
}

fn whole_repository(ws: &Workspace, prefix: &str) -> Value {
    let message = json!({ "text": "The governance repository as a whole." });
    match ws.files.iter().min_by(|a, b| a.path.cmp(&b.path)) {
        Some(f) => {
            let first = f.text().lines().next().unwrap_or("");
            json!({
                "physicalLocation": {
                    "artifactLocation": { "uri": uri(prefix, &f.path), "uriBaseId": "%SRCROOT%" },
                    "region": {
                        "startLine": 1,
                        "startColumn": 1,
                        "endLine": 1,
                        "endColumn": first.chars().count() + 1,
                    }
                },
                "message": message,
            })
        }
        None => {
            let folder = if prefix.is_empty() {
                "./".to_string()
            } else {
                uri(prefix, "")
            };
            json!({
                "physicalLocation": { "artifactLocation": { "uri": folder, "uriBaseId": "%SRCROOT%" } },
                "message": message,
            })
        }
    }
}

/// Renders a SARIF log. `prefix` is the governance folder relative to the git root (`""` or
/// ending in `/`); `%SRCROOT%` stands for that root.
pub fn render(diags: &[Diagnostic], ws: &Workspace, prefix: &str) -> String {
    let reg = registry();
    let mut rules: Vec<Value> = reg.iter().map(|r| descriptor(r)).collect();
    let mut rule_ids: Vec<&str> = reg.iter().map(|r| r.name).collect();
    for d in diags {
        if !rule_ids.contains(&d.rule) {
            rule_ids.push(d.rule);
            rules.push(bare_descriptor(d.rule));
        }
    }
    let results: Vec<Value> = diags
        .iter()
        .map(|d| {
            let mut r = Map::new();
            r.insert("ruleId".into(), json!(d.rule));
            let index = rule_ids
                .iter()
                .position(|x| *x == d.rule)
                .expect("every rule has a descriptor");
            r.insert("ruleIndex".into(), json!(index));
            r.insert("level".into(), json!(d.severity.as_str()));
            let mut text = sentence(&d.message);
            if let Some(h) = &d.help {
                let mut c = h.chars();
                let capitalized: String = c
                    .next()
                    .map(|f| f.to_uppercase().chain(c).collect())
                    .unwrap_or_default();
                text.push(' ');
                text.push_str(&sentence(&capitalized));
            }
            // Each related location linked from the text, as GitHub renders `[text](id)`.
            if !d.related.is_empty() {
                let links: Vec<String> = d
                    .related
                    .iter()
                    .enumerate()
                    .map(|(i, rel)| format!("[{}]({})", link_text(&rel.message), i + 1))
                    .collect();
                text.push_str(&format!(" Evidence: {}.", links.join("; ")));
            }
            r.insert("message".into(), json!({ "text": text }));
            let location = match &d.location {
                Some(l) => {
                    json!({ "physicalLocation": physical(ws, prefix, l, d.snippet.as_deref()) })
                }
                // A finding about the repository as a whole: GitHub code scanning rejects a
                // result without an artifact, so point at the first line of the first file.
                None => whole_repository(ws, prefix),
            };
            r.insert("locations".into(), json!([location]));
            if !d.related.is_empty() {
                let related: Vec<Value> = d
                    .related
                    .iter()
                    .enumerate()
                    .map(|(i, rel)| {
                        json!({
                            "id": i + 1,
                            "physicalLocation": physical(ws, prefix, &rel.location, None),
                            "message": { "text": sentence(&rel.message) },
                        })
                    })
                    .collect();
                r.insert("relatedLocations".into(), Value::Array(related));
            }
            r.insert(
                "partialFingerprints".into(),
                // GitHub code scanning keys alerts by `primaryLocationLineHash`: give it the
                // meaning-based fingerprint, so that moving lines keeps an alert.
                json!({ FINGERPRINT_KEY: d.fingerprint, "primaryLocationLineHash": d.fingerprint }),
            );
            if let Some(w) = &d.waived {
                let justification = format!(
                    "Waived until {} by {}: {}",
                    w.expires,
                    w.approved_by,
                    if w.justification.is_empty() {
                        "(no justification)"
                    } else {
                        &w.justification
                    }
                );
                r.insert(
                    "suppressions".into(),
                    json!([{
                        "kind": "external",
                        "status": "accepted",
                        "justification": justification,
                        "location": { "physicalLocation": physical(ws, prefix, &w.waiver, None) },
                    }]),
                );
            }
            let mut props = Map::new();
            if let Some(t) = &d.target {
                props.insert("target".into(), json!(t));
            }
            if let Some(l) = &d.label {
                props.insert("label".into(), json!(l));
            }
            if !props.is_empty() {
                r.insert("properties".into(), Value::Object(props));
            }
            Value::Object(r)
        })
        .collect();

    let mut run = Map::new();
    let mut driver = json!({
        "name": "agentgov",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "rules": rules,
    });
    if let Some(base) = rules_url() {
        driver["informationUri"] = json!(base);
    }
    run.insert("tool".into(), json!({ "driver": driver }));
    // `%SRCROOT%` is described, never given as a machine's absolute path: the same log on every
    // machine, and code scanning resolves it against the checkout.
    run.insert(
        "originalUriBaseIds".into(),
        json!({ "%SRCROOT%": { "description": { "text": "The root of the git work tree that holds the governance folder (or the folder itself outside git)." } } }),
    );
    run.insert("automationDetails".into(), json!({ "id": "agentgov/" }));
    run.insert("columnKind".into(), json!("unicodeCodePoints"));
    run.insert("results".into(), Value::Array(results));
    let log = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [Value::Object(run)],
    });
    let mut s = serde_json::to_string_pretty(&log).expect("sarif serializes");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_uris() {
        assert_eq!(pascal("unused-grant"), "UnusedGrant");
        assert_eq!(uri("gov/", "agents/a b.yaml"), "gov/agents/a%20b.yaml");
        assert_eq!(sentence("no policy"), "no policy.");
        assert_eq!(sentence("done."), "done.");
        assert_eq!(
            first_paragraph("## What it finds\nAn operation\nthat is unused.\n\n## Why\nx")
                .as_deref(),
            Some("An operation that is unused.")
        );
    }
}
