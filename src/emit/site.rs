//! `site/`: the policy site for compliance reviewers, rendered with tera from `templates/`.
//!
//! The pages are a pure function of the checked repository and `today`: no clock, no network,
//! sorted everywhere. Templates are embedded in the binary; `--templates DIR` replaces any of
//! them by file name. Every user text is escaped by tera's autoescape (HTML) or by the SVG and
//! Markdown writers here; the only `safe` values are the SVG and the rule documentation, both
//! produced and escaped in Rust.

pub mod evidence;
pub mod facts;
pub mod frameworks;
pub mod markdown;
pub mod svg;

use super::{Artifact, EmitContext, EmitError};
use crate::diag::Severity;
use facts::{OpRow, ReachRow};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use tera::Tera;

/// Built-in templates, by file name.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("macros.html", include_str!("../../templates/macros.html")),
    ("index.html", include_str!("../../templates/index.html")),
    ("agent.html", include_str!("../../templates/agent.html")),
    (
        "workflow.html",
        include_str!("../../templates/workflow.html"),
    ),
    (
        "comparison.html",
        include_str!("../../templates/comparison.html"),
    ),
    ("risks.html", include_str!("../../templates/risks.html")),
    (
        "approvals.html",
        include_str!("../../templates/approvals.html"),
    ),
    (
        "accountability.html",
        include_str!("../../templates/accountability.html"),
    ),
    (
        "playbooks.html",
        include_str!("../../templates/playbooks.html"),
    ),
    ("audit.html", include_str!("../../templates/audit.html")),
    (
        "evidence.html",
        include_str!("../../templates/evidence.html"),
    ),
    ("waivers.html", include_str!("../../templates/waivers.html")),
    ("rules.html", include_str!("../../templates/rules.html")),
    (
        "frameworks.html",
        include_str!("../../templates/frameworks.html"),
    ),
    ("POLICY.md", include_str!("../../templates/POLICY.md")),
];

/// Static files copied into `site/` (overridable by name too).
pub const STATIC: &[(&str, &str)] = &[("style.css", include_str!("../../templates/style.css"))];

/// The HTML entity for `& < > "`, the characters both escapings replace.
fn html_entity(c: char) -> Option<&'static str> {
    match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '"' => Some("&quot;"),
        _ => None,
    }
}

/// HTML escaping for tera: `& < > " '` (attribute values are always double-quoted).
fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match (html_entity(c), c) {
            (Some(e), _) => out.push_str(e),
            (None, '\'') => out.push_str("&#39;"),
            (None, c) => out.push(c),
        }
    }
    out
}

