//! `--format json`: versioned, stable, one object.

use crate::diag::{Diagnostic, Summary};
use serde::Serialize;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    tool: &'static str,
    tool_version: &'static str,
    summary: &'a Summary,
    analyzed: bool,
    diagnostics: &'a [Diagnostic],
}

pub fn render(diags: &[Diagnostic], summary: &Summary, analyzed: bool) -> String {
    let r = Report {
        version: 1,
        tool: "agentgov",
        tool_version: env!("CARGO_PKG_VERSION"),
        summary,
        analyzed,
        diagnostics: diags,
    };
    let mut s = serde_json::to_string_pretty(&r).expect("diagnostics serialize");
    s.push('\n');
    s
}
