//! What a YAML document is: a governance document of some [`Kind`], YAML that is not agentgov's
//! (Helm, CI, compose files: ignored, and so are their YAML errors), or a document that looks
//! like ours but cannot be read (a finding).

use crate::diag::{did_you_mean, tick};
use crate::load::yaml::{self, Node, YamlErrorKind};
use crate::rules::{structure, RuleInfo};
use std::fmt;

/// The kinds of governance document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Policy,
    Team,
    Connector,
    Agent,
    Workflow,
    Playbook,
    PolicyTest,
    Waiver,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Policy,
        Kind::Team,
        Kind::Connector,
        Kind::Agent,
        Kind::Workflow,
        Kind::Playbook,
        Kind::PolicyTest,
        Kind::Waiver,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Kind::Policy => "Policy",
            Kind::Team => "Team",
            Kind::Connector => "Connector",
            Kind::Agent => "Agent",
            Kind::Workflow => "Workflow",
            Kind::Playbook => "Playbook",
            Kind::PolicyTest => "PolicyTest",
            Kind::Waiver => "Waiver",
        }
    }
    /// Lower-case name, as used in waiver targets and schema file names.
    pub fn slug(self) -> &'static str {
        match self {
            Kind::Policy => "policy",
            Kind::Team => "team",
            Kind::Connector => "connector",
            Kind::Agent => "agent",
            Kind::Workflow => "workflow",
            Kind::Playbook => "playbook",
            Kind::PolicyTest => "policytest",
            Kind::Waiver => "waiver",
        }
    }
    pub fn from_name(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

pub const API_GROUP: &str = "agentgov.dev/";
pub const API_VERSION: &str = "agentgov.dev/v1";

/// Drops the YAML errors that are not agentgov's to report, and says why when it dropped any.
///
/// A repository holds other YAML (Helm templates, CI and compose files) that agentgov ignores
/// when it parses; it ignores it as well when it does not parse. A duplicate or unsupported key
/// is dropped when it lies in a parsed document that is not ours. Any other error is dropped when
/// the file has no document of ours, names neither agentgov nor one of its kinds, and is text:
/// a file of control characters named `.yaml` is still reported. Limits (depth, aliases,
/// documents) are always reported.
pub(super) fn drop_errors_not_ours(
    text: &str,
    parsed: &[yaml::ParsedDoc],
    errors: &mut Vec<yaml::YamlError>,
) -> Option<String> {
    if errors.is_empty() {
        return None;
    }
    let doc_is_ours: Vec<bool> = parsed
        .iter()
        .map(|d| !matches!(classify(&d.root), Classified::Ignored(_)))
        .collect();
    // Whether the parsed document holding `pos` is ours; `None` outside every parsed document.
    let doc_at_is_ours = |pos: usize| {
        parsed
            .iter()
            .position(|d| d.span.start <= pos && pos <= d.span.end)
            .map(|i| doc_is_ours[i])
    };
    let file_is_ours = || {
        doc_is_ours.contains(&true)
            || mentions_governance(text)
            || text
                .bytes()
                .any(|b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
    };
    let before = errors.len();
    let mut first_dropped = None;
    let mut ours = None;
    errors.retain(|e| {
        let keep = match e.kind {
            YamlErrorKind::DuplicateKey | YamlErrorKind::UnsupportedKey => {
                doc_at_is_ours(e.span.start)
                    .unwrap_or_else(|| *ours.get_or_insert_with(file_is_ours))
            }
            YamlErrorKind::Syntax => *ours.get_or_insert_with(file_is_ours),
            YamlErrorKind::TooDeep
            | YamlErrorKind::AliasLimit
            | YamlErrorKind::TooManyDocuments => true,
        };
        if !keep && first_dropped.is_none() {
            first_dropped = Some(e.message.clone());
        }
        keep
    });
    first_dropped.map(|m| {
        let n = before - errors.len();
        let more = if n > 1 {
            format!(" and {} more", n - 1)
        } else {
            String::new()
        };
        format!("not an agentgov file; its YAML errors are not reported ({m}{more})")
    })
}

/// Whether the text of a file that does not parse names agentgov or has a `kind:` line with one
/// of its kinds: then its syntax errors are ours to report.
fn mentions_governance(text: &str) -> bool {
    text.contains(API_GROUP)
        || text.lines().any(|line| {
            let Some(rest) = line.trim_start().strip_prefix("kind:") else {
                return false;
            };
            let value = rest.split(" #").next().unwrap_or("").trim();
            let value = value.trim_matches(|c| c == '"' || c == '\'');
            Kind::from_name(value).is_some()
        })
}

pub(super) type Problem = (&'static RuleInfo, String, String, &'static str);

pub(super) enum Classified {
    Governance(Kind),
    Ignored(String),
    Problem(Problem),
}

pub(super) fn classify(root: &Node) -> Classified {
    let api = root.get("apiVersion").and_then(|n| n.as_str());
    let kind_str = root.get("kind").and_then(|n| n.as_str());
    let kind = kind_str.and_then(Kind::from_name);
    match api {
        Some(api) if api.starts_with(API_GROUP) => {
            if api != API_VERSION {
                return Classified::Problem((
                    &structure::UNSUPPORTED_API,
                    format!("unsupported apiVersion {}", tick(api)),
                    format!("this version of agentgov reads `{API_VERSION}`"),
                    "/apiVersion",
                ));
            }
            match (kind, kind_str) {
                (Some(k), _) => Classified::Governance(k),
                (None, Some(k)) => {
                    let help = match did_you_mean(k, Kind::ALL.iter().map(|k| k.name())) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!(
                            "use one of {}",
                            Kind::ALL
                                .iter()
                                .map(|k| tick(k.name()))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    };
                    Classified::Problem((
                        &structure::UNKNOWN_KIND,
                        format!("unknown kind {}", tick(k)),
                        help,
                        "/kind",
                    ))
                }
                (None, None) => Classified::Problem((
                    &structure::MISSING_FIELD,
                    "missing `kind`".to_string(),
                    format!(
                        "add `kind:` with one of {}",
                        Kind::ALL
                            .iter()
                            .map(|k| tick(k.name()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    "",
                )),
            }
        }
        _ => match kind {
            Some(k) if root.get("spec").is_some() => Classified::Problem((
                &structure::FOREIGN_API,
                match api {
                    Some(a) => format!(
                        "a {} document with apiVersion {} is not read",
                        tick(k),
                        tick(a)
                    ),
                    None => format!("a {} document without `apiVersion` is not read", tick(k)),
                },
                format!("set `apiVersion: {API_VERSION}` if this is an agentgov document"),
                if api.is_some() {
                    "/apiVersion"
                } else {
                    "/kind"
                },
            )),
            _ => Classified::Ignored(match api {
                Some(a) => format!("apiVersion `{a}` is not agentgov's"),
                None => "not an agentgov document".to_string(),
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::super::read::read_and_parse;
    use super::super::LoadOptions;

    /// The rules of the YAML errors `read_and_parse` reports for `text`, and what it ignored.
    fn yaml_errors(text: &str) -> (Vec<&'static str>, Option<String>) {
        let d = tempfile::tempdir().unwrap();
        let full = d.path().join("f.yaml");
        std::fs::write(&full, text).unwrap();
        let pf = read_and_parse(d.path(), &full, &LoadOptions::default());
        (pf.diags.iter().map(|d| d.rule).collect(), pf.ignored)
    }

    #[test]
    fn yaml_errors_of_files_that_are_not_ours_are_ignored() {
        let helm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n";
        let (rules, why) = yaml_errors(helm);
        assert!(rules.is_empty(), "{rules:?}");
        assert!(why.unwrap().contains("not an agentgov file"));
        let (rules, why) = yaml_errors("a: [unclosed\n");
        assert!(rules.is_empty() && why.is_some(), "{rules:?}");
        // A repeated key in a document that parses but is not ours.
        let (rules, why) = yaml_errors("services:\n  a: 1\n  a: 2\n");
        assert!(rules.is_empty(), "{rules:?}");
        assert!(why.unwrap().contains("duplicate key `a`"));
    }

    #[test]
    fn yaml_errors_of_governance_files_are_reported() {
        let ours = [
            // Names agentgov's apiVersion, even if the error comes first.
            "a: [unclosed\napiVersion: agentgov.dev/v1\n",
            // A `kind:` line with one of our kinds and a broken apiVersion.
            "apiVersion: agentgov/v1\nkind: \"Agent\" # the writer\nmetadata: {name: [x}\n",
            // A document of ours before the error.
            "apiVersion: agentgov.dev/v1\nkind: Team\nspec: {}\n---\na: [unclosed\n",
        ];
        for text in ours {
            let (rules, why) = yaml_errors(text);
            assert_eq!(rules, ["yaml-syntax"], "{text}");
            assert_eq!(why, None);
        }
        let dup = "apiVersion: agentgov.dev/v1\nkind: Team\nspec: {}\nspec: {}\n---\nx: 1\nx: 2\n";
        let (rules, why) = yaml_errors(dup);
        assert_eq!(rules, ["duplicate-key"]);
        assert!(why.unwrap().contains("duplicate key `x`"));
    }

    #[test]
    fn control_characters_and_limits_are_reported_in_any_file() {
        let (rules, _) = yaml_errors("a: \u{7}\u{0}b\n");
        assert_eq!(rules, ["yaml-syntax"]);
        let deep = format!("a: {}{}\n", "[".repeat(300), "]".repeat(300));
        let (rules, _) = yaml_errors(&deep);
        assert_eq!(rules, ["input-limit"]);
    }
}
