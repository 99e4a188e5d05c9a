//! The report of `agentgov audit`: the dashboard and the findings, for a terminal, as JSON
//! (DESIGN §8's shape) and as Markdown for a scheduled job's summary.

use crate::audit::dashboard::{Dashboard, Stats};
use crate::audit::rules::sampling_below_policy::percent;
use crate::audit::Report;
use crate::diag::{Diagnostic, Severity, Summary};
use serde::Serialize;

pub(crate) fn share(n: u64, of: u64) -> String {
    if of == 0 {
        "–".into()
    } else {
        percent(n as f64 / of as f64)
    }
}

pub(crate) fn seconds(s: Option<i64>) -> String {
    match s {
        None => "–".into(),
        Some(s) if s < 120 => format!("{s} s"),
        Some(s) if s < 7200 => format!("{} min", s / 60),
        Some(s) => format!("{:.1} h", s as f64 / 3600.0),
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One table row of figures for an agent or a workflow.
fn row(name: &str, s: &Stats) -> Vec<String> {
    vec![
        name.to_string(),
        s.actions.to_string(),
        share(s.auto_approved, s.actions),
        share(s.reviewed, s.actions),
        share(s.rejected, s.actions),
        share(s.overridden, s.actions),
        share(s.rolled_back, s.actions),
        share(s.failed, s.actions),
        seconds(s.time_to_approve.median_seconds),
        seconds(s.time_to_approve.p90_seconds),
    ]
}

const HEADER: [&str; 10] = [
    "",
    "actions",
    "auto-approved",
    "reviewed",
    "rejected",
    "overridden",
    "rolled back",
    "failed",
    "approve p50",
    "approve p90",
];

fn totals_line(d: &Dashboard) -> String {
    let t = &d.totals;
    let mut s = format!(
        "{}: {} executed, {} blocked, {} rejected, {} failed, {} rolled back, {} overridden",
        plural(t.records, "record", "records"),
        t.executed,
        t.blocked,
        t.rejected,
        t.failed,
        t.rolled_back,
        t.overridden
    );
    if t.invalid > 0 {
        s.push_str(&format!(
            "; {} not read",
            plural(t.invalid, "line", "lines")
        ));
    }
    s
}

fn reasons_line(d: &Dashboard) -> Option<String> {
    (!d.rejections_by_reason.is_empty()).then(|| {
        d.rejections_by_reason
            .iter()
            .map(|(r, n)| format!("{r} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

pub(crate) fn signed_points(x: f64) -> String {
    let p = (x * 1000.0).round() / 10.0;
    if p > 0.0 {
        format!("+{p} pts")
    } else {
        format!("{p} pts")
    }
}

fn week_rows(d: &Dashboard) -> Vec<Vec<String>> {
    d.weeks
        .iter()
        .map(|w| {
            vec![
                w.week.clone(),
                w.records.to_string(),
                w.reviews.to_string(),
                w.rejection_rate.map(percent).unwrap_or_else(|| "–".into()),
                w.rejection_rate_change
                    .map(signed_points)
                    .unwrap_or_else(|| "–".into()),
                w.corrections.to_string(),
                w.corrections_change
                    .map(|c| format!("{c:+}"))
                    .unwrap_or_else(|| "–".into()),
            ]
        })
        .collect()
}

const WEEK_HEADER: [&str; 7] = [
    "week of",
    "records",
    "reviews",
    "rejection rate",
    "change",
    "corrections",
    "change",
];

fn text_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::from("  ");
        for (i, c) in cells.iter().enumerate() {
            let pad = widths[i] - c.chars().count();
            if i == 0 {
                s.push_str(c);
                s.push_str(&" ".repeat(pad));
            } else {
                s.push_str(&" ".repeat(pad + 2));
                s.push_str(c);
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(header.to_vec());
    for r in rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    out
}

fn md_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let cell = super::markdown::cell;
    let mut out = format!(
        "| {} |\n",
        header
            .iter()
            .map(|h| cell(h))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    out.push_str(&format!(
        "|{}\n",
        header
            .iter()
            .enumerate()
            .map(|(i, _)| if i == 0 { " --- |" } else { " ---: |" })
            .collect::<String>()
    ));
    for r in rows {
        out.push_str(&format!(
            "| {} |\n",
            r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
        ));
    }
    out
}

pub(crate) fn held_lines(d: &Dashboard) -> Vec<String> {
    d.monitors
        .iter()
        .filter(|m| !m.held.is_empty())
        .map(|m| {
            let first = &m.held[0];
            format!(
                "{} ({} above {} over {}, then {}): held {}, first from {} to {}",
                m.alert,
                m.metric,
                crate::emit::prometheus::number(m.above),
                m.window,
                m.response,
                plural(m.held.len() as u64, "time", "times"),
                first[0],
                first[1]
            )
        })
        .collect()
}

fn human_diag(d: &Diagnostic, color: bool) -> String {
    let (sev, on, off) = match (d.severity, color) {
        (Severity::Error, true) => ("error", "\x1b[31m", "\x1b[0m"),
        (Severity::Warning, true) => ("warning", "\x1b[33m", "\x1b[0m"),
        (Severity::Note, true) => ("note", "\x1b[36m", "\x1b[0m"),
        (s, false) => (s.as_str(), "", ""),
    };
    let mut out = format!("{on}{sev}[{}]{off}: {}\n", d.rule, d.message);
    if let Some(l) = &d.location {
        let n = l.line.to_string();
        let pad = " ".repeat(n.len());
        out.push_str(&format!("{pad}--> {}:{}:{}\n", l.file, l.line, l.column));
        if let Some(s) = d.snippet.as_deref().filter(|s| !s.is_empty()) {
            out.push_str(&format!("{pad} |\n{n} | {s}\n"));
            if let Some(label) = &d.label {
                out.push_str(&format!("{pad} | {on}^ {label}{off}\n"));
            }
        }
    }
    if let Some(h) = &d.help {
        out.push_str(&format!("  = help: {h}\n"));
    }
    out.push('\n');
    out
}

pub fn human(r: &Report, summary: &Summary, color: bool) -> String {
    let d = &r.dashboard;
    let mut out = String::new();
    for diag in &r.diagnostics {
        out.push_str(&human_diag(diag, color));
    }
    out.push_str(&format!("{}\n", totals_line(d)));
    if let Some(reasons) = reasons_line(d) {
        out.push_str(&format!("rejections by reason: {reasons}\n"));
    }
    if !d.agents.is_empty() {
        let rows: Vec<Vec<String>> = d.agents.iter().map(|(n, s)| row(n, s)).collect();
        let mut header = HEADER;
        header[0] = "agent";
        out.push('\n');
        out.push_str(&text_table(&header, &rows));
    }
    if !d.weeks.is_empty() {
        out.push('\n');
        out.push_str(&text_table(&WEEK_HEADER, &week_rows(d)));
    }
    let held = held_lines(d);
    if !held.is_empty() {
        out.push_str("\nmonitors that held:\n");
        for h in held {
            out.push_str(&format!("  {h}\n"));
        }
    }
    out.push('\n');
    out.push_str(&super::summary_line(summary).replacen(" file", " log", 1));
    out.push('\n');
    out
}

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    tool: &'static str,
    tool_version: &'static str,
    summary: &'a Summary,
    diagnostics: &'a [Diagnostic],
    dashboard: &'a Dashboard,
}

pub fn json(r: &Report, summary: &Summary) -> String {
    let mut s = serde_json::to_string_pretty(&JsonReport {
        version: 1,
        tool: "agentgov",
        tool_version: env!("CARGO_PKG_VERSION"),
        summary,
        diagnostics: &r.diagnostics,
        dashboard: &r.dashboard,
    })
    .expect("the report serializes");
    s.push('\n');
    s
}

pub fn markdown(r: &Report, summary: &Summary) -> String {
    let d = &r.dashboard;
    let status = if summary.errors > 0 {
        "❌"
    } else if summary.warnings > 0 {
        "⚠️"
    } else {
        "✅"
    };
    let mut out = format!(
        "## agentgov audit\n\n{status} {}\n\n{}\n",
        super::markdown::counts(summary).replacen(" file", " log", 1),
        totals_line(d)
    );
    if let Some(reasons) = reasons_line(d) {
        out.push_str(&format!("\nRejections by reason: {reasons}\n"));
    }
    if !d.agents.is_empty() {
        let mut header = HEADER;
        header[0] = "agent";
        let rows: Vec<Vec<String>> = d.agents.iter().map(|(n, s)| row(n, s)).collect();
        out.push_str(&format!("\n### Agents\n\n{}", md_table(&header, &rows)));
    }
    if !d.workflows.is_empty() {
        let mut header = HEADER;
        header[0] = "workflow";
        let rows: Vec<Vec<String>> = d.workflows.iter().map(|(n, s)| row(n, s)).collect();
        out.push_str(&format!("\n### Workflows\n\n{}", md_table(&header, &rows)));
    }
    if !d.weeks.is_empty() {
        out.push_str(&format!(
            "\n### Week over week\n\n{}",
            md_table(&WEEK_HEADER, &week_rows(d))
        ));
    }
    let held = held_lines(d);
    if !held.is_empty() {
        out.push_str("\n### Monitors that held\n\n");
        for h in held {
            out.push_str(&format!("- {}\n", super::markdown::cell(&h)));
        }
    }
    out.push_str("\n### Findings\n\n");
    out.push_str(&super::markdown::findings(
        &r.diagnostics,
        &super::markdown::Links::default(),
    ));
    out
}
