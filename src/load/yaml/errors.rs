//! Parse errors: their kinds, and saphyr's scan errors turned into them (byte span, cleaned-up
//! message in the style of agentgov's diagnostics).

use saphyr_parser::ScanError;

use super::spans::{alias_name, char_len_at, CharMap};
use super::{Limits, Span};

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

pub(super) fn scan_error(
    src: &str,
    cm: &mut CharMap<'_>,
    e: &ScanError,
    limits: &Limits,
) -> YamlError {
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

pub(super) fn error(kind: YamlErrorKind, message: String, span: Span) -> YamlError {
    YamlError {
        kind,
        message,
        span,
        related: None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{lc, parse};
    use super::*;

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
