//! The command line. Each command lives in [`crate::commands`].

use crate::analysis::CheckOptions;
use crate::load::LoadOptions;
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "agentgov", version, about = "Compiler and CI linter for the governance of AI agents", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Where the team publishes the rule documentation: rule links in SARIF (`helpUri`) and
    /// Markdown point at BASE/<rule>. Default: `AGENTGOV_RULES_URL`, else no links (the rule's
    /// help travels inside the SARIF, and `agentgov explain RULE` prints it).
    #[arg(long, global = true, value_name = "BASE")]
    pub rules_url: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check governance files: schemas, references and every rule.
    Check(CheckArgs),
    /// Check, then compile enforcement configs, the policy site and POLICY.md into a folder.
    Build(crate::commands::build::BuildArgs),
    /// Run every PolicyTest case through the decision.
    Test(crate::commands::test::TestArgs),
    /// Explain the decision for one agent and operation, with every reason behind it.
    Why(crate::commands::why::WhyArgs),
    /// Show what a change means compared with a git revision.
    Diff(crate::commands::diff::DiffArgs),
    /// Print the documentation of a diagnostic.
    Explain(crate::commands::explain::ExplainArgs),
    /// Write a starter governance repository.
    Init(crate::commands::init::InitArgs),
    /// Print or export the JSON Schemas of the governance files.
    Schema(crate::commands::schema::SchemaArgs),
    /// Work with MCP servers: `agentgov mcp import` snapshots a server's tools.
    Mcp(crate::commands::mcp::McpArgs),
    /// Check a runtime's audit log against the governance and compute its dashboard.
    Audit(crate::commands::audit::AuditArgs),
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum FailOn {
    Note,
    Warning,
    Error,
    Never,
}

/// Options shared by every command that checks a repository.
#[derive(Args, Debug, Clone)]
pub struct CommonArgs {
    /// The governance repository (a folder, or a single file).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The date rules compare against (YYYY-MM-DD); default: today (UTC).
    #[arg(long, value_parser = parse_date)]
    pub today: Option<NaiveDate>,
    /// Largest file read, in bytes.
    #[arg(long, default_value_t = LoadOptions::default().max_file_bytes, value_name = "BYTES")]
    pub max_file_size: u64,
    /// Deepest YAML nesting read.
    #[arg(long, default_value_t = LoadOptions::default().yaml.max_depth, value_name = "N")]
    pub max_depth: usize,
    /// Most YAML nodes that aliases may expand to, per document.
    #[arg(long, default_value_t = LoadOptions::default().yaml.max_alias_nodes, value_name = "N")]
    pub max_alias_nodes: usize,
    /// Also list YAML files and documents that are not governance documents.
    #[arg(long, short)]
    pub verbose: bool,
}

impl CommonArgs {
    pub fn check_options(&self) -> CheckOptions {
        let defaults = LoadOptions::default();
        let load = LoadOptions {
            max_file_bytes: self.max_file_size,
            yaml: crate::load::yaml::Limits {
                max_depth: self.max_depth,
                max_alias_nodes: self.max_alias_nodes,
                ..defaults.yaml
            },
        };
        CheckOptions {
            load,
            today: self
                .today
                .unwrap_or_else(|| chrono::Utc::now().date_naive()),
        }
    }
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Output format on standard output.
    #[arg(long, value_enum, default_value_t = crate::commands::common::CheckFormat::Human)]
    pub format: crate::commands::common::CheckFormat,
    /// Also write a report to a file, `FORMAT=PATH` (repeatable), e.g. `sarif=agentgov.sarif`.
    #[arg(long = "output", value_name = "FORMAT=PATH", value_parser = crate::commands::common::parse_output)]
    pub outputs: Vec<crate::commands::common::OutputSpec>,
    /// Report only findings absent at this git revision (matched by fingerprint).
    #[arg(long, value_name = "REF")]
    pub new_since: Option<String>,
    /// Exit 1 when a finding at or above this severity remains.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Color in human output.
    #[arg(long, value_enum, default_value_t = crate::commands::common::Color::Auto)]
    pub color: crate::commands::common::Color,
}

pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("`{s}` is not a date (YYYY-MM-DD)"))
}

/// Exit codes.
pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_UNREADABLE: i32 = 2;

pub fn run(cli: Cli) -> i32 {
    use crate::commands::*;
    let rules_url = cli
        .rules_url
        .or_else(|| std::env::var("AGENTGOV_RULES_URL").ok());
    crate::output::sarif::set_rules_url(rules_url);
    match cli.command {
        Command::Check(a) => check::run(a),
        Command::Build(a) => build::run(a),
        Command::Test(a) => test::run(a),
        Command::Why(a) => why::run(a),
        Command::Diff(a) => diff::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Init(a) => init::run(a),
        Command::Schema(a) => schema::run(a),
        Command::Mcp(a) => mcp::run(a),
        Command::Audit(a) => audit::run(a),
    }
}
