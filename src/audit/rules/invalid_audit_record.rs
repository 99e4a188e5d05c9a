//! `invalid-audit-record`.

crate::declare_rule! {
    /// ## What it finds
    /// A line of the log that is not a record of `audit/record.schema.json`: not JSON, not an
    /// object, not UTF-8, longer than `--max-line-bytes` (1 MiB by default), a last line cut off
    /// without its line break, a key the record does not have, a value of the wrong type or
    /// outside its fixed values (`decision.effect`, `outcome`, an approval's `decision`), a time
    /// without an offset, or a record whose `time` is earlier than a record before it. A
    /// compressed log whose gzip stream is corrupt ends at the line where it broke, with one
    /// finding. The check goes on with the next line, and with the next file.
    ///
    /// ## Why it matters
    /// A record that cannot be read is evidence that is lost; records out of order make every
    /// window (monitors, sampling weeks) wrong. Neither may pass silently.
    ///
    /// ## Example
    /// ```json
    /// {"time": "2026-11-20 10:15", "agent": "campaign-writer", ...
    /// ```
    ///
    /// ## How to fix
    /// Validate what the gateway writes against `audit/record.schema.json`; write whole lines
    /// (flush a record and its line break together); use UTC timestamps from one clock.
    pub INVALID_AUDIT_RECORD = { name: "invalid-audit-record", group: "evidence", severity: Error, summary: "a log line that is not an audit record" }
}
