//! `mcp/bindings.json` (DESIGN §7): per MCP server and tool, the operations it performs, the
//! arguments that select each and where its fields are — what a gateway needs to turn a tool
//! call into the request of the enforcement contract. Schema: `schemas/mcp-bindings.json`.
//!
//! Every tool of a server's snapshot is listed: bound, `ignored`, or neither (ungoverned); a
//! gateway denies a call that matches no binding. Written for every build (an empty `servers`
//! when no Connector has `mcp`), so that a gateway never reads a stale file.

use super::{Artifact, EmitContext};
use crate::bindings::bindings;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

pub const PATH: &str = "mcp/bindings.json";

pub fn emit(cx: &EmitContext) -> Vec<Artifact> {
    let mut text = serde_json::to_string_pretty(&document(cx.model)).expect("JSON serializes");
    text.push('\n');
    vec![(PATH.to_string(), text.into_bytes())]
}

/// A server's tools by name, each an object with its `bindings`.
type Tools = BTreeMap<String, Map<String, Value>>;

pub fn document(m: &crate::model::Model) -> Value {
    // server → tool → entry
    let mut servers: BTreeMap<String, (Vec<String>, Tools)> = BTreeMap::new();
    for (cname, c) in &m.connectors {
        let Some(mcp) = &c.spec.mcp else {
            continue;
        };
        let (connectors, tools) = servers.entry(mcp.server.clone()).or_default();
        connectors.push(cname.clone());
        fn tool<'t>(
            tools: &'t mut BTreeMap<String, Map<String, Value>>,
            name: &str,
        ) -> &'t mut Map<String, Value> {
            tools.entry(name.to_string()).or_insert_with(|| {
                let mut e = Map::new();
                e.insert("bindings".into(), json!([]));
                e
            })
        }
        if let Some(snap) = m.tool_snapshots.get(cname) {
            for (name, (_, t)) in &snap.tools {
                let e = tool(tools, name);
                if let Some(a) = t.get("annotations") {
                    e.insert("annotations".into(), a.clone());
                }
            }
        }
        for name in &mcp.ignore {
            tool(tools, name).insert("ignored".into(), json!(true));
        }
    }
    for b in bindings(m) {
        let (_, tools) = servers.get_mut(b.server).expect("listed above");
        let e = tools.entry(b.binding.name().to_string()).or_default();
        let list = e.entry("bindings").or_insert_with(|| json!([]));
        let mut entry = json!({ "operation": b.op_id() });
        if !b.args().is_empty() {
            entry["args"] = json!(b.args());
        }
        if let Some(f) = b.fields() {
            entry["fields"] = json!(f);
        }
        list.as_array_mut().expect("a list").push(entry);
    }
    let servers: Map<String, Value> = servers
        .into_iter()
        .map(|(s, (connectors, tools))| {
            let tools: Map<String, Value> = tools
                .into_iter()
                .map(|(t, e)| (t, Value::Object(e)))
                .collect();
            (s, json!({ "connectors": connectors, "tools": tools }))
        })
        .collect();
    json!({
        "version": 1,
        "match": "a call of a tool matches a binding when every `args` entry equals the call's argument; the first binding that matches gives the operation; a call that matches none is denied",
        "fields": "a dotted path into the arguments, `[]` stepping into every element of an array; the keys of an object found there, or the string(s) of a string or array of strings, are the request's `fields`; a call without that argument names no fields",
        "servers": servers,
    })
}
