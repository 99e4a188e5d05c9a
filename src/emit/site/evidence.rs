//! The Evidence page (`build --audit LOG...`): `agentgov audit`'s dashboard and findings as
//! tables and SVG charts. Every figure comes from [`Dashboard`]; nothing is counted here. The
//! charts are drawn as SVG with presentation attributes (the CSP forbids scripts and inline
//! styles, and a site built without `--audit` keeps its stylesheet byte for byte); each has a
//! title and description, and its numbers are in the table beside it.

use super::svg::esc;
use super::EmitContext;
use crate::audit::dashboard::{Dashboard, Stats};
use crate::emit::Evidence;
use crate::output::audit::{held_lines, seconds, share, signed_points};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Findings listed on the page; a long log's others are counted by rule (the full list is
/// `agentgov audit`'s).
pub const FINDINGS_MAX: usize = 500;

/// An outcome, its colour (Okabe–Ito, told apart with colour blindness) and its count.
const OUTCOMES: [(&str, &str); 5] = [
    ("executed", "#0072b2"),
    ("rolled back", "#e69f00"),
    ("failed", "#d55e00"),
    ("rejected", "#cc79a7"),
    ("blocked", "#555d66"),
];

fn outcome_counts(s: &Stats) -> [u64; 5] {
    [s.executed, s.rolled_back, s.failed, s.rejected, s.blocked]
}

/// A machine-readable figure for `<data value>`: empty when there is none.
fn num<T: serde::Serialize>(v: Option<T>) -> String {
    v.and_then(|v| serde_json::to_string(&v).ok())
        .unwrap_or_default()
}

/// A count with its share of `of` (the share as a number too).
fn cell(n: u64, of: u64) -> Value {
    json!({"n": n, "value": num((of > 0).then(|| n as f64 / of as f64)), "text": share(n, of)})
}

fn time(s: Option<i64>) -> Value {
    json!({"value": num(s), "text": seconds(s)})
}

fn reasons(r: &BTreeMap<String, u64>) -> Vec<Value> {
    r.iter()
        .map(|(k, n)| json!({"reason": k, "n": n}))
        .collect()
}

/// A row of the per-agent or per-workflow table; `page` when the repository has the agent or
/// workflow (a log may name one it does not: it gets no link).
fn row(name: &str, s: &Stats, page: bool) -> Value {
    json!({
        "name": name,
        "page": page,
        "actions": s.actions,
        "auto_approved": cell(s.auto_approved, s.actions),
        "reviewed": cell(s.reviewed, s.actions),
        "rejected": cell(s.rejected, s.actions),
        "overridden": cell(s.overridden, s.actions),
        "rolled_back": cell(s.rolled_back, s.actions),
        "failed": cell(s.failed, s.actions),
        "reasons": reasons(&s.rejections_by_reason),
        "approved": s.time_to_approve.count,
        "p50": time(s.time_to_approve.median_seconds),
        "p90": time(s.time_to_approve.p90_seconds),
        "outcomes": OUTCOMES.iter().zip(outcome_counts(s)).map(|((l, _), n)| json!({"label": l, "n": n})).collect::<Vec<_>>(),
    })
}

