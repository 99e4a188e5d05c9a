//! Diagnostics: every finding of every phase, located in the source.

use crate::load::yaml::Span;
use crate::rules::RuleInfo;
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A place in a file of the repository. `file` is relative to the repository root, with `/`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    pub file: String,
    #[serde(skip)]
    pub span: Span,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Related {
    #[serde(flatten)]
    pub location: Location,
    pub message: String,
}

/// How a finding was waived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waived {
    pub justification: String,
    pub approved_by: String,
    pub expires: chrono::NaiveDate,
    pub waiver: Location,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    /// The short text shown under the offending value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// `None` only for findings about the repository as a whole (no Policy at all).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Related>,
    /// What the finding is about, as a waiver names it (`agent/lead-scorer`, `policy`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// What the finding is about within its target (a grant, an operation), for the fingerprint;
    /// the message when unset.
    #[serde(skip)]
    pub subject: Option<String>,
    /// A stable identity of the finding, independent of line numbers: a hash of rule, target and
    /// subject, set by [`normalize`].
    #[serde(skip_serializing_if = "String::is_empty")]
    pub fingerprint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waived: Option<Waived>,
    /// The offending text when it is not in the workspace (an audit log record's relevant keys).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
}

impl Diagnostic {
    /// A finding of `rule`, at the rule's default severity (the Policy's `rules:` may change it).
    pub fn new(rule: &'static RuleInfo, message: impl Into<String>) -> Self {
        Diagnostic {
            rule: rule.name,
            severity: rule.default_severity,
            message: message.into(),
            label: None,
            help: None,
            location: None,
            related: Vec::new(),
            target: None,
            subject: None,
            fingerprint: String::new(),
            waived: None,
            snippet: None,
        }
    }
    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }
    pub fn at_opt(mut self, location: Option<Location>) -> Self {
        self.location = location;
        self
    }
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn related(mut self, location: Location, message: impl Into<String>) -> Self {
        self.related.push(Related {
            location,
            message: message.into(),
        });
        self
    }
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }
    /// The subject that, with rule and target, identifies this finding across edits.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Sort key: file, position, rule, message. Repository-level findings come first.
    pub fn sort_key(&self) -> (Option<(&str, usize, usize)>, &'static str, &str) {
        (
            self.location
                .as_ref()
                .map(|l| (l.file.as_str(), l.line, l.column)),
            self.rule,
            &self.message,
        )
    }

    /// Fill the fingerprint from rule, target and subject (or message when no subject was set).
    pub fn finish_fingerprint(&mut self) {
        use sha2::{Digest, Sha256};
        let subject = self.subject.as_deref().unwrap_or(&self.message);
        let mut h = Sha256::new();
        h.update(self.rule.as_bytes());
        h.update([0]);
        h.update(self.target.as_deref().unwrap_or("").as_bytes());
        h.update([0]);
        h.update(subject.as_bytes());
        let digest = h.finalize();
        self.fingerprint = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    }
}

/// Sorts diagnostics into their canonical order and removes exact duplicates.
pub fn normalize(diags: &mut Vec<Diagnostic>) {
    for d in diags.iter_mut() {
        if d.fingerprint.is_empty() {
            d.finish_fingerprint();
        }
    }
    diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diags.dedup_by(|a, b| a.rule == b.rule && a.location == b.location && a.message == b.message);
}

/// Counts for the summary line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    pub waived: usize,
    pub files: usize,
}

impl Summary {
    pub fn of(diags: &[Diagnostic], files: usize) -> Self {
        let mut s = Summary {
            files,
            ..Default::default()
        };
        for d in diags {
            if d.waived.is_some() {
                s.waived += 1;
                continue;
            }
            match d.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Note => s.notes += 1,
            }
        }
        s
    }
}

/// Wraps a user-supplied value in backticks for messages.
pub fn tick(s: impl fmt::Display) -> String {
    format!("`{s}`")
}

/// The closest candidate to `wanted`, if close enough to be a plausible typo.
pub fn did_you_mean<'a, I>(wanted: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(wanted, c);
        if score > 0.8 && best.is_none_or(|(b, bc)| score > b || (score == b && c < bc)) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c.to_string())
}

/// "did you mean `x`?" help text, or the fallback.
pub fn suggestion_help<'a, I>(wanted: &str, candidates: I, fallback: impl Into<String>) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    match did_you_mean(wanted, candidates) {
        Some(s) => format!("did you mean `{s}`?"),
        None => fallback.into(),
    }
}
