//! `agentgov init`.

use clap::Args;

#[derive(Args, Debug)]
pub struct InitArgs {
    #[command(flatten)]
    pub common: crate::cli::CommonArgs,
}

pub fn run(_a: InitArgs) -> i32 {
    eprintln!("error: `agentgov init` is not available in this build yet");
    crate::cli::EXIT_UNREADABLE
}
