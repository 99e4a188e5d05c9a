//! MCP tool snapshots (DESIGN §6): each Connector's `mcp.tools` file, read and parsed with
//! positions (JSON is YAML, so the YAML loader gives them), added to the Workspace so that a
//! finding can point at a tool inside the snapshot, and kept in the model for the rules.

use crate::diag::{tick, Diagnostic, Location};
use crate::load::repo::Workspace;
use crate::load::yaml::{self, Node};
use crate::model::Model;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Component, Path};

/// One connector's snapshot.
#[derive(Debug, Clone)]
pub struct ToolSnapshot {
    /// The file, as an index into `Workspace::files`.
    pub file: usize,
    pub root: Node,
    /// Tools by name: their index in `tools` and their JSON.
    pub tools: BTreeMap<String, (usize, Value)>,
}

impl ToolSnapshot {
    /// The location of the value at `pointer` (or its nearest ancestor) in the snapshot.
    pub fn loc(&self, ws: &Workspace, pointer: &str) -> Location {
        let mut p = pointer;
        loop {
            if let Some(n) = self.root.at_pointer(p) {
                return ws.location(self.file, n.span);
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return ws.location(self.file, self.root.span),
            }
        }
    }

    /// The location of a tool's entry, or of one of its parts (`/inputSchema`, ...).
    pub fn tool_loc(&self, ws: &Workspace, tool: &str, rest: &str) -> Option<Location> {
        let (i, _) = self.tools.get(tool)?;
        Some(self.loc(ws, &format!("/tools/{i}{rest}")))
    }
}

