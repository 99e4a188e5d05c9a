//! One module per subcommand.

pub mod audit;
pub mod build;
pub(crate) mod check;
pub mod common;
pub(crate) mod diff;
pub(crate) mod explain;
pub(crate) mod init;
pub(crate) mod mcp;
pub(crate) mod schema;
pub(crate) mod test;
pub(crate) mod why;
