//! `agentgov build`.

use clap::Args;

#[derive(Args, Debug)]
pub struct BuildArgs {
    #[command(flatten)]
    pub common: crate::cli::CommonArgs,
}

pub fn run(_a: BuildArgs) -> i32 {
    eprintln!("error: `agentgov build` is not available in this build yet");
    crate::cli::EXIT_UNREADABLE
}
