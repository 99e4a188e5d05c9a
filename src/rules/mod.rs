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
    /// DESIGN §4 group: structure, least-privilege, irreversibility, workflows, approvals,
    /// accountability, audit, monitoring, change, waivers; `tools` for the bindings of §6.
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

/// Declares the rule modules and the registry in one list, so that a rule cannot be declared and
/// not registered (a module left out of the list is not compiled; `every_declared_rule_is_registered`
/// checks the structure rules, which share one file).
macro_rules! catalog {
    (
        structure: [$($s:ident),* $(,)?],
        analysis: [$($am:ident :: $ar:ident),* $(,)?],
        waivers: [$($wm:ident :: $wr:ident),* $(,)?] $(,)?
    ) => {
        $(pub(crate) mod $am;)*
        $(pub(crate) mod $wm;)*

        /// Diagnostics of the load, schema and resolve phases (and `agentgov test`), in catalog order.
        pub static STRUCTURE_RULES: &[&RuleInfo] = &[$(&structure::$s),*];
        /// Analysis rules: (info, check), in catalog order.
        pub static ANALYSIS_RULES: &[(&RuleInfo, CheckFn)] = &[$((&$am::$ar, $am::check as CheckFn)),*];
        /// Rules about waivers, emitted by [`waivers::apply`] after the analysis rules ran.
        pub static WAIVER_RULES: &[&RuleInfo] = &[$(&$wm::$wr),*];
    };
}

pub mod structure;
pub(crate) mod util;
pub(crate) mod waivers;

catalog! {
    structure: [
        YAML_SYNTAX, DUPLICATE_KEY, INPUT_LIMIT, UNREADABLE_FILE, INVALID_ENCODING, EMPTY_FILE,
        LINK_OUTSIDE, FOREIGN_API, UNSUPPORTED_API, UNKNOWN_KIND, UNKNOWN_FIELD, MISSING_FIELD,
        INVALID_TYPE, INVALID_VALUE, DUPLICATE_ID, DUPLICATE_POLICY, MISSING_POLICY,
        UNKNOWN_REFERENCE, UNKNOWN_OWNER, PATH_ESCAPE, PROMPT_NOT_FOUND, TEST_FAILED,
    ],
    analysis: [
        unused_grant::UNUSED_GRANT,
        broad_field_access::BROAD_FIELD_ACCESS,
        delegation_escalation::DELEGATION_ESCALATION,
        delegation_cycle::DELEGATION_CYCLE,
        data_flow_leak::DATA_FLOW_LEAK,
        ungated_irreversible_action::UNGATED_IRREVERSIBLE_ACTION,
        missing_rollback::MISSING_ROLLBACK,
        missing_compensation::MISSING_COMPENSATION,
        gate_below_consequence::GATE_BELOW_CONSEQUENCE,
        tier_understaffed::TIER_UNDERSTAFFED,
        missing_checklist::MISSING_CHECKLIST,
        no_pause_authority::NO_PAUSE_AUTHORITY,
        missing_playbook::MISSING_PLAYBOOK,
        audit_fields_missing::AUDIT_FIELDS_MISSING,
        retention_out_of_bounds::RETENTION_OUT_OF_BOUNDS,
        unmonitored_agent::UNMONITORED_AGENT,
        monitor_without_response::MONITOR_WITHOUT_RESPONSE,
        review_overdue::REVIEW_OVERDUE,
        sample_rate_below_policy::SAMPLE_RATE_BELOW_POLICY,
        step_not_granted::STEP_NOT_GRANTED,
        unknown_tool::UNKNOWN_TOOL,
        invalid_tool_args::INVALID_TOOL_ARGS,
        ambiguous_tool_binding::AMBIGUOUS_TOOL_BINDING,
        ungoverned_tool::UNGOVERNED_TOOL,
        tool_annotation_conflict::TOOL_ANNOTATION_CONFLICT,
        unbound_operation::UNBOUND_OPERATION,
    ],
    waivers: [
        waiver_expired::WAIVER_EXPIRED,
        waiver_expiring::WAIVER_EXPIRING,
        waiver_unused::WAIVER_UNUSED,
        waiver_unjustified::WAIVER_UNJUSTIFIED,
        waiver_unwaivable::WAIVER_UNWAIVABLE,
    ],
}

/// Analysis rules: (info, check), in catalog order.
pub fn analysis_rules() -> &'static [(&'static RuleInfo, CheckFn)] {
    ANALYSIS_RULES
}

/// Every diagnostic name agentgov can emit, in catalog order.
pub fn registry() -> Vec<&'static RuleInfo> {
    all_rules().collect()
}

fn all_rules() -> impl Iterator<Item = &'static RuleInfo> {
    STRUCTURE_RULES
        .iter()
        .copied()
        .chain(ANALYSIS_RULES.iter().map(|(i, _)| *i))
        .chain(WAIVER_RULES.iter().copied())
        .chain(crate::audit::rules::AUDIT_RULES.iter().copied())
}

pub fn find(name: &str) -> Option<&'static RuleInfo> {
    all_rules().find(|r| r.name == name)
}

pub fn names() -> Vec<&'static str> {
    all_rules().map(|r| r.name).collect()
}

#[cfg(test)]
mod tests {
    /// Every rule declared in `src/rules/` or `src/audit/rules/` names a rule of the registry, once.
    #[test]
    fn every_declared_rule_is_registered() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut declared = Vec::new();
        for dir in ["src/rules", "src/audit/rules"] {
            for e in std::fs::read_dir(root.join(dir)).unwrap() {
                let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
                for part in text.split("= { name: \"").skip(1) {
                    declared.push(part.split('"').next().unwrap().to_string());
                }
            }
        }
        declared.sort();
        let mut registered: Vec<String> = super::names().into_iter().map(String::from).collect();
        registered.sort();
        assert_eq!(declared, registered);
    }
}
