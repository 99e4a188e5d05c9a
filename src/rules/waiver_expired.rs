//! `waiver-expired`: emitted by [`super::waivers::apply`].

crate::declare_rule! {
/// ## What it finds
/// A Waiver whose `expires` date is before `--today`. It no longer silences anything.
///
/// ## Why it matters
/// Exceptions must end: an expired waiver is a decision nobody renewed.
///
/// ## Example
/// ```yaml
/// expires: 2026-01-31   # today is 2026-11-26
/// ```
///
/// ## How to fix
/// Fix the waived finding and delete the waiver, or renew it with a fresh justification and approval.
    pub WAIVER_EXPIRED = { name: "waiver-expired", group: "waivers", severity: Error, summary: "a waiver past its expiry date" }
}
