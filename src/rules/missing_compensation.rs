//! `missing-compensation`.

use super::Context;
use crate::diag::{tick, Diagnostic};
use crate::model::Reversibility;

crate::declare_rule! {
    /// ## What it finds
    /// A Connector operation with `reversibility: compensable` and no `compensation` text (or an
    /// empty one).
    ///
    /// ## Why it matters
    /// `compensable` means the effect cannot be undone, only followed by a correcting action:
    /// retracting a post, sending a correction notice. If the Connector does not say which, the
    /// workflows that use the operation have nothing to build their rollback on, and the policy
    /// site cannot tell a reviewer how the damage would be repaired.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Connector
    /// spec:
    ///   resources:
    ///     posts:
    ///       classification: public
    ///       operations:
    ///         publish: { effect: external, reversibility: compensable }
    /// ```
    ///
    /// ## How to fix
    /// Say how the effect is compensated:
    /// ```yaml
    /// publish: { effect: external, reversibility: compensable,
    ///            compensation: "Retract the post and publish a correction" }
    /// ```
    /// If nothing can compensate it, declare it `irreversible`.
    pub MISSING_COMPENSATION = { name: "missing-compensation", group: "irreversibility", severity: Error, summary: "a compensable operation without a compensation" }
}

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for c in cx.model.connectors.values() {
        for (r, res) in &c.spec.resources {
            for (o, op) in &res.operations {
                if op.reversibility != Reversibility::Compensable
                    || op
                        .compensation
                        .as_deref()
                        .is_some_and(|t| !t.trim().is_empty())
                {
                    continue;
                }
                let id = format!("{}.{r}.{o}", c.name);
                let ptr = format!("/spec/resources/{r}/operations/{o}");
                out.push(
                    Diagnostic::new(&MISSING_COMPENSATION,
                        format!("compensable operation {} does not say how it is compensated", tick(&id)),
                    )
                    .at(cx.ws.loc(c.doc, &format!("{ptr}/reversibility")))
                    .label("no `compensation`")
                    .help("add `compensation:` describing the correcting action (e.g. \"retract the post and publish a correction\"), or declare the operation `irreversible`")
                    .target(format!("connector/{}", c.name))
                    .subject(format!("{r}.{o}")),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::util::testing::{base, of};

    const RULE: &str = "missing-compensation";

    #[test]
    fn compensable_needs_compensation() {
        let conn = base("connectors.yaml").replace(
            "create: { effect: internal, reversibility: reversible }\n        send",
            "create: { effect: internal, reversibility: compensable }\n        send",
        );
        let found = of(RULE, &[("connectors.yaml", &conn)]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].target.as_deref(), Some("connector/mail"));
        let fixed = conn.replace(
            "reversibility: compensable }",
            "reversibility: compensable, compensation: Delete the draft }",
        );
        assert!(of(RULE, &[("connectors.yaml", &fixed)]).is_empty());
    }
}
