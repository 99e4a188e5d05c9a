//! The rules of `agentgov audit` (DESIGN §8, `docs/audit.md`), one per file. A rule about one
//! record is a function of the record and its [`Eval`]; a rule over many records keeps a small
//! state fed in log order. Their doc comments are the rules' documentation (`explain`, SARIF).

use super::record::Record;
use super::Eval;
use crate::decide::Plan;
use crate::model::Model;
use crate::rules::RuleInfo;
use chrono::NaiveDate;
use std::collections::BTreeMap;

pub mod audit_record_incomplete;
pub mod decision_mismatch;
pub mod invalid_audit_record;
pub mod monitor_not_acted;
pub mod override_without_reason;
pub mod rejection_without_reason;
pub mod retention_exceeded;
pub mod sampling_below_policy;
pub mod unauthorized_action;
pub mod unvalidated_change;

/// Every audit rule, in the order of DESIGN §8.
pub static AUDIT_RULES: &[&RuleInfo] = &[
    &invalid_audit_record::INVALID_AUDIT_RECORD,
    &unauthorized_action::UNAUTHORIZED_ACTION,
    &decision_mismatch::DECISION_MISMATCH,
    &audit_record_incomplete::AUDIT_RECORD_INCOMPLETE,
    &rejection_without_reason::REJECTION_WITHOUT_REASON,
    &override_without_reason::OVERRIDE_WITHOUT_REASON,
    &sampling_below_policy::SAMPLING_BELOW_POLICY,
    &unvalidated_change::UNVALIDATED_CHANGE,
    &monitor_not_acted::MONITOR_NOT_ACTED,
    &retention_exceeded::RETENTION_EXCEEDED,
];

/// What the audit rules may look at.
pub struct AuditContext<'a> {
    pub model: &'a Model,
    pub plan: &'a Plan,
    pub prompt_hashes: &'a BTreeMap<String, String>,
    pub today: NaiveDate,
}

/// A finding before it is located: the engine adds the file, the line and the snippet of the
/// record's `keys`.
pub struct Finding {
    pub rule: &'static RuleInfo,
    pub message: String,
    pub label: String,
    pub help: String,
    /// The record's keys shown as the snippet.
    pub keys: &'static [&'static str],
}

/// A rule about one record.
pub type RecordRule = fn(&AuditContext, &Record, &Eval) -> Option<Finding>;

/// The rules about one record, in catalog order.
pub static RECORD_RULES: &[RecordRule] = &[
    unauthorized_action::check,
    decision_mismatch::check,
    audit_record_incomplete::check,
    rejection_without_reason::check,
    override_without_reason::check,
];

/// A request as messages show it: `agent` `operation`.
pub fn who_did(r: &Record) -> String {
    format!(
        "{} {}",
        crate::diag::tick(&r.agent),
        crate::diag::tick(&r.operation)
    )
}

/// Where a finding is: the log (by index), the line, and the snippet of the record's keys.
#[derive(Debug, Clone)]
pub struct Spot {
    pub file: usize,
    pub line: usize,
    /// Where on the line it went wrong (1 for a whole record).
    pub column: usize,
    pub snippet: String,
    /// The line's length in characters (the finding's span).
    pub width: usize,
}

/// Microseconds in a day.
pub const DAY: i64 = 86_400_000_000;

/// The Monday (00:00 UTC) that starts the ISO week of `time`, in days since the epoch.
pub fn week_of(time: i64) -> i64 {
    let day = time.div_euclid(DAY);
    // 1970-01-01 was a Thursday: three days after a Monday.
    day - (day + 3).rem_euclid(7)
}

pub fn date_of_day(day: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp(day * 86_400, 0)
        .map(|t| t.date_naive())
        .unwrap_or_default()
}
