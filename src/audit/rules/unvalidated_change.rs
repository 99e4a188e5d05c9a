//! `unvalidated-change`.

use super::{AuditContext, Finding, Spot};
use crate::audit::record::{ModelVersion, Record};
use std::collections::BTreeMap;

crate::declare_rule! {
    /// ## What it finds
    /// Records whose `model` (provider, name or version) differs from the Agent's `model`, or
    /// whose `prompt_sha256` differs from the SHA-256 of the Agent's prompt file. One finding per
    /// agent and distinct model and prompt hash, at the first such record, with their count.
    ///
    /// ## Why it matters
    /// A model or prompt update is a change: it goes through a pull request, a validation cycle
    /// and sampling at the initial rate. A runtime that runs another version than the repository
    /// declares skipped all of that.
    ///
    /// ## Example
    /// ```json
    /// {"agent": "campaign-writer", "model": {"provider": "example-ai", "name": "writer-large", "version": "2026-09-01"}, ...}
    /// ```
    /// The Agent declares version `2026-05-01`.
    ///
    /// ## How to fix
    /// Roll the runtime back to the declared version, or change the Agent file (model or prompt)
    /// in a pull request, validate the change and let sampling restart.
    pub UNVALIDATED_CHANGE = { name: "unvalidated-change", group: "evidence", severity: Error, summary: "records whose model or prompt differs from the governance files" }
}

type Key = (String, Option<ModelVersion>, Option<String>);

#[derive(Default)]
pub struct Changes {
    seen: BTreeMap<Key, (Spot, usize)>,
}

impl Changes {
    /// Feeds one record; `spot` makes its location and snippet when a new group starts.
    pub fn observe(&mut self, cx: &AuditContext, r: &Record, spot: impl FnOnce(&[&str]) -> Spot) {
        let Some(agent) = cx.model.agents.get(&r.agent) else {
            return;
        };
        let declared = &agent.spec.model;
        let model = r.model.as_ref().filter(|m| {
            (m.provider.as_str(), m.name.as_str(), m.version.as_str())
                != (
                    declared.provider.as_str(),
                    declared.name.as_str(),
                    declared.version.as_str(),
                )
        });
        let prompt = r.prompt_sha256.as_ref().filter(|h| {
            cx.prompt_hashes
                .get(&r.agent)
                .is_some_and(|known| !known.eq_ignore_ascii_case(h))
        });
        if model.is_none() && prompt.is_none() {
            return;
        }
        let key = (r.agent.clone(), model.cloned(), prompt.cloned());
        match self.seen.get_mut(&key) {
            Some((_, n)) => *n += 1,
            None => {
                self.seen
                    .insert(key, (spot(&["time", "agent", "model", "prompt_sha256"]), 1));
            }
        }
    }

    pub fn finish(self, cx: &AuditContext) -> Vec<(Spot, Finding)> {
        let mut out = Vec::new();
        for ((agent, model, prompt), (spot, n)) in self.seen {
            let a = &cx.model.agents[&agent];
            let mut what = Vec::new();
            if let Some(m) = &model {
                let d = &a.spec.model;
                what.push(format!(
                    "model `{}/{}@{}` (the Agent declares `{}/{}@{}`)",
                    m.provider, m.name, m.version, d.provider, d.name, d.version
                ));
            }
            if let Some(p) = &prompt {
                what.push(format!(
                    "prompt hash `{}` (the prompt file hashes to `{}`)",
                    short(p),
                    short(&cx.prompt_hashes[&agent])
                ));
            }
            out.push((
                spot,
                Finding {
                    rule: &UNVALIDATED_CHANGE,
                    message: format!(
                        "{n} record{} of agent `{agent}` ran with {}",
                        if n == 1 { "" } else { "s" },
                        what.join(" and ")
                    ),
                    label: "not what the repository declares".into(),
                    help: "roll the runtime back, or change the Agent file in a pull request and validate the change before deploying it".into(),
                    keys: &[],
                },
            ));
        }
        out
    }
}

fn short(h: &str) -> &str {
    h.get(..12).unwrap_or(h)
}
