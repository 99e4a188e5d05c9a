//! The report as Markdown for a pull-request comment (the JSON is the report serialized).

use super::compare::*;
use super::{MARKER, REVALIDATION};
use crate::output;

pub(super) fn code(s: &str) -> String {
    format!("`{s}`")
}

pub(super) fn path_text(p: &[String]) -> String {
    p.iter().map(|x| code(x)).collect::<Vec<_>>().join(" → ")
}

pub(super) fn workflow_text(w: &Option<String>) -> String {
    match w {
        Some(w) => format!("in workflow `{w}`"),
        None => "any workflow".into(),
    }
}

fn decision_text(d: &crate::decide::Decision) -> String {
    match d.effect {
        crate::decide::Outcome::Allow => "allow".into(),
        crate::decide::Outcome::Approve => {
            format!("approve `{}`", d.tier.as_deref().unwrap_or(""))
        }
        crate::decide::Outcome::Deny => format!("deny ({})", d.reasons.join(", ")),
    }
}

/// Where a change is: a link at the head, plain text at the base (a removal).
fn where_text(c: &super::changes::Change, links: &output::markdown::Links) -> String {
    match c.at {
        "head" => links.link(&c.location),
        _ => format!("`{}:{}` (base)", c.location.file, c.location.line),
    }
}

fn change_text(c: &super::changes::Change) -> String {
    format!("{} `{}`: `{}`", c.kind, c.name, c.path)
}

