//! `prometheus/rules.yml`: one alerting rule per agent monitor, one group per agent.
//!
//! The runtime exports counters labelled `agent` (DESIGN §5): `agentgov_actions_failed_total`,
//! `agentgov_reviews_total`, `agentgov_reviews_rejected_total`,
//! `agentgov_restricted_field_access_total` and `agentgov_corrections_total`. Counting metrics
//! alert on the counter's events in the monitor's window, `x - x offset w` (exactly what
//! `agentgov audit` counts; PromQL's `increase` only where the counter reset); `rejection_rate` is rejected reviews
//! over reviews in the window; `rejection_rate_increase` is that rate minus the same rate one
//! window earlier (an absolute increase: `0.10` is ten percentage points). Rates are computed only
//! where there were reviews, so a window without reviews never alerts. A monitor without a `then`
//! response gets no rule, only a comment saying why (`check` warns about it).

use super::{Artifact, EmitContext};
use crate::model::{Agent, Metric, Model, Monitor, Response};
#[cfg(test)]
use serde::Serialize;
use std::collections::HashMap;

pub const PATH: &str = "prometheus/rules.yml";

pub const FAILED: &str = "agentgov_actions_failed_total";
pub const REVIEWS: &str = "agentgov_reviews_total";
pub const REJECTED: &str = "agentgov_reviews_rejected_total";
pub const RESTRICTED: &str = "agentgov_restricted_field_access_total";
pub const CORRECTIONS: &str = "agentgov_corrections_total";

// Serialized only by the tests, which compare the written YAML with serde_yaml's reading.
#[cfg_attr(test, derive(Serialize))]
struct Group {
    name: String,
    rules: Vec<Rule>,
}

#[cfg_attr(test, derive(Serialize))]
struct Rule {
    alert: String,
    expr: String,
    labels: Labels,
    annotations: Annotations,
}

#[cfg_attr(test, derive(Serialize))]
struct Labels {
    agent: String,
    metric: String,
    window: String,
    response: String,
    severity: String,
    owner: String,
    technical_owner: String,
}

#[cfg_attr(test, derive(Serialize))]
struct Annotations {
    summary: String,
    description: String,
    playbook: String,
    runbook: String,
}

pub fn emit(cx: &EmitContext) -> Vec<Artifact> {
    super::kept(|_, pieces| emit_into(cx, pieces))
}

/// Writes the rules file in pieces.
pub fn emit_into(cx: &EmitContext, pieces: super::PieceSink) -> Result<(), super::EmitError> {
    pieces(PATH, &mut rules_pieces(cx.model))
}

