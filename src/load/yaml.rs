//! YAML front end that keeps exact source positions.
//!
//! Built on `saphyr-parser`'s event stream (an iterative state machine, so nesting cannot
//! overflow our stack), turned into a small [`Node`] tree whose every node carries the byte
//! [`Span`] of its text in the source. The tree builder is iterative too (explicit stack).
//!
//! Semantics, in short:
//! - Plain scalars resolve with the YAML 1.2 core schema; quoted and block scalars are strings;
//!   `!!str`, `!!int`, `!!float`, `!!bool`, `!!null` are honoured, any other tag leaves a string.
//! - Duplicate keys are errors (the first entry is kept), non-scalar keys are errors.
//! - Aliases are expanded by cloning the anchored node; the expansion is counted as it happens
//!   (each anchor caches its subtree size and height) so alias bombs stop in O(1) per alias.
//! - Merge keys (`<<`) get no special treatment: `<<` is an ordinary key, and `<<: *base` is
//!   simply a key whose value is a copy of `base`.
//! - A document that hits a limit (`TooDeep`, `AliasLimit`) or an undefined alias is dropped and
//!   parsing resumes at the next line starting with `---`. A syntax error ends the file: it is
//!   reported once and the documents completed before it are returned.
//!
//! Positions: saphyr's markers count characters; they are converted to byte offsets here.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Tag};

/// Byte offsets into the source `str` (end exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

impl Node {
    /// Convert to JSON (a copy; see [`Node::into_json`]).
    pub fn to_json(&self) -> serde_json::Value {
        self.clone().into_json()
    }

    /// Convert to JSON, moving the strings. Map keys: strings as is; other scalar keys
    /// stringified. Non-finite floats -> null.
    pub fn into_json(self) -> serde_json::Value {
        use serde_json::Value as J;
        match self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(b),
            Value::Int(i) => J::from(i),
            Value::Float(f) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s),
            Value::Seq(items) => J::Array(items.into_iter().map(Node::into_json).collect()),
            Value::Map(entries) => {
                let mut m = serde_json::Map::with_capacity(entries.len());
                for (k, v) in entries {
                    let key = match k.value {
                        Value::Str(s) => s,
                        other => key_text(&other).into_owned(),
                    };
                    m.insert(key, v.into_json());
                }
                J::Object(m)
            }
        }
    }

    /// The node at an RFC 6901 JSON pointer ("" is self; "/spec/grants/0/fields"; handles ~0 ~1 escapes).
    pub fn at_pointer(&self, pointer: &str) -> Option<&Node> {
        if pointer.is_empty() {
            return Some(self);
        }
        let rest = pointer.strip_prefix('/')?;
        let mut node = self;
        for tok in rest.split('/') {
            node = node.child(&unescape_pointer(tok))?;
        }
        Some(node)
    }

    /// For a pointer to a map entry, the KEY node (e.g. to point at an unknown key). None for the root or sequence items.
    pub fn key_at_pointer(&self, pointer: &str) -> Option<&Node> {
        let rest = pointer.strip_prefix('/')?;
        let (parent, last) = match rest.rfind('/') {
            Some(i) => (&pointer[..=i], &rest[i + 1..]),
            None => ("", rest),
        };
        let parent = self.at_pointer(parent)?;
        let last = unescape_pointer(last);
        match &parent.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| key_matches(k, &last))
                .map(|(k, _)| k),
            _ => None,
        }
    }

    /// Map lookup by string key.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| key_matches(k, key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// One step of a JSON pointer: map key or sequence index.
    fn child(&self, tok: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(_) => self.get(tok),
            Value::Seq(items) => items.get(parse_pointer_index(tok)?),
            _ => None,
        }
    }
}

/// RFC 6901 unescaping: `~1` is `/`, `~0` is `~` (in that order).
fn unescape_pointer(tok: &str) -> Cow<'_, str> {
    if tok.contains('~') {
        Cow::Owned(tok.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(tok)
    }
}

/// RFC 6901 array index: `0` or a decimal without leading zeros.
fn parse_pointer_index(tok: &str) -> Option<usize> {
    if tok.is_empty()
        || !tok.bytes().all(|b| b.is_ascii_digit())
        || (tok.len() > 1 && tok.starts_with('0'))
    {
        return None;
    }
    tok.parse().ok()
}

fn key_matches(key: &Node, s: &str) -> bool {
    match &key.value {
        Value::Str(k) => k == s,
        other => key_text(other) == s,
    }
}

