//! Helpers shared by the irreversibility, approval, accountability and audit rules: the tier of a
//! step or workflow without runtime context, the data class of one step, and where grants and
//! steps are written.
//!
//! Tiers come from the compiled [`Plan`] (the same numbers [`Plan::decide`] uses), so the rules
//! and the enforcement outputs cannot disagree.

use crate::decide::{Choice, OpPlan, Plan};
use crate::model::*;
use std::collections::BTreeSet;

/// The tier rank a choice of steps gets with no context and no requested fields: the step gate,
/// the derive rules that hold regardless of the request, the data-class derive rules at the
/// choice's fallback data class, and the `recommend-only` contribution. Escalations are left out:
/// they need runtime facts.
pub fn choice_rank(op: &OpPlan, choice: &Choice) -> usize {
    let data = choice
        .data_derives
        .iter()
        .filter(|(_, threshold, _)| choice.fallback_class.is_some_and(|c| c >= *threshold))
        .map(|(_, _, r)| *r)
        .max()
        .unwrap_or(0);
    choice.static_rank().max(data).max(op.recommend_only)
}

/// The effective tier rank of a workflow's step without context: the plan's choice for that
/// workflow and the step's agent and operation (see [`choice_rank`]). `None` when the step is
/// denied outright: its agent is not granted the operation, or a prohibition matches it.
pub fn step_rank(plan: &Plan, workflow: &str, step: &Step) -> Option<usize> {
    let op = plan.agents.get(&step.agent)?.operations.get(&step.does)?;
    if op.prohibited.is_some() {
        return None;
    }
    Some(choice_rank(op, plan.choice(op, Some(workflow))))
}

/// A workflow's tier: the strongest effective tier of its steps (0 when no step can run), and the
/// index of the first step with that tier.
pub fn workflow_rank(plan: &Plan, w: &Workflow) -> (usize, Option<usize>) {
    let mut best = (0, None);
    for (i, s) in w.spec.steps.iter().enumerate() {
        if let Some(r) = step_rank(plan, &w.name, s) {
            if best.1.is_none() || r > best.0 {
                best = (r, Some(i));
            }
        }
    }
    best
}

/// The grants of an agent that cover an operation, with their index in `spec.grants`.
pub fn covering_grants<'a>(agent: &'a Agent, op: &OpId) -> Vec<(usize, &'a Grant)> {
    agent
        .spec
        .grants
        .iter()
        .enumerate()
        .filter(|(_, g)| {
            resource_pattern_matches(&g.resource, &op.connector, &op.resource)
                && g.operations
                    .iter()
                    .any(|o| segment_matches(o, &op.operation))
        })
        .collect()
}

/// The JSON pointer of the first grant entry (`/spec/grants/i/operations/j`) that grants `op`.
pub fn grant_op_pointer(agent: &Agent, op: &OpId) -> Option<String> {
    covering_grants(agent, op).into_iter().find_map(|(i, g)| {
        g.operations
            .iter()
            .position(|o| segment_matches(o, &op.operation))
            .map(|j| format!("/spec/grants/{i}/operations/{j}"))
    })
}

/// The index of a step in its workflow.
pub fn step_index(w: &Workflow, step_id: &str) -> Option<usize> {
    w.spec.steps.iter().position(|s| s.id == step_id)
}

/// The data class of one step (DESIGN §4): the highest class among the step's `fields`; without
/// `fields`, among the fields its agent's covering grants allow; when a covering grant lists no
/// fields (or none covers it), all the resource's fields and the resource's own class.
pub fn step_class(m: &Model, step: &Step, op: &OpId) -> Option<usize> {
    let res = m.resource(&op.connector, &op.resource)?;
    let class_of = |fields: &mut dyn Iterator<Item = &String>| -> Option<usize> {
        fields
            .filter_map(|f| res.fields.get(f))
            .filter_map(|c| m.class_rank(c))
            .max()
    };
    if let Some(fs) = &step.fields {
        return class_of(&mut fs.iter());
    }
    let grants = m
        .agents
        .get(&step.agent)
        .map(|a| covering_grants(a, op))
        .unwrap_or_default();
    if !grants.is_empty() && grants.iter().all(|(_, g)| g.fields.is_some()) {
        let granted: BTreeSet<&String> = grants
            .iter()
            .flat_map(|(_, g)| g.fields.iter().flatten())
            .collect();
        return class_of(&mut granted.into_iter());
    }
    res.fields
        .values()
        .chain([&res.classification])
        .filter_map(|c| m.class_rank(c))
        .max()
}

