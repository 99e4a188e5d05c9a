//! `monitor-not-acted`.

use super::Finding;
use crate::audit::monitors::AgentMonitors;
use crate::model::Response;

crate::declare_rule! {
    /// ## What it finds
    /// An `executed` record of an agent at a time when one of its monitors held — its metric
    /// over its window above its threshold, computed exactly as the generated alerting rule in
    /// `prometheus/rules.yml` — and the monitor's response would have stopped the action: `pause`
    /// stops every action; `recommend-only` stops one that `decide`, with the agent in
    /// `recommend-only` mode, does not permit with the record's approvals (a non-read action
    /// without a satisfying review).
    ///
    /// ## Why it matters
    /// Thresholds that downgrade or pause an agent are the safety net of autonomous operation.
    /// An alert that fires while the agent keeps acting is a net with a hole in it.
    ///
    /// ## Example
    /// `campaign-writer` has `{ metric: failed_actions, window: 1h, above: 3, then: recommend-only }`;
    /// after four failures in an hour it sent a campaign with no reviewer.
    ///
    /// ## How to fix
    /// Wire the alert to the gateway: on `response: pause` deny every action of the agent, on
    /// `recommend-only` require a review for every non-read action, until the owners restore it.
    pub MONITOR_NOT_ACTED = { name: "monitor-not-acted", group: "evidence", severity: Error, summary: "an agent that kept acting after its monitor's threshold was crossed" }
}

/// The finding for an executed action at an instant when `monitors` hold, if a response
/// would have stopped it. `downgrade_permits`: whether the action is permitted with the agent
/// in `recommend-only` mode.
pub fn judge(
    agent: &str,
    operation: &str,
    monitors: &AgentMonitors,
    downgrade_permits: bool,
) -> Option<Finding> {
    let mo = monitors.monitors.iter().find(|mo| {
        mo.holds_now
            && match mo.response {
                Response::Pause => true,
                Response::RecommendOnly => !downgrade_permits,
            }
    })?;
    let then = mo.response.as_str();
    Some(Finding {
        rule: &MONITOR_NOT_ACTED,
        message: format!(
            "agent `{agent}` executed `{operation}` while its monitor {} ({} above {} over {}, alert `{}`) held: the response `{then}` would have stopped it",
            mo.index + 1,
            mo.metric.as_str(),
            crate::emit::prometheus::number(mo.above),
            mo.window,
            mo.alert
        ),
        label: format!("should have been {}", match mo.response {
            Response::Pause => "paused",
            Response::RecommendOnly => "reviewed",
        }),
        help: format!("make the gateway act on alert `{}`: {}", mo.alert, match mo.response {
            Response::Pause => "deny every action of the agent until its owners restore it",
            Response::RecommendOnly => "require a review for every non-read action until its owners restore it",
        }),
        keys: &["time", "agent", "operation", "decision", "approvals", "outcome"],
    })
}
