//! Exact byte spans from saphyr's positions.
//!
//! saphyr's markers count characters (converted here to byte offsets), and its event spans do
//! not always cover a node's own text: properties (`&anchor`, `!tag`) come first, block scalars
//! start after their header, quoted scalars can run past the closing quote. These functions
//! find the real text in the source.

use saphyr_parser::ScalarStyle;

use super::Span;

/// Converts saphyr's character indices into byte offsets. Events arrive (almost) in source
/// order, so a cursor that walks forwards or backwards is amortised O(1); ASCII is the identity.
pub(super) struct CharMap<'s> {
    src: &'s [u8],
    base: usize,
    ascii: bool,
    ci: usize,
    bi: usize,
}

impl<'s> CharMap<'s> {
    pub(super) fn new(sub: &'s str, base: usize) -> Self {
        CharMap {
            src: sub.as_bytes(),
            base,
            ascii: sub.is_ascii(),
            ci: 0,
            bi: 0,
        }
    }

    pub(super) fn byte(&mut self, ci: usize) -> usize {
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
pub(super) fn char_len_at(src: &str, pos: usize) -> usize {
    src.as_bytes().get(pos).map_or(0, |&b| utf8_width(b))
}

/// The name of the alias `*name` written at `pos`, and the byte offset just past it.
pub(super) fn alias_name(src: &str, pos: usize) -> (&str, usize) {
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

/// Skip node properties (`&anchor`, `!tag`, `!<verbatim>`) and the whitespace/comments after
/// them, starting at `i`, never going past `end`.
pub(super) fn skip_props(b: &[u8], mut i: usize, end: usize) -> usize {
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
pub(super) fn scalar_span(
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

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::super::*;

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
}