/// The page's own context.
pub fn view(cx: &EmitContext, ev: &Evidence) -> Value {
    let d = &ev.report.dashboard;
    let t = &d.totals;
    let diags = &ev.report.diagnostics;
    let mut by_rule: BTreeMap<&str, u64> = BTreeMap::new();
    for f in diags {
        *by_rule.entry(f.rule).or_default() += 1;
    }
    let count = |s| diags.iter().filter(|f| f.severity == s).count();
    let outcomes: Vec<Value> = [
        ("executed", t.executed),
        ("blocked", t.blocked),
        ("rejected", t.rejected),
        ("failed", t.failed),
        ("rolled back", t.rolled_back),
        ("overridden", t.overridden),
    ]
    .iter()
    .map(|(l, n)| json!({"label": l, "cell": cell(*n, t.records)}))
    .collect();
    let groups: Vec<Value> = [
        ("agents", "agent", "Agent", &d.agents),
        ("workflows", "workflow", "Workflow", &d.workflows),
    ]
    .iter()
    .map(|(id, what, head, items)| {
        json!({
            "id": id, "what": what, "head": head,
            "svg": outcome_bars(id, what, items),
            "rows": items
                .iter()
                .map(|(n, s)| {
                    let known = if *id == "agents" {
                        cx.model.agents.contains_key(n.as_str())
                    } else {
                        cx.model.workflows.contains_key(n.as_str())
                    };
                    row(n, s, known)
                })
                .collect::<Vec<_>>(),
        })
    })
    .collect();
    json!({
        "logs": ev.logs,
        "totals": t,
        "outcomes": outcomes,
        "reasons": reasons(&d.rejections_by_reason),
        "groups": groups,
        "weeks": weeks(d),
        "rate_svg": rate_chart(d),
        "corrections_svg": corrections_chart(d),
        "held": held_lines(d),
        "errors": count(crate::diag::Severity::Error),
        "warnings": count(crate::diag::Severity::Warning),
        "by_rule": by_rule.iter().map(|(r, n)| json!({"rule": r, "n": n})).collect::<Vec<_>>(),
        "findings": diags.iter().take(FINDINGS_MAX).map(|f| super::finding_view(cx, f)).collect::<Vec<_>>(),
        "finding_count": diags.len(),
        "findings_max": FINDINGS_MAX,
    })
}

fn weeks(d: &Dashboard) -> Vec<Value> {
    d.weeks
        .iter()
        .map(|w| {
            json!({
                "week": w.week, "records": w.records, "reviews": w.reviews,
                "rejected": w.rejected_reviews,
                "rate": {"value": num(w.rejection_rate), "text": w.rejection_rate.map(crate::audit::rules::sampling_below_policy::percent).unwrap_or_else(|| "–".into())},
                "rate_change": {"value": num(w.rejection_rate_change), "text": w.rejection_rate_change.map(signed_points).unwrap_or_else(|| "–".into())},
                "corrections": w.corrections,
                "corrections_change": {"value": num(w.corrections_change), "text": w.corrections_change.map(|c| format!("{c:+}")).unwrap_or_else(|| "–".into())},
            })
        })
        .collect()
}

const CHAR_W: f64 = 7.2;
const FONT: &str = r##"font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif" font-size="12" fill="#1b1f24""##;

fn open_svg(s: &mut String, id: &str, w: f64, h: f64, title: &str, desc: &str) {
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="{id}-title {id}-desc" width="{w}" height="{h}" viewBox="0 0 {w} {h}" {FONT}><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        esc(title),
        esc(desc),
        w = w.ceil(),
        h = h.ceil()
    );
}

/// One 100% stacked bar of outcomes per agent (or workflow), its action count at its end.
fn outcome_bars(id: &str, what: &str, items: &BTreeMap<String, Stats>) -> String {
    const BAR_W: f64 = 360.0;
    const ROW: f64 = 26.0;
    const TOP: f64 = 34.0;
    let label_w = items
        .keys()
        .map(|k| k.chars().count())
        .max()
        .unwrap_or(0)
        .max(6) as f64
        * CHAR_W
        + 12.0;
    let width = label_w + BAR_W + 100.0;
    let height = TOP + ROW * items.len() as f64 + 8.0;
    let desc: Vec<String> = items
        .iter()
        .map(|(name, st)| {
            let parts: Vec<String> = OUTCOMES
                .iter()
                .zip(outcome_counts(st))
                .filter(|(_, n)| *n > 0)
                .map(|((l, _), n)| format!("{n} {l}"))
                .collect();
            format!("{name}: {} actions, {}", st.actions, parts.join(", "))
        })
        .collect();
    let mut s = String::new();
    open_svg(
        &mut s,
        &format!("chart-{id}"),
        width,
        height,
        &format!("Outcomes of the actions per {what}"),
        &format!("{}.", desc.join("; ")),
    );
    // Legend.
    s.push_str(r#"<g aria-hidden="true">"#);
    let mut x = label_w;
    for (label, colour) in OUTCOMES {
        let _ = write!(
            s,
            r#"<rect x="{x:.1}" y="8" width="12" height="12" fill="{colour}"/><text x="{:.1}" y="18">{label}</text>"#,
            x + 16.0
        );
        x += 16.0 + label.len() as f64 * CHAR_W + 14.0;
    }
    s.push_str("</g>");
    for (i, (name, st)) in items.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            label_w - 8.0,
            y + 15.0,
            esc(name)
        );
        let mut x = label_w;
        for ((label, colour), n) in OUTCOMES.iter().zip(outcome_counts(st)) {
            if n == 0 || st.actions == 0 {
                continue;
            }
            let w = BAR_W * n as f64 / st.actions as f64;
            let _ = write!(
                s,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="20" fill="{colour}"><title>{}: {n} {label} of {} ({})</title></rect>"#,
                esc(name),
                st.actions,
                share(n, st.actions)
            );
            x += w;
        }
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}">{}</text>"#,
            label_w + BAR_W + 8.0,
            y + 15.0,
            st.actions
        );
    }
    s.push_str("</svg>");
    s
}

