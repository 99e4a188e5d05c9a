//! Controls of the usual frameworks, each mapped to evidence computed from this repository.
//!
//! A control is `met` when every piece of its evidence holds, `partial` when some does, and
//! `unmet` when none does. Evidence is of two kinds: a fact computed from the model and the plan
//! (so it holds even where a rule is switched off), and a rule of `agentgov check` that has no
//! active finding (waived findings are shown as such).

use super::facts::{self, decide};
use crate::decide::Outcome;
use crate::emit::EmitContext;
use crate::model::{Effect, Metric, PolicySpec, Reversibility, RuleLevel};
use crate::rules::RuleInfo;
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    pub ok: bool,
    /// What is checked.
    pub what: String,
    /// What was found.
    pub detail: String,
    /// Repository files that hold the evidence; the page shows them as a short phrase
    /// ([`sources`]), since many controls rest on the same files.
    #[serde(serialize_with = "serialize_sources")]
    pub files: Vec<String>,
    /// The `agentgov check` rule, for rule evidence.
    pub rule: Option<String>,
}

/// The files as the page names them: one or two by name, more by folder and count ("6 files in
/// `agents/`"), so that a list shared by many controls does not repeat in full.
pub fn sources(files: &[String]) -> String {
    let quoted = |f: &String| format!("`{f}`");
    match files {
        [] => String::new(),
        [a] => quoted(a),
        [a, b] => format!("{} and {}", quoted(a), quoted(b)),
        _ => {
            let mut folders: std::collections::BTreeMap<&str, usize> = Default::default();
            for f in files {
                *folders
                    .entry(f.rsplit_once('/').map_or("", |(d, _)| d))
                    .or_default() += 1;
            }
            // Files at the root (the Policy, the Team) by name; folders by count.
            let mut parts: Vec<String> = files
                .iter()
                .filter(|f| !f.contains('/'))
                .map(quoted)
                .collect();
            parts.extend(
                folders
                    .iter()
                    .filter(|(d, _)| !d.is_empty())
                    .map(|(d, n)| match n {
                        1 => format!("1 file in `{d}/`"),
                        n => format!("{n} files in `{d}/`"),
                    }),
            );
            parts.join(", ")
        }
    }
}

fn serialize_sources<S: serde::Serializer>(files: &[String], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&sources(files))
}

