//! `unbound-operation`.

use super::Context;
use crate::diag::{tick, Diagnostic};
use crate::model::OpId;
use crate::semantics::grants_op;

crate::declare_rule! {
    /// ## What it finds
    /// In a Connector with `mcp`, an operation some agent is granted that binds no tool.
    ///
    /// ## Why it matters
    /// Runtimes decide per tool call: an operation without a tool cannot be enforced at the tool
    /// boundary, so the grant is either unused or exercised through a tool nobody bound.
    ///
    /// ## Example
    /// ```yaml
    /// mcp: { server: hubspot, tools: mcp/hubspot.tools.json }
    /// resources:
    ///   contacts:
    ///     operations:
    ///       update: { effect: internal, reversibility: reversible }   # no `tools`
    /// ```
    ///
    /// ## How to fix
    /// Add the tools that perform the operation (`tools: [hubspot-batch-update-objects]`), or
    /// remove the grant if no agent performs it through this server.
    pub UNBOUND_OPERATION = { name: "unbound-operation", group: "tools", severity: Warning, summary: "a granted operation of a Connector with `mcp` that binds no tool" }
}

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let m = cx.model;
    let mut out = Vec::new();
    for (cname, c) in &m.connectors {
        if c.spec.mcp.is_none() {
            continue;
        }
        for (rname, r) in &c.spec.resources {
            for (oname, o) in &r.operations {
                if !o.tools.is_empty() {
                    continue;
                }
                let op = OpId { connector: cname.clone(), resource: rname.clone(), operation: oname.clone() };
                let Some(agent) = m.agents.keys().find(|a| grants_op(m, a, &op)) else {
                    continue;
                };
                out.push(
                    Diagnostic::new(&UNBOUND_OPERATION, format!("{} is granted (to {}) but binds no tool of server {}", tick(op.to_string()), tick(agent), tick(&c.spec.mcp.as_ref().expect("mcp").server)))
                        .at(cx.ws.loc(c.doc, &format!("/spec/resources/{rname}/operations/{oname}")))
                        .label("no `tools`")
                        .help("add `tools: [...]` with the tools that perform it, or remove the grant")
                        .target(format!("connector/{cname}"))
                        .subject(op.to_string()),
                );
            }
        }
    }
    out
}
