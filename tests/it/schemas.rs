//! The published JSON Schemas: valid 2020-12 schemas with stable ids, strict, and satisfied by the
//! worked example when it is read by an independent YAML parser (serde_yaml).

use agentgov::schema::SCHEMAS;
use serde_json::Value;
use std::path::Path;

#[test]
fn every_schema_is_a_valid_2020_12_schema_with_a_stable_id() {
    for (kind, name, text) in SCHEMAS {
        let schema: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{name}"
        );
        assert_eq!(
            schema["$id"],
            format!("urn:agentgov:schemas:v1:{name}"),
            "{name}"
        );
        jsonschema::draft202012::meta::validate(&schema)
            .unwrap_or_else(|e| panic!("{name} is not a valid 2020-12 schema: {e}"));
        assert_eq!(
            schema["properties"]["kind"]["const"],
            kind.name(),
            "{name} pins its kind"
        );
    }
}

/// Every object schema closes its properties (strict schemas catch typos).
#[test]
fn every_object_in_every_schema_is_closed() {
    fn walk(v: &Value, path: &str, name: &str) {
        match v {
            Value::Object(o) => {
                if o.contains_key("properties") {
                    assert!(
                        o.contains_key("additionalProperties")
                            || o.contains_key("unevaluatedProperties"),
                        "{name}{path}: object without additionalProperties"
                    );
                }
                for (k, child) in o {
                    walk(child, &format!("{path}/{k}"), name);
                }
            }
            Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, c)| walk(c, &format!("{path}/{i}"), name)),
            _ => {}
        }
    }
    for (_, name, text) in SCHEMAS {
        walk(&serde_json::from_str(text).expect("json"), "", name);
    }
}

#[test]
fn the_worked_example_validates_against_the_schemas_read_by_serde_yaml() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("governance");
    let mut seen = 0;
    for e in walkdir::WalkDir::new(&root).sort_by_file_name() {
        let e = e.expect("entry");
        let p = e.path();
        if !matches!(p.extension().and_then(|x| x.to_str()), Some("yaml" | "yml")) {
            continue;
        }
        let text = std::fs::read_to_string(p).expect("read");
        for doc in serde_yaml::Deserializer::from_str(&text) {
            let v: Value = serde::Deserialize::deserialize(doc).expect("yaml");
            let kind = v["kind"].as_str().expect("kind");
            let (_, name, schema) = SCHEMAS
                .iter()
                .find(|(k, _, _)| k.name() == kind)
                .expect("known kind");
            let schema: Value = serde_json::from_str(schema).expect("json");
            let validator = jsonschema::options()
                .should_validate_formats(true)
                .build(&schema)
                .expect("compiles");
            let errors: Vec<String> = validator
                .iter_errors(&v)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            assert!(
                errors.is_empty(),
                "{} against {name}: {errors:#?}",
                p.display()
            );
            seen += 1;
        }
    }
    assert!(
        seen >= 25,
        "expected the whole example, saw {seen} documents"
    );
}

#[test]
fn schema_errors_point_at_the_offending_yaml_node() {
    use agentgov::analysis::{check, CheckOptions};
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join("agent.yaml"),
        "apiVersion: agentgov.dev/v1\nkind: Agent\nmetadata: { name: a }\nspec:\n  owners: { business: x, technical: y }\n  model: { provider: p, name: n, version: v }\n  mode: autonomous\n  grants:\n    - resource: crm.contacts\n      operatons: [read]\n  rollout: { stage: pilot, since: 2026-02-30, sample_rate: 1.5 }\n  monitors: \"none\"\n",
    )
    .expect("write");
    let c = check(dir.path(), &CheckOptions::default()).expect("readable");
    let find = |rule: &str, line: usize| {
        c.diagnostics
            .iter()
            .find(|d| d.rule == rule && d.location.as_ref().is_some_and(|l| l.line == line))
            .unwrap_or_else(|| panic!("no {rule} on line {line}: {:#?}", c.diagnostics))
    };
    let unknown = find("unknown-field", 10);
    assert_eq!(unknown.location.as_ref().expect("loc").column, 7);
    assert_eq!(unknown.help.as_deref(), Some("did you mean `operations`?"));
    // One typo, one diagnostic: the unknown field with its suggestion replaces the missing one.
    assert!(
        !c.diagnostics.iter().any(|d| d.rule == "missing-field"),
        "{:#?}",
        c.diagnostics
    );
    let date = find("invalid-value", 11);
    assert!(date.message.contains("2026-02-30"), "{}", date.message);
    let rate = c
        .diagnostics
        .iter()
        .find(|d| d.message.contains("1.5"))
        .expect("sample rate out of range");
    assert_eq!(rate.location.as_ref().expect("loc").line, 11);
    let ty = find("invalid-type", 12);
    assert!(ty.message.contains("expected a list"), "{}", ty.message);
}
