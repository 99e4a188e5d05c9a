//! `agentgov check`.

use crate::analysis::{check, Checked};
use crate::cli::{CheckArgs, FailOn, EXIT_FINDINGS, EXIT_OK, EXIT_UNREADABLE};
use crate::diag::{Diagnostic, Severity, Summary};
use crate::load::repo::UNREADABLE_RULES;
use crate::output;
use clap::ValueEnum;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Formats of commands that print diagnostics or results (`test`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

/// Formats of `check`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Reports with the source snippet (miette).
    Human,
    /// Versioned JSON.
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations); also a job summary when
    /// `GITHUB_STEP_SUMMARY` is set.
    Github,
    /// A Markdown report, e.g. for a pull-request comment.
    Markdown,
}

/// `--output FORMAT=PATH`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputSpec {
    pub format: CheckFormat,
    pub path: PathBuf,
}

pub fn parse_output(s: &str) -> Result<OutputSpec, String> {
    let (f, p) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}` is not FORMAT=PATH (e.g. `sarif=agentgov.sarif`)"))?;
    let format = CheckFormat::from_str(f.trim(), true).map_err(|_| {
        format!("unknown format `{f}`: expected one of human, json, sarif, github, markdown")
    })?;
    if p.is_empty() {
        return Err(format!("`{s}`: the path is empty"));
    }
    Ok(OutputSpec {
        format,
        path: PathBuf::from(p),
    })
}

/// Writes a file atomically: a temporary file beside it, then a rename.
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    // A temporary file is private (0600); a report is an ordinary file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
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
    if diags
        .iter()
        .any(|d| d.waived.is_none() && d.severity >= threshold)
    {
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
    render(c, &c.diagnostics, CheckFormat::Human, color)
}

/// Renders `diags` (all of `c`'s, or those new since a revision) in one format.
pub fn render(c: &Checked, diags: &[Diagnostic], format: CheckFormat, color: bool) -> String {
    let summary = Summary::of(diags, c.ws.governance_files);
    let prefix = || output::github::git_prefix(&c.ws.root);
    match format {
        CheckFormat::Human => {
            let sources = output::human::Sources::for_diagnostics(&c.ws, diags);
            let mut out = output::human::render(diags, &sources, color);
            if !c.analyzed && c.diagnostics.iter().any(|d| d.severity == Severity::Error) {
                out.push_str("rules did not run: fix the errors above first\n");
            }
            out.push_str(&output::summary_line(&summary));
            out.push('\n');
            out
        }
        CheckFormat::Json => output::json::render(diags, &summary, c.analyzed),
        CheckFormat::Sarif => {
            let root = output::github::git_root(&c.ws.root);
            let srcroot = root.as_deref().unwrap_or(&c.ws.root);
            output::sarif::render(diags, &c.ws, &prefix(), Some(srcroot))
        }
        CheckFormat::Github => output::github::render(diags, &summary, &prefix()),
        CheckFormat::Markdown => {
            let links = output::markdown::Links::from_github_env(prefix());
            let mut out = output::markdown::render(diags, &summary, &links, "## agentgov check");
            if !c.analyzed && c.diagnostics.iter().any(|d| d.severity == Severity::Error) {
                out.push_str("\n_The rules did not run: fix the errors above first._\n");
            }
            out
        }
    }
}

/// Findings of `c` whose fingerprint is absent from the check of the same folder at `rev`.
fn new_since(c: &Checked, a: &CheckArgs, rev: &str) -> Result<Vec<Diagnostic>, String> {
    let base = super::diff::check_at_revision(&a.common, rev)?;
    let known: std::collections::HashSet<&str> = base
        .as_ref()
        .map(|b| {
            b.diagnostics
                .iter()
                .map(|d| d.fingerprint.as_str())
                .collect()
        })
        .unwrap_or_default();
    Ok(c.diagnostics
        .iter()
        .filter(|d| !known.contains(d.fingerprint.as_str()))
        .cloned()
        .collect())
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
    let diags = match &a.new_since {
        Some(rev) => match new_since(&c, &a, rev) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_UNREADABLE;
            }
        },
        None => c.diagnostics.clone(),
    };
    let mut timer = crate::analysis::PhaseTimer::new();
    let text = render(&c, &diags, a.format, use_color(&a.color));
    let _ = std::io::stdout().write_all(text.as_bytes());
    timer.phase("report");
    let mut code = exit_code(&diags, a.fail_on);
    if a.format == CheckFormat::Github {
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
            let md = render(&c, &diags, CheckFormat::Markdown, false);
            let written = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .and_then(|mut f| f.write_all(md.as_bytes()));
            if let Err(e) = written {
                eprintln!(
                    "warning: cannot write the job summary to `{}`: {e}",
                    Path::new(&path).display()
                );
            }
        }
    }
    for o in &a.outputs {
        let text = render(&c, &diags, o.format, false);
        if let Err(e) = write_atomic(&o.path, &text) {
            eprintln!("error: cannot write `{}`: {e}", o.path.display());
            code = EXIT_UNREADABLE;
        }
    }
    if c.diagnostics
        .iter()
        .any(|d| UNREADABLE_RULES.contains(&d.rule))
    {
        code = EXIT_UNREADABLE;
    }
    // The process exits next: freeing a large model piece by piece would only cost time.
    std::mem::forget(c);
    code
}