#[derive(Debug, Clone, Serialize)]
pub struct Control {
    pub framework: &'static str,
    pub id: &'static str,
    pub title: &'static str,
    pub asks: &'static str,
    pub status: &'static str,
    pub evidence: Vec<Evidence>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Framework {
    pub id: &'static str,
    pub name: &'static str,
    pub controls: Vec<Control>,
}

fn sorted(v: impl IntoIterator<Item = String>) -> Vec<String> {
    let s: BTreeSet<String> = v.into_iter().collect();
    s.into_iter().collect()
}

fn policy_file(cx: &EmitContext) -> Vec<String> {
    cx.model
        .policy
        .as_ref()
        .map(|p| facts::file_of(cx, p.doc))
        .into_iter()
        .collect()
}

fn agent_files(cx: &EmitContext, names: impl IntoIterator<Item = String>) -> Vec<String> {
    sorted(
        names
            .into_iter()
            .filter_map(|n| cx.model.agents.get(&n).map(|a| facts::file_of(cx, a.doc))),
    )
}

fn workflow_files(cx: &EmitContext) -> Vec<String> {
    sorted(
        cx.model
            .workflows
            .values()
            .map(|w| facts::file_of(cx, w.doc)),
    )
}

fn list(v: &[String], max: usize) -> String {
    if v.len() <= max {
        v.join("; ")
    } else {
        format!("{}; and {} more", v[..max].join("; "), v.len() - max)
    }
}

fn fact(what: &str, failures: Vec<String>, ok_detail: String, files: Vec<String>) -> Evidence {
    Evidence {
        ok: failures.is_empty(),
        what: what.to_string(),
        detail: if failures.is_empty() {
            ok_detail
        } else {
            format!("not met: {}", list(&failures, 4))
        },
        files,
        rule: None,
    }
}

/// Evidence that is what rules of `agentgov check` found: it holds when they have no active
/// finding (waived findings are mentioned). A rule the Policy switches off is still evaluated
/// (its findings are kept apart by the check) and the evidence says so, so that a control can
/// never read "met" only because its check was silenced.
fn rule_fact(
    cx: &EmitContext,
    rules: &[&'static RuleInfo],
    what: &str,
    ok_detail: String,
    files: Vec<String>,
) -> Evidence {
    let levels = &cx.model.policy().rules;
    let off: Vec<&str> = rules
        .iter()
        .filter(|r| levels.get(r.name) == Some(&RuleLevel::Off))
        .map(|r| r.name)
        .collect();
    let found: Vec<&crate::diag::Diagnostic> = cx
        .diagnostics
        .iter()
        .chain(cx.switched_off)
        .filter(|d| rules.iter().any(|r| r.name == d.rule))
        .collect();
    let waived = found.iter().filter(|d| d.waived.is_some()).count();
    let active: Vec<String> = found
        .iter()
        .filter(|d| d.waived.is_none())
        .map(|d| d.message.clone())
        .collect();
    let mut detail = if !active.is_empty() {
        format!(
            "not met: {} finding{}: {}",
            active.len(),
            if active.len() == 1 { "" } else { "s" },
            list(&active, 4)
        )
    } else if waived > 0 {
        format!(
            "{ok_detail}; {waived} finding{} waived (see waivers)",
            if waived == 1 { "" } else { "s" }
        )
    } else {
        ok_detail
    };
    if !off.is_empty() {
        detail = format!(
            "{} switched off in the Policy's `rules`, still examined: {detail}",
            off.iter()
                .map(|r| format!("`{r}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let finding_files = sorted(
        found
            .iter()
            .filter_map(|d| d.location.as_ref().map(|l| l.file.clone())),
    );
    Evidence {
        ok: active.is_empty(),
        what: what.to_string(),
        detail,
        files: if finding_files.is_empty() {
            files
        } else {
            finding_files
        },
        // The first rule is the one the page links to.
        rule: rules.first().map(|r| r.name.to_string()),
    }
}

// ------------------------------------------------------------------ facts used as evidence

/// How many granted external or irreversible operations need an approval (the size of what
/// `ungated-irreversible-action` examined).
fn gated_risky(cx: &EmitContext) -> usize {
    cx.plan
        .agents
        .iter()
        .flat_map(|(a, ap)| ap.operations.iter().map(move |(op, p)| (a, op, p)))
        .filter(|(_, _, p)| {
            p.effect == Effect::External || p.reversibility == Reversibility::Irreversible
        })
        .filter(|(a, op, _)| decide(cx, a, op, None, None).effect == Outcome::Approve)
        .count()
}

fn agents_with_external_effects(cx: &EmitContext) -> Vec<String> {
    cx.model
        .agents
        .keys()
        .filter(|a| facts::has_external_effects(cx, a))
        .cloned()
        .collect()
}

fn unmonitored(cx: &EmitContext, metrics: Option<&[Metric]>) -> Vec<String> {
    cx.model
        .agents
        .values()
        .filter(|a| {
            !a.spec
                .monitors
                .iter()
                .any(|m| metrics.is_none_or(|ms| ms.contains(&m.metric)))
        })
        .map(|a| match metrics {
            None => format!("{} has no monitor", a.name),
            Some(ms) => format!(
                "{} has no monitor on {}",
                a.name,
                ms.iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        })
        .collect()
}

fn no_risk_profile(cx: &EmitContext) -> Vec<String> {
    cx.model
        .workflows
        .values()
        .filter(|w| w.spec.risk.is_none())
        .map(|w| format!("{} has no risk profile", w.name))
        .collect()
}

fn agents_without_workflow(cx: &EmitContext) -> Vec<String> {
    cx.model
        .agents
        .keys()
        .filter(|a| facts::agent_workflows(cx, a).is_empty())
        .map(|a| format!("{a} is in no workflow (no documented use case)"))
        .collect()
}

fn all_agents(cx: &EmitContext) -> Vec<String> {
    agent_files(cx, cx.model.agents.keys().cloned())
}

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// Every framework and control, evaluated.
pub fn evaluate(cx: &EmitContext) -> Vec<Framework> {
    let s = Shared::new(cx);
    let p = cx.model.policy();
    vec![
        owasp_llm06(&s, cx, p),
        owasp_asi(&s, cx, p),
        eu_ai_act(&s, cx, p),
        nist_ai_rmf(&s, cx, p),
    ]
}

/// What the evidence of several frameworks shares, computed once.
struct Shared<'a> {
    cx: &'a EmitContext<'a>,
    p: &'a PolicySpec,
    n_agents: usize,
    n_workflows: usize,
    n_granted: usize,
    gated: usize,
    external_agents: Vec<String>,
    approver_tiers: usize,
    pausers: BTreeSet<String>,
    tests: usize,
    test_files: Vec<String>,
    playbook_files: Vec<String>,
    team_files: Vec<String>,
    waiver_files: Vec<String>,
    connector_files: Vec<String>,
    retention_note: Option<String>,
}

impl<'a> Shared<'a> {
    fn new(cx: &'a EmitContext<'a>) -> Self {
        let p = cx.model.policy();
        let n_agents = cx.model.agents.len();
        let n_workflows = cx.model.workflows.len();
        let n_granted: usize = cx.plan.agents.values().map(|a| a.operations.len()).sum();
        let gated = gated_risky(cx);
        let external_agents = agents_with_external_effects(cx);
        let approver_tiers = cx.plan.approvals.iter().filter(|a| a.count > 0).count();
        let pausers: BTreeSet<String> = cx
            .model
            .agents
            .keys()
            .flat_map(|a| facts::pausers(cx, a))
            .collect();
        let tests: usize = cx.model.tests.iter().map(|t| t.spec.cases.len()).sum();
        let test_files = sorted(cx.model.tests.iter().map(|t| facts::file_of(cx, t.doc)));
        let playbook_files = sorted(
            cx.model
                .playbooks
                .values()
                .map(|p| facts::file_of(cx, p.doc)),
        );
        let team_files = sorted(cx.model.team_docs.iter().map(|d| facts::file_of(cx, *d)));
        let waiver_files = sorted(cx.model.waivers.iter().map(|w| facts::file_of(cx, w.doc)));
        let connector_files = sorted(
            cx.model
                .connectors
                .values()
                .map(|c| facts::file_of(cx, c.doc)),
        );
        let retention_note = p.audit.as_ref().and_then(|a| a.retention_days).and_then(|b| {
        (b.max < 183).then(|| {
            format!(
                "Detailed logs are kept at most {} days. If a system falls under the Act's high-risk categories, \
                 Articles 19 and 26(6) ask providers and deployers to keep its automatically generated logs for at \
                 least six months: check whether your aggregates or another store cover that.",
                b.max
            )
        })
    });

        Shared {
            cx,
            p,
            n_agents,
            n_workflows,
            n_granted,
            gated,
            external_agents,
            approver_tiers,
            pausers,
            tests,
            test_files,
            playbook_files,
            team_files,
            waiver_files,
            connector_files,
            retention_note,
        }
    }

    fn risky_gated(&self, what: &str) -> Evidence {
        rule_fact(
            self.cx,
            &[&crate::rules::ungated_irreversible_action::UNGATED_IRREVERSIBLE_ACTION],
            what,
            format!(
                "{} of external or irreversible operations need at least one approval",
                plural(self.gated, "grant")
            ),
            agent_files(self.cx, self.cx.model.agents.keys().cloned())
                .into_iter()
                .chain(policy_file(self.cx))
                .collect(),
        )
    }

    fn pause(&self) -> Evidence {
        rule_fact(
            self.cx,
            &[&crate::rules::no_pause_authority::NO_PAUSE_AUTHORITY],
            "Someone can pause every agent with external effects (a playbook's `can_pause`)",
            format!(
                "{} with external effects; {} can pause agents",
                plural(self.external_agents.len(), "agent"),
                plural(self.pausers.len(), "person")
            ),
            self.playbook_files.clone(),
        )
    }

    fn responses(&self, what: &str) -> Evidence {
        let monitors: usize = self
            .cx
            .model
            .agents
            .values()
            .map(|a| a.spec.monitors.len())
            .sum();
        rule_fact(
            self.cx,
            &[&crate::rules::monitor_without_response::MONITOR_WITHOUT_RESPONSE],
            what,
            format!(
                "{} downgrade or pause their agents",
                plural(monitors, "monitor")
            ),
            all_agents(self.cx),
        )
    }

    fn audit_fact(&self) -> Evidence {
        rule_fact(
            self.cx,
            &[&crate::rules::audit_fields_missing::AUDIT_FIELDS_MISSING],
            "Each workflow logs the audit fields its tier requires (cumulative)",
            format!(
                "{} log what their tier requires",
                plural(self.n_workflows, "workflow")
            ),
            workflow_files(self.cx)
                .into_iter()
                .chain(policy_file(self.cx))
                .collect(),
        )
    }

    fn retention_fact(&self) -> Evidence {
        const WHAT: &str = "Detailed logs have a bounded retention";
        let Some(b) = self.p.audit.as_ref().and_then(|a| a.retention_days) else {
            // Without bounds `retention-out-of-bounds` has nothing to check against.
            return fact(
                WHAT,
                vec!["the Policy sets no retention bounds".into()],
                String::new(),
                policy_file(self.cx),
            );
        };
        rule_fact(
            self.cx,
            &[&crate::rules::retention_out_of_bounds::RETENTION_OUT_OF_BOUNDS],
            WHAT,
            format!(
                "every workflow keeps detailed logs {}–{} days",
                b.min, b.max
            ),
            workflow_files(self.cx)
                .into_iter()
                .chain(policy_file(self.cx))
                .collect(),
        )
    }

    fn tiers_fact(&self) -> Evidence {
        fact(
            "Approval tiers name the groups that approve",
            if self.approver_tiers == 0 {
                vec!["no tier requires an approval".into()]
            } else {
                vec![]
            },
            format!(
                "{} with approvers: {}",
                plural(self.approver_tiers, "tier"),
                tiers_summary(self.cx)
            ),
            policy_file(self.cx),
        )
    }
}

/// A control: `met` when every piece of its evidence holds, `partial` when some does.
fn control(
    framework: &'static str,
    id: &'static str,
    title: &'static str,
    asks: &'static str,
    ev: Vec<Option<Evidence>>,
    note: Option<String>,
) -> Control {
    let evidence: Vec<Evidence> = ev.into_iter().flatten().collect();
    let ok = evidence.iter().filter(|e| e.ok).count();
    let status = if evidence.is_empty() || ok == 0 {
        "unmet"
    } else if ok == evidence.len() {
        "met"
    } else {
        "partial"
    };
    Control {
        framework,
        id,
        title,
        asks,
        status,
        evidence,
        note,
    }
}

/// OWASP Top 10 for LLM Applications, LLM06: Excessive Agency.
fn owasp_llm06(s: &Shared, cx: &EmitContext, p: &PolicySpec) -> Framework {
    Framework {
        id: "owasp-llm06",
        name: "OWASP Top 10 for LLM Applications 2025 — LLM06: Excessive Agency",
        controls: vec![
            control(
                "OWASP LLM06",
                "LLM06-functionality",
                "Excessive functionality",
                "Agents get only the tools and operations their task needs.",
                vec![Some(rule_fact(
                    cx,
                    &[&crate::rules::unused_grant::UNUSED_GRANT],
                    "Every granted operation is performed by a workflow step of that agent",
                    format!(
                        "all {} are used by a step",
                        plural(s.n_granted, "granted operation")
                    ),
                    all_agents(cx),
                ))],
                None,
            ),
            control(
                "OWASP LLM06",
                "LLM06-permissions",
                "Excessive permissions",
                "Agents reach only the data they need, directly or through other agents and syncs.",
                vec![
                    Some(rule_fact(
                        cx,
                        &[&crate::rules::broad_field_access::BROAD_FIELD_ACCESS],
                        "Grants on resources with personal or sensitive fields list their fields",
                        "every such grant lists its fields".into(),
                        all_agents(cx),
                    )),
                    Some(rule_fact(
                        cx,
                        &[&crate::rules::delegation_escalation::DELEGATION_ESCALATION],
                        "No agent reaches a risky operation only through delegation",
                        "no delegation widens what an agent can do".into(),
                        all_agents(cx),
                    )),
                    Some(rule_fact(
                        cx,
                        &[&crate::rules::data_flow_leak::DATA_FLOW_LEAK],
                        "Personal or sensitive data never syncs into a resource classified lower",
                        "every sync keeps or raises the classification".into(),
                        s.connector_files.clone(),
                    )),
                ],
                None,
            ),
            control(
                "OWASP LLM06",
                "LLM06-autonomy",
                "Excessive autonomy",
                "High-impact actions need a human approval before they run.",
                vec![
                    Some(s.risky_gated("External and irreversible operations need approval")),
                    Some(rule_fact(
                        cx,
                        &[&crate::rules::gate_below_consequence::GATE_BELOW_CONSEQUENCE],
                        "Each step's gate is at least what the Policy's derive rules require",
                        "every gate meets what its consequence requires".into(),
                        workflow_files(cx)
                            .into_iter()
                            .chain(policy_file(cx))
                            .collect(),
                    )),
                    Some(fact(
                        "The Policy prohibits what agents must never do",
                        if p.prohibited.is_empty() {
                            vec!["no prohibitions".into()]
                        } else {
                            vec![]
                        },
                        format!(
                            "{}: {}",
                            plural(p.prohibited.len(), "prohibition"),
                            p.prohibited
                                .iter()
                                .map(|x| x.operation.clone())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        policy_file(cx),
                    )),
                ],
                None,
            ),
        ],
    }
}

/// The OWASP Top 10 for Agentic Applications (2026), ASI01–ASI10: what governance files can
/// evidence for each; risks that live in the runtime alone say so in their note.
fn owasp_asi(s: &Shared, cx: &EmitContext, p: &PolicySpec) -> Framework {
    const F: &str = "OWASP ASI";
    let rule =
        |rules: &[&'static crate::rules::RuleInfo], what: &str, holds: &str, files: Vec<String>| {
            Some(rule_fact(cx, rules, what, holds.to_string(), files))
        };
    let escalations = || {
        Some(fact(
            "Escalation triggers raise the tier on risky context",
            if p.escalations.is_empty() {
                vec!["the Policy has no escalation triggers".into()]
            } else {
                vec![]
            },
            format!(
                "{}: {}",
                plural(p.escalations.len(), "trigger"),
                p.escalations
                    .iter()
                    .map(|e| e.id.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            policy_file(cx),
        ))
    };
    let prohibitions = || {
        Some(fact(
            "Prohibitions hold whatever the agent is asked",
            if p.prohibited.is_empty() {
                vec!["no prohibitions".into()]
            } else {
                vec![]
            },
            plural(p.prohibited.len(), "prohibition"),
            policy_file(cx),
        ))
    };
    let default_deny = || {
        Some(fact(
            "Default deny: agents act only through explicit grants",
            vec![],
            format!(
                "{} across {}; everything else is denied",
                plural(s.n_granted, "granted operation"),
                plural(s.n_agents, "agent")
            ),
            all_agents(cx),
        ))
    };
    let delegation = || {
        rule(
            &[&crate::rules::delegation_escalation::DELEGATION_ESCALATION],
            "No agent reaches a risky operation only through delegation",
            "delegation never widens what an agent can do",
            all_agents(cx),
        )
    };
    let cycles = || {
        rule(
            &[&crate::rules::delegation_cycle::DELEGATION_CYCLE],
            "No delegation cycle",
            "delegation has no cycle",
            all_agents(cx),
        )
    };
    let leaks = || {
        rule(
            &[&crate::rules::data_flow_leak::DATA_FLOW_LEAK],
            "Personal or sensitive data never syncs into a resource classified lower",
            "every sync keeps or raises the classification",
            s.connector_files.clone(),
        )
    };
    let feedback = || {
        Some(fact(
            "Every agent is monitored for rejections or corrections",
            unmonitored(
                cx,
                Some(&[
                    Metric::RejectionRate,
                    Metric::RejectionRateIncrease,
                    Metric::Corrections,
                ]),
            ),
            "every agent has a rejection or correction monitor".into(),
            all_agents(cx),
        ))
    };
    let checklists = || {
        rule(
            &[&crate::rules::missing_checklist::MISSING_CHECKLIST],
            "Steps that need two or more approvals have a reviewer checklist",
            "every such step has a checklist",
            workflow_files(cx),
        )
    };
    let tools = || {
        rule(
            &[&crate::rules::unknown_tool::UNKNOWN_TOOL, &crate::rules::ungoverned_tool::UNGOVERNED_TOOL],
            "Every tool of a bound MCP server is bound to an operation or ignored on purpose, and every binding names a tool of the server's snapshot",
            "every tool is governed",
            s.connector_files.clone(),
        )
    };
    Framework {
        id: "owasp-asi",
        name: "OWASP Top 10 for Agentic Applications 2026 (ASI01–ASI10)",
        controls: vec![
            control(F, "ASI01", "Agent Goal Hijack",
                "A hijacked goal cannot turn into a high-impact action: prohibitions, escalation on risky context, approval before external or irreversible steps.",
                vec![prohibitions(), escalations(), Some(s.risky_gated("External and irreversible operations need approval"))], None),
            control(F, "ASI02", "Tool Misuse and Exploitation",
                "Tools are used only as authorised: least privilege, approval for high-impact calls, monitoring of tool use.",
                vec![default_deny(), Some(s.risky_gated("External and irreversible tool calls need approval")), tools(),
                     rule(&[&crate::rules::unmonitored_agent::UNMONITORED_AGENT], "Every agent has monitors", &format!("all {} are monitored", plural(s.n_agents, "agent")), all_agents(cx))], None),
            control(F, "ASI03", "Identity and Privilege Abuse",
                "No agent gains privileges through other agents, delegation loops or data flows.",
                vec![delegation(), cycles(), leaks()], None),
            control(F, "ASI04", "Agentic Supply Chain Vulnerabilities",
                "The tools an agent can reach are known and pinned: each bound server's tool list is a reviewed snapshot.",
                vec![tools()],
                Some("Only the tool lists: the provenance of models, packages and servers is outside the governance files.".into())),
            control(F, "ASI05", "Unexpected Code Execution",
                "Agents do not run generated code outside a sandbox.",
                vec![default_deny()],
                Some("Sandboxing is the runtime's: the governance files show only that an agent runs nothing it is not granted.".into())),
            control(F, "ASI06", "Memory and Context Poisoning",
                "What an agent read and decided is kept, so that poisoned context can be traced and undone.",
                vec![Some(s.audit_fact()), Some(s.retention_fact())],
                Some("Validating what enters an agent's memory is the runtime's; the logs make it traceable.".into())),
            control(F, "ASI07", "Insecure Inter-Agent Communication",
                "Agents hand work only to agents they are allowed to, without widening what either can do.",
                vec![delegation(), cycles()],
                Some("Authenticating and encrypting the messages themselves is the runtime's.".into())),
            control(F, "ASI08", "Cascading Failures",
                "One agent's error is caught before it spreads: reviewer checklists, monitors on rejections and corrections, classified data flows.",
                vec![checklists(), feedback(), leaks()], None),
            control(F, "ASI09", "Human-Agent Trust Exploitation",
                "Humans approve with enough people, a checklist, and sampling instead of rubber-stamping.",
                vec![
                    rule(&[&crate::rules::tier_understaffed::TIER_UNDERSTAFFED], "Every tier's groups supply enough distinct people", "every tier is staffed", s.team_files.clone().into_iter().chain(policy_file(cx)).collect()),
                    checklists(),
                    Some(rule_fact(cx, &[&crate::rules::sample_rate_below_policy::SAMPLE_RATE_BELOW_POLICY],
                        "Sampling rates follow the Policy's rollout stages",
                        p.sampling
                            .map(|s| format!("pilot samples {}%, then {}%", (s.initial_rate * 100.0).round(), (s.steady_rate * 100.0).round()))
                            .unwrap_or_default(),
                        all_agents(cx),
                    )),
                ], None),
            control(F, "ASI10", "Rogue Agents",
                "A misbehaving agent is detected and stopped: monitors with responses, named people who can pause it.",
                vec![Some(s.pause()), Some(s.responses("Monitors downgrade or pause the agent"))], None),
        ],
    }
}

/// The EU AI Act's obligations that governance files can evidence.
fn eu_ai_act(s: &Shared, cx: &EmitContext, p: &PolicySpec) -> Framework {
    Framework {
        id: "eu-ai-act",
        name: "EU AI Act (Regulation (EU) 2024/1689)",
        controls: vec![
            control(
                "EU AI Act",
                "Art. 12",
                "Record-keeping",
                "Automatic recording of events (logs) over the system's lifetime, enough to trace its functioning and monitor it.",
                vec![
                    Some(fact(
                        "The Policy defines what every tier logs, including the model version",
                        match &p.audit {
                            None => vec!["the Policy has no audit section".into()],
                            Some(a) if !a.required.values().flatten().any(|f| f == "model_version") => vec!["no tier logs model_version".into()],
                            Some(_) => vec![],
                        },
                        format!("required fields: {}", facts::required_audit(cx, cx.plan.tiers.len().saturating_sub(1)).join(", ")),
                        policy_file(cx),
                    )),
                    Some(s.audit_fact()),
                    Some(s.retention_fact()),
                ],
                s.retention_note.clone(),
            ),
            control(
                "EU AI Act",
                "Art. 14",
                "Human oversight",
                "People can understand, oversee, override and stop the system; oversight measures match the risk.",
                vec![
                    Some(s.tiers_fact()),
                    Some(s.risky_gated("External and irreversible operations need approval")),
                    Some(s.pause()),
                    Some(s.responses("Monitors downgrade to recommend-only or pause")),
                    Some(rule_fact(cx,&[&crate::rules::missing_checklist::MISSING_CHECKLIST],"Multi-approver steps have a reviewer checklist",  "every such step has a checklist".into(), workflow_files(cx))),
                ],
                None,
            ),
        ],
}
}

/// The NIST AI Risk Management Framework's functions.
fn nist_ai_rmf(s: &Shared, cx: &EmitContext, p: &PolicySpec) -> Framework {
    Framework {
        id: "nist-ai-rmf",
        name: "NIST AI Risk Management Framework 1.0",
        controls: vec![
            control(
                "NIST AI RMF",
                "GOVERN",
                "Govern",
                "Policies, accountability and a culture of risk management are in place.",
                vec![
                    Some(rule_fact(
                        cx,
                        &[&crate::rules::structure::UNKNOWN_OWNER],
                        "Every agent has a known business and technical owner",
                        format!("{} with named owners", plural(s.n_agents, "agent")),
                        all_agents(cx),
                    )),
                    Some(rule_fact(
                        cx,
                        &[&crate::rules::review_overdue::REVIEW_OVERDUE],
                        "Every agent was reviewed within its cadence",
                        "no review is overdue".into(),
                        all_agents(cx),
                    )),
                    Some(rule_fact(
                        cx,
                        &[
                            &crate::rules::waiver_expired::WAIVER_EXPIRED,
                            &crate::rules::waiver_unjustified::WAIVER_UNJUSTIFIED,
                        ],
                        "Exceptions are justified, approved and time-limited",
                        format!(
                            "{}, all current and justified",
                            plural(cx.model.waivers.len(), "waiver")
                        ),
                        s.waiver_files.clone(),
                    )),
                ],
                None,
            ),
            control(
                "NIST AI RMF",
                "MAP",
                "Map",
                "Context, use cases and risks of each system are known.",
                vec![
                    Some(fact(
                        "Every workflow has a risk profile",
                        no_risk_profile(cx),
                        format!("{} with risk profiles", plural(s.n_workflows, "workflow")),
                        workflow_files(cx),
                    )),
                    Some(fact(
                        "Every agent serves a documented use case",
                        agents_without_workflow(cx),
                        "every agent takes part in a workflow".into(),
                        all_agents(cx),
                    )),
                    Some(fact(
                        "Systems, data classes and the effect of every operation are declared",
                        vec![],
                        format!(
                            "{} with {}",
                            plural(cx.model.connectors.len(), "connector"),
                            plural(cx.model.all_operations().count(), "operation")
                        ),
                        s.connector_files.clone(),
                    )),
                ],
                None,
            ),
            control(
                "NIST AI RMF",
                "MEASURE",
                "Measure",
                "Risks are measured and tracked: metrics, thresholds, structured feedback, tests.",
                vec![
                    Some(rule_fact(
                        cx,
                        &[&crate::rules::unmonitored_agent::UNMONITORED_AGENT],
                        "Every agent has monitors with thresholds",
                        format!("all {} are monitored", plural(s.n_agents, "agent")),
                        all_agents(cx),
                    )),
                    Some(fact(
                        "Reviewers give structured rejection reasons",
                        if p.audit
                            .as_ref()
                            .is_none_or(|a| a.rejection_reasons.is_empty())
                        {
                            vec!["the Policy lists no rejection reasons".into()]
                        } else {
                            vec![]
                        },
                        p.audit
                            .as_ref()
                            .map(|a| a.rejection_reasons.join(", "))
                            .unwrap_or_default(),
                        policy_file(cx),
                    )),
                    Some(fact(
                        "Policy tests pin the decisions",
                        if s.tests == 0 {
                            vec!["no PolicyTest cases".into()]
                        } else {
                            vec![]
                        },
                        plural(s.tests, "test case"),
                        s.test_files.clone(),
                    )),
                ],
                None,
            ),
            control(
                "NIST AI RMF",
                "MANAGE",
                "Manage",
                "Risks are prioritised and acted on: rollback, incident response, containment.",
                vec![
                    Some(rule_fact(
                        cx,
                        &[&crate::rules::missing_rollback::MISSING_ROLLBACK],
                        "Workflows with irreversible or compensable steps have a rollback plan",
                        format!("{} with rollback plans", plural(s.n_workflows, "workflow")),
                        workflow_files(cx),
                    )),
                    Some(rule_fact(
                        cx,
                        &[&crate::rules::missing_playbook::MISSING_PLAYBOOK],
                        "Workflows that need approval have incident playbooks",
                        format!("{} available", plural(cx.model.playbooks.len(), "playbook")),
                        s.playbook_files.clone(),
                    )),
                    Some(s.responses("Monitors downgrade or pause a misbehaving agent")),
                ],
                None,
            ),
        ],
    }
}

fn tiers_summary(cx: &EmitContext) -> String {
    cx.plan
        .tiers
        .iter()
        .zip(&cx.plan.approvals)
        .filter(|(_, a)| a.count > 0)
        .map(|(t, a)| {
            format!(
                "{t} ({})",
                a.groups.iter().cloned().collect::<Vec<_>>().join(" + ")
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::util::testing::{base, checked};

    fn control<'a>(fw: &'a [Framework], id: &str) -> &'a Control {
        fw.iter()
            .flat_map(|f| &f.controls)
            .find(|c| c.id == id)
            .unwrap_or_else(|| panic!("no control {id}"))
    }

    fn evaluated(overlay: &[(&str, &str)]) -> (crate::analysis::Checked, Vec<Framework>) {
        let c = checked(overlay, &[]);
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).expect("date");
        let fw = evaluate(&EmitContext::from_checked(&c, today).expect("compiles"));
        (c, fw)
    }

    /// A Policy with `sensitive` but no `personal` class, and a sensitive resource that syncs
    /// into an internal one.
    fn sensitive_leak(rules: &str) -> Vec<(&'static str, String)> {
        let policy = base("policy.yaml")
            .replace(
                "classifications: [public, internal, confidential, personal, sensitive]",
                "classifications: [public, internal, confidential, sensitive]",
            )
            .replace("data_at_least: personal", "data_at_least: sensitive");
        assert!(policy.contains("[public, internal, confidential, sensitive]"));
        let policy = if rules.is_empty() {
            policy
        } else {
            policy.replacen("spec:\n", &format!("spec:\n  rules: {rules}\n"), 1)
        };
        let connectors = base("connectors.yaml").replace("personal", "sensitive");
        let warehouse = "apiVersion: agentgov.dev/v1
kind: Connector
metadata: { name: warehouse }
spec:
  system: Warehouse
  resources:
    raw:
      classification: sensitive
      fields: { email: sensitive }
      operations:
        read: { effect: internal, reversibility: reversible }
      syncs_to: [warehouse.dashboards]
    dashboards:
      classification: internal
      fields: { total: internal }
      operations:
        read: { effect: internal, reversibility: reversible }
";
        vec![
            ("policy.yaml", policy),
            ("connectors.yaml", connectors),
            ("warehouse.yaml", warehouse.to_string()),
        ]
    }

    fn leak_evidence(c: &Control) -> &Evidence {
        c.evidence
            .iter()
            .find(|e| e.rule.as_deref() == Some("data-flow-leak"))
            .expect("data-flow evidence")
    }

    #[test]
    fn check_and_framework_agree_on_a_sensitive_leak_without_a_personal_class() {
        let files = sensitive_leak("");
        let overlay: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
        let (c, fw) = evaluated(&overlay);
        let leak = c
            .diagnostics
            .iter()
            .find(|d| d.rule == "data-flow-leak")
            .expect("check reports the leak");
        let control = control(&fw, "LLM06-permissions");
        assert_ne!(control.status, "met");
        let e = leak_evidence(control);
        assert!(!e.ok);
        assert!(e.detail.contains(&leak.message), "{}", e.detail);
    }

    #[test]
    fn a_rule_switched_off_is_still_examined_and_says_so() {
        let files = sensitive_leak("{ data-flow-leak: off }");
        let overlay: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
        let (c, fw) = evaluated(&overlay);
        assert!(c.diagnostics.iter().all(|d| d.rule != "data-flow-leak"));
        let control = control(&fw, "LLM06-permissions");
        assert_ne!(control.status, "met");
        let e = leak_evidence(control);
        assert!(!e.ok);
        assert!(e.detail.contains("switched off"), "{}", e.detail);
        assert!(e.detail.contains("warehouse.raw"), "{}", e.detail);
    }

    #[test]
    fn rollback_evidence_is_the_rule() {
        // The base workflow has an irreversible send and a rollback plan: both agree it holds.
        let (_, fw) = evaluated(&[]);
        let holds = |fw: &[Framework]| {
            fw.iter()
                .flat_map(|f| &f.controls)
                .flat_map(|c| &c.evidence)
                .filter(|e| e.rule.as_deref() == Some("missing-rollback"))
                .all(|e| e.ok)
        };
        assert!(holds(&fw));
        // Without its rollback plan, check and the framework page both fail it.
        let wf = base("workflow.yaml");
        let rollback = wf
            .lines()
            .find(|l| l.trim_start().starts_with("rollback:"))
            .expect("a rollback line")
            .to_string();
        let without = wf.replace(&format!("{rollback}\n"), "");
        let (c, fw) = evaluated(&[("workflow.yaml", &without)]);
        assert!(c.diagnostics.iter().any(|d| d.rule == "missing-rollback"));
        assert!(!holds(&fw));
    }
}

#[cfg(test)]
mod source_tests {
    use super::sources;

    #[test]
    fn files_are_named_up_to_two_then_counted_by_folder() {
        let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(sources(&v(&[])), "");
        assert_eq!(sources(&v(&["policy.yaml"])), "`policy.yaml`");
        assert_eq!(
            sources(&v(&["team.yaml", "agents/a.yaml"])),
            "`team.yaml` and `agents/a.yaml`"
        );
        assert_eq!(
            sources(&v(&[
                "policy.yaml",
                "agents/a.yaml",
                "agents/b.yaml",
                "workflows/w.yaml"
            ])),
            "`policy.yaml`, 2 files in `agents/`, 1 file in `workflows/`"
        );
    }
}
