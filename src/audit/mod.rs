//! `agentgov audit`: a runtime's log checked against the governance (DESIGN §8,
//! `docs/audit.md`).
//!
//! Logs are read in batches of lines ([`read`]); each batch is parsed and judged record by
//! record on every core (the record rules need nothing but the record and the `Plan`), then fed
//! in log order to the rules over many records (sampling, changes, retention, monitors) and the
//! dashboard, whose state is bounded by agents, weeks and windows, never by the log's length.

pub mod dashboard;
pub mod monitors;
pub mod read;
pub mod record;
pub mod rules;

use crate::decide::{Decision, Outcome, Plan};
use crate::diag::{Diagnostic, Location};
use crate::model::{Mode, Model};
use crate::semantics::approvals_by;
use chrono::NaiveDate;
use dashboard::{Dashboard, MonitorHeld};
use monitors::{Counter, Monitors};
use rayon::prelude::*;
use read::{Batch, LineProblem, LogReader};
use record::{Outcome as Ran, Record, Verdict};
use rules::{AuditContext, Finding, Spot, RECORD_RULES};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// What `decide` and the approval check say about one record.
pub struct Eval {
    pub decision: Decision,
    /// The rank of `decide`'s tier, `None` when it denies.
    pub rank: Option<usize>,
    /// Distinct people of the Team who approved.
    pub approvers: usize,
    /// `decide` allows, or approves with a tier the approvers satisfy.
    pub permitted: bool,
    /// The same with the agent in `recommend-only` mode (computed for monitored agents only).
    pub downgrade_permits: bool,
    /// The record names fields no grant of the agent allows for the operation.
    pub restricted: bool,
}

pub struct Options {
    pub today: NaiveDate,
    pub max_line_bytes: usize,
}

/// A log to read: its path and the name findings give it.
pub struct Log {
    pub path: PathBuf,
    pub name: String,
}

pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    pub dashboard: Dashboard,
    /// A log could not be opened.
    pub unreadable: bool,
}

/// Approvers of a record and whether they satisfy what `d` requires.
fn permitted(plan: &Plan, d: &Decision, count: usize, groups: &BTreeSet<String>) -> bool {
    match d.effect {
        Outcome::Allow => true,
        Outcome::Deny => false,
        Outcome::Approve => plan.approvals_satisfy(d.tier.as_deref().unwrap_or(""), count, groups),
    }
}

fn evaluate(cx: &AuditContext, monitored: &BTreeSet<String>, r: &Record) -> Eval {
    let plan = cx.plan;
    let req = r.request();
    let decision = plan.decide(&req);
    let rank = match decision.effect {
        Outcome::Deny => None,
        _ => decision
            .tier
            .as_deref()
            .and_then(|t| plan.tiers.iter().position(|x| x == t)),
    };
    let (approvers, groups) = approvals_by(
        cx.model,
        r.approvals()
            .iter()
            .filter(|a| a.decision == Verdict::Approve && cx.model.people.contains_key(&a.by))
            .map(|a| &a.by),
    );
    let ok = permitted(plan, &decision, approvers, &groups);
    let downgrade_permits = if r.outcome == Ran::Executed && monitored.contains(r.agent.as_str()) {
        let d = plan.decide_in_mode(&req, Some(Mode::RecommendOnly));
        permitted(plan, &d, approvers, &groups)
    } else {
        ok
    };
    let restricted = r
        .fields
        .as_ref()
        .is_some_and(|f| !f.is_empty() && !plan.fields_granted(&r.agent, &r.operation, f));
    Eval {
        decision,
        rank,
        approvers,
        permitted: ok,
        downgrade_permits,
        restricted,
    }
}

enum Parsed {
    Bad { column: usize, message: String },
    Good(Box<(Record, i64, Eval, Vec<Finding>)>),
}

fn parse_line(
    cx: &AuditContext,
    monitored: &BTreeSet<String>,
    text: &[u8],
    problem: Option<&LineProblem>,
    max: usize,
) -> Parsed {
    let bad = |column: usize, message: String| Parsed::Bad { column, message };
    if let Some(LineProblem::TooLong(n)) = problem {
        return bad(
            1,
            format!(
                "the line is {n} bytes long, more than the limit of {max} (`--max-line-bytes`)"
            ),
        );
    }
    if let Err(e) = std::str::from_utf8(text) {
        let valid = std::str::from_utf8(&text[..e.valid_up_to()]).unwrap_or("");
        return bad(
            valid.chars().count() + 1,
            format!(
                "the line is not valid UTF-8 (at byte {})",
                e.valid_up_to() + 1
            ),
        );
    }
    if text.iter().all(u8::is_ascii_whitespace) {
        return bad(
            1,
            "an empty line: every line of the log must be one record".into(),
        );
    }
    match record::parse(text) {
        Ok((r, time)) => {
            let ev = evaluate(cx, monitored, &r);
            let findings = RECORD_RULES
                .iter()
                .filter_map(|rule| rule(cx, &r, &ev))
                .collect();
            Parsed::Good(Box::new((r, time, ev, findings)))
        }
        Err(e) if problem == Some(&LineProblem::Truncated) => bad(
            e.column,
            format!(
                "the last line is cut off (no line break at the end of the file) and is not a whole record: {}",
                e.message
            ),
        ),
        Err(e) => bad(e.column, format!("not an audit record: {}", e.message)),
    }
}

