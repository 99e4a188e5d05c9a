//! Scalar resolution: the YAML 1.2 core schema types plain scalars (null, bool, int, float,
//! else string) and honours the core tags (`!!str`, `!!int`, ...); quoted and block scalars,
//! and any other tag, give strings.

use std::borrow::Cow;

use saphyr_parser::{ScalarStyle, Tag};

use super::Value;

/// The scalar's text as an owned string without spare capacity: parse trees of large
/// repositories hold hundreds of thousands of scalars.
fn owned(text: Cow<'_, str>) -> String {
    let mut s = text.into_owned();
    s.shrink_to_fit();
    s
}

pub(super) fn resolve_scalar(text: Cow<'_, str>, style: ScalarStyle, tag: Option<&Tag>) -> Value {
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
    use super::super::test_util::{node, ok};
    use super::*;

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
}
