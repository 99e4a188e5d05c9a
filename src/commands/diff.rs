//! `agentgov diff`.

use clap::Args;

#[derive(Args, Debug)]
pub struct DiffArgs {
    #[command(flatten)]
    pub common: crate::cli::CommonArgs,
}

pub fn run(_a: DiffArgs) -> i32 {
    eprintln!("error: `agentgov diff` is not available in this build yet");
    crate::cli::EXIT_UNREADABLE
}
