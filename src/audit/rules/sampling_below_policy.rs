//! `sampling-below-policy`.

use super::{date_of_day, week_of, AuditContext, Finding, Spot, DAY};
use crate::audit::record::{ModelVersion, Outcome as Ran, Record};
use crate::audit::Eval;
use crate::decide::Outcome;
use crate::model::Stage;
use std::collections::{BTreeMap, HashMap};

crate::declare_rule! {
    /// ## What it finds
    /// Per agent and week (ISO weeks, from Monday 00:00 UTC), the share of its executed
    /// auto-tier actions (those `decide` allows) that were spot-checked — `sampled: true` with at
    /// least one approval entry — below the Policy's `sampling` rate. Each week is split in two
    /// phases: *initial*, within `initial_days` days after `rollout.since` or after a change the
    /// log shows (a record whose `model`, `prompt_sha256` or `connectors_sha256` differs from the
    /// agent's previous record with that key), which needs `initial_rate`; and *steady*, which
    /// needs `steady_rate` (`initial_rate` for a `pilot` agent, nothing for a `stable` one). One
    /// finding per agent, week and phase, at its first action.
    ///
    /// ## Why it matters
    /// The practice guide's rollout: review 100% of outputs for two weeks, then about 20%, and
    /// go back to 100% after any change. Spot checks that quietly stop are how drift goes unseen.
    ///
    /// ## Example
    /// `lead-router` (stage `sampling`, `steady_rate: 0.2`) executed 50 auto-tier actions in the
    /// week of 2026-11-16 and 4 were reviewed: 8%.
    ///
    /// ## How to fix
    /// Make the gateway sample at the rollout stage's rate (and at `initial_rate` after every
    /// model, prompt or connector change), and log the review with the record.
    pub SAMPLING_BELOW_POLICY = { name: "sampling-below-policy", group: "evidence", severity: Warning, summary: "a week in which an agent's spot checks fell below the sampling rate" }
}

#[derive(Default)]
struct Last {
    model: Option<ModelVersion>,
    prompt: Option<String>,
    connectors: Option<String>,
    changed_at: Option<i64>,
}

struct Group {
    spot: Spot,
    actions: u64,
    reviewed: u64,
    rate: f64,
}

#[derive(Default)]
pub struct Sampling {
    last: HashMap<String, Last>,
    /// By agent, week (day number of its Monday) and phase (`true`: initial).
    groups: BTreeMap<(String, i64, bool), Group>,
}

impl Sampling {
    pub fn observe(
        &mut self,
        cx: &AuditContext,
        r: &Record,
        time: i64,
        ev: &Eval,
        spot: impl FnOnce(&[&str]) -> Spot,
    ) {
        let Some(policy) = cx.model.policy().sampling.as_ref() else {
            return;
        };
        let Some(agent) = cx.model.agents.get(&r.agent) else {
            return;
        };
        let last = self.last.entry(r.agent.clone()).or_default();
        let mut changed = false;
        if let Some(m) = &r.model {
            changed |= last.model.as_ref().is_some_and(|x| x != m);
            last.model = Some(m.clone());
        }
        for (seen, now) in [
            (&mut last.prompt, &r.prompt_sha256),
            (&mut last.connectors, &r.connectors_sha256),
        ] {
            if let Some(h) = now {
                changed |= seen.as_ref().is_some_and(|x| x != h);
                *seen = Some(h.clone());
            }
        }
        if changed {
            last.changed_at = Some(time);
        }
        if r.outcome != Ran::Executed || ev.decision.effect != Outcome::Allow {
            return;
        }
        let days = policy.initial_days.unwrap_or(0) as i64 * DAY;
        let rollout = agent.spec.rollout.as_ref();
        let since = rollout
            .and_then(|ro| ro.since)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc().timestamp_micros());
        let initial = [since, last.changed_at]
            .into_iter()
            .flatten()
            .any(|start| start <= time && time < start + days);
        let rate = if initial {
            policy.initial_rate
        } else {
            match rollout.map(|ro| ro.stage) {
                Some(Stage::Stable) => return,
                Some(Stage::Pilot) => policy.initial_rate,
                _ => policy.steady_rate,
            }
        };
        let reviewed = r.sampled == Some(true) && r.reviewed();
        let g = self
            .groups
            .entry((r.agent.clone(), week_of(time), initial))
            .or_insert_with(|| Group {
                spot: spot(&[
                    "time",
                    "agent",
                    "operation",
                    "decision",
                    "sampled",
                    "approvals",
                    "outcome",
                ]),
                actions: 0,
                reviewed: 0,
                rate,
            });
        g.actions += 1;
        g.reviewed += u64::from(reviewed);
    }

    pub fn finish(self) -> Vec<(Spot, Finding)> {
        let mut out = Vec::new();
        for ((agent, week, initial), g) in self.groups {
            let share = g.reviewed as f64 / g.actions as f64;
            if share >= g.rate {
                continue;
            }
            let phase = if initial { "initial" } else { "steady" };
            out.push((
                g.spot,
                Finding {
                    rule: &SAMPLING_BELOW_POLICY,
                    message: format!(
                        "agent `{agent}` had {} of {} auto-tier action{} spot-checked in the week of {} ({phase} phase): {}, below the required {}",
                        g.reviewed,
                        g.actions,
                        if g.actions == 1 { "" } else { "s" },
                        date_of_day(week),
                        percent(share),
                        percent(g.rate)
                    ),
                    label: "too few spot checks".into(),
                    help: format!(
                        "sample at least {} of the agent's auto-tier actions for review, and log the review with `sampled: true`",
                        percent(g.rate)
                    ),
                    keys: &[],
                },
            ));
        }
        out
    }
}

pub fn percent(x: f64) -> String {
    let p = (x * 1000.0).round() / 10.0;
    if p.fract() == 0.0 {
        format!("{}%", p as i64)
    } else {
        format!("{p}%")
    }
}
