//! `agentgov audit`: a runtime's log checked against the governance (DESIGN §8).

use super::common::{
    exit_code, load_or_exit, use_color, write_atomic, write_stdout, CheckFormat, Color, OutputSpec,
};
use crate::audit::{self, read::DEFAULT_MAX_LINE_BYTES, Log, Options, Report};
use crate::cli::{CommonArgs, FailOn, EXIT_UNREADABLE};
use crate::diag::Summary;
use crate::load::LoadOptions;
use crate::output;
use chrono::NaiveDate;
use clap::Args;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct AuditArgs {
    /// Logs to check, JSON Lines, plain or gzip-compressed, read in this order as one stream.
    #[arg(required = true, value_name = "LOG")]
    pub logs: Vec<PathBuf>,
    /// The governance repository the log is checked against.
    #[arg(long, default_value = ".", value_name = "DIR")]
    pub repo: PathBuf,
    /// The date retention is measured from (YYYY-MM-DD); default: today (UTC).
    #[arg(long, value_parser = crate::cli::parse_date)]
    pub today: Option<NaiveDate>,
    /// Output format on standard output (the dashboard and the findings).
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Also write a report to a file, `FORMAT=PATH` (repeatable), e.g. `markdown=audit.md`.
    #[arg(long = "output", value_name = "FORMAT=PATH", value_parser = super::common::parse_output)]
    pub outputs: Vec<OutputSpec>,
    /// Exit 1 when a finding at or above this severity remains.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Longest line read, in bytes; a longer one is an `invalid-audit-record`.
    #[arg(long, default_value_t = DEFAULT_MAX_LINE_BYTES, value_name = "BYTES")]
    pub max_line_bytes: usize,
    /// Color in human output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

/// The name a log has in findings: its path as given, relative to the current folder when it
/// is inside it, with `/`.
pub fn log_name(path: &Path) -> String {
    let shown = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf());
    shown.to_string_lossy().replace('\\', "/")
}

/// Checks `logs` against the checked repository; `None` when the repository has errors.
pub fn audit_logs(
    c: &crate::analysis::Checked,
    logs: &[PathBuf],
    today: NaiveDate,
    max_line_bytes: usize,
) -> Option<Report> {
    let logs: Vec<Log> = logs
        .iter()
        .map(|p| Log {
            path: p.clone(),
            name: log_name(p),
        })
        .collect();
    audit_named(c, &logs, today, max_line_bytes)
}

/// [`audit_logs`] with the logs' names chosen by the caller.
pub fn audit_named(
    c: &crate::analysis::Checked,
    logs: &[Log],
    today: NaiveDate,
    max_line_bytes: usize,
) -> Option<Report> {
    let (resolved, plan) = (c.resolved.as_ref()?, c.plan.as_ref()?);
    if !c.analyzed {
        return None;
    }
    Some(audit::audit(
        &resolved.model,
        plan,
        &resolved.prompt_hashes,
        logs,
        &Options {
            today,
            max_line_bytes,
        },
    ))
}

pub fn render(
    r: &Report,
    logs: usize,
    format: CheckFormat,
    color: bool,
    ws: &crate::load::Workspace,
) -> String {
    let summary = Summary::of(&r.diagnostics, logs);
    match format {
        CheckFormat::Human => output::audit::human(r, &summary, color),
        CheckFormat::Json => output::audit::json(r, &summary),
        CheckFormat::Sarif => output::sarif::render(&r.diagnostics, ws, ""),
        CheckFormat::Github => output::github::render(&r.diagnostics, &summary, ""),
        CheckFormat::Markdown => output::audit::markdown(r, &summary),
    }
}

pub fn run(a: AuditArgs) -> i32 {
    let defaults = LoadOptions::default();
    let common = CommonArgs {
        path: a.repo.clone(),
        today: a.today,
        max_file_size: defaults.max_file_bytes,
        max_depth: defaults.yaml.max_depth,
        max_alias_nodes: defaults.yaml.max_alias_nodes,
        verbose: false,
    };
    let today = common.check_options().today;
    let c = match load_or_exit(&common) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let Some(report) = audit_logs(&c, &a.logs, today, a.max_line_bytes) else {
        eprint!("{}", super::common::human_report(&c, use_color(a.color)));
        eprintln!(
            "error: the governance repository `{}` has errors: fix them (`agentgov check`) before auditing a log against it",
            a.repo.display()
        );
        return EXIT_UNREADABLE;
    };
    let text = render(&report, a.logs.len(), a.format, use_color(a.color), &c.ws);
    if let Err(code) = write_stdout(&text) {
        return code;
    }
    let mut code = exit_code(&report.diagnostics, a.fail_on);
    if a.format == CheckFormat::Github {
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
            let md = render(&report, a.logs.len(), CheckFormat::Markdown, false, &c.ws);
            let written = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .and_then(|mut f| f.write_all(md.as_bytes()));
            if let Err(e) = written {
                eprintln!("warning: cannot write the job summary: {e}");
            }
        }
    }
    for o in &a.outputs {
        let text = render(&report, a.logs.len(), o.format, false, &c.ws);
        if let Err(e) = write_atomic(&o.path, &text) {
            eprintln!("error: cannot write `{}`: {e}", o.path.display());
            code = EXIT_UNREADABLE;
        }
    }
    if report.unreadable {
        code = EXIT_UNREADABLE;
    }
    code
}
