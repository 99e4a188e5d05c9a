//! `agentgov mcp import`: a server's tools, as a committed snapshot (DESIGN §6), and optionally
//! a drafted Connector binding an operation to each tool.

use crate::cli::{EXIT_OK, EXIT_UNREADABLE};
use crate::mcp;
use clap::{Args, Subcommand};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Args, Debug)]
pub struct McpArgs {
    #[command(subcommand)]
    pub command: McpCommand,
}

#[derive(Subcommand, Debug)]
pub enum McpCommand {
    /// Start an MCP server over stdio (or read a saved `tools/list` result) and write its tools.
    Import(ImportArgs),
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The name agents' MCP configurations give the server (`hubspot`).
    #[arg(long)]
    pub server: String,
    /// Where to write the snapshot [default: mcp/SERVER.tools.json].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Also draft a Connector with one operation per tool, to review.
    #[arg(long, value_name = "FILE")]
    pub connector: Option<PathBuf>,
    /// Read a saved `tools/list` result (for a remote server) instead of starting one.
    #[arg(long, value_name = "FILE", conflicts_with = "command")]
    pub from: Option<PathBuf>,
    /// Overwrite files that exist.
    #[arg(long)]
    pub force: bool,
    /// Seconds to wait for the server, in all.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub timeout: u64,
    /// The server's command and its arguments, after `--`.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

pub fn run(a: McpArgs) -> i32 {
    match a.command {
        McpCommand::Import(i) => match import(&i) {
            Ok(msg) => {
                eprintln!("{msg}");
                EXIT_OK
            }
            Err(e) => {
                eprintln!("error: {e}");
                EXIT_UNREADABLE
            }
        },
    }
}

fn valid_server_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

fn import(a: &ImportArgs) -> Result<String, String> {
    if !valid_server_name(&a.server) {
        return Err(format!(
            "`{}` is not a server name: use lowercase letters, digits, `_` and `-`, starting with a letter",
            a.server
        ));
    }
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("mcp/{}.tools.json", a.server)));
    // Refuse before starting anything.
    for p in std::iter::once(&out).chain(a.connector.as_ref()) {
        if p.exists() && !a.force {
            return Err(format!(
                "`{}` exists: pass `--force` to overwrite it",
                p.display()
            ));
        }
    }
    let (tools, system) = match (&a.from, a.command.is_empty()) {
        (Some(file), _) => (read_saved(file)?, None),
        (None, false) => {
            let listing = mcp::list_tools(&a.command, Duration::from_secs(a.timeout.max(1)))?;
            (listing.tools, listing.server_name)
        }
        (None, true) => {
            return Err(
                "give the server's command after `--` (e.g. `-- npx -y @modelcontextprotocol/server-memory`), or `--from FILE`".into(),
            )
        }
    };
    let snapshot = mcp::snapshot(&tools)?;
    let mut text = serde_json::to_string_pretty(&snapshot).map_err(|e| e.to_string())?;
    text.push('\n');
    write_atomically(&out, &text)?;
    let n = snapshot["tools"].as_array().map(Vec::len).unwrap_or(0);
    let mut msg = format!("wrote `{}`: {n} tool(s)", out.display());
    if let Some(path) = &a.connector {
        let draft = draft_connector(&a.server, system.as_deref(), &out, &snapshot);
        write_atomically(path, &draft)?;
        msg.push_str(&format!(
            "; drafted `{}`: review every effect and reversibility",
            path.display()
        ));
    }
    Ok(msg)
}

/// A saved `tools/list` result: the result object, or a whole JSON-RPC answer holding it.
fn read_saved(file: &Path) -> Result<Vec<Value>, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read `{}`: {e}", file.display()))?;
    let v: Value = serde_json::from_str(&text)
        .map_err(|e| format!("`{}` is not JSON: {e}", file.display()))?;
    let result = v.get("result").unwrap_or(&v);
    match result.get("tools") {
        Some(Value::Array(t)) => Ok(t.clone()),
        _ => Err(format!(
            "`{}` holds no `tools` list (expected a `tools/list` result)",
            file.display()
        )),
    }
}

