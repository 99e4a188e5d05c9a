//! `ungoverned-tool`.

use super::Context;
use crate::bindings::bindings;
use crate::diag::{tick, Diagnostic};
use std::collections::BTreeSet;

crate::declare_rule! {
    /// ## What it finds
    /// A tool the server lists (in the Connector's snapshot) that no operation binds and
    /// `mcp.ignore` does not list.
    ///
    /// ## Why it matters
    /// Every runtime target denies an unbound tool, so nothing is allowed by accident; but nobody
    /// decided about it either. A tool a server adds in an update shows up here first.
    ///
    /// ## Example
    /// The HubSpot server lists `hubspot-generate-feedback-link`, and no operation of the `crm`
    /// Connector binds it.
    ///
    /// ## How to fix
    /// Bind it to the operation it performs (`tools: [...]`), or list it in `mcp.ignore` to
    /// record that agents never use it.
    pub UNGOVERNED_TOOL = { name: "ungoverned-tool", group: "tools", severity: Warning, summary: "a server's tool that no operation binds and `ignore` does not list" }
}

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let m = cx.model;
    let bound: BTreeSet<(&str, &str)> = bindings(m)
        .iter()
        .map(|b| (b.connector, b.binding.name()))
        .collect();
    let mut out = Vec::new();
    for (name, snap) in &m.tool_snapshots {
        let c = &m.connectors[name];
        let ignored: BTreeSet<&str> = c.spec.mcp.iter().flat_map(|x| x.ignore.iter().map(String::as_str)).collect();
        for tool in snap.tools.keys() {
            if bound.contains(&(name.as_str(), tool.as_str())) || ignored.contains(tool.as_str()) {
                continue;
            }
            out.push(
                Diagnostic::new(&UNGOVERNED_TOOL, format!("tool {} of connector {} is bound to no operation", tick(tool), tick(name)))
                    .at(snap.tool_loc(cx.ws, tool, "/name").expect("listed"))
                    .label("unbound: every call is denied")
                    .help(format!("bind it in an operation's `tools`, or add it to `mcp.ignore` of connector `{name}`"))
                    .related(cx.ws.loc(c.doc, "/spec/mcp"), format!("the MCP server of {}", tick(name)))
                    .target(format!("connector/{name}"))
                    .subject(tool),
            );
        }
    }
    out
}
