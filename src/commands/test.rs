//! `agentgov test`: run every PolicyTest case through the decision.

use crate::cli::{CommonArgs, EXIT_FINDINGS, EXIT_OK};
use crate::decide::{FactValue, Outcome, Request};
use crate::diag::{tick, Diagnostic, Summary};
use crate::model::{Expect, SimpleExpect};
use crate::output;
use clap::Args;
use std::collections::BTreeSet;

#[derive(Args, Debug)]
pub struct TestArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Also list every granted operation that no case exercises.
    #[arg(long)]
    pub coverage: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = super::common::Format::Human)]
    pub format: super::common::Format,
}

/// The result of running the cases.
pub struct TestRun {
    pub passed: usize,
    pub failures: Vec<Diagnostic>,
    /// `agent operation` pairs granted but exercised by no case.
    pub uncovered: Vec<(String, String)>,
}

fn expect_str(e: &Expect) -> String {
    match e {
        Expect::Simple(SimpleExpect::Allow) => "allow".into(),
        Expect::Simple(SimpleExpect::Deny) => "deny".into(),
        Expect::Approve { approve } => format!("approve `{approve}`"),
    }
}

/// Runs every case of a checked repository.
pub fn run_cases(c: &crate::analysis::Checked) -> Option<TestRun> {
    let r = c.resolved.as_ref()?;
    let plan = c.plan.as_ref()?;
    let m = &r.model;
    let mut run = TestRun {
        passed: 0,
        failures: vec![],
        uncovered: vec![],
    };
    let mut exercised = BTreeSet::new();
    for t in &m.tests {
        for (i, case) in t.spec.cases.iter().enumerate() {
            exercised.insert((case.agent.clone(), case.does.to_string()));
            let req = Request {
                agent: case.agent.clone(),
                operation: case.does.to_string(),
                fields: case.fields.clone(),
                workflow: case.workflow.clone(),
                context: case
                    .context
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), FactValue::from_json(v)?)))
                    .collect(),
            };
            let d = plan.decide(&req);
            let ok = match (&case.expect, d.effect) {
                (Expect::Simple(SimpleExpect::Allow), Outcome::Allow) => true,
                (Expect::Simple(SimpleExpect::Deny), Outcome::Deny) => true,
                (Expect::Approve { approve }, Outcome::Approve) => {
                    d.tier.as_deref() == Some(approve.as_str())
                }
                _ => false,
            };
            if ok {
                run.passed += 1;
                continue;
            }
            let actual = match d.effect {
                Outcome::Approve => format!("approve `{}`", d.tier.as_deref().unwrap_or("")),
                e => e.as_str().to_string(),
            };
            let reasons = if d.reasons.is_empty() {
                "no tier above the weakest applies".to_string()
            } else {
                d.reasons.join(", ")
            };
            run.failures.push(
                Diagnostic::new(
                    &crate::rules::structure::TEST_FAILED,
                    format!(
                        "case {}: expected {}, got {actual}",
                        tick(&case.name),
                        expect_str(&case.expect)
                    ),
                )
                .at(c.ws.loc(t.doc, &format!("/spec/cases/{i}/expect")))
                .label(format!("got {actual}"))
                .help(format!(
                    "reasons: {reasons}; run `agentgov why {} {}` for details",
                    case.agent, case.does
                ))
                .target(format!("policytest/{}", t.name)),
            );
        }
    }
    for (agent, ap) in &plan.agents {
        for op in ap.operations.keys() {
            if !exercised.contains(&(agent.clone(), op.clone())) {
                run.uncovered.push((agent.clone(), op.clone()));
            }
        }
    }
    Some(run)
}

pub fn run(a: TestArgs) -> i32 {
    let c = match super::common::load_or_exit(&a.common) {
        Ok(c) => c,
        Err(code) => return code,
    };
    // The cases need a resolved model and a plan, not a clean repository: errors of the
    // analysis rules (least privilege, gates, waivers...) do not change what `decide` answers.
    let structural = |d: &&Diagnostic| {
        d.severity == crate::diag::Severity::Error
            && d.waived.is_none()
            && crate::rules::find(d.rule).is_none_or(|r| r.group == "structure")
    };
    if c.plan.is_none() || c.diagnostics.iter().any(|d| structural(&d)) {
        crate::out!("{}", super::common::human_report(&c, false));
        eprintln!("error: fix the errors above before running the tests");
        return super::common::exit_code(&c.diagnostics, crate::cli::FailOn::Error)
            .max(EXIT_FINDINGS);
    }
    if c.has_errors() {
        eprintln!(
            "note: the repository has analysis errors (run `agentgov check`); the cases run on its decisions"
        );
    }
    let run = run_cases(&c).expect("plan exists");
    match a.format {
        super::common::Format::Json => {
            let v = serde_json::json!({
                "version": 1,
                "passed": run.passed,
                "failed": run.failures.len(),
                "failures": run.failures,
                "uncovered": run.uncovered.iter().map(|(a, o)| serde_json::json!({"agent": a, "operation": o})).collect::<Vec<_>>(),
            });
            crate::outln!("{}", serde_json::to_string_pretty(&v).expect("json"));
        }
        super::common::Format::Human => {
            let sources = output::human::Sources::for_diagnostics(&c.ws, &run.failures);
            crate::out!(
                "{}",
                output::human::render(
                    &run.failures,
                    &sources,
                    super::common::use_color(super::common::Color::Auto)
                )
            );
            if a.coverage {
                if run.uncovered.is_empty() {
                    crate::outln!("coverage: every granted operation is exercised by a case");
                } else {
                    crate::outln!(
                        "coverage: {} granted operation(s) exercised by no case:",
                        run.uncovered.len()
                    );
                    for (agent, op) in &run.uncovered {
                        crate::outln!("  {agent} {op}");
                    }
                }
            }
            let _ = Summary::default();
            crate::outln!("{} passed, {} failed", run.passed, run.failures.len());
        }
    }
    if run.failures.is_empty() {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    }
}