/// Reads every snapshot the Connectors name. Findings are located at the connector's
/// `mcp.tools` (missing, outside the repository, unreadable) or inside the snapshot (not JSON,
/// not a `tools/list` result).
pub fn load(
    ws: &mut Workspace,
    m: &Model,
    limits: &yaml::Limits,
) -> (BTreeMap<String, ToolSnapshot>, Vec<Diagnostic>) {
    use crate::rules::structure::*;
    let mut out = BTreeMap::new();
    let mut diags = Vec::new();
    let canonical_root = std::fs::canonicalize(&ws.root).ok();
    for (name, c) in &m.connectors {
        let Some(path) = c.spec.mcp.as_ref().and_then(|x| x.tools.as_deref()) else {
            continue;
        };
        let at = ws.loc(c.doc, "/spec/mcp/tools");
        let p = Path::new(path);
        if p.is_absolute() || p.components().any(|c| c == Component::ParentDir) {
            diags.push(
                Diagnostic::new(&PATH_ESCAPE, format!("tools snapshot path {} leaves the repository", tick(path)))
                    .at(at)
                    .label("absolute or `..` path")
                    .help("keep the snapshot inside the repository, relative to its root, e.g. `mcp/hubspot.tools.json`"),
            );
            continue;
        }
        let full = ws.root.join(p);
        let canon = std::fs::canonicalize(&full).ok();
        let Some(canon) = canon else {
            let server = c.spec.mcp.as_ref().map(|x| x.server.as_str()).unwrap_or("");
            diags.push(
                Diagnostic::new(&UNKNOWN_REFERENCE, format!("tools snapshot {} does not exist", tick(path)))
                    .at(at)
                    .label("no such file")
                    .help(format!("write it with `agentgov mcp import --server {server} --out {path} -- SERVER-COMMAND` (paths are relative to the repository root)")),
            );
            continue;
        };
        if canonical_root
            .as_ref()
            .is_some_and(|r| !canon.starts_with(r))
        {
            diags.push(
                Diagnostic::new(
                    &PATH_ESCAPE,
                    format!(
                        "tools snapshot path {} links outside the repository",
                        tick(path)
                    ),
                )
                .at(at)
                .label("resolves outside the repository")
                .help("replace the symbolic link with the snapshot itself"),
            );
            continue;
        }
        let text = match std::fs::read(&canon).map(String::from_utf8) {
            Ok(Ok(t)) => t,
            Ok(Err(_)) => {
                diags.push(
                    Diagnostic::new(
                        &INVALID_ENCODING,
                        format!("tools snapshot {} is not UTF-8", tick(path)),
                    )
                    .at(at)
                    .help("write the snapshot again with `agentgov mcp import`"),
                );
                continue;
            }
            Err(e) => {
                diags.push(
                    Diagnostic::new(
                        &UNREADABLE_FILE,
                        format!("cannot read tools snapshot {}: {e}", tick(path)),
                    )
                    .at(at)
                    .help("point `mcp.tools` at a readable file"),
                );
                continue;
            }
        };
        let rel = path.replace('\\', "/");
        let (docs, errors) = yaml::parse_documents(&text, limits);
        let file = ws.add_file(crate::load::SourceFile::new(rel.clone(), text));
        if let Some(e) = errors.first() {
            diags.push(
                Diagnostic::new(
                    &YAML_SYNTAX,
                    format!(
                        "tools snapshot {} is not valid JSON: {}",
                        tick(&rel),
                        e.message
                    ),
                )
                .at(ws.location(file, e.span))
                .help("write the snapshot again with `agentgov mcp import`"),
            );
            continue;
        }
        let Some(root) = docs.into_iter().next().map(|d| d.root) else {
            diags.push(
                Diagnostic::new(
                    &EMPTY_FILE,
                    format!("tools snapshot {} is empty", tick(&rel)),
                )
                .at(at)
                .help("write the snapshot with `agentgov mcp import`"),
            );
            continue;
        };
        let mut json = root.to_json();
        let Some(Value::Array(list)) = json.get_mut("tools").map(Value::take) else {
            diags.push(
                Diagnostic::new(
                    &INVALID_VALUE,
                    format!("tools snapshot {} is not a `tools/list` result", tick(&rel)),
                )
                .at(ws.location(file, root.span))
                .label("expected `{\"tools\": [...]}`")
                .help("write the snapshot with `agentgov mcp import`"),
            );
            continue;
        };
        let mut snap = ToolSnapshot {
            file,
            root,
            tools: BTreeMap::new(),
        };
        for (i, t) in list.into_iter().enumerate() {
            match t.get("name").and_then(Value::as_str).map(String::from) {
                Some(n) if !snap.tools.contains_key(&n) => {
                    snap.tools.insert(n, (i, t));
                }
                Some(n) => diags.push(
                    Diagnostic::new(
                        &DUPLICATE_ID,
                        format!("tool {} is listed twice in {}", tick(&n), tick(&rel)),
                    )
                    .at(snap.loc(ws, &format!("/tools/{i}/name")))
                    .help("write the snapshot again with `agentgov mcp import`"),
                ),
                None => diags.push(
                    Diagnostic::new(
                        &INVALID_VALUE,
                        format!("a tool without a `name` in {}", tick(&rel)),
                    )
                    .at(snap.loc(ws, &format!("/tools/{i}")))
                    .help("every tool of a `tools/list` result has a name"),
                ),
            }
        }
        out.insert(name.clone(), snap);
    }
    (out, diags)
}

/// One `tools` entry of an operation of a Connector with `mcp`.
pub struct BindingRef<'a> {
    pub connector: &'a str,
    pub doc: crate::load::DocId,
    pub server: &'a str,
    pub resource: &'a str,
    pub operation: &'a str,
    pub spec: &'a crate::model::OperationSpec,
    pub binding: &'a crate::model::ToolBinding,
    /// JSON pointer of the entry in the Connector.
    pub pointer: String,
}

