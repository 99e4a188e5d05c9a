//! `cedar/`: a Cedar schema, policies and entities that answer exactly like
//! [`Plan::permits`] (DESIGN §5, "The enforcement contract").
//!
//! The request: principal `Agent::"<agent>"`, action `Action::"<connector>.<resource>.<operation>"`,
//! resource `Resource::"<connector>.<resource>"`, context with every Policy fact (optional; `number`
//! facts are `decimal`), `workflow`, `fields` and `approvals` (all optional).
//!
//! Encoding: one `permit` per agent (not paused) × granted, not prohibited operation × choice of
//! steps (each workflow with steps for it, plus the default when the request names no such
//! workflow); everything else is denied by Cedar's default deny. A permit's conditions are
//! - the requested fields lie inside the field set of one covering grant, and
//! - for every tier `t` above the weakest: when the effective tier is exactly `t`
//!   (`reaches(t) && !reaches(t+1)`), the approvals satisfy `t`.
//!
//! `reaches(t)` ("the effective tier is at least `t`") is the disjunction of the contributions of
//! [`crate::decide`] whose rank is at least `t`: the choice's gate and static derive rules (constant),
//! its data-class derive rules (on the requested fields, else the choice's fallback class), the
//! escalations (on the context facts) and recommend-only (constant).
//!
//! Numbers: Cedar decimals have four fractional digits. A threshold `n` is written as the decimal
//! that gives the same answer for every four-digit value: `v < n` ⇔ `v < ceil₄(n)`, `v > n` ⇔
//! `v > floor₄(n)`, using the shortest decimal form of `n`. An enforcement point sends number facts
//! with at most four fractional digits.

use super::{Artifact, EmitContext};
use crate::decide::{AgentPlan, Choice, EscalationPlan, OpPlan, Plan, TestPlan};
use crate::model::{FactType, Mode, Model};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Context attributes with a fixed meaning; a Policy fact cannot use these names in Cedar.
pub const RESERVED_CONTEXT: [&str; 3] = ["workflow", "fields", "approvals"];

/// Where the Cedar files go in the output folder.
const SCHEMA_PATH: &str = "cedar/schema.cedarschema";
const POLICIES_PATH: &str = "cedar/policies.cedar";
const ENTITIES_PATH: &str = "cedar/entities.json";

pub fn emit(cx: &EmitContext) -> Vec<Artifact> {
    super::kept(|sink, pieces| emit_into(cx, sink, pieces))
}

/// Writes the schema, the policies (in pieces) and the entities.
pub fn emit_into(
    cx: &EmitContext,
    sink: super::Sink,
    pieces: super::PieceSink,
) -> Result<(), super::EmitError> {
    sink((SCHEMA_PATH.to_string(), schema(cx.model).into_bytes()))?;
    pieces(POLICIES_PATH, &mut policies_pieces(cx.model, cx.plan))?;
    sink((ENTITIES_PATH.to_string(), entities(cx.model).into_bytes()))
}

// ------------------------------------------------------------------ text helpers

/// A Cedar string literal (the same escapes in policies and schemas).
pub fn string_lit(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text safe inside a `//` comment: one line.
pub(super) fn comment_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

const RESERVED_WORDS: &[&str] = &[
    "true",
    "false",
    "if",
    "then",
    "else",
    "in",
    "is",
    "like",
    "has",
    "__cedar",
    "permit",
    "forbid",
    "when",
    "unless",
    "principal",
    "action",
    "resource",
    "context",
    "entity",
    "namespace",
    "type",
    "appliesTo",
    "Set",
    "Long",
    "Bool",
    "String",
    "Record",
    "Entity",
    "Extension",
    "tags",
    "enum",
];

fn is_plain_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !RESERVED_WORDS.contains(&s)
}

/// An attribute name in a schema record.
pub(super) fn schema_attr(name: &str) -> String {
    if is_plain_ident(name) {
        name.to_string()
    } else {
        string_lit(name)
    }
}

/// `RECORD has NAME` (`RECORD` is `context`, `context.session`, ...).
pub(super) fn has_in(record: &str, name: &str) -> String {
    if is_plain_ident(name) {
        format!("{record} has {name}")
    } else {
        format!("{record} has {}", string_lit(name))
    }
}

