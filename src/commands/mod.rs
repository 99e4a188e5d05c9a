//! One module per subcommand.

pub mod build;
pub mod check;
pub mod common;
pub mod diff;
pub mod explain;
pub mod init;
pub mod schema;
pub mod test;
pub mod why;