/// The string form of a map key, as used by `to_json`, lookups and duplicate detection.
fn key_text(v: &Value) -> Cow<'_, str> {
    match v {
        Value::Str(s) => Cow::Borrowed(s),
        Value::Null => Cow::Borrowed("null"),
        Value::Bool(true) => Cow::Borrowed("true"),
        Value::Bool(false) => Cow::Borrowed("false"),
        Value::Int(i) => Cow::Owned(i.to_string()),
        Value::Float(f) if f.is_nan() => Cow::Borrowed(".nan"),
        Value::Float(f) if f.is_infinite() => {
            Cow::Borrowed(if *f > 0.0 { ".inf" } else { "-.inf" })
        }
        Value::Float(f) => Cow::Owned(f.to_string()),
        // Never produced by the parser (such keys are rejected); JSON text for hand-built trees.
        Value::Seq(_) | Value::Map(_) => {
            let n = Node {
                value: v.clone(),
                span: Span::default(),
            };
            Cow::Owned(n.to_json().to_string())
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_depth: usize,
    pub max_alias_nodes: usize,
    pub max_documents: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 64,
            max_alias_nodes: 100_000,
            max_documents: 1_000,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YamlErrorKind {
    Syntax,
    DuplicateKey,
    TooDeep,
    AliasLimit,
    TooManyDocuments,
    UnsupportedKey,
}

#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub kind: YamlErrorKind,
    /// lowercase, user input in backticks, no trailing period. e.g. "duplicate key `name`"
    pub message: String,
    pub span: Span,
    /// e.g. for a duplicate key: the first occurrence
    pub related: Option<(Span, String)>,
}

/// One entry per `---` document.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedDoc {
    pub root: Node,
    pub span: Span,
}

/// Parse every document of a YAML stream.
///
/// One entry per `---` document. Documents with duplicate or unsupported keys are returned
/// (with the offending entries left out). A document stopped by a limit or an undefined alias is
/// not returned; parsing resumes at the next `---` line. On a syntax error the whole file is one
/// error and the documents parsed before it are still returned. Empty input gives no document.
pub fn parse_documents(src: &str, limits: &Limits) -> (Vec<ParsedDoc>, Vec<YamlError>) {
    let mut out = Output::default();
    let mut base = 0;
    loop {
        // saphyr-parser is not known to panic, but a linter must survive any file: turn a
        // panic into an error for this file rather than taking the whole run down.
        let step = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run(src, base, limits, &mut out)
        }));
        match step {
            Ok(Some(next)) => base = next,
            Ok(None) => break,
            Err(_) => {
                out.errors.push(YamlError {
                    kind: YamlErrorKind::Syntax,
                    message: "internal error in the yaml parser".to_string(),
                    span: Span {
                        start: base,
                        end: base,
                    },
                    related: None,
                });
                break;
            }
        }
    }
    (out.docs, out.errors)
}

#[derive(Default)]
struct Output {
    docs: Vec<ParsedDoc>,
    errors: Vec<YamlError>,
    /// Documents started so far, across restarts.
    started: usize,
}

/// Parse `src[base..]`. Returns the byte offset to restart at when a document had to be
/// abandoned, `None` when the stream is finished (or ended by a syntax error).
fn run(src: &str, base: usize, limits: &Limits, out: &mut Output) -> Option<usize> {
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

/// Converts saphyr's character indices into byte offsets. Events arrive (almost) in source
/// order, so a cursor that walks forwards or backwards is amortised O(1); ASCII is the identity.
struct CharMap<'s> {
    src: &'s [u8],
    base: usize,
    ascii: bool,
    ci: usize,
    bi: usize,
}

impl<'s> CharMap<'s> {
    fn new(sub: &'s str, base: usize) -> Self {
        CharMap {
            src: sub.as_bytes(),
            base,
            ascii: sub.is_ascii(),
            ci: 0,
            bi: 0,
        }
    }

    fn byte(&mut self, ci: usize) -> usize {
        if self.ascii {
            return self.base + ci.min(self.src.len());
        }
        while self.ci < ci && self.bi < self.src.len() {
            self.bi += utf8_width(self.src[self.bi]);
            self.ci += 1;
        }
        while self.ci > ci {
            self.bi -= 1;
            while self.bi > 0 && (self.src[self.bi] & 0xC0) == 0x80 {
                self.bi -= 1;
            }
            self.ci -= 1;
        }
        self.base + self.bi.min(self.src.len())
    }
}

fn utf8_width(lead: u8) -> usize {
    match lead {
        0..=0x7F => 1,
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        _ => 2,
    }
}

/// Byte length of the character at `pos` (0 at the end of input).
fn char_len_at(src: &str, pos: usize) -> usize {
    src.as_bytes().get(pos).map_or(0, |&b| utf8_width(b))
}