/// Markdown text escaping for POLICY.md: no HTML, no links, no table breaks, one line.
/// (`_` is left alone: GitHub Markdown does not emphasise inside words like `model_version`.)
pub fn escape_md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if let Some(e) = html_entity(c) {
            out.push_str(e);
            continue;
        }
        match c {
            '\\' | '`' | '*' | '[' | ']' | '|' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Escapes HTML, then turns `backtick` spans into `<code>` (for finding messages).
pub fn code_spans(s: &str) -> String {
    let escaped = escape_html(s);
    let parts: Vec<&str> = escaped.split('`').collect();
    if parts.len() % 2 == 0 {
        return escaped;
    }
    let mut out = String::with_capacity(escaped.len() + 16);
    for (i, part) in parts.iter().enumerate() {
        if i % 2 == 1 {
            out.push_str("<code>");
            out.push_str(part);
            out.push_str("</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

fn code_filter(v: &Value, _: &std::collections::HashMap<String, Value>) -> tera::Result<Value> {
    Ok(Value::String(match v {
        Value::String(s) => code_spans(s),
        Value::Null => String::new(),
        other => code_spans(&other.to_string()),
    }))
}

fn md_filter(v: &Value, _: &std::collections::HashMap<String, Value>) -> tera::Result<Value> {
    Ok(Value::String(match v {
        Value::String(s) => escape_md(s),
        Value::Null => String::new(),
        other => escape_md(&other.to_string()),
    }))
}

/// Reads the files of a `--templates DIR`: known template and static names, plus any other
/// `.html` file (for partials the overrides include).
fn overrides(dir: &Path) -> Result<BTreeMap<String, String>, EmitError> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        EmitError::TemplatesFolder(format!(
            "cannot read templates folder {}: {e}",
            dir.display()
        ))
    })?;
    let mut out = BTreeMap::new();
    for e in entries {
        let e = e.map_err(|e| {
            EmitError::TemplatesFolder(format!(
                "cannot read templates folder {}: {e}",
                dir.display()
            ))
        })?;
        let name = e.file_name().to_string_lossy().to_string();
        let known = TEMPLATES.iter().chain(STATIC).any(|(n, _)| *n == name);
        if (known || name.ends_with(".html")) && e.path().is_file() {
            let text = std::fs::read_to_string(e.path()).map_err(|err| {
                EmitError::TemplatesFolder(format!("cannot read {}: {err}", e.path().display()))
            })?;
            out.insert(name, text);
        }
    }
    Ok(out)
}

/// The template engine with the built-in templates, replaced by those in `dir`.
pub fn engine(dir: Option<&Path>) -> Result<(Tera, BTreeMap<String, String>), EmitError> {
    let mut files: BTreeMap<String, String> = TEMPLATES
        .iter()
        .chain(STATIC)
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    if let Some(d) = dir {
        files.extend(overrides(d)?);
    }
    let mut tera = Tera::default();
    tera.set_escape_fn(escape_html);
    tera.register_filter("md", md_filter);
    tera.register_filter("code", code_filter);
    let templates: Vec<(String, String)> = files
        .iter()
        .filter(|(n, _)| !STATIC.iter().any(|(s, _)| s == n))
        .map(|(n, t)| (n.clone(), t.clone()))
        .collect();
    tera.add_raw_templates(templates)
        .map_err(|e| EmitError::Template(template_error(&e)))?;
    let statics = files
        .into_iter()
        .filter(|(n, _)| STATIC.iter().any(|(s, _)| s == n))
        .collect();
    Ok((tera, statics))
}

/// A tera error with its causes, on one line.
pub(crate) fn template_error(e: &tera::Error) -> String {
    use std::error::Error;
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}

/// The site, with `cx.templates` overriding the built-in templates; `Err` names the template
/// problem (for `agentgov build` to report).
pub fn try_emit(cx: &EmitContext) -> Result<Vec<Artifact>, EmitError> {
    super::collect(|sink, _| render_site(cx, cx.templates, sink))
}

/// Renders the site page by page into `sink` (a large site is not held in memory).
pub fn emit_into(cx: &EmitContext, sink: super::Sink) -> Result<(), EmitError> {
    render_site(cx, cx.templates, sink)
}

// ---------------------------------------------------------------- view model

#[derive(Serialize)]
struct PersonView {
    id: String,
    name: String,
    email: String,
    role: Option<String>,
}

fn person(cx: &EmitContext, id: &str) -> PersonView {
    match cx.model.people.get(id) {
        Some(p) => PersonView {
            id: id.to_string(),
            name: p.person.name.clone(),
            email: p.person.email.clone(),
            role: p.person.role.clone(),
        },
        None => PersonView {
            id: id.to_string(),
            name: id.to_string(),
            email: String::new(),
            role: None,
        },
    }
}

fn names(cx: &EmitContext, ids: impl IntoIterator<Item = String>) -> Vec<String> {
    let set: BTreeSet<String> = ids.into_iter().collect();
    set.iter().map(|i| facts::person_name(cx, i)).collect()
}

#[derive(Serialize)]
struct TierView {
    id: String,
    rank: usize,
    label: String,
    description: Option<String>,
    count: usize,
    groups: Vec<GroupView>,
}

#[derive(Serialize)]
struct GroupView {
    id: String,
    members: Vec<String>,
}

/// Names shown inline in a list repeated per row or per page; the full membership is on the
/// approvals page.
const INLINE_NAMES_MAX: usize = 8;

fn cap_names(mut names: Vec<String>) -> Vec<String> {
    if names.len() > INLINE_NAMES_MAX {
        let more = names.len() - INLINE_NAMES_MAX;
        names.truncate(INLINE_NAMES_MAX);
        names.push(format!("and {more} more"));
    }
    names
}

fn tiers(cx: &EmitContext) -> Vec<TierView> {
    let p = cx.model.policy();
    p.tiers
        .iter()
        .enumerate()
        .map(|(i, t)| TierView {
            id: t.id.clone(),
            rank: i,
            label: facts::tier_label(cx, i),
            description: t.description.clone(),
            count: cx.plan.approvals[i].count,
            groups: t
                .approvals
                .iter()
                .map(|a| GroupView {
                    id: a.from.clone(),
                    members: cap_names(
                        facts::members(cx, &a.from)
                            .iter()
                            .map(|m| facts::person_name(cx, m))
                            .collect(),
                    ),
                })
                .collect(),
        })
        .collect()
}

#[derive(Serialize)]
struct AgentTier {
    id: String,
    label: String,
    approvers: String,
    ops: Vec<OpRow>,
}

#[derive(Serialize)]
struct AgentView {
    name: String,
    description: Option<String>,
    file: String,
    business: PersonView,
    technical: PersonView,
    model: crate::model::ModelRef,
    prompt_path: Option<String>,
    prompt_sha256: Option<String>,
    mode: &'static str,
    stage: Option<&'static str>,
    since: Option<String>,
    sample_pct: Option<String>,
    cadence: &'static str,
    last_reviewed: Option<String>,
    next_review: Option<String>,
    review_status: &'static str,
    tiers: Vec<AgentTier>,
    prohibited: Vec<OpRow>,
    not_granted: Vec<OpRow>,
    other_denied: usize,
    delegates: Vec<(String, Vec<String>)>,
    reach: Vec<ReachRow>,
    svg: String,
    monitors: Vec<Value>,
    playbooks: Vec<Value>,
    pausers: Vec<String>,
    workflows: Vec<String>,
    findings: Vec<Value>,
    /// The tools that perform its granted operations, and which targets enforce them.
    tools: Vec<Value>,
    /// Counts per tier, then prohibited and not granted, for the matrix.
    counts: Vec<usize>,
}

/// What the overview and the accountability page need of an agent: kept for every agent while
/// the full views are rendered one by one and dropped (together they would hold every picture).
struct AgentSummary {
    name: String,
    description: Option<String>,
    mode: &'static str,
    stage: Option<&'static str>,
    sample_pct: Option<String>,
    business: String,
    technical: String,
    cadence: &'static str,
    last_reviewed: Option<String>,
    next_review: Option<String>,
    review_status: &'static str,
    counts: Vec<usize>,
    /// Ids of the tiers some of its operations need.
    tiers_used: Vec<String>,
    pausers: Vec<String>,
    workflows: Vec<String>,
}

impl AgentSummary {
    fn of(v: AgentView) -> AgentSummary {
        AgentSummary {
            tiers_used: v
                .tiers
                .into_iter()
                .filter(|t| !t.ops.is_empty())
                .map(|t| t.id)
                .collect(),
            name: v.name,
            description: v.description,
            mode: v.mode,
            stage: v.stage,
            sample_pct: v.sample_pct,
            business: v.business.name,
            technical: v.technical.name,
            cadence: v.cadence,
            last_reviewed: v.last_reviewed,
            next_review: v.next_review,
            review_status: v.review_status,
            counts: v.counts,
            pausers: v.pausers,
            workflows: v.workflows,
        }
    }
}

fn pct(r: f64) -> String {
    let p = r * 100.0;
    if (p - p.round()).abs() < 1e-9 {
        format!("{}%", p.round() as i64)
    } else {
        format!("{p:.1}%")
    }
}

fn finding_view(cx: &EmitContext, d: &crate::diag::Diagnostic) -> Value {
    let _ = cx;
    json!({
        "rule": d.rule,
        "severity": if d.waived.is_some() { "waived" } else { d.severity.as_str() },
        "message": d.message,
        "help": d.help,
        "file": d.location.as_ref().map(|l| l.file.clone()),
        "line": d.location.as_ref().map(|l| l.line),
        "target": d.target,
        "waived": d.waived.as_ref().map(|w| json!({"by": facts::person_name(cx, &w.approved_by), "expires": w.expires, "justification": w.justification})),
    })
}

/// What every agent's view shares: computed once, not per agent.
struct AgentViewShared<'a> {
    tiers: Vec<TierView>,
    /// Findings by their target (`agent/NAME`, `workflow/NAME`).
    findings: HashMap<&'a str, Vec<&'a crate::diag::Diagnostic>>,
}

impl<'a> AgentViewShared<'a> {
    fn new(cx: &'a EmitContext) -> Self {
        let mut findings: HashMap<&str, Vec<&crate::diag::Diagnostic>> = HashMap::new();
        for d in cx.diagnostics {
            if let Some(t) = d.target.as_deref() {
                findings.entry(t).or_default().push(d);
            }
        }
        AgentViewShared {
            tiers: tiers(cx),
            findings,
        }
    }
}

fn agent_view(cx: &EmitContext, a: &crate::model::Agent, shared: &AgentViewShared) -> AgentView {
    let ops = facts::agent_ops(cx, &a.name);
    let ts = &shared.tiers;
    let mut counts: Vec<usize> = ops.by_tier.iter().map(Vec::len).collect();
    counts.push(ops.prohibited.len());
    counts.push(ops.not_granted.len());
    let tiers = ops
        .by_tier
        .into_iter()
        .zip(ts)
        .map(|(rows, t)| AgentTier {
            id: t.id.clone(),
            label: t.label.clone(),
            approvers: t
                .groups
                .iter()
                .map(|g| g.id.clone())
                .collect::<Vec<_>>()
                .join(" + "),
            ops: rows,
        })
        .collect();
    let reach = facts::reach(cx, &a.name);
    let svg = svg::reach_svg(&a.name, &reach, &cx.model.policy().classifications);
    let (cadence, next) = facts::next_review(cx, a);
    let rollout = a.spec.rollout.as_ref();
    AgentView {
        name: a.name.clone(),
        description: a.metadata.description.clone(),
        file: facts::file_of(cx, a.doc),
        business: person(cx, &a.spec.owners.business),
        technical: person(cx, &a.spec.owners.technical),
        model: a.spec.model.clone(),
        prompt_path: a.spec.prompt.as_ref().map(|p| p.path.clone()),
        prompt_sha256: cx.prompt_hashes.get(&a.name).cloned(),
        mode: a.spec.mode.as_str(),
        stage: rollout.map(|r| r.stage.as_str()),
        since: rollout.and_then(|r| r.since).map(|d| d.to_string()),
        sample_pct: rollout.and_then(|r| r.sample_rate).map(pct),
        cadence: cadence.as_str(),
        last_reviewed: a.spec.review.as_ref().and_then(|r| r.last_reviewed).map(|d| d.to_string()),
        next_review: next.map(|d| d.to_string()),
        review_status: facts::review_status(cx, next),
        tiers,
        prohibited: ops.prohibited,
        not_granted: ops.not_granted,
        other_denied: ops.other_denied,
        delegates: reach.delegates.clone(),
        reach: reach.resources.clone(),
        svg,
        monitors: a
            .spec
            .monitors
            .iter()
            .map(|m| {
                json!({"metric": m.metric.as_str(), "window": m.window, "above": m.above,
                       "then": m.then.map(|t| t.as_str()), "playbook": m.playbook})
            })
            .collect(),
        playbooks: facts::agent_playbooks(cx, &a.name)
            .iter()
            .filter_map(|p| cx.model.playbooks.get(p))
            .map(|p| json!({"name": p.name, "failure_mode": p.spec.failure_mode, "owner": facts::person_name(cx, &p.spec.owner)}))
            .collect(),
        pausers: names(cx, facts::pausers(cx, &a.name)),
        workflows: facts::agent_workflows(cx, &a.name).into_iter().collect(),
        findings: shared
            .findings
            .get(format!("agent/{}", a.name).as_str())
            .into_iter()
            .flatten()
            .map(|d| finding_view(cx, d))
            .collect(),
        tools: facts::agent_tools(cx, &a.name),
        counts,
    }
}

/// A workflow as its page shows it; without `detail`, as the summary pages list it (without its
/// steps and findings).
fn workflow_view(
    cx: &EmitContext,
    w: &crate::model::Workflow,
    shared: &AgentViewShared,
    detail: bool,
) -> Value {
    let tier = facts::workflow_tier(cx, w);
    let steps: Vec<Value> = w
        .spec
        .steps
        .iter()
        .filter(|_| detail)
        .map(|s| {
            let d = facts::step_decision(cx, w, s);
            let op = Some(&s.does);
            json!({
                "id": s.id, "agent": s.agent, "does": s.does, "fields": s.fields, "gate": s.gate,
                "effect": d.effect.as_str(),
                "tier": d.tier,
                "label": facts::tier_rank(cx, &d).map(|r| facts::tier_label(cx, r)),
                "why": d.reasons.iter().map(|r| facts::reason_text(cx, r)).collect::<Vec<_>>(),
                "touches": s.touches, "checklist": s.checklist, "description": s.description,
                "undo": op.as_ref().map(|o| facts::undo_text(cx, o)),
                "op_effect": op.as_ref().and_then(|o| cx.model.operation(o)).map(|o| o.effect.as_str()),
            })
        })
        .collect();
    let required = facts::required_audit(cx, tier);
    let missing: Vec<&String> = required
        .iter()
        .filter(|f| !w.spec.audit.contains(f))
        .collect();
    let standard: BTreeSet<&String> = cx
        .model
        .policy()
        .audit
        .iter()
        .flat_map(|a| a.required.values().flatten())
        .collect();
    let specific: Vec<&String> = w
        .spec
        .audit
        .iter()
        .filter(|f| !standard.contains(f))
        .collect();
    let bounds = cx
        .model
        .policy()
        .audit
        .as_ref()
        .and_then(|a| a.retention_days);
    let agents: BTreeSet<&String> = w.spec.steps.iter().map(|s| &s.agent).collect();
    let mut view = json!({
        "name": w.name,
        "description": w.metadata.description,
        "file": facts::file_of(cx, w.doc),
        "use_case": w.spec.use_case,
        "risk": w.spec.risk,
        "risk_level": facts::risk_level(cx, w),
        "tier": cx.plan.tiers[tier],
        "tier_label": facts::tier_label(cx, tier),
        "steps": steps,
        "agents": agents,
        "audit": w.spec.audit,
        "required": required,
        "missing": missing,
        "specific": specific,
        "retention": facts::retention(cx, w),
        "retention_default": w.spec.retention_days.is_none(),
        "bounds": bounds.map(|b| json!({"min": b.min, "max": b.max})),
        "rollback": w.spec.rollback.as_ref().map(|r| json!({"strategy": r.strategy, "owner": facts::person_name(cx, &r.owner), "within_minutes": r.within_minutes})),
        "playbooks": w.spec.playbooks.iter().filter_map(|p| cx.model.playbooks.get(p)).map(|p| json!({
            "name": p.name, "failure_mode": p.spec.failure_mode, "owner": facts::person_name(cx, &p.spec.owner),
            "can_pause": names(cx, p.spec.can_pause.iter().cloned()),
        })).collect::<Vec<_>>(),
        "approval_summary": approval_summary(cx, w),
        "findings": if detail { shared.findings.get(format!("workflow/{}", w.name).as_str()).into_iter().flatten().map(|d| finding_view(cx, d)).collect::<Vec<_>>() } else { Vec::new() },
    });
    if !detail {
        if let Value::Object(m) = &mut view {
            m.shift_remove("steps");
            m.shift_remove("findings");
        }
    }
    view
}

/// The approval column of the comparison table.
fn approval_summary(cx: &EmitContext, w: &crate::model::Workflow) -> String {
    let mut parts = Vec::new();
    for s in &w.spec.steps {
        let d = facts::step_decision(cx, w, s);
        if let Some(r) = facts::tier_rank(cx, &d).filter(|r| *r > 0) {
            let groups: Vec<String> = cx.plan.approvals[r].groups.iter().cloned().collect();
            parts.push(format!(
                "{} ({}, {}) before {}",
                cx.plan.tiers[r],
                facts::tier_label(cx, r),
                groups.join(" + "),
                s.id
            ));
        } else if d.effect == crate::decide::Outcome::Deny {
            parts.push(format!("{} is denied", s.id));
        }
    }
    let mut agents: Vec<&str> = w.spec.steps.iter().map(|s| s.agent.as_str()).collect();
    agents.sort();
    agents.dedup();
    let sampling: Vec<String> = agents
        .iter()
        .filter_map(|a| {
            let r = cx.model.agents.get(*a)?.spec.rollout.as_ref()?;
            Some(format!(
                "{a}: {} stage, {} of outputs reviewed",
                r.stage.as_str(),
                pct(r.sample_rate?)
            ))
        })
        .collect();
    let head = if parts.is_empty() {
        "auto: no approval needed".to_string()
    } else {
        parts.join("; ")
    };
    if sampling.is_empty() {
        head
    } else {
        format!("{head}. Sampling: {}", sampling.join("; "))
    }
}

fn render_page(tera: &Tera, name: &str, ctx: &tera::Context) -> Result<Vec<u8>, EmitError> {
    tera.render(name, ctx)
        .map(String::into_bytes)
        .map_err(|e| EmitError::Template(format!("{name}: {}", template_error(&e))))
}

/// Navigation entries: (file, label).
const NAV: &[(&str, &str)] = &[
    ("index.html", "Overview"),
    ("comparison.html", "Use cases"),
    ("risks.html", "Risks"),
    ("approvals.html", "Approvals"),
    ("accountability.html", "Accountability"),
    ("audit.html", "Audit"),
    ("playbooks.html", "Playbooks"),
    ("waivers.html", "Waivers"),
    ("frameworks.html", "Frameworks"),
    ("rules.html", "Rules"),
];

const EVIDENCE_NAV: (&str, &str) = ("evidence.html", "Evidence");

/// Most agents (or workflows) the side list of every page names.
const SIDE_LIST_MAX: usize = 60;

/// Everything every page gets.
fn common(
    cx: &EmitContext,
    root: &str,
    current: &str,
    title: &str,
) -> serde_json::Map<String, Value> {
    let p = cx.model.policy.as_ref();
    let mut m = serde_json::Map::new();
    m.insert("root".into(), json!(root));
    m.insert("title".into(), json!(title));
    m.insert("today".into(), json!(cx.today.to_string()));
    m.insert("policy_name".into(), json!(p.map(|p| p.name.clone())));
    m.insert(
        "policy_description".into(),
        json!(p.and_then(|p| p.metadata.description.clone())),
    );
    // The Evidence page follows the Audit page, only when `build --audit` made it.
    let evidence = cx.evidence.map(|_| EVIDENCE_NAV);
    let nav = NAV
        .iter()
        .flat_map(|e| std::iter::once(e).chain(evidence.as_ref().filter(|_| e.0 == "audit.html")));
    m.insert(
        "nav".into(),
        json!(nav
            .map(
                |(f, l)| json!({"href": format!("{root}{f}"), "label": l, "current": *f == current})
            )
            .collect::<Vec<_>>()),
    );
    // The side list links every agent and workflow from every page; past a few dozen that is
    // quadratic in size, so large repositories list them on the overview only.
    fn listed<V>(map: &BTreeMap<String, V>) -> Vec<&String> {
        if map.len() <= SIDE_LIST_MAX {
            map.keys().collect()
        } else {
            Vec::new()
        }
    }
    m.insert("agent_names".into(), json!(listed(&cx.model.agents)));
    m.insert("agent_count".into(), json!(cx.model.agents.len()));
    m.insert("workflow_names".into(), json!(listed(&cx.model.workflows)));
    m.insert("workflow_count".into(), json!(cx.model.workflows.len()));
    m.insert(
        "tiers".into(),
        cx.memo.tiers.get_or_init(|| json!(tiers(cx))).clone(),
    );
    m
}

fn with(mut base: serde_json::Map<String, Value>, extra: Value) -> Value {
    if let Value::Object(e) = extra {
        base.extend(e);
    }
    Value::Object(base)
}

fn render_site(cx: &EmitContext, dir: Option<&Path>, sink: super::Sink) -> Result<(), EmitError> {
    let (tera, statics) = engine(dir)?;
    for (name, text) in &statics {
        sink((format!("site/{name}"), text.clone().into_bytes()))?;
    }
    use rayon::prelude::*;
    let shared = AgentViewShared::new(cx);
    // The summary pages list workflows without their steps and findings (a workflow's own page
    // shows those, from a view made for it and then dropped): one list, moved once into the
    // context those pages share.
    let workflow_rows: Vec<Value> = cx
        .model
        .workflows
        .par_iter()
        .map(|(_, w)| workflow_view(cx, w, &shared, false))
        .collect();

    // The summary pages are independent of the pages per agent and workflow and render beside
    // them, one after another in one context. The overview and the accountability page need
    // every agent's summary, so they come last.
    type Extra<'a> = Box<dyn Fn() -> Value + Sync + Send + 'a>;
    let mut summaries: Vec<(&str, &str, Extra)> = vec![
        (
            "comparison.html",
            "Use cases compared",
            Box::new(|| json!({})),
        ),
        (
            "risks.html",
            "Risk register",
            Box::new(|| json!({"risky": risky_ops(cx)})),
        ),
        (
            "approvals.html",
            "Approval matrix",
            Box::new(|| approvals(cx)),
        ),
        (
            "playbooks.html",
            "Incident playbooks",
            Box::new(|| playbooks(cx)),
        ),
        (
            "audit.html",
            "Audit trail and retention",
            Box::new(|| audit(cx)),
        ),
        ("waivers.html", "Waivers", Box::new(|| waivers(cx))),
        ("rules.html", "Rule reference", Box::new(|| rules(cx))),
        (
            "frameworks.html",
            "Framework mapping",
            Box::new(|| json!({"frameworks": frameworks::evaluate(cx)})),
        ),
    ];
    if let Some(ev) = cx.evidence {
        summaries.push((
            "evidence.html",
            "Evidence from the audit log",
            Box::new(move || evidence::view(cx, ev)),
        ));
    }
    let context = |v: Value| {
        tera::Context::from_value(v).map_err(|e| EmitError::Template(template_error(&e)))
    };
    // Renders a summary page in `ctx`, then takes the page's own entries out again.
    let summary_page = |ctx: &mut tera::Context, file: &str, title: &str, extra: Value| {
        let own: Vec<String> = match &extra {
            Value::Object(m) => m.keys().cloned().collect(),
            _ => Vec::new(),
        };
        ctx.extend(context(with(common(cx, "", file, title), extra))?);
        let page = render_page(&tera, file, ctx);
        for k in &own {
            ctx.remove(k);
        }
        sink((format!("site/{file}"), page?))
    };
    let esc = escalations(cx);
    let (per_item, summary) = rayon::join(
        || -> Result<Vec<AgentSummary>, EmitError> {
            // Each worker keeps one context with what every page shares and replaces only
            // the page's own entries: copying the shared part for each of 10,000 pages costs.
            let base = |extra: Value| context(with(common(cx, "../", "", ""), extra));
            let agent_base =
                base(json!({"escalations": esc, "prohibited": cx.model.policy().prohibited}))?;
            let agents = cx
                .model
                .agents
                .par_iter()
                .map_init(
                    || agent_base.clone(),
                    |ctx, (_, a)| {
                        let view = agent_view(cx, a, &shared);
                        ctx.insert("title", &format!("Agent {}", a.name));
                        ctx.insert("agent", &view);
                        sink((
                            format!("site/agents/{}.html", a.name),
                            render_page(&tera, "agent.html", ctx)?,
                        ))?;
                        Ok(AgentSummary::of(view))
                    },
                )
                .collect::<Result<Vec<AgentSummary>, EmitError>>()?;
            let workflow_base = base(json!({}))?;
            cx.model.workflows.par_iter().try_for_each_init(
                || workflow_base.clone(),
                |ctx, (name, w)| {
                    ctx.insert("title", &format!("Workflow {name}"));
                    // Moved in: `insert` would serialize the JSON into JSON again.
                    let mut own = serde_json::Map::new();
                    own.insert("workflow".to_string(), workflow_view(cx, w, &shared, true));
                    ctx.extend(context(Value::Object(own))?);
                    sink((
                        format!("site/workflows/{name}.html"),
                        render_page(&tera, "workflow.html", ctx)?,
                    ))
                },
            )?;
            Ok(agents)
        },
        || -> Result<tera::Context, EmitError> {
            let mut own = serde_json::Map::new();
            own.insert("workflows".to_string(), Value::Array(workflow_rows));
            let mut ctx = context(Value::Object(own))?;
            for (file, title, extra) in &summaries {
                summary_page(&mut ctx, file, title, extra())?;
            }
            Ok(ctx)
        },
    );
    let agents = per_item?;
    let mut ctx = summary?;
    let (index, accountable) = rayon::join(
        || summary_page(&mut ctx, "index.html", "Overview", overview(cx, &agents)),
        || {
            summary_page(
                &mut context(json!({}))?,
                "accountability.html",
                "Accountability",
                accountability(cx, &agents),
            )
        },
    );
    index.and(accountable)
}

/// The overview's own context.
fn overview(cx: &EmitContext, agents: &[AgentSummary]) -> Value {
    // Findings: active first (errors, warnings), then waived; canonical order within.
    let mut findings: Vec<&crate::diag::Diagnostic> = cx.diagnostics.iter().collect();
    findings.sort_by_key(|d| (d.waived.is_some(), std::cmp::Reverse(d.severity)));
    let findings: Vec<Value> = findings.iter().map(|d| finding_view(cx, d)).collect();
    let active = cx.diagnostics.iter().filter(|d| d.waived.is_none()).count();
    let errors = cx
        .diagnostics
        .iter()
        .filter(|d| d.waived.is_none() && d.severity == Severity::Error)
        .count();

    let mut reviews: Vec<&AgentSummary> = agents.iter().collect();
    reviews.sort_by(|a, b| a.next_review.cmp(&b.next_review).then(a.name.cmp(&b.name)));
    let reviews: Vec<Value> = reviews
        .iter()
        .map(|a| json!({"name": a.name, "cadence": a.cadence, "last": a.last_reviewed, "next": a.next_review, "status": a.review_status,
                         "owner": a.business}))
        .collect();
    json!({
        // Only what the overview shows of each agent (the full views hold pictures).
        "agents": agents.iter().map(|a| json!({
            "name": a.name, "description": a.description, "mode": a.mode, "stage": a.stage,
            "sample_pct": a.sample_pct, "business": {"name": a.business},
            "technical": {"name": a.technical}, "next_review": a.next_review,
            "review_status": a.review_status, "counts": a.counts,
        })).collect::<Vec<_>>(),
        "findings": findings, "active": active, "errors": errors,
        "waivers": cx.model.waivers.len(), "reviews": reviews,
        "connectors": cx.model.connectors.values().map(|c| json!({"name": c.name, "system": c.spec.system})).collect::<Vec<_>>(),
        "people": cx.model.people.len(),
    })
}

fn escalations(cx: &EmitContext) -> Vec<Value> {
    cx.model
        .policy()
        .escalations
        .iter()
        .map(|e| json!({"id": e.id, "when": facts::condition_text(&e.when), "raise_to": e.raise_to, "description": e.description}))
        .collect()
}

fn risky_ops(cx: &EmitContext) -> Vec<Value> {
    let mut out = Vec::new();
    for (a, ap) in &cx.plan.agents {
        for op in ap.operations.keys() {
            let Some(id) = crate::model::OpId::parse(op) else {
                continue;
            };
            if !facts::is_risky(cx, &id) {
                continue;
            }
            let d = facts::decide(cx, a, op, None, None);
            out.push(json!({
                "agent": a, "op": op,
                "effect": ap.operations[op].effect.as_str(), "reversibility": ap.operations[op].reversibility.as_str(),
                "decision": d.effect.as_str(), "tier": d.tier,
                "label": facts::tier_rank(cx, &d).map(|r| facts::tier_label(cx, r)),
                "why": d.reasons.iter().map(|r| facts::reason_text(cx, r)).collect::<Vec<_>>(),
                "undo": facts::undo_text(cx, &id),
                "classification": facts::resource_class(cx, &id.resource_id()),
            }));
        }
    }
    out
}

fn approvals(cx: &EmitContext) -> Value {
    let p = cx.model.policy();
    // Which (agent, operation) lands in which tier, with no context.
    let mut by_tier: Vec<Vec<Value>> = vec![Vec::new(); cx.plan.tiers.len()];
    for (a, ap) in &cx.plan.agents {
        for op in ap.operations.keys() {
            let d = facts::decide(cx, a, op, None, None);
            if let Some(r) = facts::tier_rank(cx, &d) {
                by_tier[r].push(json!({"agent": a, "op": op, "why": d.reasons.iter().map(|r| facts::reason_text(cx, r)).collect::<Vec<_>>()}));
            }
        }
    }
    json!({
        "by_tier": by_tier,
        "derive": p.derive.iter().map(|d| json!({"when": facts::when_text(&d.when), "require": d.require, "description": d.description})).collect::<Vec<_>>(),
        "escalations": escalations(cx),
        "prohibited": p.prohibited,
        "recommend_only": cx.plan.tiers.get(cx.plan.recommend_only_rank),
        "groups": cx.model.groups.values().map(|g| json!({"id": g.id, "description": g.description, "members": names(cx, g.members.iter().cloned())})).collect::<Vec<_>>(),
    })
}

/// What each person owns, can pause and answers for: one pass over the model, not one per person.
#[derive(Default)]
struct PersonIndex<'a> {
    owns: BTreeMap<&'a str, Vec<Value>>,
    can_pause: BTreeMap<String, Vec<&'a str>>,
    rollback: BTreeMap<&'a str, Vec<&'a str>>,
    playbooks: BTreeMap<&'a str, Vec<&'a str>>,
    communication: BTreeMap<&'a str, Vec<&'a str>>,
}

