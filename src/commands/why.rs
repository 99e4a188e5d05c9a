//! `agentgov why`: a decision and every reason behind it.

use crate::analysis::Checked;
use crate::cli::{CommonArgs, EXIT_FINDINGS, EXIT_OK, EXIT_UNREADABLE};
use crate::decide::{FactValue, Outcome, Request};
use crate::diag::tick;
use crate::model::{FactType, Mode};
use clap::Args;
use std::collections::BTreeMap;

#[derive(Args, Debug)]
pub struct WhyArgs {
    /// The agent.
    pub agent: String,
    /// The operation, `connector.resource.operation`.
    pub operation: String,
    #[command(flatten)]
    pub common: CommonArgs,
    /// Fields the action touches, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub fields: Option<Vec<String>>,
    /// The workflow the action runs in.
    #[arg(long)]
    pub workflow: Option<String>,
    /// A runtime fact, `fact=value` (repeatable).
    #[arg(long = "context", value_name = "FACT=VALUE")]
    pub context: Vec<String>,
}

/// Parses `fact=value` pairs by the Policy's fact types.
pub fn parse_context(
    pairs: &[String],
    facts: &BTreeMap<String, FactType>,
) -> Result<BTreeMap<String, FactValue>, String> {
    let mut out = BTreeMap::new();
    for p in pairs {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| format!("`{p}` is not `fact=value`"))?;
        let (k, v) = (k.trim(), v.trim());
        let value = match facts.get(k) {
            Some(FactType::Bool) => match v {
                "true" => FactValue::Bool(true),
                "false" => FactValue::Bool(false),
                _ => {
                    return Err(format!(
                        "fact `{k}` is a bool: write `{k}=true` or `{k}=false`"
                    ))
                }
            },
            Some(FactType::Number) => FactValue::Number(
                v.parse()
                    .map_err(|_| format!("fact `{k}` is a number, got `{v}`"))?,
            ),
            Some(FactType::String) => FactValue::String(v.to_string()),
            None => {
                let help = crate::diag::suggestion_help(
                    k,
                    facts.keys().map(|s| s.as_str()),
                    "the Policy declares no such fact",
                );
                return Err(format!("unknown fact `{k}`: {help}"));
            }
        };
        out.insert(k.to_string(), value);
    }
    Ok(out)
}