/// Does a derive rule hold for one operation with these `touches` and this data class?
/// An unknown `data_at_least` class never holds (as in the plan).
pub fn derive_holds(
    m: &Model,
    d: &DeriveRule,
    op: &OpId,
    spec: &OperationSpec,
    touches: &[String],
    class: Option<usize>,
) -> bool {
    let w = &d.when;
    w.effect.is_none_or(|e| e == spec.effect)
        && w.reversibility.is_none_or(|r| r == spec.reversibility)
        && w.operation
            .as_ref()
            .is_none_or(|ops| ops.contains(&op.operation))
        && w.touches
            .as_ref()
            .is_none_or(|t| t.iter().any(|x| touches.contains(x)))
        && match &w.data_at_least {
            None => true,
            Some(c) => m
                .class_rank(c)
                .is_some_and(|threshold| class.is_some_and(|k| k >= threshold)),
        }
}

/// What the Policy's derive rules require for one step alone: the required rank and the index of
/// the first derive rule requiring it (`None` when no rule holds).
pub fn step_required(m: &Model, step: &Step) -> Option<(usize, usize)> {
    let op = OpId::parse(&step.does)?;
    let spec = m.operation(&op)?;
    let class = step_class(m, step, &op);
    let mut best: Option<(usize, usize)> = None;
    for (i, d) in m.policy().derive.iter().enumerate() {
        if !derive_holds(m, d, &op, spec, &step.touches, class) {
            continue;
        }
        let r = m.tier_rank(&d.require).unwrap_or(0);
        if best.is_none_or(|(b, _)| r > b) {
            best = Some((r, i));
        }
    }
    best
}

/// The granted, non-prohibited operations of an agent whose effect is `external`, in order.
pub fn external_ops<'a>(plan: &'a Plan, agent: &str) -> Vec<&'a str> {
    plan.agents
        .get(agent)
        .map(|a| {
            a.operations
                .iter()
                .filter(|(_, op)| op.effect == Effect::External && op.prohibited.is_none())
                .map(|(id, _)| id.as_str())
                .collect()
        })
        .unwrap_or_default()
}

/// `a`, `a` and `b`, `a`, `b` and `c` (each in backticks).
pub fn tick_list<S: AsRef<str>>(items: &[S]) -> String {
    let ticked: Vec<String> = items.iter().map(|s| format!("`{}`", s.as_ref())).collect();
    match ticked.len() {
        0 => String::new(),
        1 => ticked[0].clone(),
        n => format!("{} and {}", ticked[..n - 1].join(", "), ticked[n - 1]),
    }
}

/// Test support: run `check` on the base fixture with an overlay of files (path, content) and
/// optional deletions, today 2026-11-26.
#[cfg(test)]
pub mod testing {
    use crate::analysis::{check, CheckOptions};
    use crate::diag::Diagnostic;
    use std::path::Path;

    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            let target = to.join(e.file_name());
            if e.file_type().unwrap().is_dir() {
                copy_dir(&e.path(), &target);
            } else {
                std::fs::copy(e.path(), target).unwrap();
            }
        }
    }

    /// The check of the base fixture with `overlay` written over it and `delete` removed.
    pub fn checked(overlay: &[(&str, &str)], delete: &[&str]) -> crate::analysis::Checked {
        let dir = tempfile::tempdir().unwrap();
        let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/base");
        copy_dir(&base, dir.path());
        for d in delete {
            std::fs::remove_file(dir.path().join(d)).unwrap();
        }
        for (path, text) in overlay {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let opts = CheckOptions {
            today: chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
            ..Default::default()
        };
        let checked = check(dir.path(), &opts).unwrap();
        assert!(
            checked.analyzed,
            "structural errors: {:#?}",
            checked.diagnostics
        );
        checked
    }

    pub fn run(overlay: &[(&str, &str)], delete: &[&str]) -> Vec<Diagnostic> {
        checked(overlay, delete).diagnostics
    }

    /// A file of the base fixture.
    pub fn base(path: &str) -> String {
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/base")
                .join(path),
        )
        .unwrap()
    }

    /// Findings of one rule.
    pub fn of(rule: &str, overlay: &[(&str, &str)]) -> Vec<Diagnostic> {
        run(overlay, &[])
            .into_iter()
            .filter(|d| d.rule == rule)
            .collect()
    }
}
