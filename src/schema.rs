//! Phase 2: validate each governance document against the JSON Schema of its kind.

pub mod reference;

use crate::diag::{did_you_mean, tick, Diagnostic};
use crate::load::{DocInput, DocView, Kind};
use crate::model::TypedDoc;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::Validator;
use serde_json::Value;
use std::sync::OnceLock;

/// The embedded schemas, by kind, with their file names.
pub const SCHEMAS: &[(Kind, &str, &str)] = &[
    (
        Kind::Policy,
        "policy.json",
        include_str!("../schemas/policy.json"),
    ),
    (
        Kind::Team,
        "team.json",
        include_str!("../schemas/team.json"),
    ),
    (
        Kind::Connector,
        "connector.json",
        include_str!("../schemas/connector.json"),
    ),
    (
        Kind::Agent,
        "agent.json",
        include_str!("../schemas/agent.json"),
    ),
    (
        Kind::Workflow,
        "workflow.json",
        include_str!("../schemas/workflow.json"),
    ),
    (
        Kind::Playbook,
        "playbook.json",
        include_str!("../schemas/playbook.json"),
    ),
    (
        Kind::PolicyTest,
        "policytest.json",
        include_str!("../schemas/policytest.json"),
    ),
    (
        Kind::Waiver,
        "waiver.json",
        include_str!("../schemas/waiver.json"),
    ),
];

/// Schemas of outputs, exported beside the input schemas.
pub const OUTPUT_SCHEMAS: &[(&str, &str)] = &[
    ("bundle.json", include_str!("../schemas/bundle.json")),
    (
        "mcp-bindings.json",
        include_str!("../schemas/mcp-bindings.json"),
    ),
];

struct Compiled {
    json: Value,
    validator: Validator,
}

fn compiled(kind: Kind) -> &'static Compiled {
    static CELLS: OnceLock<Vec<Compiled>> = OnceLock::new();
    let all = CELLS.get_or_init(|| {
        SCHEMAS
            .iter()
            .map(|(_, name, text)| {
                let json: Value = serde_json::from_str(text)
                    .unwrap_or_else(|e| panic!("embedded schema {name} is not JSON: {e}"));
                let validator = jsonschema::options()
                    .should_validate_formats(true)
                    .build(&json)
                    .unwrap_or_else(|e| panic!("embedded schema {name} does not compile: {e}"));
                Compiled { json, validator }
            })
            .collect()
    });
    let idx = SCHEMAS
        .iter()
        .position(|(k, _, _)| *k == kind)
        .expect("every kind has a schema");
    &all[idx]
}

/// The schema of a kind as JSON.
pub fn schema_json(kind: Kind) -> &'static Value {
    &compiled(kind).json
}

/// Validates a document against its kind's schema and, when it is valid, deserializes it.
pub fn validate_doc(doc: DocInput, kind: Kind) -> (Option<TypedDoc>, Vec<Diagnostic>) {
    let root_span = doc.root.span;
    // The tree's strings move into the JSON; the tree is parsed again only if it has errors.
    let instance = doc.root.into_json();
    // `is_valid` stops at nothing but is far cheaper than collecting errors: the common case.
    if !compiled(kind).validator.is_valid(&instance) {
        if let Some(tree) = DocInput::reparse(doc.file, doc.index, doc.limits) {
            let view = DocView {
                file: doc.file,
                root: &tree,
            };
            let diags = validate_instance(&view, kind, &instance);
            if !diags.is_empty() {
                return (None, diags);
            }
        }
    }
    match TypedDoc::from_json(kind, instance) {
        Ok(t) => (Some(t), Vec::new()),
        Err(e) => (
            None,
            vec![Diagnostic::new(
                &crate::rules::structure::INVALID_VALUE,
                format!("cannot read this document: {e}"),
            )
            .at(doc.file.location(root_span))
            .help("check the document against `agentgov schema`")],
        ),
    }
}

