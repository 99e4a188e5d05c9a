//! `retention-exceeded`.

use super::{AuditContext, Finding, Spot};
use crate::audit::record::Record;
use crate::semantics::retention_days;
use std::collections::BTreeMap;

crate::declare_rule! {
    /// ## What it finds
    /// Records of a workflow older than its retention on the day of the check (`--today`): the
    /// workflow's `retention_days`, else the Policy's `audit.retention_days.min`. A record is too
    /// old when its `time` is before 00:00 UTC of `today` minus that many days. One finding per
    /// workflow, at its first such record, with their count.
    ///
    /// ## Why it matters
    /// Detailed logs hold prompts, inputs and personal data. Keeping them longer than the
    /// declared retention breaks the promise the policy makes (and data-protection law with it).
    ///
    /// ## Example
    /// A record of `email-campaign` (`retention_days: 60`) from 2026-08-01, audited on 2026-11-26.
    ///
    /// ## How to fix
    /// Expire detailed records after the workflow's retention (a lifecycle rule on the bucket, a
    /// partition drop in the warehouse); keep only the aggregates.
    pub RETENTION_EXCEEDED = { name: "retention-exceeded", group: "evidence", severity: Warning, summary: "detailed records older than their workflow's retention" }
}

#[derive(Default)]
pub struct Retention {
    /// By workflow: the cutoff in microseconds, or `None` without a retention.
    cutoffs: BTreeMap<String, Option<(i64, u64)>>,
    old: BTreeMap<String, (Spot, usize)>,
}

impl Retention {
    pub fn observe(
        &mut self,
        cx: &AuditContext,
        r: &Record,
        time: i64,
        spot: impl FnOnce(&[&str]) -> Spot,
    ) {
        let Some(w) = r.workflow.as_deref() else {
            return;
        };
        let cutoff = match self.cutoffs.get(w) {
            Some(c) => *c,
            None => {
                let c = cx.model.workflows.get(w).and_then(|wf| {
                    let days = retention_days(cx.model, wf)?;
                    let day = cx.today - chrono::Days::new(days);
                    let micros = day.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros();
                    Some((micros, days))
                });
                self.cutoffs.insert(w.to_string(), c);
                c
            }
        };
        let Some((cutoff, _)) = cutoff else {
            return;
        };
        if time >= cutoff {
            return;
        }
        match self.old.get_mut(w) {
            Some((_, n)) => *n += 1,
            None => {
                self.old.insert(
                    w.to_string(),
                    (spot(&["time", "agent", "operation", "workflow"]), 1),
                );
            }
        }
    }

    pub fn finish(self, cx: &AuditContext) -> Vec<(Spot, Finding)> {
        self.old
            .into_iter()
            .map(|(w, (spot, n))| {
                let days = self.cutoffs[&w].map(|(_, d)| d).unwrap_or(0);
                (
                    spot,
                    Finding {
                        rule: &RETENTION_EXCEEDED,
                        message: format!(
                            "{n} record{} of workflow `{w}` {} older than its {days}-day retention on {}",
                            if n == 1 { "" } else { "s" },
                            if n == 1 { "is" } else { "are" },
                            cx.today
                        ),
                        label: "past retention".into(),
                        help: "expire detailed records after the workflow's `retention_days`".into(),
                        keys: &[],
                    },
                )
            })
            .collect()
    }
}
