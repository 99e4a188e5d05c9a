//! `unmonitored-agent`.

use super::util::{external_ops, tick_list};
use crate::semantics::grant_op_pointer;
use super::Context;
use crate::diag::{tick, Diagnostic};
use crate::model::{Mode, OpId};

crate::declare_rule! {
    /// ## What it finds
    /// An agent with external effects (it is granted an operation with `effect: external` that no
    /// prohibition denies) and no `monitors`. A paused agent is skipped until it is resumed.
    ///
    /// ## Why it matters
    /// An agent that sends or publishes needs thresholds that downgrade or pause it on their own:
    /// more than 3 failed actions in an hour, reviewer rejections up 10% week over week, any
    /// access to restricted fields. Without monitors a bad prompt keeps acting until a customer
    /// complains.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Agent
    /// spec:
    ///   grants:
    ///     - { resource: mail.campaigns, operations: [create, send] }
    ///   # no monitors
    /// ```
    ///
    /// ## How to fix
    /// Add monitors with a response:
    /// ```yaml
    /// monitors:
    ///   - { metric: failed_actions, window: 1h, above: 3, then: recommend-only, playbook: bad-send }
    ///   - { metric: rejection_rate_increase, window: 1w, above: 0.10, then: recommend-only }
    ///   - { metric: restricted_field_access, window: 1h, above: 0, then: pause }
    /// ```
    pub UNMONITORED_AGENT = { name: "unmonitored-agent", group: "monitoring", severity: Warning, summary: "an agent with external effects and no monitors" }
}

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let m = cx.model;
    let mut out = Vec::new();
    for a in m.agents.values() {
        if a.spec.mode == Mode::Paused || !a.spec.monitors.is_empty() {
            continue;
        }
        let external = external_ops(cx.plan, &a.name);
        if external.is_empty() {
            continue;
        }
        let mut d = Diagnostic::new(&UNMONITORED_AGENT,
            format!("agent {} has external effects but no monitors", tick(&a.name)),
        )
        .at(cx.ws.loc(a.doc, "/metadata/name"))
        .label(format!("can perform {}", tick_list(&external)))
        .help("add `monitors:` with thresholds that downgrade or pause it, e.g. `{ metric: failed_actions, window: 1h, above: 3, then: recommend-only }`")
        .target(format!("agent/{}", a.name))
        .subject("monitors");
        if let Some(ptr) = OpId::parse(external[0]).and_then(|op| grant_op_pointer(a, &op)) {
            d = d.related(
                cx.ws.loc(a.doc, &ptr),
                format!("grants external operation {}", tick(external[0])),
            );
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::util::testing::{base, of};

    const RULE: &str = "unmonitored-agent";

    #[test]
    fn external_agent_without_monitors() {
        assert!(of(RULE, &[]).is_empty());
        let agents: String = base("agents.yaml")
            .lines()
            .take_while(|l| !l.starts_with("  monitors:"))
            .map(|l| format!("{l}\n"))
            .collect();
        let found = of(RULE, &[("agents.yaml", &agents)]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0]
            .label
            .as_deref()
            .unwrap()
            .contains("`mail.campaigns.send`"));
        // Without the external grant there is nothing to monitor.
        let internal = agents.replace("operations: [create, send]", "operations: [create]");
        assert!(of(RULE, &[("agents.yaml", &internal)]).is_empty());
    }
}
