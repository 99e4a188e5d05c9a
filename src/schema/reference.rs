//! The file-format reference (`docs/format.md`, `agentgov schema --reference`), written from the
//! JSON Schemas themselves so that it can never describe another format than the one checked.

use super::SCHEMAS;
use serde_json::Value;
use std::fmt::Write;

const INTRO: &str = "# The agentgov file format

This reference is generated from the JSON Schemas in `schemas/` (`agentgov schema --reference`);
a test keeps it equal to them. `governance/` is a complete worked example.

Every document is YAML with a Kubernetes-style envelope; a repository holds any number of
`.yaml`/`.yml` files in any layout, several documents per file (`---`), and exactly one `Policy`.

```yaml
apiVersion: agentgov.dev/v1
kind: Agent            # Policy | Team | Connector | Agent | Workflow | Playbook | PolicyTest | Waiver
metadata:
  name: campaign-writer          # kebab-case id, unique per kind
  description: Drafts and sends customer email campaigns
  labels: {}                     # optional
spec: { ... }
```

## References between files

- people and groups by id (`maya`, `compliance`), from `Team` documents; owners must be people;
- resources as `CONNECTOR.RESOURCE` (`crm.contacts`), operations as
  `CONNECTOR.RESOURCE.OPERATION` (`email.campaigns.send`); grants and prohibitions may write `*`
  for a whole segment (`crm.*.delete`);
- tiers, classifications, facts and escalations by the ids the Policy gives them; agents,
  workflows, playbooks by `metadata.name`.

An unknown reference is an error with the nearest valid name (a `PolicyTest` case that expects
`deny` may name an unknown agent or operation). Dates are written `YYYY-MM-DD`.

## How the decision uses these files

For an agent, an operation, optional fields, an optional workflow and runtime facts, the answer is
`allow`, `approve(TIER)` or `deny`:

1. a `paused` agent is denied;
2. an operation (and every requested field) no grant covers is denied: anything unknown is denied;
3. an operation a `prohibited` entry matches is denied;
4. otherwise the tier is the strongest of: the gate of the workflow's step (without a workflow,
   or with one that has no step for this agent and operation, the strongest step of this agent
   and operation; else the weakest tier); every `derive` rule that matches the operation, its
   data class and the step's `touches`; every escalation whose condition holds on the facts; the
   tier named `review` (else the second tier) for an operation that does not only read (`read`,
   `list`, `get`, `search`, `view`, `query`) of a `recommend-only` agent;
5. the weakest tier allows; any other tier asks for approvals: at least as many distinct people
   as the tier lists approvals, whose groups cover every group it lists.

Terms the checks use: an operation's **data class** is the highest classification among the
fields it touches (the request's or step's `fields`, else the grant's, else every field of the
resource and the resource's own class); **personal or sensitive** data is classified at or above
the Policy's `personal` class, or `sensitive` when it has no `personal`; a **workflow's tier** is
the strongest tier of its steps; audit requirements are **cumulative** (a tier needs its own
fields and those of every weaker tier).

## Fields by kind

In the tables, `a.b` is a field inside `a`, `a[]` an element of the list `a`, and `a.NAME` an
entry of the map `a` under a name of yours.
";

/// The whole reference, as Markdown.
pub fn markdown() -> String {
    let mut out = String::from(INTRO);
    for (kind, _, text) in SCHEMAS {
        let schema: Value = serde_json::from_str(text).expect("embedded schemas are JSON");
        let _ = writeln!(out, "\n### {}\n", kind.name());
        if let Some(d) = schema.get("description").and_then(Value::as_str) {
            let _ = writeln!(out, "{d}\n");
        }
        out.push_str("| field | type | required | meaning |\n| --- | --- | --- | --- |\n");
        let defs = schema.get("$defs").cloned().unwrap_or(Value::Null);
        let spec = schema.pointer("/properties/spec").unwrap_or(&Value::Null);
        walk(&defs, spec, "spec", true, &mut out, 0);
    }
    out
}

/// The schema a node stands for, through one local `$ref` (`#/$defs/NAME`).
fn resolve<'a>(defs: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .strip_prefix("#/$defs/")
            .and_then(|n| defs.get(n))
            .unwrap_or(node),
        None => node,
    }
}

