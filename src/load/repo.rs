//! Walks a repository for YAML files, reads and parses them, and sorts out governance documents.

use super::line_index::LineIndex;
use super::yaml::{self, Node, Span, Value, YamlErrorKind};
use crate::diag::{did_you_mean, tick, Diagnostic, Location};
use rayon::prelude::*;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The kinds of governance document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Policy,
    Team,
    Connector,
    Agent,
    Workflow,
    Playbook,
    PolicyTest,
    Waiver,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Policy,
        Kind::Team,
        Kind::Connector,
        Kind::Agent,
        Kind::Workflow,
        Kind::Playbook,
        Kind::PolicyTest,
        Kind::Waiver,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Kind::Policy => "Policy",
            Kind::Team => "Team",
            Kind::Connector => "Connector",
            Kind::Agent => "Agent",
            Kind::Workflow => "Workflow",
            Kind::Playbook => "Playbook",
            Kind::PolicyTest => "PolicyTest",
            Kind::Waiver => "Waiver",
        }
    }
    /// Lower-case name, as used in waiver targets and schema file names.
    pub fn slug(self) -> &'static str {
        match self {
            Kind::Policy => "policy",
            Kind::Team => "team",
            Kind::Connector => "connector",
            Kind::Agent => "agent",
            Kind::Workflow => "workflow",
            Kind::Playbook => "playbook",
            Kind::PolicyTest => "policytest",
            Kind::Waiver => "waiver",
        }
    }
    pub fn from_name(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

pub const API_GROUP: &str = "agentgov.dev/";
pub const API_VERSION: &str = "agentgov.dev/v1";

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

pub struct SourceFile {
    /// Relative to the repository root, with `/` separators.
    pub path: String,
    /// The text is dropped after loading when the file had nothing to report (it is most of the
    /// memory of a large repository) and read again on first use, to locate a finding.
    text: OnceLock<String>,
    /// Built on first use: most files of a clean repository are never located.
    lines: OnceLock<LineIndex>,
    origin: Option<Origin>,
}

/// Where a file was read from, with the size, modification time and contents hash it had then.
struct Origin {
    full: PathBuf,
    len: u64,
    modified: Option<std::time::SystemTime>,
    hash: u64,
}

/// A hash of a file's contents: a rewrite can keep the size and, within the granularity of the
/// file system's clock, the modification time.
fn fingerprint(bytes: &[u8]) -> u64 {
    use std::hash::Hasher as _;
    let mut h = std::hash::DefaultHasher::new();
    h.write(bytes);
    h.finish()
}

impl SourceFile {
    pub fn new(path: String, text: String) -> SourceFile {
        SourceFile {
            path,
            text: OnceLock::from(text),
            lines: OnceLock::new(),
            origin: None,
        }
    }

    /// The file's text as it was loaded.
    pub fn text(&self) -> &str {
        self.text.get_or_init(|| self.read_again())
    }

    /// Byte offset → (line, column) conversion for this file.
    pub fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(self.text()))
    }

    /// Drops the text if it can be read again.
    fn release(&mut self) {
        if self.origin.is_some() {
            self.text = OnceLock::new();
        }
    }

    /// The text read again, or nothing if the file changed since it was loaded (its positions
    /// would no longer match what was checked).
    fn read_again(&self) -> String {
        let Some(o) = &self.origin else {
            return String::new();
        };
        match std::fs::metadata(&o.full) {
            Ok(m) if m.len() == o.len && m.modified().ok() == o.modified => {
                match std::fs::read_to_string(&o.full) {
                    Ok(text) if fingerprint(text.as_bytes()) == o.hash => text,
                    _ => String::new(),
                }
            }
            _ => String::new(),
        }
    }
}

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

/// A parsed document with its file, for locating values while the tree is at hand.
pub struct DocView<'a> {
    pub file: &'a SourceFile,
    pub root: &'a Node,
}

/// A governance document handed to the `process` step of [`load_with`]. The tree is owned, so
/// that it can become JSON without copying its strings; [`DocInput::reparse`] gives it back for
/// positions when a finding needs them.
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

impl SourceFile {
    /// The location of `span` in this file.
    pub fn location(&self, span: Span) -> Location {
        location_in(self, span)
    }
}

