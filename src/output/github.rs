//! `--format github`: GitHub Actions workflow commands (`::error file=…,line=…::message`), which
//! GitHub shows as annotations on the pull request's changed lines.
//!
//! Paths must be relative to the repository, so when the governance folder is a subfolder of a
//! git work tree, its prefix (see [`git_prefix`]) is put in front of every file.

use crate::diag::{Diagnostic, Severity, Summary};
use std::path::Path;

/// The governance folder `root` relative to its git work tree, with `/` and a trailing `/`
/// (`"governance/"`), or `""` when it is the work tree's root or not in one.
pub fn git_prefix(root: &Path) -> String {
    let p = crate::git::path_in_work_tree(root);
    if p.is_empty() {
        p
    } else {
        format!("{p}/")
    }
}

/// Escapes a workflow command's message.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(d: &Diagnostic) -> &'static str {
    if d.waived.is_some() {
        return "notice";
    }
    match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    }
}

/// One workflow command per finding, then the summary line as a plain log line.
pub fn render(diags: &[Diagnostic], summary: &Summary, prefix: &str) -> String {
    let mut out = String::new();
    for d in diags {
        let mut props: Vec<String> = Vec::new();
        if let Some(l) = &d.location {
            props.push(format!(
                "file={}",
                escape_property(&format!("{prefix}{}", l.file))
            ));
            props.push(format!("line={}", l.line));
            if l.end_line >= l.line {
                props.push(format!("endLine={}", l.end_line));
            }
            props.push(format!("col={}", l.column));
            if l.end_line == l.line && l.end_column > l.column {
                props.push(format!("endColumn={}", l.end_column));
            }
        }
        props.push(format!("title={}", escape_property(d.rule)));
        let mut msg = d.message.clone();
        if d.waived.is_some() {
            msg.push_str(" (waived)");
        }
        if let Some(h) = &d.help {
            msg.push_str("\nhelp: ");
            msg.push_str(h);
        }
        out.push_str(&format!(
            "::{} {}::{}\n",
            command(d),
            props.join(","),
            escape_data(&msg)
        ));
    }
    out.push_str(&super::summary_line(summary));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
