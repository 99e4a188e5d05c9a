//! What a load produced: the files, the governance documents and their ids, and each file's
//! parse trees, parsed again on first use to locate a finding.

use super::source::{location_in, DocView, SourceFile};
use super::Kind;
use crate::diag::Location;
use crate::load::yaml::{self, Node, Span, Value};
use std::path::PathBuf;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocId(pub usize);

pub struct Document {
    pub file: usize,
    /// Position among the documents parsed from the file.
    pub index: usize,
    pub kind: Kind,
    /// `metadata.name`, when it is a string.
    pub name: Option<String>,
}

impl Document {
    /// `metadata.name`, when it is a string.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

/// A governance document handed to the `process` step of [`load_with`](super::load_with). The
/// tree is owned, so that it can become JSON without copying its strings; [`DocInput::reparse`]
/// gives it back for positions when a finding needs them.
pub struct DocInput<'a> {
    pub file: &'a SourceFile,
    /// The document's position among those of its file.
    pub index: usize,
    pub root: Node,
    /// The YAML limits of the load, to parse the document again with.
    pub limits: &'a yaml::Limits,
}

impl DocInput<'_> {
    /// The document's tree, parsed again from its file with the limits of the load (the same
    /// tree as `root`, which may have been consumed by then).
    pub fn reparse(file: &SourceFile, index: usize, limits: &yaml::Limits) -> Option<Node> {
        trees_of(file, limits).into_iter().nth(index)
    }
}

/// The parse trees of a file's documents, as the load saw them (same text, same limits).
fn trees_of(file: &SourceFile, limits: &yaml::Limits) -> Vec<Node> {
    yaml::parse_documents(file.text(), limits)
        .0
        .into_iter()
        .map(|p| p.root)
        .collect()
}

/// Every file and governance document of a repository.
pub struct Workspace {
    pub root: PathBuf,
    pub files: Vec<SourceFile>,
    pub docs: Vec<Document>,
    /// Files or documents that are YAML but not governance documents (`--verbose` lists them).
    pub ignored: Vec<String>,
    /// How many files hold at least one governance document.
    pub governance_files: usize,
    /// Files that could not be read or parsed completely: what they define is unknown, so
    /// references to missing ids are not reported while there are any.
    pub incomplete: Vec<String>,
    /// Parse trees are dropped after loading (they are most of the memory of a large
    /// repository) and parsed again, per file, only to locate a finding.
    pub(super) trees: Vec<OnceLock<Vec<Node>>>,
    pub(super) yaml_limits: yaml::Limits,
}

impl Workspace {
    /// Adds a file read after loading (a tools snapshot), returning its index.
    pub fn add_file(&mut self, file: SourceFile) -> usize {
        self.files.push(file);
        self.trees.push(OnceLock::new());
        self.files.len() - 1
    }

    pub fn doc(&self, id: DocId) -> &Document {
        &self.docs[id.0]
    }

    pub fn location(&self, file: usize, span: Span) -> Location {
        location_in(&self.files[file], span)
    }

    /// A document's parse tree (parsed again on first use). If the file changed since it was
    /// loaded, its text reads as empty and the tree is an empty node at the start of the file.
    pub fn tree(&self, doc: DocId) -> &Node {
        /// Points at the start of the file: no position in the changed file means anything.
        static CHANGED_FILE: Node = Node {
            value: Value::Null,
            span: Span { start: 0, end: 0 },
        };
        let d = self.doc(doc);
        let trees =
            self.trees[d.file].get_or_init(|| trees_of(&self.files[d.file], &self.yaml_limits));
        trees.get(d.index).unwrap_or(&CHANGED_FILE)
    }

    pub fn view(&self, doc: DocId) -> DocView<'_> {
        DocView {
            file: &self.files[self.doc(doc).file],
            root: self.tree(doc),
        }
    }

    /// The node at `pointer` in a document, if there is one.
    pub fn node(&self, doc: DocId, pointer: &str) -> Option<&Node> {
        self.tree(doc).at_pointer(pointer)
    }

    /// The value at `pointer` in a document, or its nearest existing ancestor.
    pub fn loc(&self, doc: DocId, pointer: &str) -> Location {
        self.view(doc).loc(pointer)
    }

    /// The key of the map entry at `pointer` (for unknown keys), else the value's location.
    pub fn key_loc(&self, doc: DocId, pointer: &str) -> Location {
        self.view(doc).key_loc(pointer)
    }

    pub fn doc_ids(&self) -> impl Iterator<Item = DocId> {
        (0..self.docs.len()).map(DocId)
    }

    pub fn file_of(&self, doc: DocId) -> &SourceFile {
        &self.files[self.doc(doc).file]
    }
}