/// `RECORD.NAME`.
pub(super) fn get_in(record: &str, name: &str) -> String {
    if is_plain_ident(name) {
        format!("{record}.{name}")
    } else {
        format!("{record}[{}]", string_lit(name))
    }
}

fn set_lit<'a>(items: impl IntoIterator<Item = &'a String>) -> String {
    let items: Vec<String> = items.into_iter().map(|s| string_lit(s)).collect();
    format!("[{}]", items.join(", "))
}

// ------------------------------------------------------------------ decimals

const SCALE: i128 = 10_000;

/// `floor(n · 10⁴)` and whether that is exact, from the shortest decimal form of `n`.
fn scaled(n: f64) -> Option<(i128, bool)> {
    if !n.is_finite() {
        return None;
    }
    let s = format!("{n}"); // Rust never uses exponent notation here
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.as_str()),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.len() > 30 {
        return Some((if neg { i128::MIN / 2 } else { i128::MAX / 2 }, true));
    }
    let int: i128 = int.parse().ok()?;
    let kept: String = frac.chars().chain(std::iter::repeat('0')).take(4).collect();
    let kept: i128 = kept.parse().ok()?;
    let rest_zero = frac.chars().skip(4).all(|c| c == '0');
    let magnitude = int * SCALE + kept;
    Some(if neg {
        // floor(-(m + ε)) = -m - 1 when ε > 0
        (-magnitude - i128::from(!rest_zero), rest_zero)
    } else {
        (magnitude, rest_zero)
    })
}

fn decimal_text(v: i128) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    let frac = format!("{:04}", a % SCALE as u128);
    let frac = frac.trim_end_matches('0');
    format!(
        "{sign}{}.{}",
        a / SCALE as u128,
        if frac.is_empty() { "0" } else { frac }
    )
}

/// The comparison `value < n` (`below`) or `value > n` (`above`) on a Cedar decimal expression, for
/// every value with at most four fractional digits.
fn compare(value: &str, n: f64, below: bool) -> Expr {
    let (min, max) = (i128::from(i64::MIN), i128::from(i64::MAX));
    if n.is_nan() {
        return Expr::FALSE;
    }
    let Some((floor, exact)) = scaled(n) else {
        // ±infinity
        return Expr::Const(below == (n > 0.0));
    };
    if below {
        let bound = floor + i128::from(!exact);
        if bound > max {
            Expr::TRUE
        } else if bound <= min {
            Expr::FALSE
        } else {
            Expr::atom(format!(
                "{value}.lessThan(decimal(\"{}\"))",
                decimal_text(bound)
            ))
        }
    } else if floor >= max {
        Expr::FALSE
    } else if floor < min {
        Expr::TRUE
    } else {
        Expr::atom(format!(
            "{value}.greaterThan(decimal(\"{}\"))",
            decimal_text(floor)
        ))
    }
}

// ------------------------------------------------------------------ boolean expressions

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Const(bool),
    /// A primary or relational expression (binds tighter than `&&`).
    Atom(String),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
}

impl Expr {
    const TRUE: Expr = Expr::Const(true);
    const FALSE: Expr = Expr::Const(false);

    fn atom(s: impl Into<String>) -> Expr {
        Expr::Atom(s.into())
    }

    fn and(items: Vec<Expr>) -> Expr {
        let mut out = Vec::new();
        for e in items {
            match e {
                Expr::Const(true) => {}
                Expr::Const(false) => return Expr::FALSE,
                Expr::And(inner) => out.extend(inner),
                e => out.push(e),
            }
        }
        match out.len() {
            0 => Expr::TRUE,
            1 => out.pop().expect("one"),
            _ => Expr::And(out),
        }
    }

    fn or(items: Vec<Expr>) -> Expr {
        let mut out: Vec<Expr> = Vec::new();
        for e in items {
            match e {
                Expr::Const(false) => {}
                Expr::Const(true) => return Expr::TRUE,
                Expr::Or(inner) => out.extend(inner),
                e if out.contains(&e) => {}
                e => out.push(e),
            }
        }
        match out.len() {
            0 => Expr::FALSE,
            1 => out.pop().expect("one"),
            _ => Expr::Or(out),
        }
    }