fn scan_error(src: &str, cm: &mut CharMap<'_>, e: &ScanError, limits: &Limits) -> YamlError {
    let pos = cm.byte(e.marker().index()).min(src.len());
    let mut span = Span {
        start: pos,
        end: pos + char_len_at(src, pos),
    };
    let (kind, message) = match e.info() {
        // saphyr caps flow nesting at 255 levels (and errors before emitting any event).
        "recursion limit exceeded" => (
            YamlErrorKind::TooDeep,
            format!(
                "yaml nesting is deeper than {} levels",
                limits.max_depth.min(255)
            ),
        ),
        "while parsing node, found unknown anchor" => {
            let (name, end) = alias_name(src, pos);
            span.end = span.end.max(end);
            (YamlErrorKind::Syntax, format!("undefined alias `{name}`"))
        }
        info => (YamlErrorKind::Syntax, clean_message(info)),
    };
    YamlError {
        kind,
        message,
        span,
        related: None,
    }
}

/// The name of the alias `*name` written at `pos`, and the byte offset just past it.
fn alias_name(src: &str, pos: usize) -> (&str, usize) {
    let b = src.as_bytes();
    if b.get(pos) != Some(&b'*') {
        return ("", pos);
    }
    let mut i = pos + 1;
    while i < b.len()
        && !matches!(
            b[i],
            b' ' | b'\t' | b'\r' | b'\n' | b',' | b'[' | b']' | b'{' | b'}'
        )
    {
        i += 1;
    }
    // The stop bytes are ASCII, so `i` is on a character boundary.
    (&src[pos + 1..i], i)
}

/// Normalise a saphyr message: "while X, Y" becomes "Y while X", quoted tokens are put in
/// backticks, text outside backticks is lowercased, no trailing period.
fn clean_message(info: &str) -> String {
    let info = info.trim().trim_end_matches('.');
    let reordered;
    let info = match info
        .strip_prefix("while ")
        .and_then(|rest| rest.split_once(", "))
    {
        Some((context, what)) => {
            reordered = format!("{what} while {context}");
            reordered.as_str()
        }
        None => info,
    };
    let chars: Vec<char> = info.chars().collect();
    let mut out = String::with_capacity(info.len() + 4);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        // `x' (saphyr's quoting of user input) or `x`: copy verbatim, with backticks.
        if c == '`' {
            let rest = &chars[i + 1..];
            if let Some(len) = rest
                .iter()
                .position(|&d| d == '\'')
                .or_else(|| rest.iter().position(|&d| d == '`'))
            {
                let quoted = &rest[..len];
                if quoted.contains(&'`') {
                    out.push_str("`` ");
                    out.extend(quoted);
                    out.push_str(" ``");
                } else {
                    out.push('`');
                    out.extend(quoted);
                    out.push('`');
                }
                i += len + 2;
                continue;
            }
        }
        // 'x', ',' ... : short quoted tokens.
        if c == '\'' {
            if let Some(len) = chars[i + 1..].iter().take(4).position(|&d| d == '\'') {
                if len > 0 {
                    out.push('`');
                    out.extend(&chars[i + 1..i + 1 + len]);
                    out.push('`');
                    i += len + 2;
                    continue;
                }
            }
        }
        out.extend(c.to_lowercase());
        i += 1;
    }
    out.replace(": `", " `")
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

fn error(kind: YamlErrorKind, message: String, span: Span) -> YamlError {
    YamlError {
        kind,
        message,
        span,
        related: None,
    }
}

/// Skip node properties (`&anchor`, `!tag`, `!<verbatim>`) and the whitespace/comments after
/// them, starting at `i`, never going past `end`.
fn skip_props(b: &[u8], mut i: usize, end: usize) -> usize {
    let end = end.min(b.len());
    loop {
        while i < end {
            match b[i] {
                b' ' | b'\t' | b'\r' | b'\n' => i += 1,
                b'#' => {
                    while i < end && b[i] != b'\n' {
                        i += 1;
                    }
                }
                _ => break,
            }
        }
        if i >= end || !matches!(b[i], b'&' | b'!') {
            return i;
        }
        if b[i] == b'!' && b.get(i + 1) == Some(&b'<') {
            while i < end && b[i] != b'>' {
                i += 1;
            }
            i = (i + 1).min(end);
        } else {
            while i < end
                && !matches!(
                    b[i],
                    b' ' | b'\t' | b'\r' | b'\n' | b',' | b'[' | b']' | b'{' | b'}'
                )
            {
                i += 1;
            }
        }
    }
}

/// The span of a scalar's own text. saphyr's scalar event spans start at the node's properties,
/// start block scalars at their first content line (after the `|`/`>` header) with the trailing
/// line breaks included, and can run past the closing quote of multi-line quoted scalars.
fn scalar_span(
    src: &str,
    start: usize,
    end: usize,
    prev_end: usize,
    style: ScalarStyle,
    has_props: bool,
    empty: bool,
) -> Span {
    let b = src.as_bytes();
    let mut s = start;
    if has_props {
        let t = skip_props(b, start, end);
        if t >= end {
            // An empty node with properties: point at the properties.
            return Span { start, end };
        }
        s = t;
    }
    match style {
        ScalarStyle::Plain if empty => Span { start: s, end: s },
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Span {
            start: s,
            end: quoted_end(b, s).unwrap_or(end),
        },
        ScalarStyle::Literal | ScalarStyle::Folded => {
            if !has_props {
                if let Some(p) = find_block_indicator(b, prev_end.min(s), s) {
                    s = p;
                }
            }
            let mut e = end.min(b.len());
            while e > s + 1 && matches!(b[e - 1], b' ' | b'\t' | b'\r' | b'\n') {
                e -= 1;
            }
            Span {
                start: s,
                end: e.max(s),
            }
        }
        _ => Span { start: s, end },
    }
}