fn validate_instance(view: &DocView, kind: Kind, instance: &Value) -> Vec<Diagnostic> {
    let c = compiled(kind);
    let mut diags = Vec::new();
    // One mistake, one diagnostic: a misspelt key is an `unknown-field` with a suggestion, not
    // also a `missing-field` for the key it meant; a value failing two constraints (a date's
    // pattern and format) is one `invalid-value`.
    let mut suggested: std::collections::HashSet<(String, String)> = Default::default();
    let mut missing: Vec<(usize, String, String)> = Vec::new();
    let mut invalid_at: std::collections::HashSet<String> = Default::default();
    for err in c.validator.iter_errors(instance) {
        let pointer = err.instance_path().as_str().to_string();
        let schema_path = err.schema_path().as_str().to_string();
        let at = display_path(&pointer);
        let sub = schema_at(&c.json, &schema_path);
        let parent_schema = schema_path
            .rfind('/')
            .and_then(|i| schema_at(&c.json, &schema_path[..i]));
        let value = instance.pointer(&pointer);
        let d = match err.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let valid: Vec<&str> = parent_schema
                    .and_then(|s| s.get("properties"))
                    .and_then(|p| p.as_object())
                    .map(|o| o.keys().map(|k| k.as_str()).collect())
                    .unwrap_or_default();
                for key in unexpected {
                    let key_ptr = format!("{pointer}/{}", escape_pointer(key));
                    let help = match did_you_mean(key, valid.iter().copied()) {
                        Some(s) => {
                            suggested.insert((pointer.clone(), s.clone()));
                            format!("did you mean `{s}`?")
                        }
                        None if valid.is_empty() => "remove this field".to_string(),
                        None => format!(
                            "remove it; valid fields here are {}",
                            valid.iter().map(tick).collect::<Vec<_>>().join(", ")
                        ),
                    };
                    diags.push(
                        Diagnostic::new(
                            &crate::rules::structure::UNKNOWN_FIELD,
                            format!("unknown field {} in {}", tick(key), tick(&at)),
                        )
                        .at(view.key_loc(&key_ptr))
                        .label("unknown field")
                        .help(help),
                    );
                }
                continue;
            }
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                missing.push((diags.len(), pointer.clone(), name.to_string()));
                let what = describe(
                    parent_schema
                        .and_then(|s| s.get("properties"))
                        .and_then(|p| p.get(name)),
                );
                Diagnostic::new(
                    &crate::rules::structure::MISSING_FIELD,
                    format!("missing field {} in {}", tick(name), tick(&at)),
                )
                .at(view.key_loc(&pointer))
                .label(format!("`{name}` is required here"))
                .help(match what {
                    Some(w) => format!("add `{name}`: {w}"),
                    None => format!("add `{name}`"),
                })
            }
            ValidationErrorKind::Type { kind } => {
                let expected = match kind {
                    TypeKind::Single(t) => article(&t.to_string()),
                    TypeKind::Multiple(ts) => ts
                        .iter()
                        .map(|t| article(&t.to_string()))
                        .collect::<Vec<_>>()
                        .join(" or "),
                };
                Diagnostic::new(
                    &crate::rules::structure::INVALID_TYPE,
                    format!(
                        "expected {expected} at {}, found {}",
                        tick(&at),
                        json_type(value)
                    ),
                )
                .at(view.loc(&pointer))
                .label(format!("expected {expected}"))
                .help(describe(sub_parent(&c.json, &schema_path)).map_or_else(
                    || format!("write {expected} here"),
                    |w| format!("{}: {w}", display_last(&pointer)),
                ))
            }
            ValidationErrorKind::Enum { options } => {
                let opts: Vec<String> = options
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|v| v.as_str().map(tick).unwrap_or_else(|| v.to_string()))
                            .collect()
                    })
                    .unwrap_or_default();
                let got = short(value);
                let help = match value.and_then(|v| v.as_str()).and_then(|s| {
                    did_you_mean(
                        s,
                        options
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|v| v.as_str()),
                    )
                }) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("use one of {}", opts.join(", ")),
                };
                Diagnostic::new(
                    &crate::rules::structure::INVALID_VALUE,
                    format!("{} is not a valid value for {}", tick(got), tick(&at)),
                )
                .at(view.loc(&pointer))
                .label(format!("expected one of {}", opts.join(", ")))
                .help(help)
            }
            ValidationErrorKind::Constant { expected_value } => Diagnostic::new(
                &crate::rules::structure::INVALID_VALUE,
                format!(
                    "{} must be {}",
                    tick(&at),
                    tick(short(Some(expected_value)))
                ),
            )
            .at(view.loc(&pointer))
            .help(format!("write {}", tick(short(Some(expected_value))))),
            ValidationErrorKind::Pattern { pattern } => {
                let (what, help) = pattern_meaning(pattern);
                Diagnostic::new(
                    &crate::rules::structure::INVALID_VALUE,
                    format!("{} is not {what}", tick(short(value))),
                )
                .at(view.loc(&pointer))
                .label(format!("expected {what}"))
                .help(help)
            }
            ValidationErrorKind::Format { format } => Diagnostic::new(
                &crate::rules::structure::INVALID_VALUE,
                format!("{} is not a valid {format}", tick(short(value))),
            )
            .at(view.loc(&pointer))
            .label(format!("expected a {format}"))
            .help(if format == "date" {
                "write the date as YYYY-MM-DD, e.g. `2026-11-30`".to_string()
            } else {
                format!("write a valid {format}")
            }),
            ValidationErrorKind::Minimum { limit }
            | ValidationErrorKind::ExclusiveMinimum { limit } => Diagnostic::new(
                &crate::rules::structure::INVALID_VALUE,
                format!(
                    "{} is below the minimum {limit} for {}",
                    tick(short(value)),
                    tick(&at)
                ),
            )
            .at(view.loc(&pointer))
            .help(format!("use a value of at least {limit}")),
            ValidationErrorKind::Maximum { limit }
            | ValidationErrorKind::ExclusiveMaximum { limit } => Diagnostic::new(
                &crate::rules::structure::INVALID_VALUE,
                format!(
                    "{} is above the maximum {limit} for {}",
                    tick(short(value)),
                    tick(&at)
                ),
            )
            .at(view.loc(&pointer))
            .help(format!("use a value of at most {limit}")),
            ValidationErrorKind::MinItems { limit } => Diagnostic::new(
                &crate::rules::structure::INVALID_VALUE,
                format!(
                    "{} needs at least {limit} item{}",
                    tick(&at),
                    if *limit == 1 { "" } else { "s" }
                ),
            )
            .at(view.loc(&pointer))
            .help("add an item or remove the field"),
            ValidationErrorKind::MinProperties { limit } => Diagnostic::new(
                &crate::rules::structure::INVALID_VALUE,
                format!(
                    "{} needs at least {limit} entr{}",
                    tick(&at),
                    if *limit == 1 { "y" } else { "ies" }
                ),
            )
            .at(view.loc(&pointer))
            .help("add an entry or remove the field"),
            ValidationErrorKind::UniqueItems => Diagnostic::new(
                &crate::rules::structure::INVALID_VALUE,
                format!("{} has duplicate items", tick(&at)),
            )
            .at(view.loc(&pointer))
            .help("remove the repeated item"),
            ValidationErrorKind::OneOfNotValid { .. } | ValidationErrorKind::AnyOf { .. } => {
                let what = describe(sub_parent(&c.json, &schema_path))
                    .unwrap_or_else(|| "one of the documented forms".into());
                Diagnostic::new(
                    &crate::rules::structure::INVALID_VALUE,
                    format!("{} has an invalid form", tick(&at)),
                )
                .at(view.loc(&pointer))
                .label("none of the allowed forms")
                .help(format!("expected {what}"))
            }
            ValidationErrorKind::PropertyNames { .. } => Diagnostic::new(
                &crate::rules::structure::INVALID_VALUE,
                format!("{} has an invalid key", tick(&at)),
            )
            .at(view.loc(&pointer))
            .help("keys here are lowercase names: letters, digits, `_` and `-`"),
            _ => Diagnostic::new(
                &crate::rules::structure::INVALID_VALUE,
                format!(
                    "{} is invalid: {}",
                    tick(&at),
                    lower_first(&err.to_string())
                ),
            )
            .at(view.loc(&pointer))
            .help(
                describe(sub)
                    .unwrap_or_else(|| "see `agentgov schema` for the expected form".into()),
            ),
        };
        if d.rule == crate::rules::structure::INVALID_VALUE.name && !invalid_at.insert(pointer) {
            continue;
        }
        diags.push(d);
    }
    let dropped: std::collections::HashSet<usize> = missing
        .into_iter()
        .filter(|(_, ptr, name)| suggested.contains(&(ptr.clone(), name.clone())))
        .map(|(i, ..)| i)
        .collect();
    diags
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !dropped.contains(i))
        .map(|(_, d)| d)
        .collect()
}

