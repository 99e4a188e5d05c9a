//! agentgov: a compiler and CI linter for the governance of AI agents.
//!
//! Phases, each returning its value plus its diagnostics:
//! [`load`] (YAML with positions) → [`schema`] → [`resolve`] (typed, id-indexed [`model`]) →
//! [`analysis`] (graph, [`decide`], rules) → [`emit`].

pub mod analysis;
pub mod cli;
pub mod commands;
pub mod decide;
pub mod diag;
pub mod emit;
pub mod graph;
pub mod load;
pub mod model;
pub mod output;
pub mod resolve;
pub mod rules;
pub mod schema;
