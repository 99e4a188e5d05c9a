use clap::Parser;

// Loading builds and drops many small trees; mimalloc is markedly faster at that than glibc's
// allocator, above all with several threads.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in `mimalloc.h` (the same in mimalloc 2 and 3).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() {
    // A run is short and its memory use peaks at the end: giving freed memory back to the
    // system only to fault it in again (zeroed) costs a fifth of a large check.
    // SAFETY: sets a process-wide allocator option; no allocation depends on its old value.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    let cli = agentgov::cli::Cli::parse();
    std::process::exit(agentgov::cli::run(cli));
}
