//! `agentgov explain`.

use crate::cli::{EXIT_OK, EXIT_UNREADABLE};
use crate::diag::suggestion_help;
use crate::rules;
use clap::Args;

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// A diagnostic name, e.g. `unused-grant`.
    pub name: Option<String>,
    /// List every diagnostic name with its one-line summary.
    #[arg(long)]
    pub list: bool,
}

pub fn run(a: ExplainArgs) -> i32 {
    match (a.name, a.list) {
        (Some(name), false) => match rules::find(&name) {
            Some(r) => {
                crate::outln!(
                    "# {} ({}, {} by default)\n\n{}\n\n{}",
                    r.name,
                    r.group,
                    r.default_severity,
                    r.summary,
                    r.markdown().trim_end()
                );
                EXIT_OK
            }
            None => {
                let help = suggestion_help(
                    &name,
                    rules::names(),
                    "`agentgov explain --list` lists every name",
                );
                eprintln!("error: unknown diagnostic `{name}`\n  help: {help}");
                EXIT_UNREADABLE
            }
        },
        _ => {
            for r in rules::registry() {
                crate::outln!(
                    "{:<30} {:<16} {:<8} {}",
                    r.name,
                    r.group,
                    r.default_severity.as_str(),
                    r.summary
                );
            }
            EXIT_OK
        }
    }
}