impl<'a> PersonIndex<'a> {
    fn new(cx: &'a EmitContext, agents: &'a [AgentSummary]) -> Self {
        let mut ix = PersonIndex::default();
        for a in cx.model.agents.values() {
            let (b, t) = (&a.spec.owners.business, &a.spec.owners.technical);
            ix.owns
                .entry(b.as_str())
                .or_default()
                .push(json!({"agent": a.name, "as": "business"}));
            if t != b {
                ix.owns
                    .entry(t.as_str())
                    .or_default()
                    .push(json!({"agent": a.name, "as": "technical"}));
            }
        }
        for a in agents {
            for p in facts::pausers(cx, &a.name) {
                ix.can_pause.entry(p).or_default().push(a.name.as_str());
            }
        }
        for w in cx.model.workflows.values() {
            if let Some(r) = &w.spec.rollback {
                ix.rollback
                    .entry(r.owner.as_str())
                    .or_default()
                    .push(w.name.as_str());
            }
        }
        for p in cx.model.playbooks.values() {
            ix.playbooks
                .entry(p.spec.owner.as_str())
                .or_default()
                .push(p.name.as_str());
            if let Some(c) = &p.spec.customer_communication {
                ix.communication
                    .entry(c.owner.as_str())
                    .or_default()
                    .push(p.name.as_str());
            }
        }
        ix
    }
}