/// A key as a JSON pointer segment.
pub(crate) fn escape_pointer(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// `/spec/grants/0/fields` → `spec.grants[0].fields`.
pub fn display_path(pointer: &str) -> String {
    let mut out = String::new();
    for seg in pointer.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&seg);
        }
    }
    if out.is_empty() {
        "document".into()
    } else {
        out
    }
}

fn display_last(pointer: &str) -> String {
    let p = display_path(pointer);
    p.rsplit('.').next().unwrap_or(&p).to_string()
}

fn schema_at<'a>(schema: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = schema;
    for seg in path.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        cur = match cur {
            Value::Object(o) => {
                if seg == "$ref" {
                    continue;
                }
                o.get(&seg)?
            }
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
        // Follow local references so that paths through `$defs` keep working.
        while let Some(r) = cur.get("$ref").and_then(|r| r.as_str()) {
            match r.strip_prefix('#') {
                Some(p) => cur = schema.pointer(p)?,
                None => break,
            }
        }
    }
    Some(cur)
}

/// The subschema holding the failing keyword.
fn sub_parent<'a>(schema: &'a Value, keyword_path: &str) -> Option<&'a Value> {
    keyword_path
        .rfind('/')
        .and_then(|i| schema_at(schema, &keyword_path[..i]))
}

