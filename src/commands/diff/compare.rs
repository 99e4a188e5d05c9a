//! The comparison of two snapshots: what the change permits, reaches or needs revalidated.

use super::snapshot::*;
use crate::diag::{Diagnostic, Summary};
use crate::model::{Effect, Reversibility};
use serde::Serialize;
use std::collections::HashSet;

#[derive(Debug, Serialize)]
pub struct NewAgent {
    pub name: String,
    pub rollout: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct GrantChange {
    pub agent: String,
    pub operation: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// `external`, `irreversible`, `writes personal data`.
    pub traits: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct FieldChange {
    pub agent: String,
    pub operation: String,
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct TierChange {
    pub agent: String,
    pub operation: String,
    /// `None`: no workflow named (the default decision).
    pub workflow: Option<String>,
    pub before: Dec,
    pub after: Dec,
    /// `relaxed` or `tightened`; `changed` when only the reasons differ in kind.
    pub direction: &'static str,
}

#[derive(Debug, Serialize)]
pub struct ReachChange {
    pub agent: String,
    pub operation: String,
    /// Agents from `agent` to the delegate granted the operation.
    pub path: Vec<String>,
    pub traits: Vec<String>,
    pub risky: bool,
}

#[derive(Debug, Serialize)]
pub struct FlowChange {
    pub resource: String,
    pub source: String,
    pub path: Vec<String>,
    /// The source holds personal or sensitive data.
    pub risky: bool,
}

#[derive(Debug, Serialize)]
pub struct Capability {
    pub agent: String,
    pub operation: String,
    pub traits: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Revalidation {
    pub agent: String,
    pub reasons: Vec<String>,
    /// The head's `rollout.sample_rate`, to be set back to 1.0.
    pub sample_rate: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct RolloutChange {
    pub agent: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// A tool of a server's snapshot added, removed or changed.
#[derive(Debug, Serialize)]
pub struct ToolChange {
    pub connector: String,
    pub server: String,
    pub tool: String,
    /// `added` (ungoverned until bound), `removed` (its bindings are dead), `annotations` or
    /// `input-schema` (a change of what the tool does: revalidate, like a model change).
    pub change: &'static str,
    /// The operations the tool is bound to at the head (at the base for a removal).
    pub bound_to: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub version: u32,
    pub base: String,
    /// The base has governance files at all.
    pub base_exists: bool,
    pub base_compiled: bool,
    pub head_compiled: bool,
    pub agents_added: Vec<NewAgent>,
    pub agents_removed: Vec<String>,
    pub grants_added: Vec<GrantChange>,
    pub grants_removed: Vec<GrantChange>,
    pub fields_changed: Vec<FieldChange>,
    pub tiers: Vec<TierChange>,
    pub reach_added: Vec<ReachChange>,
    pub reach_removed: Vec<ReachChange>,
    pub flows_added: Vec<FlowChange>,
    pub flows_removed: Vec<FlowChange>,
    pub capabilities_added: Vec<Capability>,
    pub revalidation: Vec<Revalidation>,
    pub rollout: Vec<RolloutChange>,
    pub findings_introduced: Vec<Diagnostic>,
    pub findings_fixed: Vec<Diagnostic>,
    /// Requests permitted at the head and not at the base, one example per kind of difference.
    pub permitted: Vec<super::permits::Witness>,
    /// What the change relaxes: each change that permits something new (with an example
    /// request), each new data sync, and each newly permitted request no change explains.
    pub relaxed: Vec<super::changes::Change>,
    /// Controls weakened without permitting anything new (they do not fail the diff).
    pub weakened: Vec<super::changes::Change>,
    /// Every other change that decides or controls something: tightened, or changed without
    /// permitting anything new.
    pub changes: Vec<super::changes::Change>,
    /// Changes of the MCP servers' tool snapshots (DESIGN §6).
    pub tools: Vec<ToolChange>,
    pub head_summary: Summary,
    pub relaxations: usize,
    pub risky_reach: usize,
}

pub(super) fn traits_of(o: &OpSnap) -> Vec<String> {
    o.traits().into_iter().map(String::from).collect()
}

pub(super) fn rollout_text(r: &Option<(String, Option<f64>, Option<String>)>) -> Option<String> {
    r.as_ref().map(|(stage, rate, since)| {
        let mut s = stage.clone();
        if let Some(rate) = rate {
            s.push_str(&format!(", sample rate {rate}"));
        }
        if let Some(since) = since {
            s.push_str(&format!(", since {since}"));
        }
        s
    })
}

pub(super) fn short(hash: &Option<String>) -> String {
    hash.as_deref()
        .map(|h| h[..h.len().min(12)].to_string())
        .unwrap_or_else(|| "none".into())
}

pub(super) fn compare(base_ref: &str, base: &Snap, head: &Snap, files: usize) -> Report {
    let mut r = Report {
        version: 1,
        base: base_ref.to_string(),
        base_exists: base.exists,
        base_compiled: base.compiled,
        head_compiled: head.compiled,
        agents_added: vec![],
        agents_removed: vec![],
        grants_added: vec![],
        grants_removed: vec![],
        fields_changed: vec![],
        tiers: vec![],
        reach_added: vec![],
        reach_removed: vec![],
        flows_added: vec![],
        flows_removed: vec![],
        capabilities_added: vec![],
        revalidation: vec![],
        rollout: vec![],
        findings_introduced: vec![],
        findings_fixed: vec![],
        permitted: vec![],
        relaxed: vec![],
        weakened: vec![],
        changes: vec![],
        tools: vec![],
        head_summary: Summary::of(&head.diagnostics, files),
        relaxations: 0,
        risky_reach: 0,
    };
    let base_fps: HashSet<&str> = base
        .diagnostics
        .iter()
        .map(|d| d.fingerprint.as_str())
        .collect();
    let head_fps: HashSet<&str> = head
        .diagnostics
        .iter()
        .map(|d| d.fingerprint.as_str())
        .collect();
    r.findings_introduced = head
        .diagnostics
        .iter()
        .filter(|d| !base_fps.contains(d.fingerprint.as_str()))
        .cloned()
        .collect();
    r.findings_fixed = base
        .diagnostics
        .iter()
        .filter(|d| !head_fps.contains(d.fingerprint.as_str()))
        .cloned()
        .collect();
    if !head.compiled {
        return r;
    }
    let empty = AgentSnap::default();
    for (name, h) in &head.agents {
        let b = base.agents.get(name);
        if b.is_none() {
            r.agents_added.push(NewAgent {
                name: name.clone(),
                rollout: rollout_text(&h.rollout),
            });
        }
        let b = b.unwrap_or(&empty);
        for (op, ho) in &h.ops {
            match b.ops.get(op) {
                None => r.grants_added.push(GrantChange {
                    agent: name.clone(),
                    operation: op.clone(),
                    fields: ho.fields.iter().cloned().collect(),
                    traits: traits_of(ho),
                }),
                Some(bo) => {
                    if bo.fields != ho.fields {
                        r.fields_changed.push(FieldChange {
                            agent: name.clone(),
                            operation: op.clone(),
                            added: ho.fields.difference(&bo.fields).cloned().collect(),
                            removed: bo.fields.difference(&ho.fields).cloned().collect(),
                        });
                    }
                    for (w, hd) in &ho.decisions {
                        // A workflow new to this operation compares with the base's default.
                        let Some(bd) = bo.decisions.get(w).or_else(|| bo.decisions.get(&None))
                        else {
                            continue;
                        };
                        if bd.effect == hd.effect && bd.tier == hd.tier {
                            continue;
                        }
                        let direction = match hd.strength.cmp(&bd.strength) {
                            std::cmp::Ordering::Less => "relaxed",
                            std::cmp::Ordering::Greater => "tightened",
                            std::cmp::Ordering::Equal => "changed",
                        };
                        // A workflow that changes exactly as the default adds nothing to read.
                        let same_as_default = w.is_some()
                            && r.tiers.iter().any(|t| {
                                t.agent == *name
                                    && t.operation == *op
                                    && t.workflow.is_none()
                                    && t.before.effect == bd.effect
                                    && t.before.tier == bd.tier
                                    && t.after.effect == hd.effect
                                    && t.after.tier == hd.tier
                            });
                        if same_as_default {
                            continue;
                        }
                        r.tiers.push(TierChange {
                            agent: name.clone(),
                            operation: op.clone(),
                            workflow: w.clone(),
                            before: bd.clone(),
                            after: hd.clone(),
                            direction,
                        });
                    }
                }
            }
            let new_external = ho.effect == Effect::External
                && b.ops.get(op).is_none_or(|bo| bo.effect != Effect::External);
            let new_irreversible = ho.reversibility == Reversibility::Irreversible
                && b.ops
                    .get(op)
                    .is_none_or(|bo| bo.reversibility != Reversibility::Irreversible);
            if new_external || new_irreversible {
                let mut traits = Vec::new();
                if new_external {
                    traits.push("external".to_string());
                }
                if new_irreversible {
                    traits.push("irreversible".to_string());
                }
                r.capabilities_added.push(Capability {
                    agent: name.clone(),
                    operation: op.clone(),
                    traits,
                });
            }
        }
        for (op, bo) in &b.ops {
            if !h.ops.contains_key(op) {
                r.grants_removed.push(GrantChange {
                    agent: name.clone(),
                    operation: op.clone(),
                    fields: bo.fields.iter().cloned().collect(),
                    traits: traits_of(bo),
                });
            }
        }
        for (op, path) in &h.reach {
            if !b.reach.contains_key(op) {
                let o = head.all_ops.get(op);
                r.reach_added.push(ReachChange {
                    agent: name.clone(),
                    operation: op.clone(),
                    path: path.clone(),
                    traits: o.map(traits_of).unwrap_or_default(),
                    risky: o.is_some_and(OpSnap::risky),
                });
            }
        }
        for (op, path) in &b.reach {
            if !h.reach.contains_key(op) {
                let o = base.all_ops.get(op);
                r.reach_removed.push(ReachChange {
                    agent: name.clone(),
                    operation: op.clone(),
                    path: path.clone(),
                    traits: o.map(traits_of).unwrap_or_default(),
                    risky: o.is_some_and(OpSnap::risky),
                });
            }
        }
        if let Some(b) = base.agents.get(name) {
            let mut reasons = Vec::new();
            if b.model != h.model {
                reasons.push(format!("model `{}` → `{}`", b.model, h.model));
            }
            if b.prompt_path != h.prompt_path {
                reasons.push(format!(
                    "prompt file `{}` → `{}`",
                    b.prompt_path.as_deref().unwrap_or("none"),
                    h.prompt_path.as_deref().unwrap_or("none")
                ));
            } else if b.prompt_hash != h.prompt_hash {
                reasons.push(format!(
                    "prompt `{}` changed (sha256 `{}` → `{}`)",
                    h.prompt_path.as_deref().unwrap_or(""),
                    short(&b.prompt_hash),
                    short(&h.prompt_hash)
                ));
            }
            for c in &h.connectors {
                if let (Some(bh), Some(hh)) = (base.connectors.get(c), head.connectors.get(c)) {
                    if bh != hh {
                        reasons.push(format!("connector `{c}` changed"));
                    }
                }
            }
            if !reasons.is_empty() {
                r.revalidation.push(Revalidation {
                    agent: name.clone(),
                    reasons,
                    sample_rate: h.rollout.as_ref().and_then(|x| x.1),
                });
            }
            if b.rollout != h.rollout {
                r.rollout.push(RolloutChange {
                    agent: name.clone(),
                    before: rollout_text(&b.rollout),
                    after: rollout_text(&h.rollout),
                });
            }
        }
    }
    for name in base.agents.keys() {
        if !head.agents.contains_key(name) {
            r.agents_removed.push(name.clone());
        }
    }
    for ((res, src), (path, risky)) in &head.flows {
        if !base.flows.contains_key(&(res.clone(), src.clone())) {
            r.flows_added.push(FlowChange {
                resource: res.clone(),
                source: src.clone(),
                path: path.clone(),
                risky: *risky,
            });
        }
    }
    for ((res, src), (path, risky)) in &base.flows {
        if !head.flows.contains_key(&(res.clone(), src.clone())) {
            r.flows_removed.push(FlowChange {
                resource: res.clone(),
                source: src.clone(),
                path: path.clone(),
                risky: *risky,
            });
        }
    }
    r.relaxations = r.tiers.iter().filter(|t| t.direction == "relaxed").count();
    r.risky_reach = r.reach_added.iter().filter(|x| x.risky).count()
        + r.flows_added.iter().filter(|x| x.risky).count()
        + r.capabilities_added.len();
    r
}