/// The explanation, as text.
pub fn explain(c: &Checked, req: &Request) -> String {
    let plan = c.plan.as_ref().expect("checked without errors");
    let m = &c.resolved.as_ref().expect("resolved").model;
    let d = plan.decide(req);
    let mut out = String::new();
    let verdict = match d.effect {
        Outcome::Allow => "allow".to_string(),
        Outcome::Approve => format!(
            "approve: needs tier {}",
            tick(d.tier.as_deref().unwrap_or(""))
        ),
        Outcome::Deny => "deny".to_string(),
    };
    out.push_str(&format!("{} {} → {verdict}\n", req.agent, req.operation));
    let at = |doc, ptr: &str| {
        let l = c.ws.loc(doc, ptr);
        format!("{}:{}:{}", l.file, l.line, l.column)
    };
    let Some(agent) = m.agents.get(&req.agent) else {
        out.push_str(&format!(
            "  - no agent {} is defined: default deny\n",
            tick(&req.agent)
        ));
        return out;
    };
    out.push_str(&format!(
        "  - agent mode: {} ({})\n",
        agent.spec.mode.as_str(),
        at(agent.doc, "/spec/mode")
    ));
    for r in &d.reasons {
        let (code, arg) = r.split_once(':').unwrap_or((r.as_str(), ""));
        let line = match code {
            "agent-paused" => "the agent is paused: every action is denied".to_string(),
            "not-granted" => {
                let mut s = format!(
                    "no grant of {} covers {}",
                    tick(&req.agent),
                    tick(&req.operation)
                );
                match &req.fields {
                    Some(f) if f.is_empty() => s.push_str(" with an empty field list"),
                    Some(f) => s.push_str(&format!(" with fields {}", f.join(", "))),
                    None => {}
                }
                s.push_str(": default deny");
                // Only a delegate whose own decision is not a deny for this very request.
                let covers = |name: &str| {
                    let mut r = req.clone();
                    r.agent = name.to_string();
                    plan.decide(&r).effect != Outcome::Deny
                };
                if let Some(g) = c.graph.as_ref() {
                    if let Some(path) = g.delegation_path_where(&req.agent, covers) {
                        s.push_str(&format!(
                            "\n    it is reachable through delegation: {}",
                            path.join(" → ")
                        ));
                    }
                }
                s
            }
            "prohibited" => {
                let p = m
                    .policy()
                    .prohibited
                    .iter()
                    .position(|p| p.operation == arg)
                    .unwrap_or(0);
                let reason = &m.policy().prohibited[p].reason;
                format!(
                    "prohibited by {}: {reason} ({})",
                    tick(arg),
                    at(
                        m.policy.as_ref().expect("policy").doc,
                        &format!("/spec/prohibited/{p}")
                    )
                )
            }
            "gate" => {
                let (wf, step) = arg.split_once('.').unwrap_or((arg, ""));
                let w = m.workflows.get(wf);
                let (gate, loc) = w
                    .and_then(|w| {
                        w.spec
                            .steps
                            .iter()
                            .position(|s| s.id == step)
                            .map(|i| (w, i))
                    })
                    .map(|(w, i)| {
                        (
                            w.spec.steps[i].gate.clone(),
                            at(w.doc, &format!("/spec/steps/{i}/gate")),
                        )
                    })
                    .unwrap_or_default();
                format!(
                    "step {} of workflow {} has gate {} ({loc})",
                    tick(step),
                    tick(wf),
                    tick(gate)
                )
            }
            "derive" => {
                let i: usize = arg.parse().unwrap_or(0);
                let rule = &m.policy().derive[i];
                format!(
                    "derive rule #{i} ({}) requires {} ({})",
                    crate::emit::site::facts::when_text(&rule.when),
                    tick(&rule.require),
                    at(
                        m.policy.as_ref().expect("policy").doc,
                        &format!("/spec/derive/{i}")
                    )
                )
            }
            "escalation" => {
                let i = m
                    .policy()
                    .escalations
                    .iter()
                    .position(|e| e.id == arg)
                    .unwrap_or(0);
                let e = &m.policy().escalations[i];
                format!(
                    "escalation {} holds ({}) and raises to {} ({})",
                    tick(arg),
                    crate::emit::site::facts::condition_text(&e.when),
                    tick(&e.raise_to),
                    at(
                        m.policy.as_ref().expect("policy").doc,
                        &format!("/spec/escalations/{i}")
                    )
                )
            }
            "recommend-only" => format!(
                "the agent is recommend-only: a non-read operation needs {}",
                tick(&plan.tiers[plan.recommend_only_rank])
            ),
            _ => r.clone(),
        };
        out.push_str(&format!("  - {line}\n"));
    }
    if d.effect == Outcome::Allow {
        out.push_str(
            "  - no gate, derive rule or escalation asks for more than the weakest tier\n",
        );
    }
    if agent.spec.mode == Mode::RecommendOnly
        && d.effect != Outcome::Deny
        && !d.reasons.iter().any(|r| r == "recommend-only")
    {
        out.push_str("  - the agent is recommend-only, but this operation only reads\n");
    }
    if d.effect == Outcome::Approve {
        if let Some(t) = m
            .policy()
            .tiers
            .iter()
            .find(|t| Some(&t.id) == d.tier.as_ref())
        {
            let groups: Vec<String> = t.approvals.iter().map(|a| tick(&a.from)).collect();
            out.push_str(&format!(
                "  - to proceed: {} distinct approver(s) covering {}\n",
                t.approvals.len(),
                if groups.is_empty() {
                    "no particular group".into()
                } else {
                    groups.join(", ")
                }
            ));
        }
    }
    out
}

pub fn run(a: WhyArgs) -> i32 {
    let c = match super::common::load_or_exit(&a.common) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if c.plan.is_none() {
        crate::out!("{}", super::common::human_report(&c, false));
        eprintln!("error: fix the errors above first");
        return EXIT_FINDINGS;
    }
    let m = &c.resolved.as_ref().expect("resolved").model;
    let agent = a.agent.trim().to_string();
    let operation = a.operation.trim().to_string();
    if !m.agents.contains_key(&agent) {
        let help = crate::diag::suggestion_help(
            &agent,
            m.agents.keys().map(|s| s.as_str()),
            "no Agent document defines it",
        );
        eprintln!("error: unknown agent `{agent}`: {help}");
        return EXIT_UNREADABLE;
    }
    let ops: Vec<String> = m.all_operations().map(|(o, _)| o.to_string()).collect();
    if !ops.contains(&operation) {
        let help = crate::diag::suggestion_help(
            &operation,
            ops.iter().map(|s| s.as_str()),
            "write `connector.resource.operation`, as a Connector defines it",
        );
        eprintln!("error: unknown operation `{operation}`: {help}");
        return EXIT_UNREADABLE;
    }
    // `--fields ''` is the empty list; names are trimmed.
    let fields = a.fields.map(|f| {
        f.iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
    });
    let workflow = a
        .workflow
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty());
    if let Some(w) = &workflow {
        if !m.workflows.contains_key(w) {
            let help = crate::diag::suggestion_help(
                w,
                m.workflows.keys().map(|s| s.as_str()),
                "no Workflow document defines it",
            );
            eprintln!("note: unknown workflow `{w}`: {help}; the decision is that of a request naming no workflow with steps for it");
        }
    }
    let facts = &m.policy().facts;
    let context = match parse_context(&a.context, facts) {
        Ok(cx) => cx,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_UNREADABLE;
        }
    };
    let req = Request {
        agent,
        operation,
        fields,
        workflow,
        context,
    };
    crate::out!("{}", explain(&c, &req));
    EXIT_OK
}