    fn not(e: Expr) -> Expr {
        match e {
            Expr::Const(b) => Expr::Const(!b),
            Expr::Not(inner) => *inner,
            e => Expr::Not(Box::new(e)),
        }
    }

    fn render(&self) -> String {
        match self {
            Expr::Const(b) => b.to_string(),
            Expr::Atom(s) => s.clone(),
            Expr::And(items) => items
                .iter()
                .map(Expr::render_operand)
                .collect::<Vec<_>>()
                .join(" && "),
            Expr::Or(items) => items
                .iter()
                .map(Expr::render_operand)
                .collect::<Vec<_>>()
                .join(" || "),
            Expr::Not(inner) => format!("!({})", inner.render()),
        }
    }

    fn render_operand(&self) -> String {
        match self {
            Expr::And(_) | Expr::Or(_) => format!("({})", self.render()),
            e => e.render(),
        }
    }

    /// Like [`Expr::render`], with one disjunct per line (at `indent`).
    fn render_lines(&self, indent: &str) -> String {
        match self {
            Expr::Or(items) => items
                .iter()
                .map(|e| match e {
                    Expr::Not(_) => e.render_lines(indent),
                    e => e.render_operand(),
                })
                .collect::<Vec<_>>()
                .join(&format!(" ||\n{indent}")),
            Expr::Not(inner) if matches!(**inner, Expr::Or(_)) => {
                let deeper = format!("{indent}  ");
                format!("!(\n{deeper}{}\n{indent})", inner.render_lines(&deeper))
            }
            e => e.render(),
        }
    }
}

// ------------------------------------------------------------------ schema

pub(super) fn fact_type_name(t: FactType) -> &'static str {
    match t {
        FactType::Bool => "Bool",
        FactType::Number => "decimal",
        FactType::String => "String",
    }
}

/// The facts that appear in the Cedar context (a fact named like a reserved attribute cannot).
pub(super) fn context_facts(m: &Model) -> Vec<(&str, FactType)> {
    m.policy()
        .facts
        .iter()
        .filter(|(name, _)| !RESERVED_CONTEXT.contains(&name.as_str()))
        .map(|(n, t)| (n.as_str(), *t))
        .collect()
}

pub fn schema(m: &Model) -> String {
    let mut s = String::new();
    s.push_str(
        "// Generated by agentgov: the Cedar schema of the enforcement contract. Do not edit.\n",
    );
    s.push_str(
        "// Principal Agent::\"<agent>\", action Action::\"<connector>.<resource>.<operation>\",\n",
    );
    s.push_str("// resource Resource::\"<connector>.<resource>\".\n\n");
    s.push_str("entity Agent;\nentity Resource;\n\n");
    s.push_str(
        "// What the enforcement point knows about the request; every attribute is optional.\n",
    );
    s.push_str("// Number facts are decimals with at most four fractional digits.\n");
    s.push_str("type RequestContext = {\n");
    for (name, t) in context_facts(m) {
        let _ = writeln!(s, "  {}?: {},", schema_attr(name), fact_type_name(t));
    }
    s.push_str("  // the workflow the action belongs to\n  workflow?: String,\n");
    s.push_str("  // the fields of the resource the action touches\n  fields?: Set<String>,\n");
    s.push_str("  // how many distinct people approved, and which groups they cover\n");
    s.push_str("  approvals?: { count: Long, groups: Set<String> },\n};\n\n");
    for (op, _) in m.all_operations() {
        let _ = writeln!(
            s,
            "action {} appliesTo {{ principal: Agent, resource: Resource, context: RequestContext }};",
            string_lit(&op.to_string())
        );
    }
    s
}

pub fn entities(m: &Model) -> String {
    let mut list = Vec::new();
    for a in m.agents.keys() {
        list.push(
            serde_json::json!({ "uid": { "type": "Agent", "id": a }, "attrs": {}, "parents": [] }),
        );
    }
    let mut resources = BTreeSet::new();
    for (op, _) in m.all_operations() {
        resources.insert(op.resource_id());
    }
    for r in resources {
        list.push(serde_json::json!({ "uid": { "type": "Resource", "id": r }, "attrs": {}, "parents": [] }));
    }
    let mut out = serde_json::to_string_pretty(&serde_json::Value::Array(list)).expect("json");
    out.push('\n');
    out
}