pub fn markdown(r: &Report, links: &output::markdown::Links) -> String {
    use output::markdown::cell;
    let mut out = format!(
        "{MARKER}\n## agentgov: what this change means\n\nCompared with `{}`.",
        r.base
    );
    if !r.base_exists {
        out.push_str(" The base has no governance files yet: everything is new.");
    } else if !r.base_compiled {
        out.push_str(" The base did not compile: its grants and tiers count as empty.");
    }
    out.push_str("\n\n");
    let mut headline = Vec::new();
    if r.relaxations > 0 {
        headline.push(format!(
            "**{} relaxing change(s)**, {} kind(s) of request newly permitted",
            r.relaxed.len().max(1),
            r.permitted.len()
        ));
    }
    if r.risky_reach > 0 {
        headline.push(format!("**{} new risky reach**", r.risky_reach));
    }
    if !r.revalidation.is_empty() {
        headline.push(format!(
            "**{} agent(s) need revalidation**",
            r.revalidation.len()
        ));
    }
    headline.push(format!(
        "findings: {} introduced, {} fixed",
        r.findings_introduced
            .iter()
            .filter(|d| d.waived.is_none())
            .count(),
        r.findings_fixed
            .iter()
            .filter(|d| d.waived.is_none())
            .count()
    ));
    headline.push(format!(
        "head: {}",
        output::markdown::counts(&r.head_summary)
    ));
    out.push_str(&format!("> {}\n\n", headline.join(" · ")));
    if !r.head_compiled {
        out.push_str(
            "⚠️ The head does not compile: fix its errors to see what the change means.\n\n",
        );
    }

    if !r.agents_added.is_empty() || !r.agents_removed.is_empty() {
        out.push_str("### Agents\n\n");
        for a in &r.agents_added {
            out.push_str(&format!(
                "- ➕ new agent `{}` (rollout: {}): a new agent starts in `pilot`, every output reviewed\n",
                a.name,
                a.rollout.as_deref().unwrap_or("none")
            ));
        }
        for a in &r.agents_removed {
            out.push_str(&format!("- ➖ removed agent `{a}`\n"));
        }
        out.push('\n');
    }
    if !r.tiers.is_empty() {
        out.push_str("### Approval tiers\n\n| | agent | operation | where | before | after |\n| --- | --- | --- | --- | --- | --- |\n");
        for t in &r.tiers {
            let mark = match t.direction {
                "relaxed" => "🔓 relaxed",
                "tightened" => "🔒 tightened",
                _ => "changed",
            };
            out.push_str(&format!(
                "| {mark} | `{}` | `{}` | {} | {} | {} |\n",
                t.agent,
                t.operation,
                workflow_text(&t.workflow),
                cell(&t.before.text()),
                cell(&t.after.text())
            ));
        }
        out.push('\n');
    }
    if !r.relaxed.is_empty() {
        out.push_str("### Relaxations\n\nEach row is a change after which something is permitted that was not, with a request the head permits and the base does not.\n\n| where | what changed | example request | now | was |\n| --- | --- | --- | --- | --- |\n");
        for c in &r.relaxed {
            let witness = c
                .example
                .as_ref()
                .and_then(|e| r.permitted.iter().find(|w| &w.example == e));
            let (example, now, was) = match witness {
                Some(w) => (
                    code(&serde_json::to_string(&w.example).unwrap_or_default()),
                    decision_text(&w.head),
                    match &w.base {
                        Some(d) => decision_text(d),
                        None => "no such agent".into(),
                    },
                ),
                None => (c.what.clone(), "—".into(), "—".into()),
            };
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                where_text(c, links),
                cell(&change_text(c)),
                cell(&example),
                cell(&now),
                cell(&was)
            ));
        }
        out.push('\n');
    }
    if !r.weakened.is_empty() {
        out.push_str("### Weakened controls\n\nThese permit nothing new (they do not fail `--fail-on relaxation`), but a reviewer should agree to each.\n\n| where | what changed | how |\n| --- | --- | --- |\n");
        for c in &r.weakened {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                where_text(c, links),
                cell(&change_text(c)),
                cell(&c.what)
            ));
        }
        out.push('\n');
    }
    if !r.changes.is_empty() {
        out.push_str(&format!(
            "<details><summary>{} other change(s): tightened, or permitting nothing new</summary>\n\n| | where | what changed | how |\n| --- | --- | --- | --- |\n",
            r.changes.len()
        ));
        for c in &r.changes {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                c.direction.as_str(),
                where_text(c, links),
                cell(&change_text(c)),
                cell(&c.what)
            ));
        }
        out.push_str("\n</details>\n\n");
    }
    if !r.tools.is_empty() {
        out.push_str("### MCP tools\n\n| | server | tool | bound to | what to do |\n| --- | --- | --- | --- | --- |\n");
        for t in &r.tools {
            let (mark, todo) = match t.change {
                "added" => (
                    "➕ added",
                    "ungoverned until bound: bind it or add it to `mcp.ignore`",
                ),
                "removed" => ("➖ removed", "its bindings are dead: remove them"),
                "annotations" => (
                    "changed annotations",
                    "revalidate: the server says the tool does something else now",
                ),
                _ => (
                    "changed input schema",
                    "revalidate: check the binding's `args` and `fields`",
                ),
            };
            let bound = if t.bound_to.is_empty() {
                "nothing".to_string()
            } else {
                t.bound_to
                    .iter()
                    .map(|o| code(o))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            out.push_str(&format!(
                "| {mark} | `{}` | `{}` | {} | {todo} |\n",
                t.server,
                cell(&t.tool),
                cell(&bound)
            ));
        }
        out.push('\n');
    }
    if !r.reach_added.is_empty() || !r.reach_removed.is_empty() {
        out.push_str("### Reach through delegation\n\n");
        for x in &r.reach_added {
            let traits = if x.traits.is_empty() {
                String::new()
            } else {
                format!(" ({})", x.traits.join(", "))
            };
            out.push_str(&format!(
                "- {}`{}` now reaches `{}`{traits} through {}\n",
                if x.risky { "⚠️ " } else { "" },
                x.agent,
                x.operation,
                path_text(&x.path)
            ));
        }
        for x in &r.reach_removed {
            out.push_str(&format!(
                "- `{}` no longer reaches `{}` (was through {})\n",
                x.agent,
                x.operation,
                path_text(&x.path)
            ));
        }
        out.push('\n');
    }
    if !r.flows_added.is_empty() || !r.flows_removed.is_empty() {
        out.push_str("### Data syncs\n\n");
        for f in &r.flows_added {
            out.push_str(&format!(
                "- {}`{}` now receives data from `{}`{} through {}\n",
                if f.risky { "⚠️ " } else { "" },
                f.resource,
                f.source,
                if f.risky {
                    " (personal or sensitive)"
                } else {
                    ""
                },
                path_text(&f.path)
            ));
        }
        for f in &r.flows_removed {
            out.push_str(&format!(
                "- `{}` no longer receives data from `{}`\n",
                f.resource, f.source
            ));
        }
        out.push('\n');
    }
    if !r.capabilities_added.is_empty() {
        out.push_str("### New irreversible or external capabilities\n\n");
        for c in &r.capabilities_added {
            out.push_str(&format!(
                "- ⚠️ `{}` can now `{}` ({})\n",
                c.agent,
                c.operation,
                c.traits.join(", ")
            ));
        }
        out.push('\n');
    }
    if !r.grants_added.is_empty() || !r.grants_removed.is_empty() || !r.fields_changed.is_empty() {
        out.push_str("### Grants\n\n| | agent | operation | fields |\n| --- | --- | --- | --- |\n");
        for g in &r.grants_added {
            out.push_str(&format!(
                "| ➕ added | `{}` | `{}` | {} |\n",
                g.agent,
                g.operation,
                cell(&g.fields.join(", "))
            ));
        }
        for g in &r.grants_removed {
            out.push_str(&format!(
                "| ➖ removed | `{}` | `{}` | {} |\n",
                g.agent,
                g.operation,
                cell(&g.fields.join(", "))
            ));
        }
        for f in &r.fields_changed {
            let mut parts = Vec::new();
            if !f.added.is_empty() {
                parts.push(format!("+ {}", f.added.join(", ")));
            }
            if !f.removed.is_empty() {
                parts.push(format!("− {}", f.removed.join(", ")));
            }
            out.push_str(&format!(
                "| fields | `{}` | `{}` | {} |\n",
                f.agent,
                f.operation,
                cell(&parts.join("; "))
            ));
        }
        out.push('\n');
    }
    if !r.revalidation.is_empty() {
        out.push_str("### Needs revalidation\n\n");
        for v in &r.revalidation {
            let sampling = match v.sample_rate {
                Some(rate) if rate >= 1.0 => "sampling is already at 100%".to_string(),
                Some(rate) => format!("set `rollout.sample_rate: 1.0`, now {rate}"),
                None => "set `rollout.sample_rate: 1.0`".to_string(),
            };
            out.push_str(&format!(
                "- `{}`: {}. Needs a {REVALIDATION} ({sampling}), never a silent update.\n",
                v.agent,
                v.reasons.join("; ")
            ));
        }
        out.push('\n');
    }
    if !r.rollout.is_empty() {
        out.push_str("### Rollout\n\n");
        for x in &r.rollout {
            out.push_str(&format!(
                "- `{}`: {} → {}\n",
                x.agent,
                x.before.as_deref().unwrap_or("none"),
                x.after.as_deref().unwrap_or("none")
            ));
        }
        out.push('\n');
    }
    if !r.findings_introduced.is_empty() {
        out.push_str("### Findings introduced\n\n");
        out.push_str(&output::markdown::findings(&r.findings_introduced, links));
        out.push('\n');
    }
    if !r.findings_fixed.is_empty() {
        out.push_str("### Findings fixed\n\n");
        for d in &r.findings_fixed {
            out.push_str(&format!("- ✅ `{}`: {}\n", d.rule, cell(&d.message)));
        }
        out.push('\n');
    }
    let nothing = r.tiers.is_empty()
        && r.permitted.is_empty()
        && r.relaxed.is_empty()
        && r.tools.is_empty()
        && r.grants_added.is_empty()
        && r.grants_removed.is_empty()
        && r.fields_changed.is_empty()
        && r.reach_added.is_empty()
        && r.reach_removed.is_empty()
        && r.flows_added.is_empty()
        && r.flows_removed.is_empty()
        && r.revalidation.is_empty()
        && r.rollout.is_empty()
        && r.agents_added.is_empty()
        && r.agents_removed.is_empty()
        && r.findings_introduced.is_empty()
        && r.findings_fixed.is_empty();
    if nothing {
        out.push_str("No change to what the agents may do.\n");
    }
    out
}