/// A short type: `string`, `` `a` | `b` `` for an enum, `list of …`, `map of …`, `one of …`.
fn type_of(defs: &Value, node: &Value, depth: usize) -> String {
    let n = resolve(defs, node);
    if let Some(v) = n.get("const") {
        return format!(
            "`{}`",
            v.as_str().map(str::to_string).unwrap_or(v.to_string())
        );
    }
    if let Some(e) = n.get("enum").and_then(Value::as_array) {
        let vals: Vec<String> = e
            .iter()
            .map(|v| {
                format!(
                    "`{}`",
                    v.as_str().map(str::to_string).unwrap_or(v.to_string())
                )
            })
            .collect();
        return vals.join(" \\| ");
    }
    if let Some(alts) = n.get("oneOf").or(n.get("anyOf")).and_then(Value::as_array) {
        if depth > 2 {
            return "one of several forms".into();
        }
        let mut kinds: Vec<String> = alts.iter().map(|a| type_of(defs, a, depth + 1)).collect();
        kinds.dedup();
        return format!("one of: {}", kinds.join("; "));
    }
    match n.get("type") {
        Some(Value::String(t)) if t == "array" => match n.get("items") {
            Some(items) if depth <= 2 => format!("list of {}", type_of(defs, items, depth + 1)),
            _ => "list".into(),
        },
        Some(Value::String(t)) if t == "object" => {
            match n.get("additionalProperties").filter(|a| a.is_object()) {
                Some(v) if n.get("properties").is_none() && depth <= 2 => {
                    format!("map of {}", type_of(defs, v, depth + 1))
                }
                _ => "object".into(),
            }
        }
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" or "),
        _ => "any".into(),
    }
}

fn description(defs: &Value, node: &Value) -> String {
    node.get("description")
        .or_else(|| resolve(defs, node).get("description"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .replace('|', "\\|")
        .replace('\n', " ")
}

/// One row per field below `node`, depth first, in the schema's order.
fn walk(defs: &Value, node: &Value, path: &str, required: bool, out: &mut String, depth: usize) {
    let n = resolve(defs, node);
    if depth > 0 {
        let _ = writeln!(
            out,
            "| `{path}` | {} | {} | {} |",
            type_of(defs, node, 0),
            if required { "yes" } else { "" },
            description(defs, node)
        );
    }
    if depth > 8 {
        return;
    }
    walk_children(defs, node, path, out, depth);
    if let Some(v) = n.get("additionalProperties").filter(|a| a.is_object()) {
        if resolve(defs, v).get("properties").is_some() {
            walk_children(defs, v, &format!("{path}.NAME"), out, depth + 1);
        }
    }
    if let Some(items) = n.get("items") {
        let it = resolve(defs, items);
        if it.get("properties").is_some() {
            walk_children(defs, items, &format!("{path}[]"), out, depth + 1);
        }
        // A list whose items take one of several forms: the fields of each object form.
        for a in it
            .get("oneOf")
            .or(it.get("anyOf"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if resolve(defs, a).get("properties").is_some() {
                walk_children(defs, a, &format!("{path}[]"), out, depth + 1);
            }
        }
    }
    if let Some(alts) = n.get("oneOf").or(n.get("anyOf")).and_then(Value::as_array) {
        for a in alts {
            if resolve(defs, a).get("properties").is_some() {
                walk_children(defs, a, path, out, depth + 1);
            }
        }
    }
}

/// The fields of an object that has no row of its own (a map's entries, a list's elements, one
/// form of several).
fn walk_children(defs: &Value, node: &Value, path: &str, out: &mut String, depth: usize) {
    let n = resolve(defs, node);
    let req: Vec<&str> = n
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(props) = n.get("properties").and_then(Value::as_object) {
        for (k, v) in props {
            walk(
                defs,
                v,
                &format!("{path}.{k}"),
                req.contains(&k.as_str()),
                out,
                depth + 1,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    /// `docs/format.md` is the generated reference: regenerate it with
    /// `cargo run -q -- schema --reference > docs/format.md` after changing a schema.
    #[test]
    fn docs_format_md_is_the_generated_reference() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/format.md");
        let doc = std::fs::read_to_string(&path).expect("docs/format.md");
        assert!(
            doc == super::markdown(),
            "docs/format.md is out of date: run `cargo run -q -- schema --reference > docs/format.md`"
        );
    }

    /// Every property of every kind's schema has its row.
    #[test]
    fn the_reference_names_every_field() {
        let doc = super::markdown();
        for (kind, _, text) in super::SCHEMAS {
            let schema: serde_json::Value = serde_json::from_str(text).unwrap();
            let mut names = Vec::new();
            collect(&schema, &mut names);
            for n in names {
                assert!(
                    doc.contains(&format!(".{n}`"))
                        || [
                            "apiVersion",
                            "kind",
                            "metadata",
                            "spec",
                            "name",
                            "description",
                            "labels"
                        ]
                        .contains(&n.as_str()),
                    "{}: field `{n}` is not in the reference",
                    kind.name()
                );
            }
        }
    }

    fn collect(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(p) = m.get("properties").and_then(|p| p.as_object()) {
                    out.extend(p.keys().cloned());
                }
                m.values().for_each(|x| collect(x, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
            _ => {}
        }
    }
}