fn describe(schema: Option<&Value>) -> Option<String> {
    let d = schema?.get("description")?.as_str()?;
    Some(lower_first(d.trim_end_matches('.')))
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn article(t: &str) -> String {
    match t {
        "object" => "a mapping".into(),
        "array" => "a list".into(),
        "string" => "a string".into(),
        "integer" => "an integer".into(),
        "number" => "a number".into(),
        "boolean" => "`true` or `false`".into(),
        "null" => "nothing".into(),
        other => format!("a {other}"),
    }
}

fn json_type(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "nothing".into(),
        Some(Value::Bool(b)) => format!("`{b}`"),
        Some(Value::Number(n)) => format!("the number `{n}`"),
        Some(Value::String(s)) => format!("the string {}", tick(truncate(s))),
        Some(Value::Array(_)) => "a list".into(),
        Some(Value::Object(_)) => "a mapping".into(),
    }
}

fn truncate(s: &str) -> String {
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s.to_string()
    }
}

fn short(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => truncate(s),
        Some(other) => truncate(&other.to_string()),
        None => String::new(),
    }
}

/// Human words for the patterns the schemas use.
fn pattern_meaning(pattern: &str) -> (String, String) {
    match pattern {
        "^[a-z0-9]+(-[a-z0-9]+)*$" => (
            "a kebab-case id".into(),
            "use lowercase letters, digits and single hyphens, e.g. `lead-scorer`".into(),
        ),
        p if p.contains("\\d{4}") => ("a date".into(), "write the date as YYYY-MM-DD".into()),
        p if p.starts_with("^[a-z][a-z0-9_-]*$") || p == "^[a-z][a-z0-9_-]*$" => (
            "a lowercase name".into(),
            "start with a letter; use lowercase letters, digits, `_` and `-`".into(),
        ),
        p if p.contains("\\.") && p.matches("\\.").count() >= 2 => (
            "an operation reference".into(),
            "write `CONNECTOR.RESOURCE.OPERATION`, e.g. `email.campaigns.send`".into(),
        ),
        p if p.contains("\\.") => (
            "a resource reference".into(),
            "write `CONNECTOR.RESOURCE`, e.g. `crm.contacts`".into(),
        ),
        p if p.contains("policy|") => (
            "a waiver target".into(),
            "write `KIND/NAME` in lower case, e.g. `agent/lead-scorer`, or `policy`".into(),
        ),
        p if p.contains("A-Za-z0-9") => (
            "a GitHub handle".into(),
            "write the handle without `@`".into(),
        ),
        p if p.contains("(m|h|d|w)") => (
            "a time window".into(),
            "write a number and a unit: `30m`, `1h`, `7d`, `1w`".into(),
        ),
        p => (
            format!("a value matching {}", tick(p)),
            "see `agentgov schema` for the expected form".into(),
        ),
    }
}