impl DocView<'_> {
    pub fn location(&self, span: Span) -> Location {
        location_in(self.file, span)
    }

    /// The value at `pointer`, or its nearest existing ancestor.
    pub fn loc(&self, pointer: &str) -> Location {
        let mut p = pointer;
        loop {
            if let Some(n) = self.root.at_pointer(p) {
                return self.location(n.span);
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return self.location(self.root.span),
            }
        }
    }

    /// The key of the map entry at `pointer` (for unknown keys), else the value's location.
    pub fn key_loc(&self, pointer: &str) -> Location {
        match self.root.key_at_pointer(pointer) {
            Some(k) => self.location(k.span),
            None => self.loc(pointer),
        }
    }
}

fn location_in(f: &SourceFile, span: Span) -> Location {
    let (line, column) = f.lines().line_col(span.start);
    let (end_line, end_column) = f.lines().line_col(span.end.max(span.start));
    Location {
        file: f.path.clone(),
        span,
        line,
        column,
        end_line,
        end_column,
    }
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
    trees: Vec<OnceLock<Vec<Node>>>,
    yaml_limits: yaml::Limits,
}

impl Workspace {
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
pub const UNREADABLE_RULES: &[&str] = &["unreadable-file", "invalid-encoding", "input-limit"];

fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml") | Some("yml")
    )
}

fn rel_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let s: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if s.is_empty() {
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    } else {
        s.join("/")
    }
}

/// A diagnostic about a whole file, located at its first position.
fn file_diag(path: &str, d: Diagnostic) -> Diagnostic {
    d.at(Location {
        file: path.to_string(),
        span: Span::default(),
        line: 1,
        column: 1,
        end_line: 1,
        end_column: 1,
    })
}

/// Folders never searched for governance files, besides hidden ones: build output (agentgov's
/// own `--out` is often `target/...`) and installed packages, whose YAML is not the team's.
const SKIPPED_FOLDERS: [&str; 2] = ["target", "node_modules"];

/// Finds the YAML files under the folder `root` and hands each to `found`, in path order.
fn discover(root: &Path, canonical_root: &Path, mut found: impl FnMut(PathBuf)) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            if e.depth() == 0 {
                return true;
            }
            let name = e.file_name().to_string_lossy();
            !(e.file_type().is_dir()
                && (name.starts_with('.') || SKIPPED_FOLDERS.contains(&&*name)))
        });
    while let Some(entry) = walker.next() {
        match entry {
            Ok(e) => {
                let is_dir = e.file_type().is_dir();
                // Only regular files: opening a named pipe would wait for a writer.
                let yaml_file = e.file_type().is_file() && is_yaml(e.path());
                if !is_dir && !yaml_file {
                    continue;
                }
                // Links may point anywhere: only read what really lies inside the repository.
                // What is reached through a link that stays inside is inside too, so only the
                // links themselves are resolved (resolving every file costs a call per folder).
                if e.depth() > 0 && e.path_is_symlink() {
                    match std::fs::canonicalize(e.path()) {
                        Ok(c) if c.starts_with(canonical_root) => {}
                        Ok(c) => {
                            if is_dir {
                                walker.skip_current_dir();
                            }
                            let rel = rel_path(root, e.path());
                            diags.push(file_diag(
                                &rel,
                                Diagnostic::warning(
                                    "link-outside-repository",
                                    format!(
                                        "{} links to {} outside the repository; not read",
                                        tick(&rel),
                                        tick(c.display())
                                    ),
                                )
                                .help("copy the file into the repository or remove the link"),
                            ));
                            continue;
                        }
                        Err(err) => {
                            if is_dir {
                                walker.skip_current_dir();
                            }
                            let rel = rel_path(root, e.path());
                            diags.push(file_diag(
                                &rel,
                                Diagnostic::error(
                                    "unreadable-file",
                                    format!("cannot resolve {}: {err}", tick(&rel)),
                                )
                                .help("fix or remove the broken link"),
                            ));
                            continue;
                        }
                    }
                }
                if !is_dir {
                    found(e.into_path());
                }
            }
            Err(err) => {
                let path = err
                    .path()
                    .map(|p| rel_path(root, p))
                    .unwrap_or_else(|| ".".into());
                if err.loop_ancestor().is_some() {
                    diags.push(file_diag(
                        &path,
                        Diagnostic::warning(
                            "link-outside-repository",
                            format!("symbolic link loop at {}; not followed", tick(&path)),
                        )
                        .help("remove the link that points back to one of its parent folders"),
                    ));
                } else if err.depth() == 0 {
                    // The root itself: handled by the caller.
                } else {
                    let link = err.path().and_then(|p| std::fs::read_link(p).ok());
                    let (msg, help) = match link {
                        Some(target) => (
                            format!(
                                "{} is a symbolic link to {}, which cannot be read",
                                tick(&path),
                                tick(target.display())
                            ),
                            "fix or remove the broken link",
                        ),
                        None => {
                            let why = err
                                .io_error()
                                .map(|e| e.kind().to_string())
                                .unwrap_or_else(|| "unknown error".into());
                            (
                                format!("cannot read {}: {why}", tick(&path)),
                                "check the file's permissions",
                            )
                        }
                    };
                    diags.push(file_diag(
                        &path,
                        Diagnostic::error("unreadable-file", msg).help(help),
                    ));
                }
            }
        }
    }
    diags
}