/// Vertical bars per week: `values` (none: no bar), shown as `texts` above them.
fn week_bars(
    id: &str,
    title: &str,
    desc: &str,
    weeks: &[String],
    values: &[Option<f64>],
    texts: &[String],
) -> String {
    const COL: f64 = 64.0;
    const PLOT_H: f64 = 140.0;
    const TOP: f64 = 22.0;
    const LEFT: f64 = 12.0;
    let max = values.iter().flatten().fold(0.0f64, |a, &b| a.max(b));
    let width = (LEFT * 2.0 + COL * weeks.len() as f64).max(200.0);
    let height = TOP + PLOT_H + 40.0;
    let mut s = String::new();
    open_svg(&mut s, id, width, height, title, desc);
    let base = TOP + PLOT_H;
    for (i, (week, (v, text))) in weeks.iter().zip(values.iter().zip(texts)).enumerate() {
        let x = LEFT + COL * i as f64;
        let h = match v {
            Some(v) if max > 0.0 => PLOT_H * v / max,
            _ => 0.0,
        };
        if v.is_some() {
            let _ = write!(
                s,
                r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="#0072b2"><title>week of {}: {}</title></rect>"##,
                x + 12.0,
                base - h,
                COL - 24.0,
                esc(week),
                esc(text)
            );
        }
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            x + COL / 2.0,
            base - h - 6.0,
            esc(text)
        );
        // The week's Monday as month-day: the year is in the table beside.
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            x + COL / 2.0,
            base + 18.0,
            esc(week.get(5..).unwrap_or(week))
        );
    }
    let _ = write!(
        s,
        r##"<line x1="{LEFT}" y1="{base}" x2="{:.1}" y2="{base}" stroke="#57606a" stroke-width="1"/>"##,
        width - LEFT
    );
    s.push_str("</svg>");
    s
}

fn rate_chart(d: &Dashboard) -> String {
    let weeks: Vec<String> = d.weeks.iter().map(|w| w.week.clone()).collect();
    let values: Vec<Option<f64>> = d.weeks.iter().map(|w| w.rejection_rate).collect();
    let texts: Vec<String> = values
        .iter()
        .map(|v| {
            v.map(crate::audit::rules::sampling_below_policy::percent)
                .unwrap_or_else(|| "–".into())
        })
        .collect();
    let desc: Vec<String> = weeks
        .iter()
        .zip(&texts)
        .map(|(w, t)| format!("week of {w}: {t}"))
        .collect();
    week_bars(
        "chart-rate",
        "Rejection rate of reviews by week",
        &format!("{}.", desc.join("; ")),
        &weeks,
        &values,
        &texts,
    )
}

fn corrections_chart(d: &Dashboard) -> String {
    let weeks: Vec<String> = d.weeks.iter().map(|w| w.week.clone()).collect();
    let values: Vec<Option<f64>> = d.weeks.iter().map(|w| Some(w.corrections as f64)).collect();
    let texts: Vec<String> = d.weeks.iter().map(|w| w.corrections.to_string()).collect();
    let desc: Vec<String> = weeks
        .iter()
        .zip(&texts)
        .map(|(w, t)| format!("week of {w}: {t}"))
        .collect();
    week_bars(
        "chart-corrections",
        "Corrections (rollbacks and overrides) by week",
        &format!("{}.", desc.join("; ")),
        &weeks,
        &values,
        &texts,
    )
}
