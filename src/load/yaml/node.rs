//! The parsed tree: [`Node`]s carrying the byte [`Span`] of their source text, looked up by
//! RFC 6901 JSON pointer (to locate findings) and converted to JSON (for schema checks).

use std::borrow::Cow;

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
pub(super) fn key_text(v: &Value) -> Cow<'_, str> {
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

#[cfg(test)]
mod tests {
    use super::super::test_util::{node, ok, text};
    use super::*;

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
}