fn accountability(cx: &EmitContext, agents: &[AgentSummary]) -> Value {
    let rows: Vec<Value> = agents
        .iter()
        .map(|a| {
            let mut approver_groups = BTreeSet::new();
            for t in &a.tiers_used {
                if let Some(r) = cx.plan.tiers.iter().position(|x| x == t) {
                    approver_groups.extend(cx.plan.approvals[r].groups.iter().cloned());
                }
            }
            let wfs: Vec<&crate::model::Workflow> = a.workflows.iter().filter_map(|w| cx.model.workflows.get(w)).collect();
            json!({
                "name": a.name, "business": a.business, "technical": a.technical,
                "approvers": approver_groups.iter().map(|g| json!({"group": g, "members": cap_names(names(cx, facts::members(cx, g)))})).collect::<Vec<_>>(),
                "pausers": a.pausers,
                "rollback": names(cx, wfs.iter().filter_map(|w| w.spec.rollback.as_ref().map(|r| r.owner.clone()))),
                "playbook_owners": names(cx, facts::agent_playbooks(cx, &a.name).iter().filter_map(|p| cx.model.playbooks.get(p)).map(|p| p.spec.owner.clone())),
            })
        })
        .collect();
    let by_person = PersonIndex::new(cx, agents);
    let people: Vec<Value> = cx
        .model
        .people
        .values()
        .map(|pe| {
            let id = &pe.person.id;
            let groups: Vec<&str> = cx.model.groups_of(id).collect();
            let approves: Vec<String> = cx
                .plan
                .tiers
                .iter()
                .zip(&cx.plan.approvals)
                .filter(|(_, ap)| ap.groups.iter().any(|g| groups.contains(&g.as_str())))
                .map(|(t, _)| t.clone())
                .collect();
            json!({
                "id": id, "name": pe.person.name, "role": pe.person.role, "email": pe.person.email,
                "groups": groups,
                "owns": by_person.owns.get(id.as_str()).cloned().unwrap_or_default(),
                "approves": approves,
                "can_pause": by_person.can_pause.get(id.as_str()).cloned().unwrap_or_default(),
                "rollback": by_person.rollback.get(id.as_str()).cloned().unwrap_or_default(),
                "playbooks": by_person.playbooks.get(id.as_str()).cloned().unwrap_or_default(),
                "communication": by_person.communication.get(id.as_str()).cloned().unwrap_or_default(),
            })
        })
        .collect();
    json!({"agents": rows, "people": people})
}

