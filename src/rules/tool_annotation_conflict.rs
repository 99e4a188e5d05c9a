//! `tool-annotation-conflict`.

use super::Context;
use crate::bindings::bindings;
use crate::diag::{tick, Diagnostic};
use crate::mcp::hint;
use crate::model::Reversibility;
use crate::semantics::is_read;

crate::declare_rule! {
    /// ## What it finds
    /// A tool the server marks as more dangerous than the operation it is bound to: a
    /// `destructiveHint` (with `readOnlyHint` not true) on a `reversible` operation, or a
    /// `readOnlyHint` of false on a read operation (`read`, `list`, `get`, `search`, `view`,
    /// `query`). Unset hints have the MCP specification's defaults: not read-only, destructive.
    ///
    /// ## Why it matters
    /// The decision follows the operation's declared effect and reversibility: if the server is
    /// right, an action that can destroy data runs with the gate of one that cannot.
    ///
    /// ## Example
    /// ```yaml
    /// update: { effect: internal, reversibility: reversible, tools: [write_file] }
    /// # the filesystem server marks `write_file` destructiveHint: true
    /// ```
    ///
    /// ## How to fix
    /// Declare the stronger consequence (`reversibility: irreversible`, or a non-read operation),
    /// or, when the server's hint is wrong, waive the finding with a reason.
    pub TOOL_ANNOTATION_CONFLICT = { name: "tool-annotation-conflict", group: "tools", severity: Error, summary: "a tool the server marks more dangerous than the operation it is bound to" }
}

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let m = cx.model;
    let mut out = Vec::new();
    for b in bindings(m) {
        let Some((snap, t)) = b.snapshot_tool(m) else {
            continue; // no snapshot, or `unknown-tool`
        };
        let tool = b.binding.name();
        let read_only = hint(t, "readOnlyHint");
        let conflict = if !read_only && hint(t, "destructiveHint") && b.spec.reversibility == Reversibility::Reversible {
            Some(("destructiveHint", format!("the server marks tool {} destructive, but {} is declared reversible", tick(tool), tick(b.op_id())), "set `reversibility: irreversible` (or `compensable` with a `compensation`) on the operation, or waive this finding with the reason the hint is wrong"))
        } else if !read_only && is_read(b.operation) {
            Some(("readOnlyHint", format!("the server does not mark tool {} read-only, but {} is a read operation", tick(tool), tick(b.op_id())), "bind the tool to the operation that changes data, or waive this finding with the reason the hint is wrong"))
        } else {
            None
        };
        if let Some((key, msg, help)) = conflict {
            out.push(
                Diagnostic::new(&TOOL_ANNOTATION_CONFLICT, msg)
                    .at(cx.ws.loc(b.doc, &b.name_pointer()))
                    .label(format!("{key} says otherwise"))
                    .help(help)
                    .related(
                        snap.tool_loc(cx.ws, tool, &format!("/annotations/{key}")).expect("listed"),
                        format!("{key} of {}", tick(tool)),
                    )
                    .target(format!("connector/{}", b.connector))
                    .subject(format!("{}:{tool}", b.op_id())),
            );
        }
    }
    out
}
