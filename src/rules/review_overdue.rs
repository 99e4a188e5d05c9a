//! `review-overdue`.

use super::Context;
use crate::diag::{tick, Diagnostic};
use crate::semantics::{next_review, review_cadence};

crate::declare_rule! {
    /// ## What it finds
    /// An agent whose `review.last_reviewed` date is older than its review cadence allows on the
    /// day of the check (`--today`, by default the current date). The cadence is the agent's
    /// `review.cadence`, else the Policy's `review_cadence`, else `monthly`. The next review is
    /// due 7 days after the last one (`weekly`), on the same day of the next month (`monthly`;
    /// the last day of a shorter month), or 3 months later (`quarterly`); the agent is overdue
    /// from the day after. An agent with no `last_reviewed` date is not reported.
    ///
    /// ## Why it matters
    /// Agents drift: prompts, data and the people around them change. Weekly spot checks and
    /// monthly reviews of approval-bypass rates only work if they happen; a date in the file
    /// that nobody updates shows they stopped.
    ///
    /// ## Example
    /// ```yaml
    /// review: { cadence: weekly, last_reviewed: 2026-10-01 }   # today is 2026-11-26
    /// ```
    ///
    /// ## How to fix
    /// Review the agent (outputs, rejection and bypass rates, grants, monitors), then set
    /// `last_reviewed` to the review's date in the same pull request as any changes it led to.
    pub REVIEW_OVERDUE = { name: "review-overdue", group: "change", severity: Warning, summary: "an agent whose last review is older than its cadence allows" }
}

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let m = cx.model;
    let policy = m.policy.as_ref();
    let mut out = Vec::new();
    for a in m.agents.values() {
        let Some(review) = &a.spec.review else {
            continue;
        };
        let Some(last) = review.last_reviewed else {
            continue;
        };
        let cadence = review_cadence(m, a);
        let Some(due) = next_review(m, a) else {
            continue;
        };
        if cx.today <= due {
            continue;
        }
        let late = (cx.today - due).num_days();
        let mut d = Diagnostic::new(&REVIEW_OVERDUE,
            format!(
                "agent {} was last reviewed on {last}; its {} review was due on {due}",
                tick(&a.name),
                cadence.as_str()
            ),
        )
        .at(cx.ws.loc(a.doc, "/spec/review/last_reviewed"))
        .label(format!(
            "{late} day{} overdue",
            if late == 1 { "" } else { "s" }
        ))
        .help("review the agent, then set `last_reviewed` to the date of that review")
        .target(format!("agent/{}", a.name))
        .subject("review");
        // Where the cadence comes from: the agent's own, else the Policy's default.
        let source = match (review.cadence, policy) {
            (Some(_), _) => Some((a.doc, "/spec/review/cadence")),
            (None, Some(p)) if p.spec.review_cadence.is_some() => {
                Some((p.doc, "/spec/review_cadence"))
            }
            _ => None,
        };
        if let Some((doc, ptr)) = source {
            d = d.related(
                cx.ws.loc(doc, ptr),
                format!("cadence {}", tick(cadence.as_str())),
            );
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::util::testing::{base, of};
    use crate::semantics::due_date;
    use crate::model::Cadence;
    use chrono::NaiveDate;

    const RULE: &str = "review-overdue";

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn due_dates() {
        assert_eq!(
            due_date(d("2026-11-19"), Cadence::Weekly),
            Some(d("2026-11-26"))
        );
        assert_eq!(
            due_date(d("2026-10-26"), Cadence::Monthly),
            Some(d("2026-11-26"))
        );
        assert_eq!(
            due_date(d("2026-01-31"), Cadence::Monthly),
            Some(d("2026-02-28"))
        );
        assert_eq!(
            due_date(d("2026-08-31"), Cadence::Quarterly),
            Some(d("2026-11-30"))
        );
    }

    #[test]
    fn overdue_from_the_day_after_the_due_date() {
        assert!(of(RULE, &[]).is_empty());
        let with = |date: &str, cadence: &str| {
            base("agents.yaml").replace(
                "{ cadence: monthly, last_reviewed: 2026-11-20 }",
                &format!("{{ {cadence}last_reviewed: {date} }}"),
            )
        };
        // Due exactly today: not yet overdue.
        assert!(of(
            RULE,
            &[("agents.yaml", &with("2026-10-26", "cadence: monthly, "))]
        )
        .is_empty());
        let found = of(
            RULE,
            &[("agents.yaml", &with("2026-10-25", "cadence: monthly, "))],
        );
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("due on 2026-11-25"),
            "{}",
            found[0].message
        );
        assert_eq!(found[0].label.as_deref(), Some("1 day overdue"));
        assert!(
            of(
                RULE,
                &[("agents.yaml", &with("2026-11-18", "cadence: weekly, "))]
            )
            .len()
                == 1
        );
        assert!(of(
            RULE,
            &[("agents.yaml", &with("2026-09-01", "cadence: quarterly, "))]
        )
        .is_empty());
        // No agent cadence: the Policy's (monthly in base), else monthly.
        assert_eq!(
            of(RULE, &[("agents.yaml", &with("2026-10-20", ""))]).len(),
            1
        );
        let policy =
            base("policy.yaml").replace("review_cadence: monthly", "review_cadence: quarterly");
        assert!(of(
            RULE,
            &[
                ("agents.yaml", &with("2026-10-20", "")),
                ("policy.yaml", &policy)
            ]
        )
        .is_empty());
    }
}
