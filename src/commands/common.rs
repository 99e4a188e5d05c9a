//! What several commands share: output formats and files, exit codes, loading, colour, the
//! rendering of a check, the check of a revision, and writing to standard output. No command
//! module imports another.

use crate::analysis::{check, Checked};
use crate::cli::{CommonArgs, FailOn, EXIT_FINDINGS, EXIT_OK, EXIT_UNREADABLE};
use crate::diag::{Diagnostic, Severity, Summary};
use crate::git;
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
pub fn load_or_exit(common: &CommonArgs) -> Result<Checked, i32> {
    check(&common.path, &common.check_options()).map_err(|e| {
        eprintln!("error: {e}");
        EXIT_UNREADABLE
    })
}

/// `--color`.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// Colour when the output is a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    Always,
    Never,
}

/// Whether to colour what goes to standard output.
pub fn use_color(flag: Color) -> bool {
    match flag {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
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
        CheckFormat::Sarif => output::sarif::render(diags, &c.ws, &prefix()),
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

/// Checks the governance folder (or file) `common.path` as it is at git revision `rev`.
/// `Ok(None)` when it does not exist at that revision (no governance files yet).
/// A check of the governance folder at a git revision, with the temporary folder its files were
/// read into (kept while the check is used: locations read the files again).
pub struct Revision {
    pub checked: Checked,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for Revision {
    type Target = Checked;
    fn deref(&self) -> &Checked {
        &self.checked
    }
}

pub fn check_at_revision(common: &CommonArgs, rev: &str) -> Result<Option<Revision>, String> {
    let path = &common.path;
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let (dir, file_name) = if meta.is_file() {
        let parent = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        (
            parent.to_path_buf(),
            path.file_name().map(|f| f.to_string_lossy().into_owned()),
        )
    } else {
        (path.clone(), None)
    };
    let (top, prefix) = git::toplevel_and_prefix(&dir).map_err(|e| e.to_string())?;
    git::verify_commit(&top, rev).map_err(|e| e.to_string())?;
    let rel = format!("{prefix}{}", file_name.as_deref().unwrap_or(""));
    let pathspec = if rel.is_empty() {
        ".".to_string()
    } else {
        rel.trim_end_matches('/').to_string()
    };
    let tmp = tempfile::tempdir().map_err(|e| format!("cannot create a temporary folder: {e}"))?;
    if git::extract(&top, rev, &pathspec, tmp.path()).map_err(|e| e.to_string())? == 0 {
        return Ok(None);
    }
    let root = if rel.is_empty() {
        tmp.path().to_path_buf()
    } else {
        tmp.path().join(rel.trim_end_matches('/'))
    };
    if !root.exists() {
        return Ok(None);
    }
    let checked = check(&root, &common.check_options()).map_err(|e| e.to_string())?;
    Ok(Some(Revision { checked, _dir: tmp }))
}

/// Writes `text` to standard output and flushes it. A failure (a full disk, a closed pipe: Rust
/// ignores SIGPIPE, so `agentgov check | head -1` gets an error here rather than a signal) is
/// reported on standard error and the command exits 2: a truncated report must never pass.
pub fn write_stdout(text: &str) -> Result<(), i32> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| {
            eprintln!("error: cannot write to standard output: {e}");
            EXIT_UNREADABLE
        })
}

/// `print!` for commands: on a failed write, returns exit code 2 from the enclosing function.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        if let Err(code) = $crate::commands::common::write_stdout(&format!($($arg)*)) {
            return code;
        }
    };
}

/// `println!` for commands: on a failed write, returns exit code 2 from the enclosing function.
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {
        if let Err(code) = $crate::commands::common::write_stdout(&format!("{}\n", format_args!($($arg)*))) {
            return code;
        }
    };
}