/// End (exclusive) of the quoted scalar whose opening quote is at `s`.
fn quoted_end(b: &[u8], s: usize) -> Option<usize> {
    let q = *b.get(s)?;
    let mut i = s + 1;
    match q {
        b'"' => {
            while i < b.len() {
                match b[i] {
                    b'\\' => i += 2,
                    b'"' => return Some(i + 1),
                    _ => i += 1,
                }
            }
        }
        b'\'' => {
            while i < b.len() {
                if b[i] == b'\'' {
                    if b.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    return Some(i + 1);
                }
                i += 1;
            }
        }
        _ => {}
    }
    None
}

/// The `|` or `>` header indicator between the previous event and a block scalar's content.
fn find_block_indicator(b: &[u8], from: usize, to: usize) -> Option<usize> {
    let mut i = from;
    let to = to.min(b.len());
    while i < to {
        match b[i] {
            b'#' => {
                while i < to && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'|' | b'>' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// The scalar's text as an owned string without spare capacity: parse trees of large
/// repositories hold hundreds of thousands of scalars.
fn owned(text: Cow<'_, str>) -> String {
    let mut s = text.into_owned();
    s.shrink_to_fit();
    s
}

fn resolve_scalar(text: Cow<'_, str>, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    if let Some(tag) = tag {
        if !tag.is_yaml_core_schema() {
            return Value::Str(owned(text));
        }
        let s = text.as_ref();
        let resolved = match tag.suffix.as_str() {
            "null" => is_null(s).then_some(Value::Null),
            "bool" => parse_bool(s).map(Value::Bool),
            "int" => parse_int(s),
            "float" => parse_float(s).map(Value::Float).or_else(|| {
                parse_int(s).map(|v| match v {
                    #[allow(clippy::cast_precision_loss)]
                    Value::Int(i) => Value::Float(i as f64),
                    other => other,
                })
            }),
            _ => None,
        };
        return resolved.unwrap_or_else(|| Value::Str(owned(text)));
    }
    if !matches!(style, ScalarStyle::Plain) {
        return Value::Str(owned(text));
    }
    let s = text.as_ref();
    if is_null(s) {
        return Value::Null;
    }
    if let Some(b) = parse_bool(s) {
        return Value::Bool(b);
    }
    if matches!(s.as_bytes()[0], b'0'..=b'9' | b'+' | b'-' | b'.') {
        if let Some(v) = parse_int(s) {
            return v;
        }
        if let Some(f) = parse_float(s) {
            return Value::Float(f);
        }
    }
    Value::Str(owned(text))
}

fn is_null(s: &str) -> bool {
    matches!(s, "" | "~" | "null" | "Null" | "NULL")
}

fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// Core schema integers: `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`. Overflow gives a float.
fn parse_int(s: &str) -> Option<Value> {
    let radix_int = |digits: &str, radix: u32| -> Option<Value> {
        if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
            return None;
        }
        Some(match i64::from_str_radix(digits, radix) {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Float(digits.chars().fold(0.0, |acc, c| {
                acc * f64::from(radix) + f64::from(c.to_digit(radix).unwrap_or(0))
            })),
        })
    };
    if let Some(h) = s.strip_prefix("0x") {
        return radix_int(h, 16);
    }
    if let Some(o) = s.strip_prefix("0o") {
        return radix_int(o, 8);
    }
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match s.parse::<i64>() {
        Ok(i) => Some(Value::Int(i)),
        Err(_) => s.parse::<f64>().ok().map(Value::Float),
    }
}

/// Core schema floats: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, `[-+]?\.inf`,
/// `\.nan` (each special in three casings).
fn parse_float(s: &str) -> Option<f64> {
    match s {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let from = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - from
    };
    let int_digits = digits(&mut i);
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = digits(&mut i);
    }
    if int_digits == 0 && frac_digits == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::line_index::LineIndex;

    fn parse(src: &str) -> (Vec<ParsedDoc>, Vec<YamlError>) {
        parse_documents(src, &Limits::default())
    }

    /// Parse a single-document source that must be error free.
    fn ok(src: &str) -> Node {
        let (docs, errors) = parse(src);
        assert!(
            errors.is_empty(),
            "unexpected errors for {src:?}: {errors:?}"
        );
        assert_eq!(docs.len(), 1, "{src:?}");
        docs.into_iter().next().unwrap().root
    }

    fn text(src: &str, span: Span) -> &str {
        &src[span.start..span.end]
    }

    fn lc(src: &str, byte: usize) -> (usize, usize) {
        LineIndex::new(src).line_col(byte)
    }

    fn node<'a>(root: &'a Node, ptr: &str) -> &'a Node {
        root.at_pointer(ptr)
            .unwrap_or_else(|| panic!("no node at {ptr}"))
    }

    fn only_error(src: &str) -> YamlError {
        let (_, errors) = parse(src);
        assert_eq!(errors.len(), 1, "{src:?}: {errors:?}");
        errors.into_iter().next().unwrap()
    }

    #[test]
    fn block_positions() {
        let src = "kind: Agent\nspec:\n  grants:\n    - tool: \"db\"\n      fields: [a, 'b c']\n";
        let root = ok(src);
        let spec_key = root.key_at_pointer("/spec").unwrap();
        assert_eq!(text(src, spec_key.span), "spec");
        assert_eq!(lc(src, spec_key.span.start), (2, 1));
        let grants_key = root.key_at_pointer("/spec/grants").unwrap();
        assert_eq!(lc(src, grants_key.span.start), (3, 3));
        let tool = node(&root, "/spec/grants/0/tool");
        assert_eq!(tool.as_str(), Some("db"));
        assert_eq!(text(src, tool.span), "\"db\"");
        assert_eq!(lc(src, tool.span.start), (4, 13));
        let b = node(&root, "/spec/grants/0/fields/1");
        assert_eq!(text(src, b.span), "'b c'");
        assert_eq!(lc(src, b.span.start), (5, 19));
        assert_eq!(
            text(src, node(&root, "/spec/grants/0/fields").span),
            "[a, 'b c']"
        );
        let item = node(&root, "/spec/grants/0");
        assert_eq!(
            text(src, item.span),
            "tool: \"db\"\n      fields: [a, 'b c']"
        );
        let seq = node(&root, "/spec/grants");
        assert_eq!(lc(src, seq.span.start), (4, 5));
        assert!(text(src, seq.span).starts_with("- tool"));
        assert!(text(src, seq.span).ends_with("'b c']"));
        assert_eq!(root.span.start, 0);
        assert_eq!(root.span.end, src.trim_end().len());
        let kind = root.get("kind").unwrap();
        assert_eq!(
            (text(src, kind.span), lc(src, kind.span.start)),
            ("Agent", (1, 7))
        );
    }

    #[test]
    fn flow_positions() {
        let src = "{a: [1, {b: c}], \"d\": x}\n";
        let root = ok(src);
        assert_eq!(text(src, root.span), "{a: [1, {b: c}], \"d\": x}");
        assert_eq!(text(src, node(&root, "/a").span), "[1, {b: c}]");
        assert_eq!(text(src, node(&root, "/a/1").span), "{b: c}");
        let c = node(&root, "/a/1/b");
        assert_eq!((text(src, c.span), lc(src, c.span.start)), ("c", (1, 13)));
        let d = root.key_at_pointer("/d").unwrap();
        assert_eq!(
            (text(src, d.span), lc(src, d.span.start)),
            ("\"d\"", (1, 18))
        );
        // A single-pair mapping inside a flow sequence.
        let src = "[a: b, c]";
        let root = ok(src);
        assert_eq!(text(src, node(&root, "/0").span), "a: b");
        assert_eq!(root.to_json(), serde_json::json!([{"a": "b"}, "c"]));
    }

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
    fn crlf_positions() {
        let src = "a: 1\r\nb:\r\n  - x\r\n  - \"y\"\r\nc: |\r\n  t\r\n  u\r\nd: e\r\n";
        let root = ok(src);
        let x = node(&root, "/b/0");
        assert_eq!((text(src, x.span), lc(src, x.span.start)), ("x", (3, 5)));
        let y = node(&root, "/b/1");
        assert_eq!(
            (text(src, y.span), lc(src, y.span.start)),
            ("\"y\"", (4, 5))
        );
        let c = node(&root, "/c");
        assert_eq!(c.as_str(), Some("t\nu\n"));
        assert_eq!(text(src, c.span), "|\r\n  t\r\n  u");
        let e = node(&root, "/d");
        assert_eq!((text(src, e.span), lc(src, e.span.start)), ("e", (8, 4)));
    }

    #[test]
    fn multibyte_positions_and_errors() {
        let src = "name: café ✓\nnote: \"日本\" # ✓✓\nlist: [é, ü]\n";
        let root = ok(src);
        let name = node(&root, "/name");
        assert_eq!(text(src, name.span), "café ✓");
        assert_eq!(name.as_str(), Some("café ✓"));
        let note = node(&root, "/note");
        assert_eq!(
            (text(src, note.span), lc(src, note.span.start)),
            ("\"日本\"", (2, 7))
        );
        let u = node(&root, "/list/1");
        assert_eq!((text(src, u.span), lc(src, u.span.start)), ("ü", (3, 11)));

        let src = "a: café ✓\nb: \"✓\"\nc: x: y\n";
        let e = only_error(src);
        assert_eq!(e.kind, YamlErrorKind::Syntax);
        assert_eq!(e.message, "mapping values are not allowed in this context");
        assert_eq!(lc(src, e.span.start), (3, 5));
        assert_eq!(text(src, e.span), ":");
    }

    #[test]
    fn bom_is_accepted() {
        let src = "\u{feff}a: 1\n";
        let root = ok(src);
        let a = root.key_at_pointer("/a").unwrap();
        assert_eq!((text(src, a.span), lc(src, a.span.start)), ("a", (1, 1)));
        let (docs, errors) = parse("\u{feff}");
        assert!(docs.is_empty() && errors.is_empty());
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
    fn syntax_errors() {
        let cases = [
            (
                "a: 'unterminated\n",
                (1, 4),
                "found unexpected end of stream while scanning a quoted scalar",
            ),
            (
                "a:\n  b: 1\n c: 2\n",
                (3, 2),
                "did not find expected key while parsing a block mapping",
            ),
            (
                "a: b: c\n",
                (1, 5),
                "mapping values are not allowed in this context",
            ),
            (
                "{a: 1\n",
                (2, 1),
                "did not find expected `,` or `}` while parsing a flow mapping",
            ),
            (
                "- a\nb: 1\n",
                (2, 1),
                "did not find expected `-` indicator while parsing a block collection",
            ),
            ("key: [a, b]]\n", (1, 12), "misplaced bracket"),
            ("a: @x\n", (1, 4), "unexpected character `@`"),
        ];
        for (src, pos, msg) in cases {
            let (docs, errors) = parse(src);
            assert!(docs.is_empty(), "{src:?}");
            assert_eq!(errors.len(), 1, "{src:?}");
            let e = &errors[0];
            assert_eq!(e.kind, YamlErrorKind::Syntax, "{src:?}");
            assert_eq!(lc(src, e.span.start), pos, "{src:?}");
            assert_eq!(e.message, msg, "{src:?}");
            assert!(e.span.end - e.span.start <= 1, "{src:?}");
        }
        // Documents before the error are kept.
        let src = "a: 1\n---\nb: [\n---\nc: 2\n";
        let (docs, errors) = parse(src);
        assert_eq!(docs.len(), 1);
        assert_eq!(errors.len(), 1);
        assert_eq!(lc(src, errors[0].span.start), (4, 1));
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

    #[test]
    fn scalar_spans() {
        let src = "a: &x !!str 12\nk: |\n  line1\n  line2\n\nf: >- # note\n  folded\nq: \"x\n  y\"  # z\ns: 'it''s'\ne:\nl:\n- |\n  p\n- |+\n  q\n\n";
        let root = ok(src);
        assert_eq!(text(src, node(&root, "/a").span), "12");
        assert_eq!(text(src, node(&root, "/k").span), "|\n  line1\n  line2");
        assert_eq!(text(src, node(&root, "/f").span), ">- # note\n  folded");
        assert_eq!(text(src, node(&root, "/q").span), "\"x\n  y\"");
        assert_eq!(text(src, node(&root, "/s").span), "'it''s'");
        assert_eq!(node(&root, "/s").as_str(), Some("it's"));
        let e = node(&root, "/e");
        assert_eq!(e.value, Value::Null);
        assert_eq!(e.span.start, e.span.end);
        assert_eq!(text(src, node(&root, "/l/0").span), "|\n  p");
        assert_eq!(text(src, node(&root, "/l/1").span), "|+\n  q");
        assert_eq!(node(&root, "/l/1").as_str(), Some("q\n\n"));
    }

    #[test]
    fn core_schema_scalars() {
        use Value::*;
        let cases: Vec<(&str, Value)> = vec![
            ("null", Null),
            ("Null", Null),
            ("NULL", Null),
            ("~", Null),
            ("", Null),
            ("true", Bool(true)),
            ("True", Bool(true)),
            ("TRUE", Bool(true)),
            ("false", Bool(false)),
            ("FALSE", Bool(false)),
            ("yes", Str("yes".into())),
            ("-12", Int(-12)),
            ("+3", Int(3)),
            ("012", Int(12)),
            ("0x1F", Int(31)),
            ("0o17", Int(15)),
            ("9223372036854775807", Int(i64::MAX)),
            ("99999999999999999999", Float(1e20)),
            (
                "0xFFFFFFFFFFFFFFFFFF",
                Float(4_722_366_482_869_645_213_696.0),
            ),
            ("1.5", Float(1.5)),
            (".5", Float(0.5)),
            ("-.5", Float(-0.5)),
            ("1.", Float(1.0)),
            ("1e3", Float(1000.0)),
            ("1.5E-2", Float(0.015)),
            (".inf", Float(f64::INFINITY)),
            ("-.Inf", Float(f64::NEG_INFINITY)),
            ("2026-11-01", Str("2026-11-01".into())),
            ("1_000", Str("1_000".into())),
            ("0x", Str("0x".into())),
            ("-a", Str("-a".into())),
            ("+", Str("+".into())),
            ("+.", Str("+.".into())),
            ("1e", Str("1e".into())),
            ("inf", Str("inf".into())),
            ("12:30", Str("12:30".into())),
            ("hello world", Str("hello world".into())),
        ];
        for (plain, expected) in cases {
            let src = format!("v: {plain}\n");
            let root = ok(&src);
            assert_eq!(node(&root, "/v").value, expected, "{plain:?}");
        }
        let root = ok("v: .nan\n");
        assert!(matches!(node(&root, "/v").value, Float(f) if f.is_nan()));
        let tagged: Vec<(&str, Value)> = vec![
            ("'true'", Str("true".into())),
            ("\"12\"", Str("12".into())),
            ("|\n  12", Str("12\n".into())),
            ("!!str 12", Str("12".into())),
            ("!!str true", Str("true".into())),
            ("!!int \"12\"", Int(12)),
            ("!!float 1", Float(1.0)),
            ("!!float '2.5'", Float(2.5)),
            ("!!bool 'true'", Bool(true)),
            ("!!null ''", Null),
            ("!!int abc", Str("abc".into())),
            ("!custom 12", Str("12".into())),
            ("!!timestamp 2026-11-01", Str("2026-11-01".into())),
        ];
        for (written, expected) in tagged {
            let src = format!("v: {written}\n");
            let root = ok(&src);
            assert_eq!(node(&root, "/v").value, expected, "{written:?}");
        }
    }

    #[test]
    fn to_json_and_pointers() {
        let src = "a/b: {c~d: 1}\nlist: [x, y]\n1: one\nn: [true, null, 1.5, .inf, \"s\"]\n";
        let root = ok(src);
        assert_eq!(
            root.to_json(),
            serde_json::json!({
                "a/b": {"c~d": 1},
                "list": ["x", "y"],
                "1": "one",
                "n": [true, null, 1.5, null, "s"],
            })
        );
        // Key order is preserved.
        let keys: Vec<String> = root
            .to_json()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["a/b", "list", "1", "n"]);
        assert_eq!(root.at_pointer("").unwrap(), &root);
        assert_eq!(root.at_pointer("/a~1b/c~0d").unwrap().value, Value::Int(1));
        assert_eq!(text(src, root.key_at_pointer("/a~1b").unwrap().span), "a/b");
        assert_eq!(
            text(src, root.key_at_pointer("/a~1b/c~0d").unwrap().span),
            "c~d"
        );
        assert_eq!(root.at_pointer("/list/1").unwrap().as_str(), Some("y"));
        assert_eq!(root.at_pointer("/1").unwrap().as_str(), Some("one"));
        assert_eq!(text(src, root.key_at_pointer("/1").unwrap().span), "1");
        assert!(root.key_at_pointer("").is_none());
        assert!(root.key_at_pointer("/list/0").is_none());
        assert!(root.at_pointer("/list/01").is_none());
        assert!(root.at_pointer("/list/-").is_none());
        assert!(root.at_pointer("/list/2").is_none());
        assert!(root.at_pointer("list").is_none());
        assert!(root.at_pointer("/nope").is_none());
        assert!(root.at_pointer("/list/0/deeper").is_none());
        assert_eq!(
            root.get("list").unwrap().at_pointer("/0").unwrap().as_str(),
            Some("x")
        );
        assert!(root.get("zzz").is_none());
        assert!(node(&root, "/list").get("0").is_none());
        assert_eq!(node(&root, "/list").as_str(), None);
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        let inputs = [
            "\t",
            "a:\tb",
            ":",
            "-",
            "- ",
            "'",
            "\"",
            "[",
            "]",
            "{",
            "}",
            "&",
            "*",
            "!",
            "|",
            ">",
            "? ",
            "%YAML 1.2",
            "%YAML 1.2\n%YAML 1.2\n---\n",
            "...",
            "\r",
            "a: 1\r",
            "a: 1\r\n\r\n",
            "\u{feff}\u{feff}",
            "a: \u{feff}",
            "--- |\n  x\n",
            "-\t-",
            "? - a\n  - b\n: c",
            "\0",
            "a: \u{7}",
            "x: !<tag:a b",
            "&a &b c",
            "!a !b c",
            "*a: 1",
            "[*a]",
            "{? a}",
            "a: |0\n",
            "a: |-9\n",
            "--- >\n\ta",
            "\"\\x4",
            "'''",
            "\"\\U0011FFFF\"",
            "[a, b]: c",
        ];
        for src in inputs {
            let (docs, errors) = parse(src);
            check_spans(src, &docs, &errors);
        }
    }

    /// Every span is inside the source, on character boundaries, and no internal error happened.
    fn check_spans(src: &str, docs: &[ParsedDoc], errors: &[YamlError]) {
        let check = |span: Span| {
            assert!(
                span.start <= span.end && span.end <= src.len(),
                "{span:?} in {src:?}"
            );
            assert!(
                src.is_char_boundary(span.start) && src.is_char_boundary(span.end),
                "{span:?} in {src:?}"
            );
        };
        fn walk(n: &Node, check: &dyn Fn(Span)) {
            check(n.span);
            match &n.value {
                Value::Seq(items) => items.iter().for_each(|i| walk(i, check)),
                Value::Map(entries) => entries.iter().for_each(|(k, v)| {
                    walk(k, check);
                    walk(v, check);
                }),
                _ => {}
            }
        }
        for d in docs {
            check(d.span);
            walk(&d.root, &check);
            let _ = d.root.to_json();
        }
        for e in errors {
            check(e.span);
            if let Some((s, _)) = &e.related {
                check(*s);
            }
            assert_ne!(
                e.message, "internal error in the yaml parser",
                "panic on {src:?}"
            );
            assert!(!e.message.ends_with('.'), "{}", e.message);
        }
    }

    struct XorShift(u64);
    impl XorShift {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn never_panics_on_random_input() {
        const SIGNIFICANT: &[u8] = b"-:?[]{},#&*!|>'\"%@` \t\r\n\n\n  ab01.~\\";
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        for _ in 0..2_000 {
            let len = rng.below(80);
            let mut bytes = Vec::with_capacity(len);
            for _ in 0..len {
                let b = match rng.below(4) {
                    0 => rng.next() as u8,
                    _ => SIGNIFICANT[rng.below(SIGNIFICANT.len())],
                };
                bytes.push(b);
            }
            let src = String::from_utf8_lossy(&bytes);
            let (docs, errors) = parse(&src);
            check_spans(&src, &docs, &errors);
        }

        let valid = "apiVersion: v1\nkind: Agent # c\nmetadata:\n  name: café ✓\n  labels: {team: a, tier: \"1\"}\nspec:\n  grants:\n    - tool: db\n      fields: [a, 'b c']\n      note: |\n        text\n    - &g {tool: x}\n    - *g\n---\nb: [1, 2.5, ~, true]\n";
        ok_multi(valid);
        const SNIPPETS: &[&str] = &[
            "-", ":", " ", "\n", "\t", "[", "]", "{", "}", ",", "'", "\"", "#", "&x", "*x", "*g",
            "!!str", "|", ">", "---\n", "...\n", "? ", "é", "✓", "\r\n", "  ",
        ];
        for _ in 0..400 {
            let mut s = valid.to_string();
            for _ in 0..1 + rng.below(4) {
                let mut at = rng.below(s.len() + 1);
                while !s.is_char_boundary(at) {
                    at -= 1;
                }
                match rng.below(3) {
                    0 => s.insert_str(at, SNIPPETS[rng.below(SNIPPETS.len())]),
                    1 => {
                        let mut to = (at + 1 + rng.below(8)).min(s.len());
                        while !s.is_char_boundary(to) {
                            to += 1;
                        }
                        s.replace_range(at..to, "");
                    }
                    _ => {
                        let line_start = s[..at].rfind('\n').map_or(0, |i| i + 1);
                        let line_end = s[at..].find('\n').map_or(s.len(), |i| at + i + 1);
                        let line = s[line_start..line_end].to_string();
                        s.insert_str(line_start, &line);
                    }
                }
            }
            let (docs, errors) = parse(&s);
            check_spans(&s, &docs, &errors);
        }
    }

    fn ok_multi(src: &str) {
        let (docs, errors) = parse(src);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(docs.len(), 2);
        check_spans(src, &docs, &errors);
    }

    #[test]
    fn messages_are_cleaned() {
        assert_eq!(
            clean_message("while parsing a block mapping, did not find expected key"),
            "did not find expected key while parsing a block mapping"
        );
        assert_eq!(
            clean_message("unexpected character: `@'"),
            "unexpected character `@`"
        );
        assert_eq!(
            clean_message("while scanning a YAML directive, found extremely long version number."),
            "found extremely long version number while scanning a yaml directive"
        );
        assert_eq!(
            clean_message("while parsing a flow sequence, expected ',' or ']'"),
            "expected `,` or `]` while parsing a flow sequence"
        );
    }
}
