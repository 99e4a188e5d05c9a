//! Renderings of diagnostics: human (miette), JSON, and the CI formats.

pub mod audit;
pub(crate) mod github;
pub(crate) mod human;
pub mod json;
pub(crate) mod markdown;
pub(crate) mod sarif;

use crate::diag::Summary;

/// The closing summary line, e.g. `2 errors, 1 warning, 1 waived in 14 files`.
pub fn summary_line(s: &Summary) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut parts = vec![
        plural(s.errors, "error", "errors"),
        plural(s.warnings, "warning", "warnings"),
    ];
    if s.notes > 0 {
        parts.push(plural(s.notes, "note", "notes"));
    }
    if s.waived > 0 {
        parts.push(format!("{} waived", s.waived));
    }
    format!(
        "{} in {}",
        parts.join(", "),
        plural(s.files, "file", "files")
    )
}