struct ParsedFile {
    source: SourceFile,
    docs: Vec<Node>,
    diags: Vec<Diagnostic>,
    /// Why YAML errors of a file that is not ours were not reported (`--verbose`).
    ignored: Option<String>,
}

fn read_and_parse(root: &Path, path: &Path, opts: &LoadOptions) -> ParsedFile {
    let rel = rel_path(root, path);
    let mut diags = Vec::new();
    let empty = |rel: &str| SourceFile::new(rel.to_string(), String::new());
    // Size and modification time of the file opened.
    let mut opened_as = None;
    // One open, and the size from the open file: a second lookup of the path costs as much.
    let opened = std::fs::File::open(path).and_then(|f| f.metadata().map(|m| (f, m)));
    let bytes = match opened {
        Ok((_, m)) if m.len() > opts.max_file_bytes => {
            diags.push(file_diag(
                &rel,
                Diagnostic::error(
                    "input-limit",
                    format!(
                        "{} is {} bytes, more than the limit of {} bytes",
                        tick(&rel),
                        m.len(),
                        opts.max_file_bytes
                    ),
                )
                .help("split the file, or raise the limit with `--max-file-size`"),
            ));
            return ParsedFile {
                source: empty(&rel),
                docs: vec![],
                diags,
                ignored: None,
            };
        }
        Ok((mut f, m)) => {
            opened_as = Some((m.len(), m.modified().ok()));
            // Never more than the limit, even if the file grows while it is read.
            use std::io::Read as _;
            let mut buf = Vec::with_capacity(m.len() as usize + 1);
            (&mut f)
                .take(opts.max_file_bytes + 1)
                .read_to_end(&mut buf)
                .map(|_| buf)
        }
        Err(e) => Err(e),
    };
    let bytes = match bytes {
        Ok(b) => b,
        Err(err) => {
            diags.push(file_diag(
                &rel,
                Diagnostic::error(
                    "unreadable-file",
                    format!("cannot read {}: {err}", tick(&rel)),
                )
                .help("check the file's permissions"),
            ));
            return ParsedFile {
                source: empty(&rel),
                docs: vec![],
                diags,
                ignored: None,
            };
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(err) => {
            let good = err.utf8_error().valid_up_to();
            let bytes = err.into_bytes();
            // Keep the valid prefix so that the position of the first bad byte can be shown.
            let text = String::from_utf8_lossy(&bytes[..good]).into_owned();
            let source = SourceFile::new(rel.clone(), text);
            let (line, column) = source.lines().line_col(good);
            diags.push(
                Diagnostic::error(
                    "invalid-encoding",
                    format!("{} is not valid UTF-8 (byte {good})", tick(&rel)),
                )
                .at(Location {
                    file: rel.clone(),
                    span: Span {
                        start: good,
                        end: good,
                    },
                    line,
                    column,
                    end_line: line,
                    end_column: column,
                })
                .label("invalid byte here")
                .help("save the file as UTF-8"),
            );
            return ParsedFile {
                source,
                docs: vec![],
                diags,
                ignored: None,
            };
        }
    };
    let mut source = SourceFile::new(rel.clone(), text);
    source.origin = opened_as.map(|(len, modified)| Origin {
        full: path.to_path_buf(),
        len,
        modified,
        hash: fingerprint(source.text().as_bytes()),
    });
    if source.text().trim().is_empty() {
        diags.push(file_diag(
            &rel,
            Diagnostic::warning("empty-file", format!("{} is empty", tick(&rel)))
                .help("add a governance document or delete the file"),
        ));
        return ParsedFile {
            source,
            docs: vec![],
            diags,
            ignored: None,
        };
    }
    let (parsed, mut errors) = yaml::parse_documents(source.text(), &opts.yaml);
    let ignored = drop_errors_not_ours(source.text(), &parsed, &mut errors);
    for e in errors {
        let rule = match e.kind {
            YamlErrorKind::Syntax | YamlErrorKind::UnsupportedKey => "yaml-syntax",
            YamlErrorKind::DuplicateKey => "duplicate-key",
            YamlErrorKind::TooDeep
            | YamlErrorKind::AliasLimit
            | YamlErrorKind::TooManyDocuments => "input-limit",
        };
        let help = match e.kind {
            YamlErrorKind::Syntax => "fix the YAML syntax; check indentation and quoting",
            YamlErrorKind::UnsupportedKey => "use a plain string as the key",
            YamlErrorKind::DuplicateKey => {
                "remove one of the two keys; YAML keeps only one of them"
            }
            YamlErrorKind::TooDeep => "flatten the document, or raise `--max-depth`",
            YamlErrorKind::AliasLimit => "expand fewer aliases, or raise `--max-alias-nodes`",
            YamlErrorKind::TooManyDocuments => "split the file",
        };
        let (line, column) = source.lines().line_col(e.span.start);
        let (end_line, end_column) = source.lines().line_col(e.span.end.max(e.span.start));
        let loc = Location {
            file: rel.clone(),
            span: e.span,
            line,
            column,
            end_line,
            end_column,
        };
        let mut d = Diagnostic::error(rule, e.message).at(loc).help(help);
        if let Some((span, label)) = e.related {
            let (line, column) = source.lines().line_col(span.start);
            let (end_line, end_column) = source.lines().line_col(span.end.max(span.start));
            d = d.related(
                Location {
                    file: rel.clone(),
                    span,
                    line,
                    column,
                    end_line,
                    end_column,
                },
                label,
            );
        }
        diags.push(d);
    }
    ParsedFile {
        source,
        docs: parsed.into_iter().map(|p| p.root).collect(),
        diags,
        ignored,
    }
}

/// Drops the YAML errors that are not agentgov's to report, and says why when it dropped any.
///
/// A repository holds other YAML (Helm templates, CI and compose files) that agentgov ignores
/// when it parses; it ignores it as well when it does not parse. A duplicate or unsupported key
/// is dropped when it lies in a parsed document that is not ours. Any other error is dropped when
/// the file has no document of ours, names neither agentgov nor one of its kinds, and is text:
/// a file of control characters named `.yaml` is still reported. Limits (depth, aliases,
/// documents) are always reported.
fn drop_errors_not_ours(
    text: &str,
    parsed: &[yaml::ParsedDoc],
    errors: &mut Vec<yaml::YamlError>,
) -> Option<String> {
    if errors.is_empty() {
        return None;
    }
    let doc_is_ours: Vec<bool> = parsed
        .iter()
        .map(|d| !matches!(classify(&d.root), Classified::Ignored(_)))
        .collect();
    // Whether the parsed document holding `pos` is ours; `None` outside every parsed document.
    let doc_at_is_ours = |pos: usize| {
        parsed
            .iter()
            .position(|d| d.span.start <= pos && pos <= d.span.end)
            .map(|i| doc_is_ours[i])
    };
    let file_is_ours = || {
        doc_is_ours.contains(&true)
            || mentions_governance(text)
            || text
                .bytes()
                .any(|b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
    };
    let before = errors.len();
    let mut first_dropped = None;
    let mut ours = None;
    errors.retain(|e| {
        let keep = match e.kind {
            YamlErrorKind::DuplicateKey | YamlErrorKind::UnsupportedKey => {
                doc_at_is_ours(e.span.start)
                    .unwrap_or_else(|| *ours.get_or_insert_with(file_is_ours))
            }
            YamlErrorKind::Syntax => *ours.get_or_insert_with(file_is_ours),
            YamlErrorKind::TooDeep
            | YamlErrorKind::AliasLimit
            | YamlErrorKind::TooManyDocuments => true,
        };
        if !keep && first_dropped.is_none() {
            first_dropped = Some(e.message.clone());
        }
        keep
    });
    first_dropped.map(|m| {
        let n = before - errors.len();
        let more = if n > 1 {
            format!(" and {} more", n - 1)
        } else {
            String::new()
        };
        format!("not an agentgov file; its YAML errors are not reported ({m}{more})")
    })
}

/// Whether the text of a file that does not parse names agentgov or has a `kind:` line with one
/// of its kinds: then its syntax errors are ours to report.
fn mentions_governance(text: &str) -> bool {
    text.contains(API_GROUP)
        || text.lines().any(|line| {
            let Some(rest) = line.trim_start().strip_prefix("kind:") else {
                return false;
            };
            let value = rest.split(" #").next().unwrap_or("").trim();
            let value = value.trim_matches(|c| c == '"' || c == '\'');
            Kind::from_name(value).is_some()
        })
}

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
            .any(|d| UNREADABLE_RULES.contains(&d.rule) || d.rule == "yaml-syntax"),
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
            Classified::Problem((rule, msg, help, ptr, warn)) => {
                fr.governance = true;
                let node = root_node.at_pointer(ptr).unwrap_or(&root_node);
                let loc = location_in(&fr.source, node.span);
                let d = if warn {
                    Diagnostic::warning(rule, msg)
                } else {
                    Diagnostic::error(rule, msg)
                };
                fr.diags.push(d.at(loc).help(help));
            }
        }
    }
    if fr.diags.is_empty() {
        fr.source.release();
    }
    fr
}

