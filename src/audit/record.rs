//! One audit record, as `docs/audit.md` and `audit/record.schema.json` define it.
//!
//! Deserialized strictly (unknown keys, wrong types and values outside the fixed enums are
//! errors), so that a line either is a record of the contract or is reported as not being one.

use crate::decide::{FactValue, Request};
use chrono::DateTime;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub time: String,
    pub agent: String,
    pub operation: String,
    #[serde(default)]
    pub tool: Option<Tool>,
    #[serde(default)]
    pub workflow: Option<String>,
    #[serde(default)]
    pub step: Option<String>,
    #[serde(default)]
    pub fields: Option<Vec<String>>,
    #[serde(default, deserialize_with = "unique_keys")]
    pub context: Option<BTreeMap<String, Fact>>,
    pub decision: RecordedDecision,
    #[serde(default)]
    pub approvals: Option<Vec<Approval>>,
    pub outcome: Outcome,
    #[serde(default, rename = "override")]
    pub override_: Option<Override>,
    #[serde(default)]
    pub sampled: Option<bool>,
    #[serde(default)]
    pub model: Option<ModelVersion>,
    #[serde(default)]
    pub prompt_sha256: Option<String>,
    #[serde(default)]
    pub connectors_sha256: Option<String>,
    #[serde(default, deserialize_with = "unique_keys")]
    pub audit: Option<BTreeMap<String, Presence>>,
    #[serde(default)]
    pub id: Option<String>,
}