fn playbooks(cx: &EmitContext) -> Value {
    // Monitors and workflows by the playbook they name: one pass each, not one per playbook.
    let mut monitors_of: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for a in cx.model.agents.values() {
        for m in &a.spec.monitors {
            if let Some(p) = m.playbook.as_deref() {
                monitors_of.entry(p).or_default().push(json!({"agent": a.name, "metric": m.metric.as_str(), "window": m.window, "above": m.above, "then": m.then.map(|t| t.as_str())}));
            }
        }
    }
    let mut workflows_of: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for w in cx.model.workflows.values() {
        for p in &w.spec.playbooks {
            workflows_of
                .entry(p.as_str())
                .or_default()
                .push(w.name.as_str());
        }
    }
    let list: Vec<Value> = cx
        .model
        .playbooks
        .values()
        .map(|p| {
            let s = &p.spec;
            let monitors: Vec<Value> = monitors_of
                .get(p.name.as_str())
                .into_iter()
                .flatten()
                .cloned()
                .collect();
            json!({
                "name": p.name, "description": p.metadata.description, "file": facts::file_of(cx, p.doc),
                "failure_mode": s.failure_mode, "detection": s.detection, "owner": facts::person_name(cx, &s.owner),
                "can_pause": names(cx, s.can_pause.iter().cloned()), "containment": s.containment, "rollback": s.rollback,
                "communication": s.customer_communication.as_ref().map(|c| json!({"when": c.when, "owner": facts::person_name(cx, &c.owner)})),
                "postmortem": s.postmortem,
                "workflows": workflows_of.get(p.name.as_str()).cloned().unwrap_or_default(),
                "monitors": monitors,
            })
        })
        .collect();
    json!({"playbooks": list})
}

