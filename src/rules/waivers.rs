//! Waivers: which findings they silence, and the findings about the waivers themselves.

use super::Context;
use crate::analysis::waive;
use crate::diag::{tick, Diagnostic};
use chrono::NaiveDate;

/// How many days ahead an expiry is announced.
pub const EXPIRY_NOTICE_DAYS: i64 = 14;

/// Waives the matching findings in place; returns the findings about waivers.
pub fn apply(cx: &Context, found: &mut [Diagnostic]) -> Vec<Diagnostic> {
    let m = cx.model;
    let unwaivable = &m.policy().unwaivable;
    let mut out = Vec::new();
    for w in &m.waivers {
        let target = format!("waiver/{}", w.name);
        let expires = NaiveDate::parse_from_str(&w.spec.expires, "%Y-%m-%d").ok();
        let expired = expires.is_some_and(|e| e < cx.today);
        if expired {
            out.push(
                Diagnostic::error(
                    super::waiver_expired::WAIVER_EXPIRED.name,
                    format!("waiver {} expired on {}", tick(&w.name), w.spec.expires),
                )
                .at(cx.ws.loc(w.doc, "/spec/expires"))
                .label("expired")
                .help("fix the finding it waived and delete the waiver, or renew it with a new justification and approval")
                .target(&target),
            );
        } else if let Some(e) = expires {
            let left = (e - cx.today).num_days();
            if left <= EXPIRY_NOTICE_DAYS {
                out.push(
                    Diagnostic::warning(
                        super::waiver_expiring::WAIVER_EXPIRING.name,
                        format!(
                            "waiver {} expires in {left} day{} ({})",
                            tick(&w.name),
                            if left == 1 { "" } else { "s" },
                            w.spec.expires
                        ),
                    )
                    .at(cx.ws.loc(w.doc, "/spec/expires"))
                    .label("expires soon")
                    .help("fix the waived finding before then, or renew the waiver")
                    .target(&target),
                );
            }
        }
        if w.spec
            .justification
            .as_deref()
            .is_none_or(|j| j.trim().is_empty())
        {
            out.push(
                Diagnostic::error(
                    super::waiver_unjustified::WAIVER_UNJUSTIFIED.name,
                    format!("waiver {} has no justification", tick(&w.name)),
                )
                .at(cx.ws.loc(w.doc, "/spec/justification"))
                .help("say why the finding is acceptable and what will end the exception")
                .target(&target),
            );
        }
        if unwaivable.iter().any(|r| r == &w.spec.rule) {
            out.push(
                Diagnostic::error(
                    super::waiver_unwaivable::WAIVER_UNWAIVABLE.name,
                    format!("rule {} cannot be waived", tick(&w.spec.rule)),
                )
                .at(cx.ws.loc(w.doc, "/spec/rule"))
                .label("listed in the Policy's `unwaivable`")
                .help("fix the finding instead")
                .target(&target),
            );
            continue;
        }
        if expired {
            continue;
        }
        let mut used = false;
        for d in found.iter_mut() {
            if d.rule == w.spec.rule
                && d.target.as_deref() == Some(w.spec.target.as_str())
                && d.waived.is_none()
            {
                waive(d, w, cx.ws);
                used = true;
            }
        }
        if !used {
            out.push(
                Diagnostic::warning(
                    super::waiver_unused::WAIVER_UNUSED.name,
                    format!(
                        "waiver {} matches no {} finding on {}",
                        tick(&w.name),
                        tick(&w.spec.rule),
                        tick(&w.spec.target)
                    ),
                )
                .at(cx.ws.loc(w.doc, "/spec/target"))
                .label("nothing to waive")
                .help("delete the waiver: the finding it covered is gone")
                .target(&target),
            );
        }
    }
    out
}
