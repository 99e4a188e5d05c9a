use clap::Parser;

// Loading builds and drops many small trees; mimalloc is markedly faster at that than glibc's
// allocator, above all with several threads.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    agentgov::keep_freed_memory();
    let cli = agentgov::cli::Cli::parse();
    std::process::exit(agentgov::cli::run(cli));
}
