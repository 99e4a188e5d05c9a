//! Waivers: which findings they silence, and the findings about the waivers themselves.

use super::Context;
use crate::diag::{tick, Diagnostic, Waived};
use crate::load::Workspace;
use crate::model::Waiver;
use crate::semantics::{waiver_justified, WaiverStatus};

/// Waives the matching findings in place; returns the findings about waivers.
pub fn apply(cx: &Context, found: &mut [Diagnostic]) -> Vec<Diagnostic> {
    let m = cx.model;
    let unwaivable = &m.policy().unwaivable;
    let mut out = Vec::new();
    for w in &m.waivers {
        let target = format!("waiver/{}", w.name);
        let status = WaiverStatus::of(w, cx.today);
        match status {
            WaiverStatus::Expired => out.push(
                Diagnostic::new(&super::waiver_expired::WAIVER_EXPIRED,
                    format!("waiver {} expired on {}", tick(&w.name), w.spec.expires),
                )
                .at(cx.ws.loc(w.doc, "/spec/expires"))
                .label("expired")
                .help("fix the finding it waived and delete the waiver, or renew it with a new justification and approval")
                .target(&target),
            ),
            WaiverStatus::Expiring(left) => out.push(
                Diagnostic::new(&super::waiver_expiring::WAIVER_EXPIRING,
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
            ),
            WaiverStatus::Active => {}
        }
        if !waiver_justified(w) {
            out.push(
                Diagnostic::new(
                    &super::waiver_unjustified::WAIVER_UNJUSTIFIED,
                    format!("waiver {} has no justification", tick(&w.name)),
                )
                .at(cx.ws.loc(w.doc, "/spec/justification"))
                .help("say why the finding is acceptable and what will end the exception")
                .target(&target),
            );
        }
        if unwaivable.iter().any(|r| r == &w.spec.rule) {
            out.push(
                Diagnostic::new(
                    &super::waiver_unwaivable::WAIVER_UNWAIVABLE,
                    format!("rule {} cannot be waived", tick(&w.spec.rule)),
                )
                .at(cx.ws.loc(w.doc, "/spec/rule"))
                .label("listed in the Policy's `unwaivable`")
                .help("fix the finding instead")
                .target(&target),
            );
            continue;
        }
        if status == WaiverStatus::Expired {
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
                Diagnostic::new(
                    &super::waiver_unused::WAIVER_UNUSED,
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

/// Marks a finding as waived.
fn waive(d: &mut Diagnostic, w: &Waiver, ws: &Workspace) {
    d.waived = Some(Waived {
        justification: w.spec.justification.clone().unwrap_or_default(),
        approved_by: w.spec.approved_by.clone(),
        expires: w.spec.expires,
        waiver: ws.loc(w.doc, "/spec/rule"),
    });
    d.help = Some(format!(
        "waived until {} by {}: {}",
        w.spec.expires,
        tick(&w.spec.approved_by),
        w.spec
            .justification
            .as_deref()
            .unwrap_or("(no justification)")
    ));
}