/// A map whose keys are unique. JSON parsers disagree on a repeated key (first or last wins), so
/// the gateway may have decided on one `context` value and a reader would see the other: such a
/// record is rejected, as serde rejects a repeated field of a struct.
struct UniqueMap<V>(BTreeMap<String, V>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for UniqueMap<V> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Visit<V> {
            type Value = UniqueMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Self::Value, A::Error> {
                let mut map = BTreeMap::new();
                while let Some((k, v)) = a.next_entry::<String, V>()? {
                    if map.contains_key(&k) {
                        return Err(serde::de::Error::custom(format_args!(
                            "duplicate key `{k}`"
                        )));
                    }
                    map.insert(k, v);
                }
                Ok(UniqueMap(map))
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}

fn unique_keys<'de, D, V>(d: D) -> Result<Option<BTreeMap<String, V>>, D::Error>
where
    D: serde::Deserializer<'de>,
    V: Deserialize<'de>,
{
    Ok(Option::<UniqueMap<V>>::deserialize(d)?.map(|m| m.0))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    pub server: String,
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedDecision {
    pub effect: crate::decide::Outcome,
    #[serde(default)]
    pub tier: Option<String>,
    #[serde(default)]
    pub reasons: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Approve,
    Reject,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    pub by: String,
    pub decision: Verdict,
    #[serde(default)]
    pub at: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Executed,
    Blocked,
    Rejected,
    Failed,
    RolledBack,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Executed => "executed",
            Outcome::Blocked => "blocked",
            Outcome::Rejected => "rejected",
            Outcome::Failed => "failed",
            Outcome::RolledBack => "rolled_back",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    #[serde(default)]
    pub by: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelVersion {
    pub provider: String,
    pub name: String,
    pub version: String,
}

/// A context fact: a boolean, a number or a string (anything else is not a record).
#[derive(Debug)]
pub struct Fact(pub FactValue);

impl<'de> Deserialize<'de> for Fact {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Fact;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a boolean, a number or a string")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Fact, E> {
                Ok(Fact(FactValue::Bool(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Fact, E> {
                Ok(Fact(FactValue::Number(v as f64)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Fact, E> {
                Ok(Fact(FactValue::Number(v as f64)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Fact, E> {
                Ok(Fact(FactValue::Number(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Fact, E> {
                Ok(Fact(FactValue::String(v.to_string())))
            }
        }
        d.deserialize_any(V)
    }
}

/// Whether an audit field holds something: absent, `null` and `""` do not.
#[derive(Debug, Clone, Copy)]
pub struct Presence(pub bool);

impl<'de> Deserialize<'de> for Presence {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Presence;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<Presence, E> {
                Ok(Presence(false))
            }
            fn visit_none<E>(self) -> Result<Presence, E> {
                Ok(Presence(false))
            }
            fn visit_str<E>(self, v: &str) -> Result<Presence, E> {
                Ok(Presence(!v.is_empty()))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Presence, E> {
                Ok(Presence(true))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Presence, E> {
                Ok(Presence(true))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Presence, E> {
                Ok(Presence(true))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Presence, E> {
                Ok(Presence(true))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Presence, A::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Presence(true))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Presence, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Presence(true))
            }
        }
        d.deserialize_any(V)
    }
}

/// An RFC 3339 time with its offset, as microseconds since the epoch.
pub fn parse_time(s: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.timestamp_micros())
}

/// Why a line is not a record: the message and the column (1-based) where it went wrong.
pub struct Invalid {
    pub message: String,
    pub column: usize,
}

/// A record with its time, or why the line is not one.
pub fn parse(line: &[u8]) -> Result<(Record, i64), Invalid> {
    let r: Record = serde_json::from_slice(line).map_err(|e| Invalid {
        message: json_error(&e),
        column: e.column().max(1),
    })?;
    let time = parse_time(&r.time).ok_or_else(|| Invalid {
        message: format!(
            "`time` {} is not an RFC 3339 time with an offset, e.g. `2026-11-20T10:15:03Z`",
            serde_json::to_string(&r.time).unwrap_or_default()
        ),
        column: 1,
    })?;
    if let Some(a) = r
        .approvals
        .iter()
        .flatten()
        .find(|a| a.at.as_deref().is_some_and(|t| parse_time(t).is_none()))
    {
        return Err(Invalid {
            message: format!(
                "approval `at` {} is not an RFC 3339 time with an offset",
                serde_json::to_string(&a.at).unwrap_or_default()
            ),
            column: 1,
        });
    }
    Ok((r, time))
}

/// serde_json's message without its " at line 1 column N" tail (the location says it).
fn json_error(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

impl Record {
    /// The request `decide` is asked for this record.
    pub fn request(&self) -> Request {
        Request {
            agent: self.agent.clone(),
            operation: self.operation.clone(),
            fields: self.fields.clone(),
            workflow: self.workflow.clone(),
            context: self
                .context
                .iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.0.clone()))
                .collect(),
        }
    }

    pub fn approvals(&self) -> &[Approval] {
        self.approvals.as_deref().unwrap_or(&[])
    }

    /// A review: at least one approval entry.
    pub fn reviewed(&self) -> bool {
        !self.approvals().is_empty()
    }

    pub fn rejected_review(&self) -> bool {
        self.approvals()
            .iter()
            .any(|a| a.decision == Verdict::Reject)
    }

    pub fn has_override(&self) -> bool {
        self.override_.is_some()
    }

    pub fn audit_has(&self, field: &str) -> bool {
        self.audit
            .as_ref()
            .and_then(|a| a.get(field))
            .is_some_and(|p| p.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_records() {
        let ok = br#"{"time":"2026-11-20T10:15:03Z","agent":"a","operation":"c.r.read","decision":{"effect":"allow","tier":"auto"},"outcome":"executed","audit":{"prompt":"p","inputs":""}}"#;
        let (r, t) = parse(ok).ok().unwrap();
        assert_eq!(t, 1_795_169_703_000_000);
        assert!(r.audit_has("prompt") && !r.audit_has("inputs") && !r.audit_has("output"));
        for bad in [
            &br#"{"time":"2026-11-20T10:15:03","agent":"a","operation":"o","decision":{"effect":"allow"},"outcome":"executed"}"#[..],
            br#"{"time":"2026-11-20T10:15:03Z","agent":"a","operation":"o","decision":{"effect":"maybe"},"outcome":"executed"}"#,
            br#"{"time":"2026-11-20T10:15:03Z","agent":"a","operation":"o","decision":{"effect":"allow"},"outcome":"done"}"#,
            br#"{"time":"2026-11-20T10:15:03Z","agent":"a","operation":"o","decision":{"effect":"allow"},"outcome":"executed","extra":1}"#,
            br#"{"time":"2026-11-20T10:15:03Z","agent":"a","operation":"o","decision":{"effect":"allow"},"outcome":"executed","context":{"x":[1]}}"#,
            br#"{"time":"2026-11-20T10:15:03Z","operation":"o","decision":{"effect":"allow"},"outcome":"executed"}"#,
            br#"[1,2]"#,
        ] {
            assert!(parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }
}
