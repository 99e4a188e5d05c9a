//! `--format human`: miette reports with the source snippet, label and help.

use crate::diag::{Diagnostic, Severity};
use crate::load::Workspace;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// Sources by file, shared between reports.
pub struct Sources {
    files: HashMap<String, Arc<NamedSource<String>>>,
}

impl Sources {
    /// Only the files the diagnostics point at (a clean run copies no text).
    pub fn for_diagnostics(ws: &Workspace, diags: &[Diagnostic]) -> Self {
        let wanted: std::collections::HashSet<&str> = diags
            .iter()
            .flat_map(|d| {
                d.location
                    .iter()
                    .chain(d.related.iter().map(|r| &r.location))
            })
            .map(|l| l.file.as_str())
            .collect();
        Self::build(ws, |path| wanted.contains(path))
    }

    fn build(ws: &Workspace, keep: impl Fn(&str) -> bool) -> Self {
        Sources {
            files: ws
                .files
                .iter()
                .filter(|f| keep(&f.path))
                .map(|f| {
                    (
                        f.path.clone(),
                        Arc::new(
                            NamedSource::new(&f.path, f.text().to_string()).with_language("yaml"),
                        ),
                    )
                })
                .collect(),
        }
    }
}

struct Report<'a> {
    rule: &'a str,
    severity: Severity,
    source: Option<Arc<NamedSource<String>>>,
    message: String,
    /// Label, start and end byte of each highlighted span.
    spans: Vec<(Option<String>, usize, usize)>,
    help: Option<String>,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        // The rule is already in the message, where it reads like rustc's `error[E..]`.
        let _ = self.rule;
        None
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h.as_str()) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s.as_ref() as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        Some(Box::new(self.spans.iter().map(|(label, start, end)| {
            LabeledSpan::new(label.clone(), *start, end.saturating_sub(*start))
        })))
    }
}

fn report<'a>(d: &'a Diagnostic, sources: &Sources) -> (Report<'a>, Vec<Report<'a>>) {
    let source = d
        .location
        .as_ref()
        .and_then(|l| sources.files.get(&l.file).cloned());
    let position = d
        .location
        .as_ref()
        .map(|l| format!("{}:{}:{}: ", l.file, l.line, l.column))
        .unwrap_or_default();
    let waived = if d.waived.is_some() { " (waived)" } else { "" };
    let main_file = d.location.as_ref().map(|l| l.file.as_str());
    // Evidence in the same file becomes extra labels; evidence elsewhere, notes of its own.
    let (same, other): (Vec<_>, Vec<_>) = d
        .related
        .iter()
        .partition(|r| Some(r.location.file.as_str()) == main_file);
    let mut spans: Vec<(Option<String>, usize, usize)> = Vec::new();
    if let Some(l) = source.as_ref().and(d.location.as_ref()) {
        spans.push((d.label.clone(), l.span.start, l.span.end));
    }
    for r in same {
        spans.push((
            Some(r.message.clone()),
            r.location.span.start,
            r.location.span.end,
        ));
    }
    let main = Report {
        rule: d.rule,
        severity: if d.waived.is_some() {
            Severity::Note
        } else {
            d.severity
        },
        spans,
        source,
        message: format!(
            "{}[{}]: {position}{}{waived}",
            if d.waived.is_some() {
                "waived"
            } else {
                d.severity.as_str()
            },
            d.rule,
            d.message
        ),
        help: d.help.clone(),
    };
    let notes = other
        .into_iter()
        .map(|r| Report {
            rule: d.rule,
            severity: Severity::Note,
            source: sources.files.get(&r.location.file).cloned(),
            message: format!(
                "note: {}:{}:{}: {}",
                r.location.file, r.location.line, r.location.column, r.message
            ),
            spans: vec![(
                Some(r.message.clone()),
                r.location.span.start,
                r.location.span.end,
            )],
            help: None,
        })
        .collect();
    (main, notes)
}

/// Renders diagnostics; `color` adds ANSI colors.
pub fn render(diags: &[Diagnostic], sources: &Sources, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    for d in diags {
        let (main, notes) = report(d, sources);
        let _ = handler.render_report(&mut out, &main);
        for n in notes {
            let _ = handler.render_report(&mut out, &n);
        }
        out.push('\n');
    }
    out
}
