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
//!
//! Layout: `node` (the tree, pointer lookup, JSON), `builder` (events to trees: anchors, aliases,
//! keys, limits, restarts), `spans` (saphyr's positions made exact byte spans), `scalar` (core
//! schema typing), `errors` (error kinds, saphyr's errors and messages in our form).

mod builder;
mod errors;
mod node;
mod scalar;
mod spans;
#[cfg(test)]
mod test_util;

pub use errors::{YamlError, YamlErrorKind};
pub use node::{Node, Span, Value};

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
    let mut out = builder::Output::default();
    let mut base = 0;
    loop {
        // saphyr-parser is not known to panic, but a linter must survive any file: turn a
        // panic into an error for this file rather than taking the whole run down.
        let step = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            builder::run(src, base, limits, &mut out)
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

#[cfg(test)]
mod tests {
    use super::test_util::parse;
    use super::*;

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
}
