//! `monitor-without-response`.

use super::Context;
use crate::diag::{tick, Diagnostic};

crate::declare_rule! {
    /// ## What it finds
    /// An agent's monitor with no `then`: the threshold is watched, but crossing it neither
    /// downgrades the agent to `recommend-only` nor pauses it.
    ///
    /// ## Why it matters
    /// A threshold without a response is a dashboard nobody looks at during an incident. The
    /// generated alerting rules carry the response so the gateway can act on its own.
    ///
    /// ## Example
    /// ```yaml
    /// monitors:
    ///   - { metric: failed_actions, window: 1h, above: 3 }
    /// ```
    ///
    /// ## How to fix
    /// Add `then: recommend-only` (a human approves every action until the owner resets it) or
    /// `then: pause`, and name the playbook to follow:
    /// `{ metric: failed_actions, window: 1h, above: 3, then: recommend-only, playbook: bad-send }`.
    pub MONITOR_WITHOUT_RESPONSE = { name: "monitor-without-response", group: "monitoring", severity: Warning, summary: "a monitor with no response (`then`)" }
}

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for a in cx.model.agents.values() {
        for (i, mo) in a.spec.monitors.iter().enumerate() {
            if mo.then.is_some() {
                continue;
            }
            let what = format!("{} over {}", mo.metric.as_str(), mo.window);
            out.push(
                Diagnostic::new(&MONITOR_WITHOUT_RESPONSE,
                    format!(
                        "monitor {} of agent {} has no response",
                        tick(&what),
                        tick(&a.name)
                    ),
                )
                .at(cx.ws.loc(a.doc, &format!("/spec/monitors/{i}")))
                .label("no `then`")
                .help("add `then: recommend-only` or `then: pause` (and a `playbook`)")
                .target(format!("agent/{}", a.name))
                .subject(format!(
                    "{}/{}/{}",
                    mo.metric.as_str(),
                    mo.window,
                    mo.above
                )),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::util::testing::{base, of};

    const RULE: &str = "monitor-without-response";

    #[test]
    fn monitor_without_then() {
        assert!(of(RULE, &[]).is_empty());
        let agents = base("agents.yaml").replace(" then: recommend-only,", "");
        let found = of(RULE, &[("agents.yaml", &agents)]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].message.contains("`failed_actions over 1h`"));
    }
}
