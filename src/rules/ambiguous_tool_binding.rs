//! `ambiguous-tool-binding`.

use super::Context;
use crate::bindings::{bindings, overlap};
use crate::diag::{tick, Diagnostic};

crate::declare_rule! {
    /// ## What it finds
    /// Two tool bindings that can match the same call: the same tool of the same server, and no
    /// argument that both select with different values.
    ///
    /// ## Why it matters
    /// A tool call maps to at most one operation. When two could apply, the call's decision
    /// depends on which one a gateway happens to pick: a read binding and a delete binding of one
    /// tool make every delete look like a read.
    ///
    /// ## Example
    /// ```yaml
    /// read:   { ..., tools: [hubspot-batch-update-objects] }
    /// update: { ..., tools: [{ name: hubspot-batch-update-objects, args: { objectType: contacts } }] }
    /// ```
    ///
    /// ## How to fix
    /// Give each binding an argument that tells them apart (`args: { objectType: contacts }` and
    /// `args: { objectType: companies }`), or bind the tool once.
    pub AMBIGUOUS_TOOL_BINDING = { name: "ambiguous-tool-binding", group: "tools", severity: Error, summary: "two tool bindings can match the same call" }
}

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let all = bindings(cx.model);
    let mut out = Vec::new();
    for (i, b) in all.iter().enumerate() {
        if let Some(a) = all[..i].iter().find(|a| overlap(a, b)) {
            out.push(
                Diagnostic::new(
                    &AMBIGUOUS_TOOL_BINDING,
                    format!(
                        "a call of tool {} of server {} can be {} or {}",
                        tick(b.binding.name()),
                        tick(b.server),
                        tick(a.op_id()),
                        tick(b.op_id())
                    ),
                )
                .at(cx.ws.loc(b.doc, &b.pointer))
                .label("matches the same calls")
                .help("add an argument both bindings select with different values (`args: { objectType: ... }`), or bind the tool once")
                .related(cx.ws.loc(a.doc, &a.pointer), format!("{} binds it too", tick(a.op_id())))
                .target(format!("connector/{}", b.connector))
                .subject(format!("{}:{}", b.op_id(), b.binding.name())),
            );
        }
    }
    out
}
