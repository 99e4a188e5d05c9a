//! The agents' monitors over the log, with exactly the window semantics of the generated
//! alerting rules (`prometheus/rules.yml`): a counter's events in `(T - w, T]`, rates only where
//! there were reviews, the increase against the window before. Evaluated at every record's time
//! (once every record of that instant is counted, as a scrape would) and at every instant an
//! event leaves a window, so the intervals in which a monitor held are exact.

use crate::emit::prometheus::alert_name;
use crate::model::{Metric, Model, Response};
use std::collections::{BTreeMap, VecDeque};

/// The counters the runtime exports, per agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    Failed = 0,
    Reviews = 1,
    Rejected = 2,
    Restricted = 3,
    Corrections = 4,
}

const COUNTERS: usize = 5;

/// A monitor window (`30m`, `1h`, `1d`, `1w`) in microseconds.
pub fn window_micros(w: &str) -> Option<i64> {
    let unit = w.chars().last()?;
    let n: i64 = w[..w.len() - unit.len_utf8()].parse().ok()?;
    let secs = match unit {
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        'w' => 604_800,
        _ => return None,
    };
    n.checked_mul(secs)?.checked_mul(1_000_000)
}

#[derive(Default)]
struct Events {
    times: VecDeque<i64>,
    /// Events dropped from the front (absolute index of `times[0]`).
    popped: usize,
}

impl Events {
    /// Events in `(from, to]`.
    fn count(&self, from: i64, to: i64) -> usize {
        let upto = |t: i64| self.times.partition_point(|&e| e <= t);
        upto(to) - upto(from)
    }
    fn total(&self) -> usize {
        self.popped + self.times.len()
    }
    fn at(&self, abs: usize) -> i64 {
        self.times[abs - self.popped]
    }
}

pub struct MonitorState {
    pub alert: String,
    pub index: usize,
    pub metric: Metric,
    pub window: String,
    w: i64,
    pub above: f64,
    pub response: Response,
    /// (counter, offset, absolute index of the next event whose `time + offset` is ahead).
    cursors: Vec<(Counter, i64, usize)>,
    since: Option<i64>,
    pub held: Vec<(i64, i64)>,
    pub held_truncated: bool,
    /// Whether it held at the last instant evaluated.
    pub holds_now: bool,
}

/// Intervals kept per monitor in the dashboard (a monitor flapping all month is a finding
/// already; its thousandth interval adds nothing).
const MAX_INTERVALS: usize = 1000;

pub struct AgentMonitors {
    events: [Events; COUNTERS],
    span: i64,
    pub monitors: Vec<MonitorState>,
}

impl AgentMonitors {
    fn new(name: &str, m: &Model) -> Option<AgentMonitors> {
        let a = m.agents.get(name)?;
        let mut monitors = Vec::new();
        let mut span = 0;
        for (i, mo) in a.spec.monitors.iter().enumerate() {
            let (Some(response), Some(w)) = (mo.then, window_micros(&mo.window)) else {
                continue;
            };
            let Some(alert) = alert_name(name, &a.spec.monitors, i) else {
                continue;
            };
            let cursors = match mo.metric {
                Metric::FailedActions => vec![(Counter::Failed, w, 0)],
                Metric::RestrictedFieldAccess => vec![(Counter::Restricted, w, 0)],
                Metric::Corrections => vec![(Counter::Corrections, w, 0)],
                Metric::RejectionRate => {
                    vec![(Counter::Reviews, w, 0), (Counter::Rejected, w, 0)]
                }
                Metric::RejectionRateIncrease => vec![
                    (Counter::Reviews, w, 0),
                    (Counter::Rejected, w, 0),
                    (Counter::Reviews, 2 * w, 0),
                    (Counter::Rejected, 2 * w, 0),
                ],
            };
            span = span.max(cursors.iter().map(|c| c.1).max().unwrap_or(0));
            monitors.push(MonitorState {
                alert,
                index: i,
                metric: mo.metric,
                window: mo.window.clone(),
                w,
                above: mo.above,
                response,
                cursors,
                since: None,
                held: Vec::new(),
                held_truncated: false,
                holds_now: false,
            });
        }
        (!monitors.is_empty()).then(|| AgentMonitors {
            events: Default::default(),
            span,
            monitors,
        })
    }

    fn rate(&self, t: i64, w: i64) -> Option<f64> {
        let reviews = self.events[Counter::Reviews as usize].count(t - w, t);
        (reviews > 0).then(|| {
            self.events[Counter::Rejected as usize].count(t - w, t) as f64 / reviews as f64
        })
    }

