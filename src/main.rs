use clap::Parser;

fn main() {
    let cli = agentgov::cli::Cli::parse();
    std::process::exit(agentgov::cli::run(cli));
}