/// The record's `keys` (those it has, in that order) as one line of JSON; for a line that is
/// not a record, its start.
pub fn snippet(text: &[u8], keys: &[&str]) -> String {
    match serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(text) {
        Ok(mut map) if !keys.is_empty() => {
            let mut out = serde_json::Map::new();
            for k in keys {
                if let Some(v) = map.remove(*k) {
                    out.insert(k.to_string(), v);
                }
            }
            serde_json::to_string(&out).unwrap_or_default()
        }
        _ => {
            let s = String::from_utf8_lossy(text);
            const MAX: usize = 200;
            match s.char_indices().nth(MAX) {
                Some((i, _)) => format!("{}…", &s[..i]),
                None => s.into_owned(),
            }
        }
    }
}

fn spot(file: usize, line: usize, text: &[u8], keys: &[&str]) -> Spot {
    Spot {
        file,
        line,
        column: 1,
        snippet: snippet(text, keys),
        width: String::from_utf8_lossy(text).chars().count(),
    }
}

/// An executed record waiting for the end of its instant, when the monitors are judged.
struct Pending {
    agent: String,
    operation: String,
    downgrade_permits: bool,
    file: usize,
    line: usize,
    text: Vec<u8>,
}

struct Engine<'a> {
    cx: &'a AuditContext<'a>,
    found: Vec<(Spot, Finding)>,
    latest: Option<i64>,
    monitors: Monitors,
    pending: Vec<Pending>,
    sampling: rules::sampling_below_policy::Sampling,
    changes: rules::unvalidated_change::Changes,
    retention: rules::retention_exceeded::Retention,
    dashboard: Dashboard,
}

fn invalid(message: String) -> Finding {
    Finding {
        rule: &rules::invalid_audit_record::INVALID_AUDIT_RECORD,
        message,
        label: "not a record".into(),
        help: "write one record of `audit/record.schema.json` per line (`agentgov build` writes the schema)".into(),
        keys: &[],
    }
}

fn judge_pending(
    pending: &[Pending],
    found: &mut Vec<(Spot, Finding)>,
    agent: &str,
    monitors: &monitors::AgentMonitors,
) {
    if !monitors.monitors.iter().any(|m| m.holds_now) {
        return;
    }
    for p in pending.iter().filter(|p| p.agent == agent) {
        if let Some(f) =
            rules::monitor_not_acted::judge(agent, &p.operation, monitors, p.downgrade_permits)
        {
            found.push((spot(p.file, p.line, &p.text, f.keys), f));
        }
    }
}

impl Engine<'_> {
    fn record(&mut self, file: usize, line: usize, text: &[u8], parsed: Parsed) {
        let (r, time, ev, findings) = match parsed {
            Parsed::Bad { column, message } => {
                let mut s = spot(file, line, text, &[]);
                s.column = column.min(s.width + 1).max(1);
                self.dashboard.totals.invalid += 1;
                self.found.push((s, invalid(message)));
                return;
            }
            Parsed::Good(b) => *b,
        };
        if let Some(latest) = self.latest.filter(|&l| time < l) {
            self.dashboard.totals.invalid += 1;
            let at = chrono::DateTime::from_timestamp_micros(latest)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
                .unwrap_or_default();
            self.found.push((
                spot(file, line, text, &["time", "agent", "operation"]),
                invalid(format!(
                    "the record's time `{}` is earlier than a record before it (`{at}`): records out of time order are not checked",
                    r.time
                )),
            ));
            return;
        }
        self.latest = Some(time);
        let (pending, found) = (&mut self.pending, &mut self.found);
        if self
            .monitors
            .advance(time, |agent, m| judge_pending(pending, found, agent, m))
        {
            self.pending.clear();
        }
        let mut counted = |c: Counter, yes: bool| {
            if yes {
                self.monitors.count(&r.agent, c);
            }
        };
        counted(Counter::Failed, r.outcome == Ran::Failed);
        counted(Counter::Reviews, r.reviewed());
        counted(Counter::Rejected, r.rejected_review());
        counted(Counter::Restricted, ev.restricted);
        counted(
            Counter::Corrections,
            r.outcome == Ran::RolledBack || r.has_override(),
        );
        if r.outcome == Ran::Executed && self.monitors.agents.contains_key(&r.agent) {
            self.pending.push(Pending {
                agent: r.agent.clone(),
                operation: r.operation.clone(),
                downgrade_permits: ev.downgrade_permits,
                file,
                line,
                text: text.to_vec(),
            });
        }
        for f in findings {
            self.found.push((spot(file, line, text, f.keys), f));
        }
        let cx = self.cx;
        self.sampling
            .observe(cx, &r, time, &ev, |keys| spot(file, line, text, keys));
        self.changes
            .observe(cx, &r, |keys| spot(file, line, text, keys));
        self.retention
            .observe(cx, &r, time, |keys| spot(file, line, text, keys));
        self.dashboard.observe(&r, time, &ev);
    }

    fn finish(mut self, logs: &[Log]) -> (Vec<Diagnostic>, Dashboard) {
        let (pending, found) = (&self.pending, &mut self.found);
        self.monitors
            .finish(|agent, m| judge_pending(pending, found, agent, m));
        self.found.extend(self.sampling.finish());
        self.found.extend(self.changes.finish(self.cx));
        self.found.extend(self.retention.finish(self.cx));
        self.dashboard.finish();
        let time = |t: i64| {
            chrono::DateTime::from_timestamp_micros(t)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
                .unwrap_or_default()
        };
        for (agent, am) in &self.monitors.agents {
            for mo in &am.monitors {
                self.dashboard.monitors.push(MonitorHeld {
                    agent: agent.clone(),
                    alert: mo.alert.clone(),
                    metric: mo.metric.as_str().to_string(),
                    window: mo.window.clone(),
                    above: mo.above,
                    response: mo.response.as_str().to_string(),
                    held: mo.held.iter().map(|(a, b)| [time(*a), time(*b)]).collect(),
                    truncated: mo.held_truncated,
                });
            }
        }
        let mut diags: Vec<Diagnostic> = self
            .found
            .into_iter()
            .map(|(s, f)| located(&logs[s.file].name, s, f))
            .collect();
        crate::diag::normalize(&mut diags);
        (diags, self.dashboard)
    }
}