type Problem = (&'static str, String, String, &'static str, bool);

enum Classified {
    Governance(Kind),
    Ignored(String),
    Problem(Problem),
}

fn classify(root: &Node) -> Classified {
    let api = root.get("apiVersion").and_then(|n| n.as_str());
    let kind_str = root.get("kind").and_then(|n| n.as_str());
    let kind = kind_str.and_then(Kind::from_name);
    match api {
        Some(api) if api.starts_with(API_GROUP) => {
            if api != API_VERSION {
                return Classified::Problem((
                    "unsupported-api-version",
                    format!("unsupported apiVersion {}", tick(api)),
                    format!("this version of agentgov reads `{API_VERSION}`"),
                    "/apiVersion",
                    false,
                ));
            }
            match (kind, kind_str) {
                (Some(k), _) => Classified::Governance(k),
                (None, Some(k)) => {
                    let help = match did_you_mean(k, Kind::ALL.iter().map(|k| k.name())) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!(
                            "use one of {}",
                            Kind::ALL
                                .iter()
                                .map(|k| tick(k.name()))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    };
                    Classified::Problem((
                        "unknown-kind",
                        format!("unknown kind {}", tick(k)),
                        help,
                        "/kind",
                        false,
                    ))
                }
                (None, None) => Classified::Problem((
                    "missing-field",
                    "missing `kind`".to_string(),
                    format!(
                        "add `kind:` with one of {}",
                        Kind::ALL
                            .iter()
                            .map(|k| tick(k.name()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    "",
                    false,
                )),
            }
        }
        _ => match kind {
            Some(k) if root.get("spec").is_some() => Classified::Problem((
                "foreign-api-version",
                match api {
                    Some(a) => format!(
                        "a {} document with apiVersion {} is not read",
                        tick(k),
                        tick(a)
                    ),
                    None => format!("a {} document without `apiVersion` is not read", tick(k)),
                },
                format!("set `apiVersion: {API_VERSION}` if this is an agentgov document"),
                if api.is_some() {
                    "/apiVersion"
                } else {
                    "/kind"
                },
                true,
            )),
            _ => Classified::Ignored(match api {
                Some(a) => format!("apiVersion `{a}` is not agentgov's"),
                None => "not an agentgov document".to_string(),
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rules of the YAML errors `read_and_parse` reports for `text`, and what it ignored.
    fn yaml_errors(text: &str) -> (Vec<&'static str>, Option<String>) {
        let d = tempfile::tempdir().unwrap();
        let full = d.path().join("f.yaml");
        std::fs::write(&full, text).unwrap();
        let pf = read_and_parse(d.path(), &full, &LoadOptions::default());
        (pf.diags.iter().map(|d| d.rule).collect(), pf.ignored)
    }

    #[test]
    fn discovery_skips_hidden_build_and_package_folders() {
        let d = tempfile::tempdir().unwrap();
        for dir in [
            "a/b",
            ".github/workflows",
            "target/x",
            "node_modules/pkg",
            "docs/target",
        ] {
            std::fs::create_dir_all(d.path().join(dir)).unwrap();
            std::fs::write(d.path().join(dir).join("f.yaml"), "x: 1\n").unwrap();
        }
        std::fs::write(d.path().join("a/notes.txt"), "x").unwrap();
        let root = std::fs::canonicalize(d.path()).unwrap();
        let mut paths = Vec::new();
        let diags = discover(&root, &root, |p| paths.push(p));
        assert!(diags.is_empty());
        let rel: Vec<String> = paths.iter().map(|p| rel_path(&root, p)).collect();
        assert_eq!(rel, ["a/b/f.yaml"]);
    }

    #[test]
    fn yaml_errors_of_files_that_are_not_ours_are_ignored() {
        let helm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n";
        let (rules, why) = yaml_errors(helm);
        assert!(rules.is_empty(), "{rules:?}");
        assert!(why.unwrap().contains("not an agentgov file"));
        let (rules, why) = yaml_errors("a: [unclosed\n");
        assert!(rules.is_empty() && why.is_some(), "{rules:?}");
        // A repeated key in a document that parses but is not ours.
        let (rules, why) = yaml_errors("services:\n  a: 1\n  a: 2\n");
        assert!(rules.is_empty(), "{rules:?}");
        assert!(why.unwrap().contains("duplicate key `a`"));
    }

    #[test]
    fn yaml_errors_of_governance_files_are_reported() {
        let ours = [
            // Names agentgov's apiVersion, even if the error comes first.
            "a: [unclosed\napiVersion: agentgov.dev/v1\n",
            // A `kind:` line with one of our kinds and a broken apiVersion.
            "apiVersion: agentgov/v1\nkind: \"Agent\" # the writer\nmetadata: {name: [x}\n",
            // A document of ours before the error.
            "apiVersion: agentgov.dev/v1\nkind: Team\nspec: {}\n---\na: [unclosed\n",
        ];
        for text in ours {
            let (rules, why) = yaml_errors(text);
            assert_eq!(rules, ["yaml-syntax"], "{text}");
            assert_eq!(why, None);
        }
        let dup = "apiVersion: agentgov.dev/v1\nkind: Team\nspec: {}\nspec: {}\n---\nx: 1\nx: 2\n";
        let (rules, why) = yaml_errors(dup);
        assert_eq!(rules, ["duplicate-key"]);
        assert!(why.unwrap().contains("duplicate key `x`"));
    }

    #[test]
    fn control_characters_and_limits_are_reported_in_any_file() {
        let (rules, _) = yaml_errors("a: \u{7}\u{0}b\n");
        assert_eq!(rules, ["yaml-syntax"]);
        let deep = format!("a: {}{}\n", "[".repeat(300), "]".repeat(300));
        let (rules, _) = yaml_errors(&deep);
        assert_eq!(rules, ["input-limit"]);
    }

    fn loaded(dir: &Path, name: &str, text: &str) -> SourceFile {
        let full = dir.join(name);
        std::fs::write(&full, text).unwrap();
        let mut f = read_and_parse(dir, &full, &LoadOptions::default()).source;
        f.release();
        f
    }

    #[test]
    fn a_released_text_is_read_again_on_first_use() {
        let d = tempfile::tempdir().unwrap();
        let f = loaded(d.path(), "a.yaml", "kind: Agent\n");
        assert_eq!(f.text(), "kind: Agent\n");
        assert_eq!(f.lines().line_col(6), (1, 7));
    }

    #[test]
    fn a_file_changed_since_loading_is_not_shown() {
        let d = tempfile::tempdir().unwrap();
        let f = loaded(d.path(), "a.yaml", "kind: Agent\n");
        // Another size: the positions found in the first text would be wrong in this one.
        std::fs::write(d.path().join("a.yaml"), "kind: Agent\nmetadata: {}\n").unwrap();
        assert_eq!(f.text(), "");
        assert_eq!(f.lines().line_col(100), (1, 1));
    }

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
