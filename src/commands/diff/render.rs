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
        headline.push(format!("**{} tier(s) relaxed**", r.relaxations));
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