impl BindingRef<'_> {
    pub fn op_id(&self) -> String {
        format!("{}.{}.{}", self.connector, self.resource, self.operation)
    }

    /// The discriminating arguments (none for a bare tool name).
    pub fn args(&self) -> &BTreeMap<String, Value> {
        static NONE: BTreeMap<String, Value> = BTreeMap::new();
        match self.binding {
            crate::model::ToolBinding::Detailed { args, .. } => args,
            crate::model::ToolBinding::Name(_) => &NONE,
        }
    }

    pub fn fields(&self) -> Option<&str> {
        match self.binding {
            crate::model::ToolBinding::Detailed { fields, .. } => fields.as_deref(),
            crate::model::ToolBinding::Name(_) => None,
        }
    }

    /// The connector's snapshot and the bound tool's entry in it, when both exist (a missing
    /// tool is `unknown-tool`).
    pub fn snapshot_tool<'m>(&self, m: &'m Model) -> Option<(&'m ToolSnapshot, &'m Value)> {
        let snap = m.tool_snapshots.get(self.connector)?;
        let (_, t) = snap.tools.get(self.binding.name())?;
        Some((snap, t))
    }

    /// Where the tool's name is written.
    pub fn name_pointer(&self) -> String {
        match self.binding {
            crate::model::ToolBinding::Detailed { .. } => format!("{}/name", self.pointer),
            crate::model::ToolBinding::Name(_) => self.pointer.clone(),
        }
    }
}

/// Every tool binding of every Connector with `mcp`, in name order.
pub fn bindings(m: &Model) -> Vec<BindingRef<'_>> {
    let mut out = Vec::new();
    for (cname, c) in &m.connectors {
        let Some(mcp) = &c.spec.mcp else {
            continue;
        };
        for (rname, r) in &c.spec.resources {
            for (oname, o) in &r.operations {
                for (j, b) in o.tools.iter().enumerate() {
                    out.push(BindingRef {
                        connector: cname,
                        doc: c.doc,
                        server: &mcp.server,
                        resource: rname,
                        operation: oname,
                        spec: o,
                        binding: b,
                        pointer: format!("/spec/resources/{rname}/operations/{oname}/tools/{j}"),
                    });
                }
            }
        }
    }
    out
}

/// Can two bindings of the same tool match the same call? Only an argument both select, with
/// different values, keeps them apart.
pub fn overlap(a: &BindingRef, b: &BindingRef) -> bool {
    a.binding.name() == b.binding.name()
        && a.server == b.server
        && !a
            .args()
            .iter()
            .any(|(k, v)| b.args().get(k).is_some_and(|w| w != v))
}

/// Where a `fields` path leads in a tool's `inputSchema`: `Err(segment)` for the first segment
/// that leads to nothing. Object schemas are entered through `properties`, `[]` through `items`;
/// a schema that allows any property (no `properties`, or `additionalProperties` not false)
/// accepts any name.
pub fn schema_path<'a>(schema: &'a Value, path: &str) -> Result<&'a Value, String> {
    let mut at = schema;
    for seg in path.split('.') {
        let (name, array) = match seg.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (seg, false),
        };
        at = match at.get("properties").and_then(|p| p.get(name)) {
            Some(s) => s,
            None => {
                let open = at.get("properties").is_none()
                    || at
                        .get("additionalProperties")
                        .is_some_and(|a| a != &Value::Bool(false));
                if !open {
                    return Err(name.to_string());
                }
                static ANY: Value = Value::Bool(true);
                match at.get("additionalProperties") {
                    Some(a @ Value::Object(_)) => a,
                    _ => &ANY,
                }
            }
        };
        if array {
            at = match at.get("items") {
                Some(i) => i,
                None if at.get("type").and_then(Value::as_str) == Some("array") => {
                    static ANY: Value = Value::Bool(true);
                    &ANY
                }
                None if at == &Value::Bool(true) => at,
                None => return Err(format!("{name}[]")),
            };
        }
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_paths_walk_the_input_schema() {
        let s = json!({ "type": "object", "additionalProperties": false, "properties": {
            "inputs": { "type": "array", "items": { "type": "object", "properties": { "properties": { "type": "object" } } } },
            "objectType": { "type": "string" } } });
        assert!(schema_path(&s, "inputs[].properties").is_ok());
        assert_eq!(schema_path(&s, "input[].properties").unwrap_err(), "input");
        assert_eq!(schema_path(&s, "objectType[]").unwrap_err(), "objectType[]");
        // An open object accepts any name below it.
        assert!(schema_path(&s, "inputs[].properties.email").is_ok());
    }
}

