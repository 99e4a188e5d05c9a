//! Random documents never make `check` panic: random YAML-ish text beside the worked example,
//! and random byte-level mutations of the worked example's own files.

use agentgov::analysis::{check, CheckOptions};
use proptest::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("governance")
}

/// The worked example's files, relative and sorted.
fn example_files() -> Vec<String> {
    fn walk(dir: &Path, rel: &str, out: &mut Vec<String>) {
        for e in fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            let r = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            if e.file_type().unwrap().is_dir() {
                walk(&e.path(), &r, out);
            } else {
                out.push(r);
            }
        }
    }
    let mut v = Vec::new();
    walk(&example(), "", &mut v);
    v.sort();
    v
}

fn copy_example(to: &Path) {
    for f in example_files() {
        let t = to.join(&f);
        fs::create_dir_all(t.parent().unwrap()).unwrap();
        fs::copy(example().join(&f), t).unwrap();
    }
}

fn opts() -> CheckOptions {
    CheckOptions {
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
        ..CheckOptions::default()
    }
}

/// Runs check and the outputs derived from it; must not panic.
fn run(root: &Path) {
    let c = check(root, &opts()).expect("the root is readable");
    // Every diagnostic names a known rule and points into a file that exists.
    for d in &c.diagnostics {
        assert!(
            agentgov::rules::find(d.rule).is_some(),
            "unregistered rule: {d:?}"
        );
        if let Some(loc) = &d.location {
            let file = root.join(&loc.file);
            assert!(file.is_file(), "no such file: {d:?}");
            // Positions are 1-based; the line exists in the file (a file's last line may be
            // empty) and the column is at most one past its end.
            let text = String::from_utf8_lossy(&fs::read(&file).unwrap()).into_owned();
            let lines: Vec<&str> = text.split('\n').collect();
            assert!(loc.line >= 1 && loc.column >= 1, "{d:?}");
            assert!(
                loc.line <= lines.len(),
                "line past the end of the file: {d:?}"
            );
            let width = lines[loc.line - 1].len() + 1;
            assert!(
                loc.column <= width,
                "column past the end of its line: {d:?}"
            );
        }
    }
    let _ = agentgov::commands::common::human_report(&c, false);
}

/// YAML-ish tokens, so that random text exercises the parser's corners, not just "not YAML".
fn yamlish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("\n".to_string()),
        Just("  ".to_string()),
        Just("- ".to_string()),
        Just(": ".to_string()),
        Just("? ".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just(", ".to_string()),
        Just("&a ".to_string()),
        Just("*a".to_string()),
        Just("!!str ".to_string()),
        Just("!tag ".to_string()),
        Just("'q'".to_string()),
        Just("\"\\u00e9\"".to_string()),
        Just("|\n  ".to_string()),
        Just(">-\n  ".to_string()),
        Just("---\n".to_string()),
        Just("...\n".to_string()),
        Just("# c\n".to_string()),
        Just("%YAML 1.2\n".to_string()),
        Just("apiVersion: agentgov.dev/v1\n".to_string()),
        Just("kind: Agent\n".to_string()),
        Just("kind: Workflow\n".to_string()),
        Just("metadata: { name: x }\n".to_string()),
        Just("spec:\n".to_string()),
        Just("<<: *a\n".to_string()),
        Just("~".to_string()),
        Just("1e999".to_string()),
        Just("0x7fffffffffffffffff".to_string()),
        "[a-z_*.]{1,8}",
        any::<char>().prop_map(|c| c.to_string()),
    ];
    proptest::collection::vec(token, 0..80).prop_map(|v| v.concat())
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete { at: usize, len: usize },
    Insert { at: usize, text: String },
    Replace { at: usize, byte: u8 },
    Truncate { at: usize },
    DuplicateLine { at: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let sig = prop::sample::select(b"-:?[]{},#&*!|>'\"%@` \t\n0.~\\\xff\xc3".to_vec());
    prop_oneof![
        (any::<usize>(), 1usize..40).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), yamlish()).prop_map(|(at, text)| Mutation::Insert { at, text }),
        (any::<usize>(), sig).prop_map(|(at, byte)| Mutation::Replace { at, byte }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        any::<usize>().prop_map(|at| Mutation::DuplicateLine { at }),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let n = bytes.len().max(1);
    match m {
        Mutation::Delete { at, len } => {
            let s = at % n;
            let e = (s + len).min(bytes.len());
            if s < e {
                bytes.drain(s..e);
            }
        }
        Mutation::Insert { at, text } => {
            let s = (at % n).min(bytes.len());
            bytes.splice(s..s, text.bytes());
        }
        Mutation::Replace { at, byte } => {
            if !bytes.is_empty() {
                let i = at % bytes.len();
                bytes[i] = *byte;
            }
        }
        Mutation::Truncate { at } => bytes.truncate(at % n),
        Mutation::DuplicateLine { at } => {
            let s = (at % n).min(bytes.len());
            let start = bytes[..s]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let end = bytes[s..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |i| s + i + 1);
            let line = bytes[start..end].to_vec();
            bytes.splice(end..end, line);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn random_documents_beside_the_example_never_panic(text in yamlish(), name in "[a-z]{1,6}") {
        let d = tempfile::tempdir().unwrap();
        copy_example(d.path());
        fs::write(d.path().join(format!("{name}.yaml")), &text).unwrap();
        run(d.path());
        // And the same text alone as the whole repository.
        let e = tempfile::tempdir().unwrap();
        fs::write(e.path().join("x.yaml"), &text).unwrap();
        run(e.path());
    }

    #[test]
    fn mutated_example_files_never_panic(file in any::<prop::sample::Index>(), muts in proptest::collection::vec(mutation(), 1..4)) {
        let files: Vec<String> = example_files().into_iter().filter(|f| f.ends_with(".yaml")).collect();
        let f = &files[file.index(files.len())];
        let d = tempfile::tempdir().unwrap();
        copy_example(d.path());
        let p = d.path().join(f);
        let mut bytes = fs::read(&p).unwrap();
        for m in &muts {
            apply(&mut bytes, m);
        }
        fs::write(&p, bytes).unwrap();
        run(d.path());
    }
}