/// `campaign-writer` → `CampaignWriter`.
fn camel(s: &str) -> String {
    s.split(['-', '_'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// The alert of monitor `i` of an agent, `None` when the monitor has no `then` response.
/// `Agentgov<Agent><Metric>`, with the monitor's position appended when the agent has several
/// monitors of the same metric.
pub fn alert_name(agent: &str, monitors: &[Monitor], i: usize) -> Option<String> {
    let mo = monitors.get(i)?;
    mo.then?;
    let mut name = format!("Agentgov{}{}", camel(agent), camel(mo.metric.as_str()));
    if monitors.iter().filter(|x| x.metric == mo.metric).count() > 1 {
        name.push_str(&(i + 1).to_string());
    }
    Some(name)
}

/// A threshold as PromQL writes it: `3`, `0.1`.
pub fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// A window `n` units long, doubled: `1w` → `2w` (the window before the window).
fn doubled(window: &str) -> String {
    let unit = window.chars().last().map_or(0, char::len_utf8);
    let (n, u) = window.split_at(window.len() - unit);
    match n.parse::<u64>() {
        Ok(n) => format!("{}{u}", n * 2),
        Err(_) => format!("({window} * 2)"),
    }
}

/// The counter's events in the window `(T - w, T]` (or the window before, `(T - 2w, T - w]`):
/// `x - x offset w`, exact while the counter does not reset and the same count `agentgov audit`
/// makes; where it went down (a restart) or has no sample a window ago, PromQL's `increase`.
fn delta(metric: &str, agent: &str, window: &str, before: bool) -> String {
    let x = format!("{metric}{{agent=\"{agent}\"}}");
    let (now, ago, range) = if before {
        (
            format!("{x} offset {window}"),
            format!("{x} offset {}", doubled(window)),
            format!("increase({x}[{window}] offset {window})"),
        )
    } else {
        (
            x.clone(),
            format!("{x} offset {window}"),
            format!("increase({x}[{window}])"),
        )
    };
    format!("sum by (agent) ((({now}) - ({ago})) >= 0 or {range})")
}

/// Rejected reviews over reviews in the window; empty where there were no reviews.
fn rejection_rate(agent: &str, window: &str, before: bool) -> String {
    format!(
        "{} / ({} > 0)",
        delta(REJECTED, agent, window, before),
        delta(REVIEWS, agent, window, before)
    )
}

/// The PromQL expression of a monitor.
pub fn expr(agent: &str, mo: &Monitor) -> String {
    let w = mo.window.as_str();
    let t = number(mo.above);
    match mo.metric {
        Metric::FailedActions => format!("{} > {t}", delta(FAILED, agent, w, false)),
        Metric::RestrictedFieldAccess => format!("{} > {t}", delta(RESTRICTED, agent, w, false)),
        Metric::Corrections => format!("{} > {t}", delta(CORRECTIONS, agent, w, false)),
        Metric::RejectionRate => format!("({}) > {t}", rejection_rate(agent, w, false)),
        Metric::RejectionRateIncrease => format!(
            "(({}) - ({})) > {t}",
            rejection_rate(agent, w, false),
            rejection_rate(agent, w, true)
        ),
    }
}

fn percent(n: f64) -> String {
    number((n * 10000.0).round() / 100.0)
}

fn what(mo: &Monitor) -> String {
    let t = number(mo.above);
    let w = &mo.window;
    match mo.metric {
        Metric::FailedActions => format!("more than {t} failed actions in {w}"),
        Metric::RestrictedFieldAccess if mo.above == 0.0 => format!("restricted field access in {w}"),
        Metric::RestrictedFieldAccess => format!("more than {t} restricted field accesses in {w}"),
        Metric::Corrections if mo.above == 0.0 => format!("a correction in {w}"),
        Metric::Corrections => format!("more than {t} corrections in {w}"),
        Metric::RejectionRate => format!("reviewers rejected more than {}% of outputs in {w}", percent(mo.above)),
        Metric::RejectionRateIncrease => format!(
            "reviewer rejection rate up more than {} percentage points in {w} compared with the {w} before",
            percent(mo.above)
        ),
    }
}

/// A free text as a sentence of the runbook: trimmed, ending with a full stop unless it ends
/// with other punctuation (teams write "Pause the bot", not "Pause the bot.").
fn sentence(text: &str) -> String {
    let t = text.trim();
    if t.is_empty() || t.ends_with(['.', '!', '?']) {
        t.to_string()
    } else {
        format!("{t}.")
    }
}

fn person_label(m: &Model, id: &str) -> String {
    match m.people.get(id) {
        Some(p) => format!("{} ({id})", p.person.name),
        None => id.to_string(),
    }
}

fn rule(
    m: &Model,
    a: &Agent,
    i: usize,
    response: Response,
    fallback: &HashMap<&str, &str>,
) -> Rule {
    let mo = &a.spec.monitors[i];
    let name = &a.name;
    let owners = &a.spec.owners;
    let action = match response {
        Response::RecommendOnly => format!(
            "Downgrade {name} to recommend-only: every non-read action needs a reviewer until the owners restore it (set `mode: recommend-only` in its Agent file and in the gateway)."
        ),
        Response::Pause => format!(
            "Pause {name}: the gateway denies all of its actions until the owners investigate (set `mode: paused` in its Agent file and in the gateway)."
        ),
    };
    let playbook = mo
        .playbook
        .as_deref()
        .or_else(|| fallback.get(name.as_str()).copied());
    let runbook = match playbook.and_then(|p| m.playbooks.get(p).map(|pb| (p, pb))) {
        Some((id, pb)) => {
            let s = &pb.spec;
            let mut t = format!(
                "{action} Playbook {id} ({}), owner {}. Contain: {} Roll back: {}",
                s.failure_mode.trim_end_matches('.'),
                person_label(m, &s.owner),
                sentence(&s.containment),
                sentence(&s.rollback)
            );
            if !s.can_pause.is_empty() {
                let who: Vec<String> = s.can_pause.iter().map(|p| person_label(m, p)).collect();
                t.push_str(&format!(" May pause: {}.", who.join(", ")));
            }
            if let Some(c) = &s.customer_communication {
                t.push_str(&format!(
                    " Tell customers when: {} (owner {}).",
                    c.when.trim_end_matches('.'),
                    person_label(m, &c.owner)
                ));
            }
            t.push_str(&format!(" Postmortem: {}.", s.postmortem));
            t
        }
        None => format!("{action} No playbook names this failure: add `playbook:` to the monitor."),
    };
    Rule {
        alert: alert_name(name, &a.spec.monitors, i).expect("monitor with a response"),
        expr: expr(name, mo),
        labels: Labels {
            agent: name.clone(),
            metric: mo.metric.as_str().to_string(),
            window: mo.window.clone(),
            response: response.as_str().to_string(),
            severity: match response {
                Response::Pause => "critical",
                Response::RecommendOnly => "warning",
            }
            .to_string(),
            owner: owners.business.clone(),
            technical_owner: owners.technical.clone(),
        },
        annotations: Annotations {
            summary: format!("{name}: {}", what(mo)),
            description: format!(
                "agentgov monitor {} of {name} ({} above {} over {}). Response: {}. Business owner {}, technical owner {}.",
                i + 1,
                mo.metric.as_str(),
                number(mo.above),
                mo.window,
                response.as_str(),
                person_label(m, &owners.business),
                person_label(m, &owners.technical)
            ),
            playbook: playbook.unwrap_or("none").to_string(),
            runbook,
        },
    }
}

const HEADER: &str = "\
# Generated by `agentgov build` from the governance repository: edit the Agent files, not this one.
# One alerting rule per agent monitor, one group per agent. The runtime exports counters labelled
# `agent`: agentgov_actions_failed_total, agentgov_reviews_total, agentgov_reviews_rejected_total,
# agentgov_restricted_field_access_total, agentgov_corrections_total.
# rejection_rate: rejected reviews / reviews over the window (no alert in a window without reviews).
# rejection_rate_increase: that rate minus the same rate one window earlier (`offset`), an absolute
# increase: 0.10 means ten percentage points week over week.
# Every alert carries `agent`, `response` (recommend-only or pause), `owner` (business owner) and
# `technical_owner`, and names its playbook in the annotations.
";

/// The rules file in pieces: one group per agent, made in parallel batches, in agent order.
fn rules_pieces(m: &Model) -> impl Iterator<Item = Vec<u8>> + Send + '_ {
    let any_group = m
        .agents
        .values()
        .any(|a| a.spec.monitors.iter().any(|mo| mo.then.is_some()));
    let mut head = String::from(HEADER);
    let mut tail = String::new();
    if any_group {
        head.push_str("groups:\n");
    } else {
        tail.push_str("groups: []\n");
    }
    let fallback = fallback_playbooks(m);
    let agents: Vec<&Agent> = m.agents.values().collect();
    super::Pieces::new(
        head,
        agents,
        move |a: &&Agent| group(m, a, &fallback),
        "",
        tail,
    )
}

/// For each agent, the first playbook of the first workflow (by name) that uses it and names
/// one: the playbook of its monitors that name none. One pass over the workflows.
fn fallback_playbooks(m: &Model) -> HashMap<&str, &str> {
    let mut out = HashMap::new();
    for w in m.workflows.values() {
        if let Some(p) = w.spec.playbooks.first() {
            for s in &w.spec.steps {
                out.entry(s.agent.as_str()).or_insert(p.as_str());
            }
        }
    }
    out
}

/// One agent's group, or comments saying why it has none.
fn group(m: &Model, a: &Agent, fallback: &HashMap<&str, &str>) -> String {
    let mut chunk = String::new();
    let mut rules = Vec::new();
    for (i, mo) in a.spec.monitors.iter().enumerate() {
        match mo.then {
            Some(r) => rules.push(rule(m, a, i, r, fallback)),
            None => chunk.push_str(&format!(
                "# {}: monitor {} ({} above {} over {}) has no `then` response, so no alert is generated; add `then: recommend-only` or `then: pause`.\n",
                a.name,
                i + 1,
                mo.metric.as_str(),
                number(mo.above),
                mo.window
            )),
        }
    }
    if rules.is_empty() {
        if a.spec.monitors.is_empty() {
            chunk.push_str(&format!("# {}: no monitors.\n", a.name));
        }
        return chunk;
    }
    let group = Group {
        name: format!("agentgov.{}", a.name),
        rules,
    };
    group.write_yaml(&mut chunk);
    chunk
}

// The rules file is YAML of one fixed shape, written directly: a general YAML emitter spent a
// tenth of a large build deciding how to quote each string.
impl Group {
    /// This group as an item of the top-level `groups` list.
    fn write_yaml(&self, out: &mut String) {
        out.push_str("- name: ");
        scalar(out, &self.name);
        out.push_str("\n  rules:\n");
        for r in &self.rules {
            let l = &r.labels;
            let a = &r.annotations;
            field(out, "  - ", "alert", &r.alert);
            field(out, "    ", "expr", &r.expr);
            out.push_str("    labels:\n");
            for (key, value) in [
                ("agent", &l.agent),
                ("metric", &l.metric),
                ("window", &l.window),
                ("response", &l.response),
                ("severity", &l.severity),
                ("owner", &l.owner),
                ("technical_owner", &l.technical_owner),
            ] {
                field(out, "      ", key, value);
            }
            out.push_str("    annotations:\n");
            for (key, value) in [
                ("summary", &a.summary),
                ("description", &a.description),
                ("playbook", &a.playbook),
                ("runbook", &a.runbook),
            ] {
                field(out, "      ", key, value);
            }
        }
    }
}

fn field(out: &mut String, indent: &str, key: &str, value: &str) {
    out.push_str(indent);
    out.push_str(key);
    out.push_str(": ");
    scalar(out, value);
    out.push('\n');
}

/// A YAML scalar that reads back as the string `s`: plain when it is a simple name that no YAML
/// schema reads as anything else; single-quoted when it holds only printable characters (only
/// `'` is escaped there, as `''`); otherwise double-quoted (a JSON string is a valid YAML
/// double-quoted scalar, with the same escapes).
fn scalar(out: &mut String, s: &str) {
    const SPECIAL: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
        "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL",
    ];
    // Characters YAML reads as line breaks, or does not allow unescaped.
    let unprintable = |c: char| {
        c < ' '
            || matches!(
                c,
                '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}'
            )
    };
    let plain = s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !SPECIAL.contains(&s);
    if plain {
        out.push_str(s);
    } else if !s.contains(unprintable) {
        out.push('\'');
        out.push_str(&s.replace('\'', "''"));
        out.push('\'');
    } else {
        for c in serde_json::to_string(s).expect("strings serialize").chars() {
            // JSON leaves these raw; YAML needs them escaped.
            if unprintable(c) {
                out.push_str(&format!("\\u{:04X}", c as u32));
            } else {
                out.push(c);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runbook_texts_become_sentences() {
        assert_eq!(sentence("  Pause the bot\n"), "Pause the bot.");
        assert_eq!(sentence("Pause the bot."), "Pause the bot.");
        assert_eq!(sentence("Call Ana now!"), "Call Ana now!");
        assert_eq!(sentence(""), "");
    }

    /// What the scalar reads back as, through a YAML parser.
    fn read_back(s: &str) -> serde_yaml::Value {
        let mut text = String::from("k: ");
        scalar(&mut text, s);
        let v: serde_yaml::Value = serde_yaml::from_str(&text).expect("valid YAML");
        v["k"].clone()
    }

    #[test]
    fn scalars_read_back_as_the_same_string() {
        for s in [
            "ads-005-coordinator-00254",
            "AgentgovAdsFailedActions",
            "1h",
            "0.5",
            "1e3",
            "0x1F",
            "true",
            "yes",
            "no",
            "null",
            "~",
            "",
            " leading space",
            "trailing space ",
            "- dash",
            "key: value",
            "# hash",
            "a #b",
            "it's \"quoted\"",
            "back\\slash",
            "line\nbreak",
            "tab\there",
            "sum by (agent) (increase(x{agent=\"a\"}[1h])) > 3",
            "Zoë Müller → 日本",
            "nel\u{85}ls\u{2028}ps\u{2029}bom\u{feff}del\u{7f}c1\u{9b}",
            "*alias",
            "&anchor",
            "!tag",
            "%directive",
            "@at",
            "`tick`",
            "{flow}",
            "[flow]",
            "|literal",
            ">folded",
        ] {
            assert_eq!(
                read_back(s),
                serde_yaml::Value::String(s.to_string()),
                "{s:?}"
            );
        }
    }

    #[test]
    fn the_written_groups_read_back_as_the_groups() {
        let c = crate::rules::util::testing::checked(&[], &[]);
        let m = &c.resolved.as_ref().expect("resolved").model;
        let fallback = fallback_playbooks(m);
        let mut checked = 0;
        for a in m.agents.values() {
            let text = group(m, a, &fallback);
            let rules: Vec<Rule> = a
                .spec
                .monitors
                .iter()
                .enumerate()
                .filter_map(|(i, mo)| mo.then.map(|r| rule(m, a, i, r, &fallback)))
                .collect();
            if rules.is_empty() {
                continue;
            }
            let want = serde_yaml::to_value([Group {
                name: format!("agentgov.{}", a.name),
                rules,
            }])
            .expect("serializes");
            let got: serde_yaml::Value = serde_yaml::from_str(&text).expect("valid YAML");
            assert_eq!(got, want, "{}", a.name);
            checked += 1;
        }
        assert!(checked > 0, "the example has monitors with responses");
    }
}
