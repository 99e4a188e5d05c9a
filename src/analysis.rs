//! The whole check: load → schema → resolve → graph, plan and rules → levels and waivers.

use crate::decide::{plan, Plan};
use crate::diag::{normalize, Diagnostic, Severity};
use crate::graph::Graph;
use crate::load::{self, LoadOptions, Workspace};
use crate::model::RuleLevel;
use crate::resolve::{resolve, Resolved};
use crate::rules::{self, Context};
use chrono::NaiveDate;
use rayon::prelude::*;
use std::path::Path;

#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub load: LoadOptions,
    pub today: NaiveDate,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            load: LoadOptions::default(),
            today: chrono::Utc::now().date_naive(),
        }
    }
}

/// Everything a check produced; later commands (build, test, why, diff) start from here.
pub struct Checked {
    pub ws: Workspace,
    pub resolved: Option<Resolved>,
    pub plan: Option<Plan>,
    pub graph: Option<Graph>,
    pub diagnostics: Vec<Diagnostic>,
    /// Findings of the rules the Policy's `rules:` switches off: not reported, but still what the
    /// rule examined and found (the framework evidence says so).
    pub switched_off: Vec<Diagnostic>,
    /// False when structural errors kept the rules from running.
    pub analyzed: bool,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error && d.waived.is_none())
    }
}

/// With `AGENTGOV_TIMINGS` set, prints how long each phase took to stderr (for performance
/// reports; the output is not stable).
pub struct PhaseTimer {
    enabled: bool,
    last: std::time::Instant,
}

impl PhaseTimer {
    pub fn new() -> PhaseTimer {
        PhaseTimer {
            enabled: std::env::var_os("AGENTGOV_TIMINGS").is_some_and(|v| !v.is_empty()),
            last: std::time::Instant::now(),
        }
    }

    /// Reports the time since the previous phase ended.
    pub fn phase(&mut self, name: &str) {
        if self.enabled {
            let now = std::time::Instant::now();
            eprintln!(
                "agentgov timing: {name:<18} {:>8.1} ms",
                (now - self.last).as_secs_f64() * 1e3
            );
            self.last = now;
        }
    }
}

impl Default for PhaseTimer {
    fn default() -> Self {
        PhaseTimer::new()
    }
}

/// Runs every phase on the repository at `root`. Only an unreadable root is an `Err`.
pub fn check(root: &Path, opts: &CheckOptions) -> Result<Checked, load::repo::LoadError> {
    let mut timer = PhaseTimer::new();
    // Loading and schema validation run together, file by file in parallel, so that a parse
    // tree is validated and deserialized while at hand and then dropped.
    let (mut ws, mut diags, checked_docs) =
        load::load_with(root, &opts.load, &crate::schema::validate_doc)?;
    timer.phase("load and schema");
    let mut typed = Vec::with_capacity(checked_docs.len());
    for (t, d) in checked_docs {
        typed.push(t);
        diags.extend(d);
    }
    let names = rules::names();
    let (mut resolved, resolve_diags) = resolve(&ws, typed, &names);
    diags.extend(resolve_diags);
    let (snapshots, snapshot_diags) =
        crate::bindings::load(&mut ws, &resolved.model, &opts.load.yaml);
    resolved.model.tool_snapshots = snapshots;
    diags.extend(snapshot_diags);
    timer.phase("resolve");

    let structural_errors = diags.iter().any(|d| d.severity == Severity::Error);
    let mut checked = Checked {
        ws,
        resolved: Some(resolved),
        plan: None,
        graph: None,
        diagnostics: Vec::new(),
        switched_off: Vec::new(),
        analyzed: false,
    };
    let has_policy = checked
        .resolved
        .as_ref()
        .is_some_and(|r| r.model.policy.is_some());
    if !structural_errors && has_policy {
        let r = checked.resolved.as_ref().expect("set above");
        let (p, g) = rayon::join(|| plan(&r.model), || Graph::build(&r.model));
        timer.phase("plan and graph");
        let cx = Context {
            ws: &checked.ws,
            model: &r.model,
            plan: &p,
            graph: &g,
            today: opts.today,
            prompt_hashes: &r.prompt_hashes,
        };
        let mut found: Vec<Diagnostic> = rules::analysis_rules()
            .par_iter()
            .flat_map_iter(|(info, check)| {
                check(&cx).into_iter().inspect(move |d| {
                    debug_assert_eq!(d.rule, info.name, "a rule reports under its own name");
                })
            })
            .collect();
        timer.phase("rules");
        let mut off = apply_levels(&r.model, &mut found);
        let about_waivers = crate::rules::waivers::apply(&cx, &mut found);
        found.extend(about_waivers);
        off.extend(apply_levels(&r.model, &mut found));
        diags.extend(found);
        normalize(&mut off);
        checked.switched_off = off;
        checked.plan = Some(p);
        checked.graph = Some(g);
        checked.analyzed = true;
    }
    normalize(&mut diags);
    checked.diagnostics = diags;
    timer.phase("levels and sorting");
    Ok(checked)
}

/// The Policy's `rules:` levels: `off` removes a rule's findings (returned), `error`/`warning`
/// set their severity.
fn apply_levels(m: &crate::model::Model, diags: &mut Vec<Diagnostic>) -> Vec<Diagnostic> {
    let levels = &m.policy().rules;
    let mut off = Vec::new();
    if levels.is_empty() {
        return off;
    }
    diags.retain_mut(|d| match levels.get(d.rule) {
        Some(RuleLevel::Off) => {
            off.push(d.clone());
            false
        }
        Some(RuleLevel::Error) => {
            d.severity = Severity::Error;
            true
        }
        Some(RuleLevel::Warning) => {
            d.severity = Severity::Warning;
            true
        }
        None => true,
    });
    off
}
