//! The practice guide's adoption and quality figures, computed from the log in one pass with
//! memory bounded by the number of agents, workflows, weeks and distinct approval delays.

use super::record::{Outcome as Ran, Record, Verdict};
use super::rules::{date_of_day, week_of};
use super::Eval;
use crate::decide::Outcome;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Default, Clone, Serialize)]
pub struct Totals {
    pub records: u64,
    pub executed: u64,
    pub blocked: u64,
    pub rejected: u64,
    pub failed: u64,
    pub rolled_back: u64,
    pub overridden: u64,
    /// Lines that are not records (`invalid-audit-record`).
    pub invalid: u64,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Stats {
    pub actions: u64,
    pub executed: u64,
    /// Executed without a review because `decide` allows them (the auto tier).
    pub auto_approved: u64,
    /// With at least one approval entry.
    pub reviewed: u64,
    pub rejected: u64,
    pub rejections_by_reason: BTreeMap<String, u64>,
    pub overridden: u64,
    pub rolled_back: u64,
    pub failed: u64,
    pub blocked: u64,
    pub time_to_approve: Quantiles,
    #[serde(skip)]
    delays: BTreeMap<i64, u64>,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Quantiles {
    /// Approved records with approval times.
    pub count: u64,
    pub median_seconds: Option<i64>,
    pub p90_seconds: Option<i64>,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Week {
    /// The Monday that starts the ISO week.
    pub week: String,
    pub records: u64,
    pub reviews: u64,
    pub rejected_reviews: u64,
    /// Rejected reviews over reviews (none without reviews).
    pub rejection_rate: Option<f64>,
    /// Rolled-back actions and overrides.
    pub corrections: u64,
    /// Against the week before (when both have a rate).
    pub rejection_rate_change: Option<f64>,
    pub corrections_change: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MonitorHeld {
    pub agent: String,
    pub alert: String,
    pub metric: String,
    pub window: String,
    pub above: f64,
    pub response: String,
    /// `[from, to)` in RFC 3339 (UTC).
    pub held: Vec<[String; 2]>,
    pub truncated: bool,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Dashboard {
    pub totals: Totals,
    pub rejections_by_reason: BTreeMap<String, u64>,
    pub agents: BTreeMap<String, Stats>,
    pub workflows: BTreeMap<String, Stats>,
    pub weeks: Vec<Week>,
    pub monitors: Vec<MonitorHeld>,
    #[serde(skip)]
    week_map: BTreeMap<i64, Week>,
}

/// A rejection without a reason, in the counts by reason.
pub const NO_REASON: &str = "(no reason)";

impl Dashboard {
    pub fn observe(&mut self, r: &Record, time: i64, ev: &Eval) {
        let t = &mut self.totals;
        t.records += 1;
        match r.outcome {
            Ran::Executed => t.executed += 1,
            Ran::Blocked => t.blocked += 1,
            Ran::Rejected => t.rejected += 1,
            Ran::Failed => t.failed += 1,
            Ran::RolledBack => t.rolled_back += 1,
        }
        t.overridden += u64::from(r.has_override());
        let reasons: Vec<&str> = r
            .approvals()
            .iter()
            .filter(|a| a.decision == Verdict::Reject)
            .map(|a| {
                a.reason
                    .as_deref()
                    .filter(|x| !x.is_empty())
                    .unwrap_or(NO_REASON)
            })
            .collect();
        for reason in &reasons {
            *self
                .rejections_by_reason
                .entry(reason.to_string())
                .or_default() += 1;
        }
        let delay = r
            .approvals()
            .iter()
            .filter(|a| a.decision == Verdict::Approve)
            .filter_map(|a| a.at.as_deref().and_then(super::record::parse_time))
            .max()
            .map(|at| ((at - time) / 1_000_000).max(0));
        self.agents
            .entry(r.agent.clone())
            .or_default()
            .add(r, ev, &reasons, delay);
        if let Some(w) = &r.workflow {
            self.workflows
                .entry(w.clone())
                .or_default()
                .add(r, ev, &reasons, delay);
        }
        let week = self.week_map.entry(week_of(time)).or_default();
        week.records += 1;
        week.reviews += u64::from(r.reviewed());
        week.rejected_reviews += u64::from(r.rejected_review());
        week.corrections += u64::from(r.outcome == Ran::RolledBack || r.has_override());
    }

    pub fn finish(&mut self) {
        for s in self.agents.values_mut().chain(self.workflows.values_mut()) {
            s.time_to_approve = quantiles(&s.delays);
        }
        let mut before: Option<Week> = None;
        for (day, mut w) in std::mem::take(&mut self.week_map) {
            w.week = date_of_day(day).to_string();
            w.rejection_rate =
                (w.reviews > 0).then(|| w.rejected_reviews as f64 / w.reviews as f64);
            if let Some(b) = &before {
                w.rejection_rate_change = match (w.rejection_rate, b.rejection_rate) {
                    (Some(now), Some(then)) => Some(now - then),
                    _ => None,
                };
                w.corrections_change = Some(w.corrections as i64 - b.corrections as i64);
            }
            before = Some(w.clone());
            self.weeks.push(w);
        }
    }
}

impl Stats {
    fn add(&mut self, r: &Record, ev: &Eval, reasons: &[&str], delay: Option<i64>) {
        self.actions += 1;
        match r.outcome {
            Ran::Executed => self.executed += 1,
            Ran::Blocked => self.blocked += 1,
            Ran::Rejected => self.rejected += 1,
            Ran::Failed => self.failed += 1,
            Ran::RolledBack => self.rolled_back += 1,
        }
        if r.outcome == Ran::Executed && ev.decision.effect == Outcome::Allow && !r.reviewed() {
            self.auto_approved += 1;
        }
        self.reviewed += u64::from(r.reviewed());
        self.overridden += u64::from(r.has_override());
        for reason in reasons {
            *self
                .rejections_by_reason
                .entry(reason.to_string())
                .or_default() += 1;
        }
        if let Some(d) = delay {
            *self.delays.entry(d).or_default() += 1;
        }
    }
}

/// Median and 90th percentile by the nearest-rank method (the smallest value with at least
/// that share of values at or below it).
fn quantiles(h: &BTreeMap<i64, u64>) -> Quantiles {
    let n: u64 = h.values().sum();
    let rank = |p: f64| -> Option<i64> {
        let want = ((p * n as f64).ceil() as u64).max(1);
        let mut seen = 0;
        h.iter().find_map(|(v, c)| {
            seen += c;
            (seen >= want).then_some(*v)
        })
    };
    Quantiles {
        count: n,
        median_seconds: rank(0.5),
        p90_seconds: rank(0.9),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let h: BTreeMap<i64, u64> = [(1, 1), (2, 1), (3, 1), (4, 1), (100, 1)].into();
        let q = quantiles(&h);
        assert_eq!(
            (q.count, q.median_seconds, q.p90_seconds),
            (5, Some(3), Some(100))
        );
        assert_eq!(quantiles(&BTreeMap::new()).median_seconds, None);
    }
}
