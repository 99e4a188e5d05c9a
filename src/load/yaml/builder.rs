//! The tree builder: saphyr's event stream, document by document, into [`Node`] trees.
//!
//! Iterative (an explicit stack of open collections), so nesting cannot overflow the stack.
//! It expands aliases (counting the expansion as it happens), rejects duplicate and non-scalar
//! keys, enforces the depth, alias and document limits, and restarts after an abandoned
//! document at the next `---` line.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use saphyr_parser::{Event, Parser};

use super::errors::{error, scan_error};
use super::node::key_text;
use super::scalar::resolve_scalar;
use super::spans::{alias_name, char_len_at, scalar_span, skip_props, CharMap};
use super::{Limits, Node, ParsedDoc, Span, Value, YamlError, YamlErrorKind};

#[derive(Default)]
pub(super) struct Output {
    pub(super) docs: Vec<ParsedDoc>,
    pub(super) errors: Vec<YamlError>,
    /// Documents started so far, across restarts.
    started: usize,
}

/// Parse `src[base..]`. Returns the byte offset to restart at when a document had to be
/// abandoned, `None` when the stream is finished (or ended by a syntax error).
pub(super) fn run(src: &str, base: usize, limits: &Limits, out: &mut Output) -> Option<usize> {
    let sub = &src[base..];
    let mut cm = CharMap::new(sub, base);
    let mut doc: Option<Doc> = None;
    for item in Parser::new_from_str(sub) {
        let (ev, span) = match item {
            Ok(x) => x,
            Err(e) => {
                out.errors.push(scan_error(src, &mut cm, &e, limits));
                return None;
            }
        };
        let start = cm.byte(span.start.index());
        let end = cm.byte(span.end.index()).max(start);
        match ev {
            Event::Nothing | Event::StreamStart => {}
            Event::StreamEnd => return None,
            Event::DocumentStart(_) => {
                if out.started >= limits.max_documents {
                    out.errors.push(YamlError {
                        kind: YamlErrorKind::TooManyDocuments,
                        message: format!(
                            "more than {} yaml documents in one file",
                            limits.max_documents
                        ),
                        span: Span { start, end },
                        related: None,
                    });
                    return None;
                }
                out.started += 1;
                doc = Some(Doc::new(start, end, limits));
            }
            Event::DocumentEnd => {
                if let Some(Doc {
                    start,
                    root: Some(root),
                    ..
                }) = doc.take()
                {
                    let span = Span {
                        start: start.min(root.span.start),
                        end: root.span.end.max(start),
                    };
                    out.docs.push(ParsedDoc { root, span });
                }
            }
            ev => {
                if let Some(d) = doc.as_mut() {
                    if let Err(at) = d.event(ev, start, end, src, &mut out.errors) {
                        return next_document_start(src, at);
                    }
                }
            }
        }
    }
    None
}

/// The start of the first line after `from` that begins with a `---` document marker.
fn next_document_start(src: &str, from: usize) -> Option<usize> {
    let b = src.as_bytes();
    let mut i = from.min(b.len());
    loop {
        let nl = b[i..].iter().position(|&c| c == b'\n')?;
        i += nl + 1;
        if b[i..].starts_with(b"---")
            && matches!(b.get(i + 3), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
        {
            return Some(i);
        }
    }
}

/// An anchored node, cached for alias expansion.
struct Anchored {
    node: Node,
    /// Number of nodes in the subtree.
    size: usize,
    /// Collection nesting levels in the subtree (0 for a scalar).
    height: usize,
}

/// Builder state for one document.
struct Doc<'l> {
    start: usize,
    limits: &'l Limits,
    stack: Vec<Frame>,
    root: Option<Node>,
    anchors: HashMap<usize, Anchored>,
    alias_nodes: usize,
    /// End of the previous event, to find the `|`/`>` header of block scalars.
    prev_end: usize,
}

/// A collection under construction.
struct Frame {
    start: usize,
    /// Flow collections end at their closing bracket, block ones at their last child.
    flow: bool,
    anchor: usize,
    /// Nodes in the subtree so far (including this one).
    count: usize,
    /// Nesting levels in the subtree so far (including this one).
    height: usize,
    last_end: usize,
    kind: FrameKind,
}

enum FrameKind {
    Seq(Vec<Node>),
    Map(MapFrame),
}

