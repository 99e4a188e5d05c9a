//! `waiver-unwaivable`: emitted by [`super::waivers::apply`].

crate::declare_rule! {
/// ## What it finds
/// A Waiver of a rule the Policy lists in `unwaivable`. It does not apply.
///
/// ## Why it matters
/// Some rules (an irreversible action without a human gate) are lines the team decided never to cross.
///
/// ## Example
/// ```yaml
/// # policy: unwaivable: [ungated-irreversible-action]\nrule: ungated-irreversible-action
/// ```
///
/// ## How to fix
/// Fix the finding instead of waiving it.
    pub WAIVER_UNWAIVABLE = { name: "waiver-unwaivable", group: "waivers", severity: Error, summary: "a waiver of a rule the Policy marks unwaivable" }
}