/// What a runtime that sees only a tool's name can be told for one agent (DESIGN §7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameOnly {
    /// Every call of the tool is `allow` under every context and workflow.
    Allow,
    /// Every call needs at most one approval (a person confirming it in the runtime).
    Ask,
    /// Denied by `decide` for some or every call.
    Deny,
    /// Denied here only because the runtime cannot express the rule; the reason.
    Inexpressible(String),
}

/// Contexts that reach every escalation's rank: none, and each escalation's test made true.
fn escalation_contexts(
    plan: &crate::decide::Plan,
) -> Vec<BTreeMap<String, crate::decide::FactValue>> {
    use crate::decide::{FactValue, TestPlan};
    let mut out = vec![BTreeMap::new()];
    for e in &plan.escalations {
        let v = match &e.test {
            TestPlan::Below(n) => FactValue::Number(n - 1.0),
            TestPlan::Above(n) => FactValue::Number(n + 1.0),
            TestPlan::In(list) => match list.first() {
                Some(s) => FactValue::String(s.clone()),
                None => continue,
            },
            TestPlan::Is(b) => FactValue::Bool(*b),
        };
        out.push(BTreeMap::from([(e.fact.clone(), v)]));
    }
    out
}

/// The name-only projection of `decide` for an agent and one server's tool: `allow` when every
/// call the bindings admit is `allow` under every context and workflow; `ask` when every such
/// call needs at most one approval and none is denied; otherwise deny — by `decide`, or because
/// the runtime cannot see what the decision needs (arguments that select the operation, fields
/// a call could name outside the grants, a tier of two or more approvals).
/// `all` is [`bindings`] of the model (computed once by the caller).
pub fn name_only(
    plan: &crate::decide::Plan,
    all: &[BindingRef],
    agent: &str,
    server: &str,
    tool: &str,
) -> NameOnly {
    use crate::decide::{Outcome, Request};
    let mine: Vec<&BindingRef> = all
        .iter()
        .filter(|b| b.server == server && b.binding.name() == tool)
        .collect();
    let Some(b) = mine.first() else {
        return NameOnly::Deny; // unbound or ignored
    };
    let Some(ap) = plan.agents.get(agent) else {
        return NameOnly::Deny;
    };
    if !b.args().is_empty() || mine.len() > 1 {
        // Granted or not, some calls select no operation the agent may perform.
        if !mine.iter().any(|x| ap.operations.contains_key(&x.op_id())) {
            return NameOnly::Deny;
        }
        return NameOnly::Inexpressible(format!(
            "its arguments select the operation ({})",
            mine.iter()
                .map(|x| x.op_id())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let Some(op) = ap.operations.get(&b.op_id()) else {
        return NameOnly::Deny;
    };
    if b.fields().is_some() {
        return NameOnly::Inexpressible("a call can name fields outside the grants".into());
    }
    let mut workflows: Vec<Option<String>> = vec![None];
    workflows.extend(op.workflows.keys().cloned().map(Some));
    let contexts = escalation_contexts(plan);
    let mut worst = 0usize;
    for workflow in &workflows {
        for context in &contexts {
            let d = plan.decide(&Request {
                agent: agent.to_string(),
                operation: b.op_id(),
                fields: None,
                workflow: workflow.clone(),
                context: context.clone(),
            });
            if d.effect == Outcome::Deny {
                return NameOnly::Deny;
            }
            let rank = d
                .tier
                .as_deref()
                .and_then(|t| plan.tiers.iter().position(|x| x == t))
                .unwrap_or(0);
            worst = worst.max(rank);
        }
    }
    match plan.approvals[worst].count {
        _ if worst == 0 => NameOnly::Allow,
        0 | 1 => NameOnly::Ask,
        n => NameOnly::Inexpressible(format!(
            "its tier `{}` needs {n} approvals",
            plan.tiers[worst]
        )),
    }
}