// ------------------------------------------------------------------ policies

/// The policy generator: `root` is where the request's facts, `fields` and `approvals` are
/// (`context` here, `context.session` for `cedar-mcp/`).
pub(super) struct Gen<'a> {
    pub(super) m: &'a Model,
    pub(super) plan: &'a Plan,
    pub(super) root: &'static str,
}

impl Gen<'_> {
    fn has(&self, name: &str) -> String {
        has_in(self.root, name)
    }

    fn get(&self, name: &str) -> String {
        get_in(self.root, name)
    }

    fn tier(&self, rank: usize) -> &str {
        &self.plan.tiers[rank]
    }

    fn escalation(&self, e: &EscalationPlan) -> Expr {
        let declared = self.m.policy().facts.get(&e.fact).copied();
        if RESERVED_CONTEXT.contains(&e.fact.as_str()) {
            return Expr::FALSE;
        }
        let present = Expr::atom(self.has(&e.fact));
        let value = self.get(&e.fact);
        let test = match (&e.test, declared) {
            (TestPlan::Below(n), Some(FactType::Number)) => compare(&value, *n, true),
            (TestPlan::Above(n), Some(FactType::Number)) => compare(&value, *n, false),
            (TestPlan::In(list), Some(FactType::String)) => {
                Expr::atom(format!("{}.contains({value})", set_lit(list)))
            }
            (TestPlan::Is(true), Some(FactType::Bool)) => Expr::atom(format!("{value} == true")),
            (TestPlan::Is(false), Some(FactType::Bool)) => Expr::atom(format!("{value} == false")),
            // The fact's type does not fit the test: the condition never holds (as in `decide`).
            _ => Expr::FALSE,
        };
        match test {
            Expr::Const(false) => Expr::FALSE,
            t => Expr::and(vec![present, t]),
        }
    }

    /// The data class of the request reaches `threshold`.
    fn data_reaches(&self, op: &OpPlan, choice: &Choice, threshold: usize) -> Expr {
        let fields: Vec<&String> = op
            .field_classes
            .iter()
            .filter(|(_, c)| **c >= threshold)
            .map(|(f, _)| f)
            .collect();
        let named = if fields.is_empty() {
            "false".to_string()
        } else {
            format!(
                "{}.fields.containsAny({})",
                self.root,
                set_lit(fields.iter().copied())
            )
        };
        let fallback = choice.fallback_class.is_some_and(|c| c >= threshold);
        match (fields.is_empty(), fallback) {
            (true, false) => Expr::FALSE,
            (true, true) => Expr::not(Expr::atom(self.has("fields"))),
            (false, false) => Expr::and(vec![Expr::atom(self.has("fields")), Expr::atom(named)]),
            (false, true) => Expr::atom(format!(
                "(if {} then {named} else true)",
                self.has("fields")
            )),
        }
    }

    /// The effective tier is at least `t`.
    fn reaches(&self, op: &OpPlan, choice: &Choice, t: usize) -> Expr {
        if t >= self.plan.tiers.len() {
            return Expr::FALSE;
        }
        let mut parts = Vec::new();
        if choice.static_rank() >= t || op.recommend_only >= t {
            return Expr::TRUE;
        }
        for (_, threshold, r) in &choice.data_derives {
            if *r >= t {
                parts.push(self.data_reaches(op, choice, *threshold));
            }
        }
        for e in &self.plan.escalations {
            if e.rank >= t {
                parts.push(self.escalation(e));
            }
        }
        Expr::or(parts)
    }

    fn approvals(&self, t: usize) -> Expr {
        let need = &self.plan.approvals[t];
        let mut parts = vec![Expr::atom(self.has("approvals"))];
        if need.count > 0 {
            parts.push(Expr::atom(format!(
                "{}.approvals.count >= {}",
                self.root, need.count
            )));
        }
        if !need.groups.is_empty() {
            parts.push(Expr::atom(format!(
                "{}.approvals.groups.containsAll({})",
                self.root,
                set_lit(&need.groups)
            )));
        }
        Expr::and(parts)
    }

    fn fields(&self, op: &OpPlan) -> Expr {
        let sets: BTreeSet<&BTreeSet<String>> = op.field_sets.iter().collect();
        let alternatives = Expr::or(
            sets.iter()
                .map(|set| {
                    if set.is_empty() {
                        Expr::atom(format!("{}.fields.isEmpty()", self.root))
                    } else {
                        Expr::atom(format!(
                            "{}.containsAll({}.fields)",
                            set_lit(set.iter()),
                            self.root
                        ))
                    }
                })
                .collect(),
        );
        Expr::atom(format!(
            "if {} then {} else true",
            self.has("fields"),
            alternatives.render()
        ))
    }

    /// Human-readable reasons a choice carries, for the comments.
    fn describe(&self, op: &OpPlan, choice: &Choice) -> Vec<String> {
        let p = self.m.policy();
        let mut lines = Vec::new();
        if choice.gate > 0 {
            lines.push(format!(
                "gate:{} requires {}",
                choice.gate_step.as_deref().unwrap_or(""),
                self.tier(choice.gate)
            ));
        }
        let description = |i: usize| {
            p.derive
                .get(i)
                .and_then(|d| d.description.as_deref())
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        };
        let mut derives: Vec<(usize, String)> = Vec::new();
        for (i, r) in &choice.static_derives {
            if *r > 0 {
                derives.push((
                    *i,
                    format!("derive:{i} requires {}{}", self.tier(*r), description(*i)),
                ));
            }
        }
        for (i, threshold, r) in &choice.data_derives {
            if *r > 0 {
                let class = p
                    .classifications
                    .get(*threshold)
                    .map(String::as_str)
                    .unwrap_or("?");
                derives.push((
                    *i,
                    format!(
                        "derive:{i} requires {} when the data is at least {class}{}",
                        self.tier(*r),
                        description(*i)
                    ),
                ));
            }
        }
        derives.sort();
        lines.extend(derives.into_iter().map(|(_, l)| l));
        if op.recommend_only > 0 {
            lines.push(format!(
                "recommend-only requires {}",
                self.tier(op.recommend_only)
            ));
        }
        lines
    }

    /// The `when` clauses that make a permit answer like `decide` plus the approval check for
    /// one agent, operation and choice of steps: the fields lie within a grant, and for every
    /// tier above the weakest, the approvals satisfy it when it is the effective tier.
    pub(super) fn decision_clauses(&self, op: &OpPlan, choice: &Choice) -> Vec<String> {
        let mut out = vec![format!(
            "when {{\n  // the requested fields lie within a grant\n  {}\n}}\n",
            self.fields(op).render()
        )];
        for t in 1..self.plan.tiers.len() {
            let exactly = Expr::or(vec![
                Expr::not(self.reaches(op, choice, t)),
                self.reaches(op, choice, t + 1),
                self.approvals(t),
            ]);
            if exactly == Expr::TRUE {
                continue;
            }
            let need = &self.plan.approvals[t];
            let groups: Vec<&str> = need.groups.iter().map(String::as_str).collect();
            out.push(format!(
                "when {{\n  // when the effective tier is exactly {}: {} distinct approver(s){}\n  {}\n}}\n",
                comment_text(self.tier(t)),
                need.count,
                if groups.is_empty() {
                    String::new()
                } else {
                    format!(" covering {}", comment_text(&groups.join(", ")))
                },
                exactly.render_lines("  ")
            ));
        }
        out
    }

    fn permit(
        &self,
        out: &mut String,
        agent: &str,
        op_id: &str,
        op: &OpPlan,
        workflow: Option<&str>,
        others: &[&str],
    ) {
        let choice = match workflow {
            Some(w) => &op.workflows[w],
            None => &op.default,
        };
        let resource = op_id.rsplit_once('.').map(|(r, _)| r).unwrap_or(op_id);
        let _ = writeln!(
            out,
            "// {}: {} {}",
            comment_text(agent),
            op_id,
            match workflow {
                Some(w) => format!("in workflow {}", comment_text(w)),
                None if others.is_empty() =>
                    match choice.gate_step.as_deref().and_then(|g| g.split_once('.')) {
                        Some((w, _)) =>
                            format!("in workflow {}, or without a workflow", comment_text(w)),
                        None => "(no workflow has a step for it)".to_string(),
                    },
                None =>
                    "outside the workflows with a step for it, or without a workflow".to_string(),
            }
        );
        let reasons = self.describe(op, choice);
        if reasons.is_empty() {
            let _ = writeln!(out, "//   always {}", self.tier(0));
        }
        for r in reasons {
            let _ = writeln!(out, "//   {}", comment_text(&r));
        }
        let id = match workflow {
            Some(w) => format!("{agent}/{op_id}@{w}"),
            None => format!("{agent}/{op_id}"),
        };
        let _ = writeln!(out, "@id({})", string_lit(&id));
        let _ = writeln!(
            out,
            "permit (\n  principal == Agent::{},\n  action == Action::{},\n  resource == Resource::{}\n)",
            string_lit(agent),
            string_lit(op_id),
            string_lit(resource)
        );
        let selector = match workflow {
            Some(w) => Expr::and(vec![
                Expr::atom(self.has("workflow")),
                Expr::atom(format!("{} == {}", self.get("workflow"), string_lit(w))),
            ]),
            None if others.is_empty() => Expr::TRUE,
            None => Expr::not(Expr::and(vec![
                Expr::atom(self.has("workflow")),
                Expr::atom(format!(
                    "{}.contains({})",
                    set_lit(
                        others
                            .iter()
                            .map(|w| w.to_string())
                            .collect::<Vec<_>>()
                            .iter()
                    ),
                    self.get("workflow")
                )),
            ])),
        };
        if selector != Expr::TRUE {
            let _ = writeln!(
                out,
                "when {{\n  // the choice of steps\n  {}\n}}",
                selector.render()
            );
        }
        for clause in self.decision_clauses(op, choice) {
            out.push_str(&clause);
        }
        out.truncate(out.trim_end().len());
        out.push_str(";\n\n");
    }
}

