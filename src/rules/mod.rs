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

pub mod structure;
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
    vec![]
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