fn located(file: &str, s: Spot, f: Finding) -> Diagnostic {
    let mut d = Diagnostic::new(f.rule, f.message)
        .at(Location {
            file: file.to_string(),
            span: Default::default(),
            line: s.line,
            column: s.column,
            end_line: s.line,
            end_column: s.width + 1,
        })
        .label(f.label)
        .help(f.help)
        .subject(format!("{file}:{}", s.line));
    d.snippet = Some(s.snippet);
    d
}

/// Checks `logs`, in order, as one stream.
pub fn audit(
    model: &Model,
    plan: &Plan,
    prompt_hashes: &BTreeMap<String, String>,
    logs: &[Log],
    opts: &Options,
) -> Report {
    let cx = AuditContext {
        model,
        plan,
        prompt_hashes,
        today: opts.today,
    };
    let mut engine = Engine {
        cx: &cx,
        found: Vec::new(),
        latest: None,
        monitors: Monitors::new(model),
        pending: Vec::new(),
        sampling: Default::default(),
        changes: Default::default(),
        retention: Default::default(),
        dashboard: Dashboard::default(),
    };
    let monitored: BTreeSet<String> = engine.monitors.agents.keys().cloned().collect();
    let mut unreadable = false;
    let mut extra = Vec::new();
    let mut batch = Batch::default();
    for (file, log) in logs.iter().enumerate() {
        let mut reader = match LogReader::open(&log.path, opts.max_line_bytes) {
            Ok(r) => r,
            Err(e) => {
                unreadable = true;
                extra.push(
                    Diagnostic::new(
                        &crate::rules::structure::UNREADABLE_FILE,
                        format!("cannot read the log `{}`: {e}", log.name),
                    )
                    .at(Location {
                        file: log.name.clone(),
                        span: Default::default(),
                        line: 1,
                        column: 1,
                        end_line: 1,
                        end_column: 1,
                    })
                    .help("check the path and its permissions; the other logs are still checked"),
                );
                continue;
            }
        };
        loop {
            reader.next_batch(&mut batch);
            if batch.lines.is_empty() {
                break;
            }
            let parsed: Vec<Parsed> = batch
                .lines
                .par_iter()
                .map(|l| {
                    parse_line(
                        &cx,
                        &monitored,
                        batch.text(l),
                        l.problem.as_ref(),
                        opts.max_line_bytes,
                    )
                })
                .collect();
            for (l, p) in batch.lines.iter().zip(parsed) {
                engine.record(file, l.number, batch.text(l), p);
            }
        }
        if let Some((line, message)) = reader.failed.take() {
            engine.dashboard.totals.invalid += 1;
            engine.found.push((
                Spot {
                    file,
                    line,
                    column: 1,
                    snippet: String::new(),
                    width: 0,
                },
                invalid(format!(
                    "the log cannot be read from this line on ({message}): a corrupt or cut-off compressed stream"
                )),
            ));
        }
    }
    let (mut diagnostics, dashboard) = engine.finish(logs);
    diagnostics.extend(extra);
    crate::diag::normalize(&mut diagnostics);
    Report {
        diagnostics,
        dashboard,
        unreadable,
    }
}
