//! `--format markdown`: a pull-request comment or a job summary — the counts, a table of
//! findings with links to their lines, and waived findings in a collapsed section.

use crate::diag::{Diagnostic, Location, Severity, Summary};

/// How file links are written: relative to the repository root, or under a base URL
/// (`https://github.com/OWNER/REPO/blob/SHA/`) when one is known.
#[derive(Debug, Clone, Default)]
pub struct Links {
    /// Prefix of the governance folder inside the repository (`""` or ending in `/`).
    pub prefix: String,
    /// Base URL for links, ending in `/`; `None` writes repository-relative links.
    pub base: Option<String>,
}

impl Links {
    /// The GitHub blob URL base from the Actions environment (`GITHUB_SERVER_URL`,
    /// `GITHUB_REPOSITORY`, `GITHUB_SHA`), when all are set.
    pub fn from_github_env(prefix: String) -> Links {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let base = match (
            var("GITHUB_SERVER_URL"),
            var("GITHUB_REPOSITORY"),
            var("GITHUB_SHA"),
        ) {
            (Some(server), Some(repo), Some(sha)) => Some(format!(
                "{}/{repo}/blob/{sha}/",
                server.trim_end_matches('/')
            )),
            _ => None,
        };
        Links { prefix, base }
    }

    /// `[path:line](url#Lline)` for a location.
    pub fn link(&self, l: &Location) -> String {
        let path = format!("{}{}", self.prefix, l.file);
        let url = format!(
            "{}{}#L{}",
            self.base.as_deref().unwrap_or(""),
            super::sarif::uri("", &path),
            l.line
        );
        format!("[{}:{}]({url})", cell(&path), l.line)
    }
}

/// Escapes text for a table cell: pipes, newlines, and HTML-ish brackets.
pub fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace("\r\n", "<br>")
        .replace('\n', "<br>")
}

fn icon(s: Severity) -> &'static str {
    match s {
        Severity::Error => "🛑 error",
        Severity::Warning => "⚠️ warning",
        Severity::Note => "ℹ️ note",
    }
}

fn rule_link(rule: &str) -> String {
    match super::sarif::help_uri(rule) {
        Some(uri) => format!("[`{rule}`]({uri})"),
        None => format!("`{rule}`"),
    }
}

fn table(diags: &[&Diagnostic], links: &Links, waived: bool) -> String {
    let mut out = String::new();
    if waived {
        out.push_str("| where | rule | finding | waiver |\n| --- | --- | --- | --- |\n");
    } else {
        out.push_str(
            "| severity | where | rule | finding | how to fix |\n| --- | --- | --- | --- | --- |\n",
        );
    }
    for d in diags {
        let place = d
            .location
            .as_ref()
            .map(|l| links.link(l))
            .unwrap_or_else(|| "repository".to_string());
        let help = d.help.as_deref().map(cell).unwrap_or_default();
        if waived {
            let w = d.waived.as_ref().expect("waived rows");
            let why = format!(
                "until {} by `{}`: {}",
                w.expires,
                w.approved_by,
                if w.justification.is_empty() {
                    "(no justification)"
                } else {
                    &w.justification
                }
            );
            out.push_str(&format!(
                "| {place} | {} | {} | {} |\n",
                rule_link(d.rule),
                cell(&d.message),
                cell(&why)
            ));
        } else {
            out.push_str(&format!(
                "| {} | {place} | {} | {} | {help} |\n",
                icon(d.severity),
                rule_link(d.rule),
                cell(&d.message)
            ));
        }
    }
    out
}

/// The counts as one Markdown line.
pub fn counts(s: &Summary) -> String {
    let mut parts = vec![
        format!("**{}** error(s)", s.errors),
        format!("**{}** warning(s)", s.warnings),
    ];
    if s.notes > 0 {
        parts.push(format!("**{}** note(s)", s.notes));
    }
    if s.waived > 0 {
        parts.push(format!("**{}** waived", s.waived));
    }
    format!("{} in {} file(s)", parts.join(", "), s.files)
}

/// The findings under a heading; `heading` is the first line (e.g. `## agentgov check`).
pub fn render(diags: &[Diagnostic], summary: &Summary, links: &Links, heading: &str) -> String {
    let mut out = format!("{heading}\n\n");
    let status = if summary.errors > 0 {
        "❌ "
    } else if summary.warnings > 0 {
        "⚠️ "
    } else {
        "✅ "
    };
    out.push_str(&format!("{status}{}\n\n", counts(summary)));
    out.push_str(&findings(diags, links));
    out
}

/// The table of active findings and the collapsed section of waived ones (no heading).
pub fn findings(diags: &[Diagnostic], links: &Links) -> String {
    let mut out = String::new();
    let active: Vec<&Diagnostic> = diags.iter().filter(|d| d.waived.is_none()).collect();
    let waived: Vec<&Diagnostic> = diags.iter().filter(|d| d.waived.is_some()).collect();
    if active.is_empty() {
        out.push_str("No findings.\n");
    } else {
        out.push_str(&table(&active, links, false));
    }
    if !waived.is_empty() {
        out.push_str(&format!(
            "\n<details>\n<summary>{} waived finding(s)</summary>\n\n{}\n</details>\n",
            waived.len(),
            table(&waived, links, true)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_escaped() {
        assert_eq!(cell("a|b\nc <x>"), "a\\|b<br>c &lt;x&gt;");
    }
}
