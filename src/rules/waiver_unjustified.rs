//! `waiver-unjustified`: emitted by [`super::waivers::apply`].

crate::declare_rule! {
/// ## What it finds
/// A Waiver without a `justification` (or an empty one).
///
/// ## Why it matters
/// Reviewers and auditors need to know why an exception was accepted and what ends it.
///
/// ## Example
/// ```yaml
/// rule: unused-grant\ntarget: agent/lead-router\napproved_by: maya\nexpires: 2027-01-31
/// ```
///
/// ## How to fix
/// Add a `justification`: why the finding is acceptable, and the plan to end the exception.
    pub WAIVER_UNJUSTIFIED = { name: "waiver-unjustified", group: "waivers", severity: Error, summary: "a waiver without justification" }
}
