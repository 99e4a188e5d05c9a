//! agentgov: a compiler and CI linter for the governance of AI agents.
//!
//! The public modules are what the `agentgov` binary, the tests, the benchmark and the fuzz
//! targets use; the rest is `pub(crate)`. See ARCHITECTURE.md for where things live.
//!
//! Phases, each returning its value plus its diagnostics:
//! [`load`] (YAML with positions) → [`schema`] → [`resolve`] (typed, id-indexed [`model`]) →
//! [`analysis`] (graph, [`decide`], rules) → [`emit`].

pub mod analysis;
pub mod audit;
pub mod bindings;
pub mod cli;
pub mod commands;
pub mod decide;
pub mod diag;
pub mod emit;
pub(crate) mod git;
pub(crate) mod graph;
pub mod load;
pub mod mcp;
pub mod model;
pub mod output;
pub(crate) mod resolve;
pub mod rules;
pub mod schema;
pub(crate) mod semantics;

/// Tunes the allocator (mimalloc, set as global allocator by the `agentgov` binary and the
/// benchmark) for a short run: freed memory is kept instead of given back to the system, since
/// faulting it in again (zeroed) cost about a fifth of a large check.
pub fn keep_freed_memory() {
    /// `mi_option_purge_delay` in `mimalloc.h` (the same in mimalloc 2 and 3).
    const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: sets a process-wide allocator option; no allocation depends on its old value.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}
