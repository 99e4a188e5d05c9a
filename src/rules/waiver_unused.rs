//! `waiver-unused`: emitted by [`super::waivers::apply`].

crate::declare_rule! {
/// ## What it finds
/// A Waiver whose rule and target match no finding.
///
/// ## Why it matters
/// Stale waivers rot: they would silently cover a future, unrelated finding on the same target.
///
/// ## Example
/// ```yaml
/// rule: broad-field-access\ntarget: agent/lead-scorer   # which has no such finding any more
/// ```
///
/// ## How to fix
/// Delete the waiver.
    pub WAIVER_UNUSED = { name: "waiver-unused", group: "waivers", severity: Warning, summary: "a waiver that matches no finding" }
}
