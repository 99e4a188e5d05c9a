//! A source file: its text (dropped after loading and read again when a finding needs it, only
//! if the file is unchanged) and the locations of spans in it.

use crate::diag::Location;
use crate::load::line_index::LineIndex;
use crate::load::yaml::{Node, Span};
use std::path::PathBuf;
use std::sync::OnceLock;

pub struct SourceFile {
    /// Relative to the repository root, with `/` separators.
    pub path: String,
    /// The text is dropped after loading when the file had nothing to report (it is most of the
    /// memory of a large repository) and read again on first use, to locate a finding.
    text: OnceLock<String>,
    /// Built on first use: most files of a clean repository are never located.
    lines: OnceLock<LineIndex>,
    pub(super) origin: Option<Origin>,
}

/// Where a file was read from, with the size, modification time and contents hash it had then.
pub(super) struct Origin {
    pub(super) full: PathBuf,
    pub(super) len: u64,
    pub(super) modified: Option<std::time::SystemTime>,
    pub(super) hash: u64,
}

/// A hash of a file's contents: a rewrite can keep the size and, within the granularity of the
/// file system's clock, the modification time.
pub(super) fn fingerprint(bytes: &[u8]) -> u64 {
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
    pub(super) fn release(&mut self) {
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

/// A parsed document with its file, for locating values while the tree is at hand.
pub struct DocView<'a> {
    pub file: &'a SourceFile,
    pub root: &'a Node,
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

pub(super) fn location_in(f: &SourceFile, span: Span) -> Location {
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

#[cfg(test)]
mod tests {
    use super::super::read::read_and_parse;
    use super::super::LoadOptions;
    use super::*;
    use std::path::Path;

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
}