/// Writes a file atomically ([`super::common::write_atomic`]), creating its folder.
fn write_atomically(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    }
    super::common::write_atomic(path, text)
        .map_err(|e| format!("cannot write `{}`: {e}", path.display()))
}

/// An operation name for a tool: lowercase, anything but letters, digits, `_` and `-` as `-`.
fn operation_name(tool: &str) -> String {
    let mut s: String = tool
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
        s.insert_str(0, "tool-");
    }
    s
}

/// YAML for a string: plain when that reads back as the same string, else JSON-quoted.
fn yaml_str(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        && !matches!(
            s,
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "~"
        )
        && s.parse::<f64>().is_err();
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).expect("strings serialize")
    }
}

/// A Connector for review: one resource, one operation per tool, effect and reversibility
/// proposed from the MCP annotations (with the specification's defaults).
pub fn draft_connector(
    server: &str,
    system: Option<&str>,
    snapshot_path: &Path,
    snapshot: &Value,
) -> String {
    let mut y = String::new();
    y.push_str(&format!(
        "# Drafted by `agentgov mcp import --server {server}`: REVIEW every effect and reversibility.\n\
         # They are proposed from the server's tool annotations (readOnlyHint, destructiveHint,\n\
         # openWorldHint; unannotated tools count as destructive and open-world, as MCP says).\n\
         # Split the tools into the resources they touch, declare fields, and remove what no agent uses.\n"
    ));
    y.push_str("apiVersion: agentgov.dev/v1\nkind: Connector\n");
    y.push_str(&format!("metadata: {{ name: {} }}\n", yaml_str(server)));
    y.push_str("spec:\n");
    y.push_str(&format!(
        "  system: {}\n",
        yaml_str(system.unwrap_or(server))
    ));
    y.push_str("  mcp:\n");
    y.push_str(&format!("    server: {}\n", yaml_str(server)));
    let path = snapshot_path.to_string_lossy().replace('\\', "/");
    y.push_str(&format!(
        "    tools: {}   # relative to the repository root\n",
        yaml_str(&path)
    ));
    y.push_str("  resources:\n    tools:\n      classification: internal   # REVIEW: the data these tools touch\n      operations:\n");
    let mut used = std::collections::BTreeSet::new();
    for t in snapshot["tools"].as_array().into_iter().flatten() {
        let name = t["name"].as_str().unwrap_or_default();
        let mut op = operation_name(name);
        while !used.insert(op.clone()) {
            op.push_str("-2");
        }
        let read_only = mcp::hint(t, "readOnlyHint");
        let destructive = !read_only && mcp::hint(t, "destructiveHint");
        let open_world = mcp::hint(t, "openWorldHint");
        let effect = if open_world && !read_only {
            "external"
        } else {
            "internal"
        };
        let reversibility = if destructive {
            "irreversible"
        } else {
            "reversible"
        };
        let why = format!(
            "readOnlyHint: {read_only}, destructiveHint: {}, openWorldHint: {open_world}",
            mcp::hint(t, "destructiveHint")
        );
        y.push_str(&format!("        {}:   # REVIEW ({why})\n", yaml_str(&op)));
        y.push_str(&format!("          effect: {effect}\n"));
        y.push_str(&format!("          reversibility: {reversibility}\n"));
        y.push_str(&format!("          tools: [{}]\n", yaml_str(name)));
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_fit_the_format() {
        assert_eq!(
            operation_name("hubspot-search-objects"),
            "hubspot-search-objects"
        );
        assert_eq!(operation_name("read_text_file"), "read_text_file");
        assert_eq!(operation_name("getTinyImage"), "gettinyimage");
        assert_eq!(operation_name("3d.render"), "tool-3d-render");
    }

    #[test]
    fn strings_that_yaml_would_misread_are_quoted() {
        assert_eq!(yaml_str("hubspot"), "hubspot");
        assert_eq!(yaml_str("true"), "\"true\"");
        assert_eq!(yaml_str("1.5"), "\"1.5\"");
        assert_eq!(yaml_str("a: b"), "\"a: b\"");
        assert_eq!(yaml_str("HubSpot CRM"), "\"HubSpot CRM\"");
    }
}
