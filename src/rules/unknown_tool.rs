//! `unknown-tool`.

use super::Context;
use crate::bindings::bindings;
use crate::diag::{did_you_mean, tick, Diagnostic};

crate::declare_rule! {
    /// ## What it finds
    /// A tool binding (an operation's `tools`, or the Connector's `mcp.ignore`) that names a
    /// tool the Connector's snapshot (`mcp.tools`) does not list.
    ///
    /// ## Why it matters
    /// No call of that tool can ever arrive: the operation is unenforceable at the tool boundary,
    /// and the tool the author meant is unbound, so every call of it is denied.
    ///
    /// ## Example
    /// ```yaml
    /// read:
    ///   effect: internal
    ///   reversibility: reversible
    ///   tools: [hubspot-search-object]   # the server lists `hubspot-search-objects`
    /// ```
    ///
    /// ## How to fix
    /// Use the name the server lists (the help suggests the closest one), or run
    /// `agentgov mcp import` again if the server renamed its tools.
    pub UNKNOWN_TOOL = { name: "unknown-tool", group: "tools", severity: Error, summary: "a tool binding names a tool the server's snapshot does not list" }
}

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let m = cx.model;
    let mut out = Vec::new();
    let mut unknown = |conn: &str, doc, ptr: String, name: &str| {
        let Some(snap) = m.tool_snapshots.get(conn) else {
            return;
        };
        if snap.tools.contains_key(name) {
            return;
        }
        let help = match did_you_mean(name, snap.tools.keys().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "use a tool the snapshot lists, or import the server's tools again with `agentgov mcp import --force`".into(),
        };
        out.push(
            Diagnostic::new(&UNKNOWN_TOOL, format!("connector {} binds tool {}, which its server does not list", tick(conn), tick(name)))
                .at(cx.ws.loc(doc, &ptr))
                .label("no such tool")
                .help(help)
                .related(cx.ws.loc(m.connectors[conn].doc, "/spec/mcp/tools"), "the snapshot of the server's tools")
                .target(format!("connector/{conn}"))
                .subject(name),
        );
    };
    for b in bindings(m) {
        unknown(b.connector, b.doc, b.name_pointer(), b.binding.name());
    }
    for (name, c) in &m.connectors {
        for (i, t) in c.spec.mcp.iter().flat_map(|x| x.ignore.iter().enumerate()) {
            unknown(name, c.doc, format!("/spec/mcp/ignore/{i}"), t);
        }
    }
    out
}
