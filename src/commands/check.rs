//! `agentgov check`.

use super::common::{
    check_at_revision, exit_code, load_or_exit, render, use_color, write_atomic, write_stdout,
    CheckFormat,
};
use crate::analysis::Checked;
use crate::cli::{CheckArgs, EXIT_UNREADABLE};
use crate::diag::Diagnostic;
use crate::load::repo::UNREADABLE_RULES;
use std::io::Write;
use std::path::Path;

/// Findings of `c` whose fingerprint is absent from the check of the same folder at `rev`.
fn new_since(c: &Checked, a: &CheckArgs, rev: &str) -> Result<Vec<Diagnostic>, String> {
    let base = check_at_revision(&a.common, rev)?;
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
    let text = render(&c, &diags, a.format, use_color(a.color));
    if let Err(code) = write_stdout(&text) {
        return code;
    }
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
