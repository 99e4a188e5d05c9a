//! Walks a repository for YAML files, reads and parses them, and sorts out governance documents.
//!
//! Layout: `discover` (the walk), `read` (reading and parsing a file within the limits),
//! `classify` (governance kinds, and the YAML that is not ours), `source` (a file's text and
//! locations in it), `workspace` (what a load produced, and the trees parsed again on demand).
//! This file runs the load.

mod classify;
mod discover;
mod read;
mod source;
mod workspace;

use crate::rules::structure;
pub use classify::{Kind, API_GROUP, API_VERSION};
pub use source::{DocView, SourceFile};
pub use workspace::{DocId, DocInput, Document, Workspace};

use crate::diag::Diagnostic;
use crate::load::yaml;
use classify::{classify, Classified};
use discover::discover;
use rayon::prelude::*;
use read::{read_and_parse, ParsedFile};
use source::location_in;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Limits that keep hostile input cheap. Defaults are documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadOptions {
    pub max_file_bytes: u64,
    pub yaml: yaml::Limits,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            max_file_bytes: 8 * 1024 * 1024,
            yaml: yaml::Limits::default(),
        }
    }
}

/// Failure to read the repository at all (as opposed to a finding in one of its files).
#[derive(Debug)]
pub struct LoadError(pub String);

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LoadError {}

/// Rules whose findings mean the input could not be read (exit code 2).
pub const UNREADABLE_RULES: &[&str] = &[
    structure::UNREADABLE_FILE.name,
    structure::INVALID_ENCODING.name,
    structure::INPUT_LIMIT.name,
];

/// What loading a file produced.
struct FileResult<P> {
    source: SourceFile,
    docs: Vec<(Document, P)>,
    ignored: Vec<String>,
    diags: Vec<Diagnostic>,
    governance: bool,
    incomplete: bool,
}

/// Loads every YAML file under `root`, calling `process` on each governance document while its
/// parse tree is at hand (in parallel, one file per task); returns its results in document order.
pub fn load_with<P: Send>(
    root: &Path,
    opts: &LoadOptions,
    process: &(dyn Fn(DocInput, Kind) -> P + Sync),
) -> Result<(Workspace, Vec<Diagnostic>, Vec<P>), LoadError> {
    let meta = std::fs::metadata(root)
        .map_err(|e| LoadError(format!("cannot read `{}`: {e}", root.display())))?;
    let canonical_root = std::fs::canonicalize(root)
        .map_err(|e| LoadError(format!("cannot read `{}`: {e}", root.display())))?;
    let load = |walk_root: &Path, path: &Path| {
        load_file(read_and_parse(walk_root, path, opts), &opts.yaml, process)
    };
    let (walk_root, results, mut diags) = if meta.is_file() {
        let dir = root.parent().unwrap_or(Path::new(".")).to_path_buf();
        let result = load(&dir, root);
        (dir, vec![result], vec![])
    } else {
        // Files are read and parsed while the walk goes on (the walk alone keeps one core
        // busy for a while on a large repository); their order is restored afterwards.
        let (tx, rx) = std::sync::mpsc::channel::<PathBuf>();
        let (mut loaded, diags) = std::thread::scope(|s| {
            let walk = s.spawn(|| discover(root, &canonical_root, move |p| drop(tx.send(p))));
            let loaded: Vec<(PathBuf, FileResult<P>)> = rx
                .into_iter()
                .par_bridge()
                .map(|p| {
                    let r = load(root, &p);
                    (p, r)
                })
                .collect();
            (loaded, walk.join().expect("the walk does not panic"))
        });
        // Path order (component by component) is the order of the sorted walk.
        loaded.sort_by(|a, b| a.0.cmp(&b.0));
        let results = loaded.into_iter().map(|(_, r)| r).collect();
        (root.to_path_buf(), results, diags)
    };

    let mut ws = Workspace {
        root: walk_root,
        files: Vec::with_capacity(results.len()),
        docs: Vec::new(),
        ignored: Vec::new(),
        governance_files: 0,
        incomplete: Vec::new(),
        trees: Vec::new(),
        yaml_limits: opts.yaml,
    };
    let mut processed = Vec::new();
    for (file_idx, fr) in results.into_iter().enumerate() {
        if fr.incomplete {
            ws.incomplete.push(fr.source.path.clone());
        }
        if fr.governance {
            ws.governance_files += 1;
        }
        diags.extend(fr.diags);
        ws.ignored.extend(fr.ignored);
        for (mut doc, p) in fr.docs {
            doc.file = file_idx;
            ws.docs.push(doc);
            processed.push(p);
        }
        ws.files.push(fr.source);
        ws.trees.push(OnceLock::new());
    }
    Ok((ws, diags, processed))
}

/// Classifies and processes the documents of a parsed file; their `file` is set by the caller.
fn load_file<P>(
    pf: ParsedFile,
    limits: &yaml::Limits,
    process: &(dyn Fn(DocInput, Kind) -> P + Sync),
) -> FileResult<P> {
    let mut fr = FileResult {
        incomplete: pf
            .diags
            .iter()
            .any(|d| UNREADABLE_RULES.contains(&d.rule) || d.rule == structure::YAML_SYNTAX.name),
        governance: false,
        docs: Vec::new(),
        ignored: Vec::new(),
        diags: pf.diags,
        source: pf.source,
    };
    if let Some(why) = pf.ignored {
        fr.ignored.push(format!("{}: {why}", fr.source.path));
    }
    fr.governance = fr.incomplete;
    let ndocs = pf.docs.len();
    for (i, root_node) in pf.docs.into_iter().enumerate() {
        let label = if ndocs > 1 {
            format!("{} (document {})", fr.source.path, i + 1)
        } else {
            fr.source.path.clone()
        };
        match classify(&root_node) {
            Classified::Governance(kind) => {
                fr.governance = true;
                let name = root_node
                    .get("metadata")
                    .and_then(|m| m.get("name"))
                    .and_then(|n| n.as_str())
                    .map(str::to_string);
                let input = DocInput {
                    file: &fr.source,
                    index: i,
                    root: root_node,
                    limits,
                };
                let p = process(input, kind);
                fr.docs.push((
                    Document {
                        file: 0,
                        index: i,
                        kind,
                        name,
                    },
                    p,
                ));
            }
            Classified::Ignored(reason) => fr.ignored.push(format!("{label}: {reason}")),
            Classified::Problem((rule, msg, help, ptr)) => {
                fr.governance = true;
                let node = root_node.at_pointer(ptr).unwrap_or(&root_node);
                let loc = location_in(&fr.source, node.span);
                fr.diags.push(Diagnostic::new(rule, msg).at(loc).help(help));
            }
        }
    }
    if fr.diags.is_empty() {
        fr.source.release();
    }
    fr
}
