//! What a revision means: per agent and operation, the decisions, reach and traits the
//! comparison looks at.

use crate::analysis::Checked;
use crate::decide::{Outcome, Request};
use crate::diag::Diagnostic;
use crate::model::{Effect, Reversibility};
use crate::semantics::is_read;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dec {
    pub effect: Outcome,
    pub tier: Option<String>,
    pub reasons: Vec<String>,
    /// Weakest first: the tier's rank; a denial is the strongest.
    #[serde(skip)]
    pub(super) strength: usize,
}

impl Dec {
    pub(super) fn text(&self) -> String {
        match self.effect {
            Outcome::Allow => "allow".into(),
            Outcome::Approve => format!("approve `{}`", self.tier.as_deref().unwrap_or("")),
            Outcome::Deny => format!("deny ({})", self.reasons.join(", ")),
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct OpSnap {
    pub(super) effect: Effect,
    pub(super) reversibility: Reversibility,
    pub(super) fields: BTreeSet<String>,
    /// Writes (a non-read operation) personal or sensitive data.
    pub(super) writes_personal: bool,
    /// By workflow (`None`: no workflow named).
    pub(super) decisions: BTreeMap<Option<String>, Dec>,
}

impl OpSnap {
    pub(super) fn risky(&self) -> bool {
        self.effect == Effect::External
            || self.reversibility == Reversibility::Irreversible
            || self.writes_personal
    }
    pub(super) fn traits(&self) -> Vec<&'static str> {
        let mut t = Vec::new();
        if self.effect == Effect::External {
            t.push("external");
        }
        if self.reversibility == Reversibility::Irreversible {
            t.push("irreversible");
        }
        if self.writes_personal {
            t.push("writes personal data");
        }
        t
    }
}

#[derive(Debug, Clone, Default)]
pub(super) struct AgentSnap {
    pub(super) model: String,
    pub(super) prompt_path: Option<String>,
    pub(super) prompt_hash: Option<String>,
    pub(super) rollout: Option<(String, Option<f64>, Option<String>)>,
    pub(super) connectors: BTreeSet<String>,
    pub(super) ops: BTreeMap<String, OpSnap>,
    /// Operations reached through `delegates_to`, not granted to the agent: the delegation path.
    pub(super) reach: BTreeMap<String, Vec<String>>,
}

#[derive(Default)]
pub(super) struct Snap {
    pub(super) exists: bool,
    pub(super) compiled: bool,
    pub(super) agents: BTreeMap<String, AgentSnap>,
    /// Ops of every agent, for the traits of reached operations.
    pub(super) all_ops: BTreeMap<String, OpSnap>,
    /// (receiving resource, source resource) → (sync chain, source is personal or sensitive).
    pub(super) flows: BTreeMap<(String, String), (Vec<String>, bool)>,
    pub(super) connectors: BTreeMap<String, String>,
    pub(super) diagnostics: Vec<Diagnostic>,
}

pub(super) fn snapshot(c: Option<&Checked>) -> Snap {
    let Some(c) = c else { return Snap::default() };
    let mut s = Snap {
        exists: true,
        diagnostics: c.diagnostics.clone(),
        ..Default::default()
    };
    let (Some(r), Some(plan), Some(graph)) = (&c.resolved, &c.plan, &c.graph) else {
        return s;
    };
    s.compiled = true;
    let m = &r.model;
    let personal = crate::semantics::personal_rank(m);
    for (name, conn) in &m.connectors {
        let text = serde_json::to_string(&conn.spec).unwrap_or_default();
        s.connectors.insert(name.clone(), sha256(text.as_bytes()));
    }
    for (name, a) in &m.agents {
        let mut snap = AgentSnap {
            model: format!(
                "{}/{}@{}",
                a.spec.model.provider, a.spec.model.name, a.spec.model.version
            ),
            prompt_path: a.spec.prompt.as_ref().map(|p| p.path.clone()),
            prompt_hash: r.prompt_hashes.get(name).cloned(),
            rollout: a.spec.rollout.as_ref().map(|ro| {
                (
                    ro.stage.as_str().to_string(),
                    ro.sample_rate,
                    ro.since.map(|d| d.to_string()),
                )
            }),
            ..Default::default()
        };
        if let Some(ap) = plan.agents.get(name) {
            for (op, op_plan) in &ap.operations {
                let fields: BTreeSet<String> =
                    op_plan.field_sets.iter().flatten().cloned().collect();
                let class = if fields.is_empty() {
                    crate::model::OpId::parse(op)
                        .and_then(|o| m.resource(&o.connector, &o.resource))
                        .and_then(|res| crate::semantics::resource_class(m, res))
                } else {
                    fields
                        .iter()
                        .filter_map(|f| op_plan.field_classes.get(f).copied())
                        .max()
                };
                let op_name = op.rsplit('.').next().unwrap_or("");
                let writes_personal =
                    !is_read(op_name) && matches!((class, personal), (Some(c), Some(p)) if c >= p);
                let mut decisions = BTreeMap::new();
                let workflows =
                    std::iter::once(None).chain(op_plan.workflows.keys().map(|w| Some(w.clone())));
                for w in workflows {
                    let d = plan.decide(&Request {
                        agent: name.clone(),
                        operation: op.clone(),
                        workflow: w.clone(),
                        ..Default::default()
                    });
                    let strength = match d.effect {
                        Outcome::Deny => usize::MAX,
                        _ => d.tier.as_deref().and_then(|t| m.tier_rank(t)).unwrap_or(0),
                    };
                    decisions.insert(
                        w,
                        Dec {
                            effect: d.effect,
                            tier: d.tier,
                            reasons: d.reasons,
                            strength,
                        },
                    );
                }
                if let Some(o) = crate::model::OpId::parse(op) {
                    snap.connectors.insert(o.connector);
                }
                let o = OpSnap {
                    effect: op_plan.effect,
                    reversibility: op_plan.reversibility,
                    fields,
                    writes_personal,
                    decisions,
                };
                s.all_ops.insert(op.clone(), o.clone());
                snap.ops.insert(op.clone(), o);
            }
        }
        for d in graph.operations_via_delegation(name, |_, _| true) {
            snap.reach.insert(d.operation, d.path);
        }
        s.agents.insert(name.clone(), snap);
    }
    for (cname, conn) in &m.connectors {
        for (rname, res) in &conn.spec.resources {
            let source = format!("{cname}.{rname}");
            let Some(reach) = graph.sync_reach(&source) else {
                continue;
            };
            let class = crate::semantics::resource_class(m, res);
            let sensitive = matches!((class, personal), (Some(c), Some(p)) if c >= p);
            for &n in reach.nodes() {
                let target = graph.g[n].id();
                if target == source {
                    continue;
                }
                let path = reach.path_to(n).unwrap_or_default();
                s.flows.insert((target, source.clone()), (path, sensitive));
            }
        }
    }
    s
}

pub(super) fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
