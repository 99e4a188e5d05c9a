//! Helpers of the rules' messages and locations. What the rules ask about the repository (data
//! classes, tiers, grants) is answered in [`crate::semantics`].

use crate::decide::Plan;
use crate::model::*;

/// The index of a step in its workflow.
pub fn step_index(w: &Workflow, step_id: &str) -> Option<usize> {
    w.spec.steps.iter().position(|s| s.id == step_id)
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
