//! `agentgov check`.

use crate::analysis::{check, Checked};
use crate::cli::{CheckArgs, FailOn, EXIT_FINDINGS, EXIT_OK, EXIT_UNREADABLE};
use crate::diag::{Diagnostic, Severity, Summary};
use crate::load::repo::UNREADABLE_RULES;
use crate::output;
use clap::ValueEnum;
use std::io::{IsTerminal, Write};

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

/// The exit code for a finished check.
pub fn exit_code(diags: &[Diagnostic], fail_on: FailOn) -> i32 {
    if diags.iter().any(|d| UNREADABLE_RULES.contains(&d.rule)) {
        return EXIT_UNREADABLE;
    }
    let threshold = match fail_on {
        FailOn::Never => return EXIT_OK,
        FailOn::Note => Severity::Note,
        FailOn::Warning => Severity::Warning,
        FailOn::Error => Severity::Error,
    };
    if diags.iter().any(|d| d.waived.is_none() && d.severity >= threshold) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// Loads and checks, printing a message and returning the exit code if the root is unreadable.
pub fn load_or_exit(common: &crate::cli::CommonArgs) -> Result<Checked, i32> {
    check(&common.path, &common.check_options()).map_err(|e| {
        eprintln!("error: {e}");
        EXIT_UNREADABLE
    })
}

pub fn use_color(flag: &str) -> bool {
    match flag {
        "always" => true,
        "never" => false,
        _ => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}

/// The human report: every diagnostic, then the summary line.
pub fn human_report(c: &Checked, color: bool) -> String {
    let sources = output::human::Sources::new(&c.ws);
    let mut out = output::human::render(&c.diagnostics, &sources, color);
    let summary = Summary::of(&c.diagnostics, c.ws.governance_files);
    if !c.analyzed && c.diagnostics.iter().any(|d| d.severity == Severity::Error) {
        out.push_str("rules did not run: fix the errors above first\n");
    }
    out.push_str(&output::summary_line(&summary));
    out.push('\n');
    out
}

pub fn run(a: CheckArgs) -> i32 {
    let c = match load_or_exit(&a.common) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if a.common.verbose {
        for i in &c.ws.ignored {
            eprintln!("ignored {i}");
        }
    }
    let text = match a.format {
        Format::Human => human_report(&c, use_color(&a.color)),
        Format::Json => {
            let summary = Summary::of(&c.diagnostics, c.ws.governance_files);
            output::json::render(&c.diagnostics, &summary, c.analyzed)
        }
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
    exit_code(&c.diagnostics, a.fail_on)
}