#[cfg(test)]
mod tests {
    use super::super::{load_with, LoadOptions};
    use std::path::Path;

    const TEAM: &str = "apiVersion: agentgov.dev/v1\nkind: Team\nmetadata:\n  name: t\nspec: {}\n";

    /// Loads `files` (with nothing to report, so their texts and trees are dropped), changes
    /// them with `change`, then locates in every document: `(file, line, column)` of `/spec`.
    fn located_after(
        files: &[(&str, String)],
        change: impl Fn(&Path),
    ) -> Vec<(String, usize, usize)> {
        let d = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(d.path().join(name), text).unwrap();
        }
        let (ws, diags, _) = load_with(d.path(), &LoadOptions::default(), &|_, _| ()).unwrap();
        assert!(diags.is_empty(), "{diags:?}");
        change(d.path());
        ws.doc_ids()
            .map(|id| {
                let loc = ws.loc(id, "/spec");
                let key = ws.key_loc(id, "/spec/missing");
                assert_eq!((key.line, key.column), (loc.line, loc.column));
                assert_eq!(ws.node(id, "/metadata").is_some(), loc.line > 1);
                assert!(ws.tree(id).span.end <= ws.file_of(id).text().len());
                (loc.file, loc.line, loc.column)
            })
            .collect()
    }

    #[test]
    fn documents_of_an_unchanged_file_are_located() {
        let located = located_after(&[("a.yaml", format!("{TEAM}---\n{TEAM}"))], |_| {});
        assert_eq!(located, [("a.yaml".into(), 5, 7), ("a.yaml".into(), 11, 7)]);
    }

    #[test]
    fn documents_of_a_file_changed_since_loading_are_located_at_its_start() {
        let two = format!("{TEAM}---\n{TEAM}");
        let start = |n| vec![("a.yaml".to_string(), 1, 1); n];
        // Deleted.
        let located = located_after(&[("a.yaml", two.clone())], |d| {
            std::fs::remove_file(d.join("a.yaml")).unwrap();
        });
        assert_eq!(located, start(2));
        // Cut to fewer documents.
        let located = located_after(&[("a.yaml", two.clone())], |d| {
            std::fs::write(d.join("a.yaml"), TEAM).unwrap();
        });
        assert_eq!(located, start(2));
        // Rewritten with other content of the same size and modification time (a rewrite can
        // keep the time within the clock's granularity).
        let located = located_after(&[("a.yaml", two.clone())], |d| {
            let f = d.join("a.yaml");
            let modified = std::fs::metadata(&f).unwrap().modified().unwrap();
            std::fs::write(&f, two.replace("name: t", "name: u")).unwrap();
            let file = std::fs::File::options().write(true).open(&f).unwrap();
            file.set_modified(modified).unwrap();
        });
        assert_eq!(located, start(2));
        // Not valid UTF-8 any more.
        let located = located_after(&[("a.yaml", two.clone())], |d| {
            let mut bytes = two.clone().into_bytes();
            bytes[0] = 0xFF;
            std::fs::write(d.join("a.yaml"), bytes).unwrap();
        });
        assert_eq!(located, start(2));
        // A file beside the changed one is still located.
        let located = located_after(&[("a.yaml", TEAM.into()), ("b.yaml", TEAM.into())], |d| {
            std::fs::remove_file(d.join("a.yaml")).unwrap();
        });
        assert_eq!(located, [("a.yaml".into(), 1, 1), ("b.yaml".into(), 5, 7)]);
    }

    #[cfg(unix)]
    #[test]
    fn documents_of_a_file_made_unreadable_are_located_without_panic() {
        use std::os::unix::fs::PermissionsExt as _;
        let located = located_after(&[("a.yaml", TEAM.into())], |d| {
            let f = d.join("a.yaml");
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o000)).unwrap();
        });
        // Unless the tests run with the right to read anything, the file reads as changed.
        assert!(
            located == [("a.yaml".into(), 1, 1)] || located == [("a.yaml".into(), 5, 7)],
            "{located:?}"
        );
    }
}
