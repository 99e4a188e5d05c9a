//! The integration tests, in one binary: each test file links the crate with its engine
//! dependencies (cedar-policy, regorus) once instead of once per file.

mod common;

mod audit_input;
mod audit_promtool;
mod audit_schema;
mod browser;
mod build;
mod cedar_mcp;
mod cli;
mod cli_errors;
mod cli_formats;
mod diff;
mod diff_soundness;
mod engines;
mod evidence;
mod hostile;
mod init;
mod mcp;
mod new_user;
mod promtool;
mod proptest_check;
mod rules;
mod sarif;
mod schemas;
mod site;
