//! The rule catalog: every diagnostic name, its documentation, and the checks of DESIGN §4.
//!
//! Each analysis rule lives in its own file and is declared with [`declare_rule!`], whose doc
//! comment is the rule's documentation (`agentgov explain`, the policy site, SARIF help).

use crate::decide::Plan;
use crate::diag::{Diagnostic, Severity};
use crate::graph::Graph;
use crate::load::Workspace;
use crate::model::Model;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// What a rule is, for the registry.
#[derive(Debug)]
pub struct RuleInfo {
    /// Stable kebab-case name.
    pub name: &'static str,
    /// DESIGN §4 group: structure, least-privilege, irreversibility, approvals, accountability,
    /// audit, monitoring, change, waivers.
    pub group: &'static str,
    pub default_severity: Severity,
    /// One line: what it finds.
    pub summary: &'static str,
    /// Markdown: what it finds, why it matters, an example, how to fix.
    pub docs: &'static str,
}

impl RuleInfo {
    /// The documentation as Markdown, without the space each `///` line carries.
    pub fn markdown(&self) -> String {
        let mut out = String::with_capacity(self.docs.len());
        for line in self.docs.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }
}

/// Declares a rule's [`RuleInfo`] from its doc comment.
#[macro_export]
macro_rules! declare_rule {
    ($(#[doc = $doc:literal])* $vis:vis $ident:ident = { name: $name:literal, group: $group:literal, severity: $sev:ident, summary: $summary:literal $(,)? }) => {
        $vis static $ident: $crate::rules::RuleInfo = $crate::rules::RuleInfo {
            name: $name,
            group: $group,
            default_severity: $crate::diag::Severity::$sev,
            summary: $summary,
            docs: concat!($($doc, "\n"),*),
        };
    };
}

/// Everything a rule may look at.
pub struct Context<'a> {
    pub ws: &'a Workspace,
    pub model: &'a Model,
    pub plan: &'a Plan,
    pub graph: &'a Graph,
    pub today: NaiveDate,
    pub prompt_hashes: &'a BTreeMap<String, String>,
}

pub type CheckFn = fn(&Context) -> Vec<Diagnostic>;

pub mod audit_fields_missing;
pub mod broad_field_access;
pub mod data_flow_leak;
pub mod delegation_cycle;
pub mod delegation_escalation;
pub mod gate_below_consequence;
pub mod missing_checklist;
pub mod missing_compensation;
pub mod missing_playbook;
pub mod missing_rollback;
pub mod monitor_without_response;
pub mod no_pause_authority;
pub mod retention_out_of_bounds;
pub mod review_overdue;
pub mod sample_rate_below_policy;
pub mod structure;
pub mod tier_understaffed;
pub mod ungated_irreversible_action;
pub mod unmonitored_agent;
pub mod unused_grant;
pub mod util;
pub mod waiver_expired;
pub mod waiver_expiring;
pub mod waiver_unjustified;
pub mod waiver_unused;
pub mod waiver_unwaivable;
pub mod waivers;

/// Rules about waivers, emitted by [`waivers::apply`] after the analysis rules ran.
pub static WAIVER_RULES: &[&RuleInfo] = &[
    &waiver_expired::WAIVER_EXPIRED,
    &waiver_expiring::WAIVER_EXPIRING,
    &waiver_unused::WAIVER_UNUSED,
    &waiver_unjustified::WAIVER_UNJUSTIFIED,
    &waiver_unwaivable::WAIVER_UNWAIVABLE,
];

/// Analysis rules: (info, check), in catalog order.
pub fn analysis_rules() -> Vec<(&'static RuleInfo, CheckFn)> {
    vec![
        (&unused_grant::UNUSED_GRANT, unused_grant::check),
        (
            &broad_field_access::BROAD_FIELD_ACCESS,
            broad_field_access::check,
        ),
        (
            &delegation_escalation::DELEGATION_ESCALATION,
            delegation_escalation::check,
        ),
        (&delegation_cycle::DELEGATION_CYCLE, delegation_cycle::check),
        (&data_flow_leak::DATA_FLOW_LEAK, data_flow_leak::check),
        (
            &ungated_irreversible_action::UNGATED_IRREVERSIBLE_ACTION,
            ungated_irreversible_action::check,
        ),
        (&missing_rollback::MISSING_ROLLBACK, missing_rollback::check),
        (
            &missing_compensation::MISSING_COMPENSATION,
            missing_compensation::check,
        ),
        (
            &gate_below_consequence::GATE_BELOW_CONSEQUENCE,
            gate_below_consequence::check,
        ),
        (
            &tier_understaffed::TIER_UNDERSTAFFED,
            tier_understaffed::check,
        ),
        (
            &missing_checklist::MISSING_CHECKLIST,
            missing_checklist::check,
        ),
        (
            &no_pause_authority::NO_PAUSE_AUTHORITY,
            no_pause_authority::check,
        ),
        (&missing_playbook::MISSING_PLAYBOOK, missing_playbook::check),
        (
            &audit_fields_missing::AUDIT_FIELDS_MISSING,
            audit_fields_missing::check,
        ),
        (
            &retention_out_of_bounds::RETENTION_OUT_OF_BOUNDS,
            retention_out_of_bounds::check,
        ),
        (
            &unmonitored_agent::UNMONITORED_AGENT,
            unmonitored_agent::check,
        ),
        (
            &monitor_without_response::MONITOR_WITHOUT_RESPONSE,
            monitor_without_response::check,
        ),
        (&review_overdue::REVIEW_OVERDUE, review_overdue::check),
        (
            &sample_rate_below_policy::SAMPLE_RATE_BELOW_POLICY,
            sample_rate_below_policy::check,
        ),
    ]
}

/// Every diagnostic name agentgov can emit, in catalog order.
pub fn registry() -> Vec<&'static RuleInfo> {
    let mut all: Vec<&'static RuleInfo> = structure::ALL.to_vec();
    all.extend(analysis_rules().into_iter().map(|(i, _)| i));
    all.extend(WAIVER_RULES.iter().copied());
    all
}

pub fn find(name: &str) -> Option<&'static RuleInfo> {
    registry().into_iter().find(|r| r.name == name)
}

pub fn names() -> Vec<&'static str> {
    registry().into_iter().map(|r| r.name).collect()
}