fn audit(cx: &EmitContext) -> Value {
    let a = cx.model.policy().audit.as_ref();
    let by_tier: Vec<Value> = cx
        .plan
        .tiers
        .iter()
        .enumerate()
        .map(|(i, t)| json!({"tier": t, "own": a.and_then(|a| a.required.get(t)).cloned().unwrap_or_default(), "all": facts::required_audit(cx, i)}))
        .collect();
    json!({
        "by_tier": by_tier,
        "bounds": a.and_then(|a| a.retention_days).map(|b| json!({"min": b.min, "max": b.max})),
        "rejection_reasons": a.map(|a| a.rejection_reasons.clone()).unwrap_or_default(),
    })
}

fn waivers(cx: &EmitContext) -> Value {
    let mut list: Vec<Value> = cx
        .model
        .waivers
        .iter()
        .map(|w| {
            let left = (w.spec.expires - cx.today).num_days();
            let status = crate::semantics::WaiverStatus::of(w, cx.today).as_str();
            let waived: Vec<Value> = cx
                .diagnostics
                .iter()
                .filter(|d| d.waived.is_some() && d.rule == w.spec.rule && d.target.as_deref() == Some(w.spec.target.as_str()))
                .map(|d| finding_view(cx, d))
                .collect();
            json!({
                "name": w.name, "description": w.metadata.description, "file": facts::file_of(cx, w.doc),
                "rule": w.spec.rule, "target": w.spec.target, "justification": w.spec.justification,
                "approved_by": facts::person_name(cx, &w.spec.approved_by), "expires": w.spec.expires,
                "days_left": left, "status": status, "waived": waived,
                "unused": cx.diagnostics.iter().any(|d| d.rule == crate::rules::waiver_unused::WAIVER_UNUSED.name && d.target.as_deref() == Some(&format!("waiver/{}", w.name))),
            })
        })
        .collect();
    list.sort_by(|a, b| {
        a["expires"]
            .as_str()
            .cmp(&b["expires"].as_str())
            .then(a["name"].as_str().cmp(&b["name"].as_str()))
    });
    json!({"waivers": list, "unwaivable": cx.model.policy().unwaivable})
}

fn rules(cx: &EmitContext) -> Value {
    let mut groups: Vec<(String, Vec<Value>)> = Vec::new();
    for r in crate::rules::registry() {
        let level = cx.model.policy().rules.get(r.name).map(|l| match l {
            crate::model::RuleLevel::Error => "error",
            crate::model::RuleLevel::Warning => "warning",
            crate::model::RuleLevel::Off => "off",
        });
        let all: Vec<_> = facts::findings(cx, r.name).collect();
        let v = json!({
            "name": r.name, "severity": r.default_severity.as_str(), "summary": r.summary,
            "docs": markdown::to_html(&r.markdown(), 2), "level": level,
            "active": all.iter().filter(|d| d.waived.is_none()).count(),
            "waived": all.iter().filter(|d| d.waived.is_some()).count(),
            "unwaivable": cx.model.policy().unwaivable.iter().any(|u| u == r.name),
        });
        match groups.iter_mut().find(|(g, _)| g == r.group) {
            Some((_, list)) => list.push(v),
            None => groups.push((r.group.to_string(), vec![v])),
        }
    }
    json!({"groups": groups.into_iter().map(|(g, rules)| json!({"group": g, "rules": rules})).collect::<Vec<_>>()})
}