    fn holds(&self, mo: &MonitorState, t: i64) -> bool {
        let count = |c: Counter| self.events[c as usize].count(t - mo.w, t) as f64;
        match mo.metric {
            Metric::FailedActions => count(Counter::Failed) > mo.above,
            Metric::RestrictedFieldAccess => count(Counter::Restricted) > mo.above,
            Metric::Corrections => count(Counter::Corrections) > mo.above,
            Metric::RejectionRate => self.rate(t, mo.w).is_some_and(|r| r > mo.above),
            Metric::RejectionRateIncrease => {
                match (self.rate(t, mo.w), self.rate(t - mo.w, mo.w)) {
                    (Some(now), Some(before)) => now - before > mo.above,
                    _ => false,
                }
            }
        }
    }

    fn evaluate(&mut self, t: i64) {
        for i in 0..self.monitors.len() {
            let h = self.holds(&self.monitors[i], t);
            let mo = &mut self.monitors[i];
            mo.holds_now = h;
            match (h, mo.since) {
                (true, None) => mo.since = Some(t),
                (false, Some(s)) => {
                    if mo.held.len() < MAX_INTERVALS {
                        mo.held.push((s, t));
                    } else {
                        mo.held_truncated = true;
                    }
                    mo.since = None;
                }
                _ => {}
            }
        }
    }

    /// Evaluates every instant in `(from, to)` at which an event leaves a window.
    fn between(&mut self, from: i64, to: Option<i64>) {
        let mut points = Vec::new();
        for mo in &mut self.monitors {
            for (c, offset, next) in &mut mo.cursors {
                let ev = &self.events[*c as usize];
                while *next < ev.total() {
                    let p = ev.at(*next) + *offset;
                    if to.is_some_and(|to| p >= to) {
                        break;
                    }
                    if p > from {
                        points.push(p);
                    }
                    *next += 1;
                }
            }
        }
        points.sort_unstable();
        points.dedup();
        for p in points {
            self.evaluate(p);
        }
    }

    fn prune(&mut self, now: i64) {
        for e in &mut self.events {
            while e.times.front().is_some_and(|&t| t <= now - self.span) {
                e.times.pop_front();
                e.popped += 1;
            }
        }
    }
}

/// Every agent's monitors, fed in time order.
pub struct Monitors {
    pub agents: BTreeMap<String, AgentMonitors>,
    now: Option<i64>,
}

impl Monitors {
    pub fn new(m: &Model) -> Monitors {
        Monitors {
            agents: m
                .agents
                .keys()
                .filter_map(|a| Some((a.clone(), AgentMonitors::new(a, m)?)))
                .collect(),
            now: None,
        }
    }

    /// Moves time on to `t`: evaluates the instant that ends (all its events are in), lets
    /// `judge` see each agent's monitors at that instant, then evaluates every instant an event
    /// leaves a window before `t`. Returns true when time moved.
    pub fn advance(&mut self, t: i64, judge: impl FnMut(&str, &AgentMonitors)) -> bool {
        match self.now {
            Some(now) if t <= now => false,
            Some(now) => {
                self.close(now, Some(t), judge);
                self.now = Some(t);
                true
            }
            None => {
                self.now = Some(t);
                true
            }
        }
    }

    fn close(&mut self, now: i64, next: Option<i64>, mut judge: impl FnMut(&str, &AgentMonitors)) {
        for (name, a) in self.agents.iter_mut() {
            a.evaluate(now);
            judge(name, a);
            a.between(now, next);
            a.prune(now);
        }
    }

    /// Counts an event of `agent` at the current instant.
    pub fn count(&mut self, agent: &str, c: Counter) {
        if let (Some(a), Some(now)) = (self.agents.get_mut(agent), self.now) {
            a.events[c as usize].times.push_back(now);
        }
    }

    /// Ends the log: evaluates its last instant (`judge` sees it) and lets every window run out.
    pub fn finish(&mut self, judge: impl FnMut(&str, &AgentMonitors)) {
        if let Some(now) = self.now.take() {
            self.close(now, None, judge);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows() {
        assert_eq!(window_micros("1h"), Some(3_600_000_000));
        assert_eq!(window_micros("2w"), Some(1_209_600_000_000));
        assert_eq!(window_micros("1x"), None);
        assert_eq!(window_micros(""), None);
    }

    #[test]
    fn events_count_half_open() {
        let mut e = Events::default();
        e.times.extend([10, 20, 20, 30]);
        assert_eq!(e.count(10, 30), 3);
        assert_eq!(e.count(0, 20), 3);
        assert_eq!(e.count(20, 29), 0);
    }
}
