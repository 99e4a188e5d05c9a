//! `sample-rate-below-policy`.

use super::Context;
use crate::diag::{tick, Diagnostic};
use crate::model::Stage;

crate::declare_rule! {
    /// ## What it finds
    /// An agent whose `rollout.sample_rate` (the share of its outputs a human reviews) is below
    /// the Policy's `sampling` rate for its rollout stage: `initial_rate` during `pilot`,
    /// `steady_rate` during `sampling`. A `stable` agent and a Policy without `sampling` give no
    /// finding.
    ///
    /// ## Why it matters
    /// Small-team practice is to review 100% of outputs for the first two weeks, then sample about
    /// 20%, and to go back to 100% after a model, prompt or connector change. Reviewing less than
    /// the Policy promises means problems surface from customers instead of reviewers.
    ///
    /// ## Example
    /// ```yaml
    /// # Policy: sampling: { initial_rate: 1.0, initial_days: 14, steady_rate: 0.2 }
    /// rollout: { stage: pilot, since: 2026-11-16, sample_rate: 0.5 }
    /// ```
    ///
    /// ## How to fix
    /// Raise `sample_rate` to at least the Policy's rate for the stage, or move the agent to the
    /// stage it is really in.
    pub SAMPLE_RATE_BELOW_POLICY = { name: "sample-rate-below-policy", group: "change", severity: Warning, summary: "an agent's review sample rate below the Policy's rate for its rollout stage" }
}

/// `0.2` as `20%`, `0.125` as `12.5%`.
fn percent(rate: f64) -> String {
    let p = (rate * 1000.0).round() / 10.0;
    format!("{p}%")
}

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let m = cx.model;
    let Some(policy) = m.policy.as_ref() else {
        return Vec::new();
    };
    let Some(sampling) = policy.spec.sampling else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for a in m.agents.values() {
        let Some(rollout) = &a.spec.rollout else {
            continue;
        };
        let Some(rate) = rollout.sample_rate else {
            continue;
        };
        let (required, key) = match rollout.stage {
            Stage::Pilot => (sampling.initial_rate, "initial_rate"),
            Stage::Sampling => (sampling.steady_rate, "steady_rate"),
            Stage::Stable => continue,
        };
        if rate >= required {
            continue;
        }
        out.push(
            Diagnostic::new(&SAMPLE_RATE_BELOW_POLICY,
                format!(
                    "agent {} reviews {} of its outputs in stage {} but the Policy requires {}",
                    tick(&a.name),
                    percent(rate),
                    tick(rollout.stage.as_str()),
                    percent(required)
                ),
            )
            .at(cx.ws.loc(a.doc, "/spec/rollout/sample_rate"))
            .label(format!("below {}", percent(required)))
            .help(format!("set `sample_rate: {required:?}` or higher, or move the agent to the stage it is in"))
            .related(
                cx.ws.loc(policy.doc, &format!("/spec/sampling/{key}")),
                format!("the Policy's `{key}` for stage {}", tick(rollout.stage.as_str())),
            )
            .target(format!("agent/{}", a.name))
            .subject("sample_rate"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::util::testing::{base, of};

    const RULE: &str = "sample-rate-below-policy";

    #[test]
    fn rate_per_stage() {
        assert!(of(RULE, &[]).is_empty());
        assert_eq!(super::percent(0.2), "20%");
        assert_eq!(super::percent(0.125), "12.5%");
        assert_eq!(super::percent(1.0), "100%");
        let with = |r: &str| {
            base("agents.yaml").replace(
                "{ stage: sampling, since: 2026-10-01, sample_rate: 0.2 }",
                r,
            )
        };
        assert_eq!(
            of(
                RULE,
                &[(
                    "agents.yaml",
                    &with("{ stage: sampling, since: 2026-10-01, sample_rate: 0.1 }")
                )]
            )
            .len(),
            1
        );
        assert_eq!(
            of(
                RULE,
                &[(
                    "agents.yaml",
                    &with("{ stage: pilot, since: 2026-11-20, sample_rate: 0.2 }")
                )]
            )
            .len(),
            1
        );
        assert!(of(
            RULE,
            &[(
                "agents.yaml",
                &with("{ stage: pilot, since: 2026-11-20, sample_rate: 1.0 }")
            )]
        )
        .is_empty());
        assert!(of(
            RULE,
            &[(
                "agents.yaml",
                &with("{ stage: stable, since: 2026-01-01, sample_rate: 0.05 }")
            )]
        )
        .is_empty());
    }
}
