//! `invalid-tool-args`.

use super::Context;
use crate::bindings::{bindings, schema_path};
use crate::diag::{did_you_mean, tick, Diagnostic};
use serde_json::Value;

crate::declare_rule! {
    /// ## What it finds
    /// A tool binding whose `args` or `fields` path does not fit the tool's `inputSchema` in the
    /// snapshot: an argument the tool does not take, a value outside the argument's `enum` or of
    /// another type, or a `fields` path that leads to nothing.
    ///
    /// ## Why it matters
    /// `args` select the operation a call performs and `fields` say which fields it touches: a
    /// discriminator no call can satisfy leaves the operation unreachable, and a `fields` path to
    /// nothing makes every call look like it touches no field at all.
    ///
    /// ## Example
    /// ```yaml
    /// tools:
    ///   - { name: hubspot-search-objects, args: { objectType: contact }, fields: propertys }
    /// ```
    ///
    /// ## How to fix
    /// Use the argument names and values of the tool's `inputSchema` (the help lists them), and a
    /// `fields` path through its properties (`[]` steps into arrays).
    pub INVALID_TOOL_ARGS = { name: "invalid-tool-args", group: "tools", severity: Error, summary: "a binding's `args` or `fields` do not fit the tool's input schema" }
}

fn json_type_ok(schema: &Value, v: &Value) -> bool {
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => return true,
    };
    types.iter().any(|t| match *t {
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.as_f64().is_some_and(|x| x.fract() == 0.0),
        "boolean" => v.is_boolean(),
        _ => false,
    })
}

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let m = cx.model;
    let mut out = Vec::new();
    for b in bindings(m) {
        let Some((snap, t)) = b.snapshot_tool(m) else {
            continue; // no snapshot, or `unknown-tool`
        };
        let tool = b.binding.name();
        let schema = t.get("inputSchema").cloned().unwrap_or(Value::Bool(true));
        let related = snap.tool_loc(cx.ws, tool, "/name").expect("listed");
        let props = schema.get("properties").and_then(Value::as_object);
        let mut push = |ptr: String, msg: String, label: &str, help: String| {
            out.push(
                Diagnostic::new(&INVALID_TOOL_ARGS, msg)
                    .at(cx.ws.loc(b.doc, &ptr))
                    .label(label.to_string())
                    .help(help)
                    .related(related.clone(), format!("{} in the snapshot", tick(tool)))
                    .target(format!("connector/{}", b.connector))
                    .subject(format!("{}:{tool}", b.op_id())),
            );
        };
        for (k, v) in b.args() {
            let ptr = format!("{}/args/{k}", b.pointer);
            let Some(p) = props.and_then(|p| p.get(k)) else {
                if props.is_some() || schema.get("additionalProperties") == Some(&Value::Bool(false)) {
                    let names: Vec<&str> = props.into_iter().flat_map(|p| p.keys().map(String::as_str)).collect();
                    let help = match did_you_mean(k, names.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("the tool takes {}", names.iter().map(tick).collect::<Vec<_>>().join(", ")),
                    };
                    push(ptr, format!("tool {} takes no argument {}", tick(tool), tick(k)), "unknown argument", help);
                }
                continue;
            };
            if let Some(options) = p.get("enum").and_then(Value::as_array) {
                if !options.contains(v) {
                    let list: Vec<String> = options.iter().map(|o| format!("`{}`", o.as_str().map(String::from).unwrap_or_else(|| o.to_string()))).collect();
                    let help = match v.as_str().and_then(|s| did_you_mean(s, options.iter().filter_map(Value::as_str))) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("use one of {}", list.join(", ")),
                    };
                    push(ptr, format!("{} is not a value of argument {} of tool {}", tick(v.to_string()), tick(k), tick(tool)), "outside the argument's enum", help);
                    continue;
                }
            }
            if !json_type_ok(p, v) {
                push(ptr, format!("value {} of argument {} is not of the type tool {} takes", tick(v.to_string()), tick(k), tick(tool)), "wrong type", format!("write a value of the type the input schema gives: {}", p.get("type").map(|t| t.to_string()).unwrap_or_default()));
            }
        }
        if let Some(path) = b.fields() {
            if let Err(seg) = schema_path(&schema, path) {
                push(
                    format!("{}/fields", b.pointer),
                    format!("`fields: {path}` leads to nothing in the input of tool {}: no {}", tick(tool), tick(&seg)),
                    "path to nothing",
                    "give a dotted path through the tool's input properties; `[]` steps into an array".into(),
                );
            }
        }
    }
    out
}