/// `policies.cedar` in pieces: the header, then each agent's policies (made in parallel
/// batches, in agent order); the text ends with one newline.
fn policies_pieces<'a>(m: &'a Model, plan: &'a Plan) -> impl Iterator<Item = Vec<u8>> + Send + 'a {
    let mut out = String::new();
    out.push_str("// Generated by agentgov from the governance repository. Do not edit.\n");
    out.push_str("// Allow exactly when `decide` allows, or asks for approval and the approvals satisfy the tier.\n");
    out.push_str("// Everything not permitted here is denied: unknown agents and operations, paused agents,\n");
    out.push_str("// operations no grant covers, prohibited operations.\n");
    let _ = writeln!(
        out,
        "// Tiers, weakest first: {}.\n",
        comment_text(&plan.tiers.join(", "))
    );
    let escalations: Vec<String> = plan
        .escalations
        .iter()
        .filter(|e| e.rank > 0)
        .map(|e| {
            let cond = match &e.test {
                TestPlan::Below(n) => format!("{} below {n}", e.fact),
                TestPlan::Above(n) => format!("{} above {n}", e.fact),
                TestPlan::In(v) => format!("{} in [{}]", e.fact, v.join(", ")),
                TestPlan::Is(b) => format!("{} is {b}", e.fact),
            };
            format!(
                "//   escalation:{} raises to {} when {cond}\n",
                e.id, plan.tiers[e.rank]
            )
        })
        .collect();
    if !escalations.is_empty() {
        out.push_str("// Escalations, in every policy below:\n");
        for e in escalations {
            out.push_str(&comment_text(e.trim_end()));
            out.push('\n');
        }
        out.push('\n');
    }
    // The one malformed request the schema cannot reject: a negative approval count.
    out.push_str(
        "// A request the schema cannot reject but the contract does not describe: fail closed.\n",
    );
    out.push_str("@id(\"malformed-request\")\nforbid (principal, action, resource)\nwhen { context has approvals && context.approvals.count < 0 };\n\n");
    let g = Gen {
        m,
        plan,
        root: "context",
    };
    let agents: Vec<(&String, &AgentPlan)> = plan.agents.iter().collect();
    TrimEnd {
        pieces: super::Pieces::new(
            out,
            agents,
            move |(agent, ap): &(&String, &AgentPlan)| g.agent(agent, ap),
            "",
            String::new(),
        ),
        pending: String::new(),
        done: false,
    }
}

