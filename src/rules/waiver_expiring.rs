//! `waiver-expiring`: emitted by [`super::waivers::apply`].

crate::declare_rule! {
/// ## What it finds
/// A Waiver that expires within 14 days of `--today`.
///
/// ## Why it matters
/// A warning ahead of time keeps CI from turning red without notice when the waiver lapses.
///
/// ## Example
/// ```yaml
/// expires: 2026-12-01   # today is 2026-11-26
/// ```
///
/// ## How to fix
/// Fix the waived finding before the date, or renew the waiver.
    pub WAIVER_EXPIRING = { name: "waiver-expiring", group: "waivers", severity: Warning, summary: "a waiver that expires within 14 days" }
}
