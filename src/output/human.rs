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
    pub fn new(ws: &Workspace) -> Self {
        Sources {
            files: ws
                .files
                .iter()
                .map(|f| (f.path.clone(), Arc::new(NamedSource::new(&f.path, f.text.clone()).with_language("yaml"))))
                .collect(),
        }
    }
}

struct Report<'a> {
    rule: &'a str,
    severity: Severity,
    source: Option<Arc<NamedSource<String>>>,
    related: Vec<Report<'a>>,
    message: String,
    label: Option<String>,
    span: Option<(usize, usize)>,
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
        self.help.as_ref().map(|h| Box::new(h.as_str()) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s.as_ref() as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let (start, end) = self.span?;
        self.source.as_ref()?;
        Some(Box::new(std::iter::once(LabeledSpan::new(
            self.label.clone(),
            start,
            end.saturating_sub(start),
        ))))
    }
    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic)))
    }
}

fn report<'a>(d: &'a Diagnostic, sources: &Sources) -> Report<'a> {
    let source = d.location.as_ref().and_then(|l| sources.files.get(&l.file).cloned());
    let position = d
        .location
        .as_ref()
        .map(|l| format!("{}:{}:{}: ", l.file, l.line, l.column))
        .unwrap_or_default();
    let waived = if d.waived.is_some() { " (waived)" } else { "" };
    Report {
        rule: d.rule,
        severity: if d.waived.is_some() { Severity::Note } else { d.severity },
        span: source.as_ref().and(d.location.as_ref()).map(|l| (l.span.start, l.span.end)),
        source,
        related: d
            .related
            .iter()
            .map(|r| Report {
                rule: d.rule,
                severity: Severity::Note,
                source: sources.files.get(&r.location.file).cloned(),
                related: vec![],
                message: format!("{}:{}:{}: {}", r.location.file, r.location.line, r.location.column, r.message),
                label: Some(r.message.clone()),
                span: Some((r.location.span.start, r.location.span.end)),
                help: None,
            })
            .collect(),
        message: format!(
            "{}[{}]: {position}{}{waived}",
            if d.waived.is_some() { "waived" } else { d.severity.as_str() },
            d.rule,
            d.message
        ),
        label: d.label.clone(),
        help: d.help.clone(),
    }
}

/// Renders diagnostics; `color` adds ANSI colors.
pub fn render(diags: &[Diagnostic], sources: &Sources, color: bool) -> String {
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100).with_links(false);
    let mut out = String::new();
    for d in diags {
        let r = report(d, sources);
        let _ = handler.render_report(&mut out, &r);
        out.push('\n');
    }
    out
}