/// Pieces of text with the whitespace at the end of the whole text replaced by one newline.
struct TrimEnd<I> {
    pieces: I,
    /// Whitespace at the end of the text so far: written only if more text follows.
    pending: String,
    done: bool,
}

impl<I: Iterator<Item = Vec<u8>>> Iterator for TrimEnd<I> {
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        if self.done {
            return None;
        }
        for piece in self.pieces.by_ref() {
            let piece = String::from_utf8(piece).expect("pieces are whole strings");
            let text = piece.trim_end();
            if text.is_empty() {
                self.pending.push_str(&piece);
                continue;
            }
            let mut out = std::mem::take(&mut self.pending);
            out.push_str(text);
            self.pending = piece[text.len()..].to_string();
            return Some(out.into_bytes());
        }
        self.done = true;
        Some(b"\n".to_vec())
    }
}

impl Gen<'_> {
    /// Every policy of one agent (or why it has none).
    fn agent(&self, agent: &str, ap: &AgentPlan) -> String {
        let mut out = String::new();
        if ap.mode == Mode::Paused {
            let _ = writeln!(
                out,
                "// {}: paused, every operation is denied.\n",
                comment_text(agent)
            );
            return out;
        }
        for (op_id, op) in &ap.operations {
            if let Some(p) = &op.prohibited {
                let _ = writeln!(
                    out,
                    "// {}: {op_id} is prohibited by {}, denied.\n",
                    comment_text(agent),
                    comment_text(p)
                );
                continue;
            }
            let workflows: Vec<&str> = op.workflows.keys().map(String::as_str).collect();
            for w in &workflows {
                self.permit(&mut out, agent, op_id, op, Some(w), &workflows);
            }
            self.permit(&mut out, agent, op_id, op, None, &workflows);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_end_like_the_trimmed_text() {
        let cases: [&[&str]; 5] = [
            &["head\n\n", "a;\n\n", "", "b;\n\n"],
            &["head\n", " \n", "a  ", "\t\n"],
            &["  ", " \n"],
            &[],
            &["x", "", "y\u{a0}\n"],
        ];
        for pieces in cases {
            let whole: String = pieces.concat();
            let want = format!("{}\n", whole.trim_end());
            let got = TrimEnd {
                pieces: pieces.iter().map(|p| p.as_bytes().to_vec()),
                pending: String::new(),
                done: false,
            }
            .flatten()
            .collect::<Vec<u8>>();
            assert_eq!(String::from_utf8(got).expect("utf-8"), want, "{pieces:?}");
        }
    }

    #[test]
    fn decimal_bounds_agree_with_f64_comparison() {
        /// The comparison as a function of the (four-digit) value.
        fn bound(e: Expr) -> Box<dyn Fn(f64) -> bool> {
            match e {
                Expr::Atom(s) => {
                    let b: f64 = s.split('"').nth(1).unwrap().parse().unwrap();
                    if s.contains("lessThan") {
                        Box::new(move |v| v < b)
                    } else {
                        Box::new(move |v| v > b)
                    }
                }
                Expr::Const(c) => Box::new(move |_| c),
                e => panic!("{e:?}"),
            }
        }
        let thresholds = [
            0.7,
            2.0,
            -0.5,
            0.12345,
            -0.12345,
            1e-7,
            -1e-7,
            3.99999,
            0.0,
            1e20,
            -1e20,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        for n in thresholds {
            let below = bound(compare("x", n, true));
            let above = bound(compare("x", n, false));
            for k in -50_000i64..50_000 {
                let v = k as f64 / 10_000.0;
                assert_eq!(below(v), v < n, "{v} < {n}");
                assert_eq!(above(v), v > n, "{v} > {n}");
            }
        }
        for k in [-50_001i64, -1, 0, 7, 10_000, 123_456_789] {
            let text = decimal_text(i128::from(k));
            assert_eq!(text.parse::<f64>().unwrap(), k as f64 / 10_000.0, "{text}");
            assert!(
                text.contains('.'),
                "Cedar decimals need a fractional part: {text}"
            );
        }
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(string_lit("a\"b\\c\nd"), r#""a\"b\\c\nd""#);
        assert_eq!(comment_text("a\nb"), "a b");
    }
}