struct MapFrame {
    entries: Vec<(Node, Node)>,
    pending: Pending,
    /// Hash of key text -> entry index, built once the map is large.
    index: Option<HashMap<u64, usize>>,
}

enum Pending {
    /// The next node is a key.
    Key,
    /// The next node is the value for this key (and the key's subtree size).
    Value(Node, usize),
    /// The next node is the value of a rejected entry.
    Skip,
}

const MAP_INDEX_THRESHOLD: usize = 16;

fn hash_key(s: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

impl MapFrame {
    /// Index of the entry whose key has the same text as `key`.
    fn find(&self, key: &Value) -> Option<usize> {
        let text = key_text(key);
        let linear = || {
            self.entries
                .iter()
                .position(|(k, _)| key_text(&k.value) == text)
        };
        match &self.index {
            None => linear(),
            Some(index) => match index.get(&hash_key(&text)) {
                None => None,
                Some(&i) if key_text(&self.entries[i].0.value) == text => Some(i),
                Some(_) => linear(), // hash collision
            },
        }
    }

    fn insert(&mut self, key: Node, value: Node) {
        self.entries.push((key, value));
        let n = self.entries.len();
        if let Some(index) = &mut self.index {
            index
                .entry(hash_key(&key_text(&self.entries[n - 1].0.value)))
                .or_insert(n - 1);
        } else if n > MAP_INDEX_THRESHOLD {
            let mut index = HashMap::with_capacity(n * 2);
            for (i, (k, _)) in self.entries.iter().enumerate() {
                index.entry(hash_key(&key_text(&k.value))).or_insert(i);
            }
            self.index = Some(index);
        }
    }
}

impl<'l> Doc<'l> {
    fn new(start: usize, end: usize, limits: &'l Limits) -> Self {
        Doc {
            start,
            limits,
            stack: Vec::new(),
            root: None,
            anchors: HashMap::new(),
            alias_nodes: 0,
            prev_end: end,
        }
    }

    /// Handle one node event. `Err(pos)` means the document was abandoned (error recorded).
    fn event(
        &mut self,
        ev: Event<'_>,
        start: usize,
        end: usize,
        src: &str,
        errors: &mut Vec<YamlError>,
    ) -> Result<(), usize> {
        let is_map = matches!(ev, Event::MappingStart(..));
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                let has_props = anchor != 0 || tag.is_some();
                let span = scalar_span(
                    src,
                    start,
                    end,
                    self.prev_end,
                    style,
                    has_props,
                    text.is_empty(),
                );
                let value = resolve_scalar(text, style, tag.as_deref());
                let node = Node { value, span };
                self.prev_end = span.end.max(self.prev_end);
                if anchor != 0 {
                    self.anchors.insert(
                        anchor,
                        Anchored {
                            node: node.clone(),
                            size: 1,
                            height: 0,
                        },
                    );
                }
                self.attach(node, 1, 0, errors);
                Ok(())
            }
            Event::Alias(id) => {
                let span = Span { start, end };
                self.prev_end = end;
                let Some(a) = self.anchors.get(&id) else {
                    // saphyr resolves anchor names across documents; YAML does not.
                    let (name, _) = alias_name(src, start);
                    errors.push(error(
                        YamlErrorKind::Syntax,
                        format!("undefined alias `{name}`"),
                        span,
                    ));
                    return Err(start);
                };
                if self.stack.len() + a.height > self.limits.max_depth {
                    errors.push(self.too_deep(span));
                    return Err(start);
                }
                if self.alias_nodes.saturating_add(a.size) > self.limits.max_alias_nodes {
                    errors.push(error(
                        YamlErrorKind::AliasLimit,
                        format!(
                            "yaml aliases expand to more than {} nodes",
                            self.limits.max_alias_nodes
                        ),
                        span,
                    ));
                    return Err(start);
                }
                self.alias_nodes += a.size;
                let (size, height) = (a.size, a.height);
                let mut node = a.node.clone();
                node.span = span;
                self.attach(node, size, height, errors);
                Ok(())
            }
            Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag) => {
                let s = if anchor != 0 || tag.is_some() {
                    skip_props(src.as_bytes(), start, end)
                } else {
                    start
                };
                if self.stack.len() >= self.limits.max_depth {
                    let span = Span {
                        start: s,
                        end: s + char_len_at(src, s),
                    };
                    errors.push(self.too_deep(span));
                    return Err(s);
                }
                self.prev_end = end;
                let kind = if is_map {
                    FrameKind::Map(MapFrame {
                        entries: Vec::new(),
                        pending: Pending::Key,
                        index: None,
                    })
                } else {
                    FrameKind::Seq(Vec::new())
                };
                self.stack.push(Frame {
                    start: s,
                    flow: matches!(src.as_bytes().get(s), Some(b'[' | b'{')),
                    anchor,
                    count: 1,
                    height: 1,
                    last_end: end.max(s),
                    kind,
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                self.prev_end = end;
                let Some(f) = self.stack.pop() else {
                    return Ok(());
                };
                let end = if f.flow {
                    end.max(f.last_end)
                } else {
                    f.last_end
                };
                // Without spare capacity: the trees of every file stay in memory until the end.
                let value = match f.kind {
                    FrameKind::Seq(mut items) => {
                        items.shrink_to_fit();
                        Value::Seq(items)
                    }
                    FrameKind::Map(mut m) => {
                        m.entries.shrink_to_fit();
                        Value::Map(m.entries)
                    }
                };
                let node = Node {
                    value,
                    span: Span {
                        start: f.start,
                        end,
                    },
                };
                if f.anchor != 0 {
                    self.anchors.insert(
                        f.anchor,
                        Anchored {
                            node: node.clone(),
                            size: f.count,
                            height: f.height,
                        },
                    );
                }
                self.attach(node, f.count, f.height, errors);
                Ok(())
            }
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd => Ok(()),
        }
    }

    fn too_deep(&self, span: Span) -> YamlError {
        error(
            YamlErrorKind::TooDeep,
            format!(
                "yaml nesting is deeper than {} levels",
                self.limits.max_depth
            ),
            span,
        )
    }

    /// Put a finished node (with `count` nodes and `height` levels) into its parent.
    fn attach(&mut self, node: Node, count: usize, height: usize, errors: &mut Vec<YamlError>) {
        let Some(f) = self.stack.last_mut() else {
            self.root = Some(node);
            return;
        };
        f.last_end = f.last_end.max(node.span.end);
        match &mut f.kind {
            FrameKind::Seq(items) => {
                f.count += count;
                f.height = f.height.max(height + 1);
                items.push(node);
            }
            FrameKind::Map(m) => match std::mem::replace(&mut m.pending, Pending::Key) {
                Pending::Key => {
                    m.pending = match &node.value {
                        Value::Seq(_) | Value::Map(_) => {
                            let what = if matches!(node.value, Value::Seq(_)) {
                                "a sequence"
                            } else {
                                "a mapping"
                            };
                            errors.push(error(
                                YamlErrorKind::UnsupportedKey,
                                format!("{what} cannot be used as a mapping key"),
                                node.span,
                            ));
                            Pending::Skip
                        }
                        key => match m.find(key) {
                            Some(first) => {
                                let mut e = error(
                                    YamlErrorKind::DuplicateKey,
                                    format!("duplicate key `{}`", key_text(key)),
                                    node.span,
                                );
                                e.related = Some((
                                    m.entries[first].0.span,
                                    "first defined here".to_string(),
                                ));
                                errors.push(e);
                                Pending::Skip
                            }
                            None => Pending::Value(node, count),
                        },
                    };
                }
                Pending::Value(key, key_count) => {
                    f.count += key_count + count;
                    f.height = f.height.max(height + 1);
                    m.insert(key, node);
                }
                Pending::Skip => {}
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::super::*;

    #[test]
    fn multi_document_positions() {
        let src = "a: 1\n---\nb: 2\n--- # third\n# c\nc: [3]\n...\n";
        let (docs, errors) = parse(src);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(docs.len(), 3);
        assert_eq!(text(src, docs[0].span), "a: 1");
        assert_eq!(text(src, docs[1].span), "---\nb: 2");
        assert!(text(src, docs[2].span).starts_with("--- # third"));
        let b = docs[1].root.get("b").unwrap();
        assert_eq!(lc(src, b.span.start), (3, 4));
        let three = docs[2].root.at_pointer("/c/0").unwrap();
        assert_eq!(
            (text(src, three.span), lc(src, three.span.start)),
            ("3", (6, 5))
        );
        // Only `---`, and two empty documents.
        let (docs, errors) = parse("---\n---\n");
        assert!(errors.is_empty());
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].root.value, Value::Null);
    }

    #[test]
    fn empty_and_comment_only_inputs() {
        for src in ["", "# just a comment\n", "\n\n", "  # c\n# d", "\r\n"] {
            let (docs, errors) = parse(src);
            assert!(docs.is_empty(), "{src:?}");
            assert!(errors.is_empty(), "{src:?}");
        }
        let (docs, errors) = parse("---");
        assert!(errors.is_empty());
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].root.to_json(), serde_json::Value::Null);
    }

    #[test]
    fn duplicate_keys() {
        let src = "a: 1\nb: 2\na: 3\n";
        let (docs, errors) = parse(src);
        assert_eq!(docs.len(), 1, "the document is kept");
        assert_eq!(errors.len(), 1);
        let e = &errors[0];
        assert_eq!(e.kind, YamlErrorKind::DuplicateKey);
        assert_eq!(e.message, "duplicate key `a`");
        assert_eq!(lc(src, e.span.start), (3, 1));
        assert_eq!(text(src, e.span), "a");
        let (first, label) = e.related.clone().unwrap();
        assert_eq!((lc(src, first.start), text(src, first)), ((1, 1), "a"));
        assert_eq!(label, "first defined here");
        assert_eq!(docs[0].root.to_json(), serde_json::json!({"a": 1, "b": 2}));

        // Flow style, and the same key written as a number and as a string.
        let src = "{x: 1, y: {1: a, '1': b}, x: 2}";
        let (docs, errors) = parse(src);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors.iter().all(|e| e.kind == YamlErrorKind::DuplicateKey));
        assert_eq!(errors[0].message, "duplicate key `1`");
        assert_eq!(text(src, errors[0].span), "'1'");
        assert_eq!(text(src, errors[1].span), "x");
        assert_eq!(text(src, errors[1].related.as_ref().unwrap().0), "x");
        assert_eq!(
            docs[0].root.to_json(),
            serde_json::json!({"x": 1, "y": {"1": "a"}})
        );

        // A large map uses the hash index.
        let mut src = String::new();
        for i in 0..100 {
            src.push_str(&format!("k{i}: {i}\n"));
        }
        src.push_str("k7: again\nk99: again\n");
        let (docs, errors) = parse(&src);
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].message, "duplicate key `k7`");
        assert_eq!(
            lc(&src, errors[0].related.as_ref().unwrap().0.start),
            (8, 1)
        );
        assert_eq!(errors[1].message, "duplicate key `k99`");
        assert_eq!(docs[0].root.get("k7").unwrap().value, Value::Int(7));
    }

    #[test]
    fn unsupported_keys() {
        let src = "? [a]\n: v\n? {b: 1}\n: w\nc: 1\n";
        let (docs, errors) = parse(src);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(errors[0].kind, YamlErrorKind::UnsupportedKey);
        assert_eq!(text(src, errors[0].span), "[a]");
        assert_eq!(
            errors[0].message,
            "a sequence cannot be used as a mapping key"
        );
        assert_eq!(
            errors[1].message,
            "a mapping cannot be used as a mapping key"
        );
        assert_eq!(lc(src, errors[1].span.start), (3, 3));
        assert_eq!(docs[0].root.to_json(), serde_json::json!({"c": 1}));
    }

    #[test]
    fn aliases_expand_with_spans() {
        let src = "base: &b {x: 1, y: [2]}\nuse: *b\nscalar: &s hello\nagain: *s\n<<: *b\n";
        let root = ok(src);
        assert_eq!(
            root.to_json(),
            serde_json::json!({
                "base": {"x": 1, "y": [2]},
                "use": {"x": 1, "y": [2]},
                "scalar": "hello",
                "again": "hello",
                "<<": {"x": 1, "y": [2]},
            })
        );
        let scalars = ok("1: a\ntrue: 2.5\nnull: ~\n.nan: x\nf: -1e3\nb: false\n");
        assert_eq!(
            scalars.into_json(),
            serde_json::json!({"1": "a", "true": 2.5, "null": null, ".nan": "x", "f": -1000.0, "b": false})
        );
        let base = node(&root, "/base");
        assert_eq!(text(src, base.span), "{x: 1, y: [2]}");
        let used = node(&root, "/use");
        assert_eq!(text(src, used.span), "*b");
        assert_eq!(lc(src, used.span.start), (2, 6));
        // Inside the copy, the anchored node's spans.
        assert_eq!(node(&root, "/use/x").span, node(&root, "/base/x").span);
        assert_eq!(text(src, node(&root, "/scalar").span), "hello");
        assert_eq!(text(src, node(&root, "/again").span), "*s");
        // Anchors on block collections and empty nodes.
        let src = "a: &m\n  k: v\nb: *m\nc: &e\nd: *e\n";
        let root = ok(src);
        assert_eq!(text(src, node(&root, "/a").span), "k: v");
        assert_eq!(node(&root, "/b").to_json(), serde_json::json!({"k": "v"}));
        assert_eq!(node(&root, "/d").value, Value::Null);
    }

    #[test]
    fn undefined_aliases() {
        let src = "a: *nope\n";
        let e = only_error(src);
        assert_eq!(e.kind, YamlErrorKind::Syntax);
        assert_eq!(e.message, "undefined alias `nope`");
        assert_eq!(text(src, e.span), "*nope");
        // Anchors do not cross documents; the failing document is dropped, the next one parses.
        let src = "a: &x 1\n---\nb: *x\n---\nc: 2\n";
        let (docs, errors) = parse(src);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].message, "undefined alias `x`");
        assert_eq!(lc(src, errors[0].span.start), (3, 4));
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].root.to_json(), serde_json::json!({"c": 2}));
    }

    fn alias_bomb() -> String {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            s.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        s
    }

    #[test]
    fn alias_bomb_stops_at_the_alias_limit() {
        let src = alias_bomb();
        let (docs, errors) = parse(&src);
        assert!(docs.is_empty());
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].kind, YamlErrorKind::AliasLimit);
        assert_eq!(
            errors[0].message,
            "yaml aliases expand to more than 100000 nodes"
        );
        assert_eq!(text(&src, errors[0].span), "*a3");
        // A small limit applies to a small document too.
        let limits = Limits {
            max_alias_nodes: 5,
            ..Limits::default()
        };
        let (_, errors) = parse_documents("a: &a [1, 2, 3]\nb: *a\nc: *a\n", &limits);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].kind, YamlErrorKind::AliasLimit);
    }

    #[test]
    fn deep_flow_nesting_is_too_deep_without_overflow() {
        for open in ["[", "{"] {
            let src = open.repeat(200_000);
            let (docs, errors) = parse(&src);
            assert!(docs.is_empty());
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!(errors[0].kind, YamlErrorKind::TooDeep);
        }
        // Within saphyr's own flow limit (255): our limit, at the 65th bracket.
        let src = format!("{}{}", "[".repeat(100), "]".repeat(100));
        let e = only_error(&src);
        assert_eq!(e.kind, YamlErrorKind::TooDeep);
        assert_eq!(e.message, "yaml nesting is deeper than 64 levels");
        assert_eq!(e.span, Span { start: 64, end: 65 });
        // Exactly at the limit is fine.
        let src = format!("{}{}", "[".repeat(64), "]".repeat(64));
        ok(&src);
        // Aliases count towards depth too.
        let src = format!("a: &a {}{}\nb: [*a]\n", "[".repeat(63), "]".repeat(63));
        let e = only_error(&src);
        assert_eq!(e.kind, YamlErrorKind::TooDeep);
        assert_eq!(text(&src, e.span), "*a");
    }

    #[test]
    fn deep_block_nesting_is_too_deep_without_overflow() {
        let src = format!("{}x\n---\nok: 1\n", "- ".repeat(200_000));
        let (docs, errors) = parse(&src);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].kind, YamlErrorKind::TooDeep);
        assert_eq!(lc(&src, errors[0].span.start), (1, 129)); // the 65th `-`
                                                              // Parsing resumes with the next document.
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].root.to_json(), serde_json::json!({"ok": 1}));

        let mut src = String::new();
        for i in 0..2_000 {
            src.push_str(&" ".repeat(i));
            src.push_str("a:\n");
        }
        let e = only_error(&src);
        assert_eq!(e.kind, YamlErrorKind::TooDeep);
        assert_eq!(lc(&src, e.span.start), (65, 65));
    }

    #[test]
    fn too_many_documents() {
        let limits = Limits {
            max_documents: 2,
            ..Limits::default()
        };
        let src = "a\n---\nb\n---\nc\n---\nd\n";
        let (docs, errors) = parse_documents(src, &limits);
        assert_eq!(docs.len(), 2);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].kind, YamlErrorKind::TooManyDocuments);
        assert_eq!(errors[0].message, "more than 2 yaml documents in one file");
        assert_eq!(lc(src, errors[0].span.start), (4, 1));
    }
}
