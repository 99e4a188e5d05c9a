//! Helpers shared by the parser's unit tests.

use super::{parse_documents, Limits, Node, ParsedDoc, Span, YamlError};
use crate::load::line_index::LineIndex;

pub(super) fn parse(src: &str) -> (Vec<ParsedDoc>, Vec<YamlError>) {
    parse_documents(src, &Limits::default())
}

/// Parse a single-document source that must be error free.
pub(super) fn ok(src: &str) -> Node {
    let (docs, errors) = parse(src);
    assert!(
        errors.is_empty(),
        "unexpected errors for {src:?}: {errors:?}"
    );
    assert_eq!(docs.len(), 1, "{src:?}");
    docs.into_iter().next().unwrap().root
}

pub(super) fn text(src: &str, span: Span) -> &str {
    &src[span.start..span.end]
}

pub(super) fn lc(src: &str, byte: usize) -> (usize, usize) {
    LineIndex::new(src).line_col(byte)
}

pub(super) fn node<'a>(root: &'a Node, ptr: &str) -> &'a Node {
    root.at_pointer(ptr)
        .unwrap_or_else(|| panic!("no node at {ptr}"))
}

pub(super) fn only_error(src: &str) -> YamlError {
    let (_, errors) = parse(src);
    assert_eq!(errors.len(), 1, "{src:?}: {errors:?}");
    errors.into_iter().next().unwrap()
}
