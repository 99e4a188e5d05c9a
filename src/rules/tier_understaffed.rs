//! `tier-understaffed`.

use super::util::tick_list;
use super::Context;
use crate::diag::{tick, Diagnostic};
use std::collections::BTreeSet;

crate::declare_rule! {
    /// ## What it finds
    /// A Policy tier whose approvals cannot be given by distinct people with the team as it is.
    /// Each entry of the tier's `approvals` is one approval by a member of its group (`from`), and
    /// every approval must come from a different person. The rule looks for an assignment of a
    /// different member to each entry (a matching between entries and people); when none exists
    /// the tier can never be satisfied. This covers too few people overall, an empty group, and
    /// groups that share their only members.
    ///
    /// ## Why it matters
    /// An action that needs a tier no one can staff is blocked forever, and in practice someone
    /// then approves twice or the gate is bypassed. A "two-person" rule whose two groups are the
    /// same single person is one person.
    ///
    /// ## Example
    /// ```yaml
    /// # Policy
    /// tiers:
    ///   - id: two-person
    ///     approvals: [{ from: leads }, { from: compliance }]
    /// # Team
    /// groups:
    ///   - { id: leads, members: [ana] }
    ///   - { id: compliance, members: [ana] }   # the same person twice
    /// ```
    ///
    /// ## How to fix
    /// Add people to the groups so that each approval can come from someone different, or change
    /// the tier's approvals.
    pub TIER_UNDERSTAFFED = { name: "tier-understaffed", group: "approvals", severity: Error, summary: "a tier whose groups cannot supply enough distinct people" }
}

/// The largest number of slots that can be filled by distinct people, each slot from its own
/// candidate list (Kuhn's augmenting paths; tiers have a handful of slots).
pub fn max_distinct_assignment(slots: &[Vec<String>]) -> usize {
    let people: Vec<&String> = slots
        .iter()
        .flatten()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let idx = |p: &String| {
        people
            .iter()
            .position(|q| *q == p)
            .expect("collected above")
    };
    let adj: Vec<Vec<usize>> = slots.iter().map(|s| s.iter().map(idx).collect()).collect();
    let mut owner: Vec<Option<usize>> = vec![None; people.len()];
    fn augment(
        slot: usize,
        adj: &[Vec<usize>],
        seen: &mut [bool],
        owner: &mut [Option<usize>],
    ) -> bool {
        for &p in &adj[slot] {
            if seen[p] {
                continue;
            }
            seen[p] = true;
            if owner[p].is_none_or(|other| augment(other, adj, seen, owner)) {
                owner[p] = Some(slot);
                return true;
            }
        }
        false
    }
    let mut filled = 0;
    for slot in 0..slots.len() {
        let mut seen = vec![false; people.len()];
        if augment(slot, &adj, &mut seen, &mut owner) {
            filled += 1;
        }
    }
    filled
}

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let m = cx.model;
    let Some(policy) = m.policy.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (ti, tier) in policy.spec.tiers.iter().enumerate() {
        if tier.approvals.is_empty() {
            continue;
        }
        let slots: Vec<Vec<String>> = tier
            .approvals
            .iter()
            .map(|a| {
                m.groups
                    .get(&a.from)
                    .map(|g| {
                        g.members
                            .iter()
                            .filter(|p| m.people.contains_key(*p))
                            .cloned()
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .collect();
        let need = slots.len();
        let can = max_distinct_assignment(&slots);
        if can >= need {
            continue;
        }
        let groups: Vec<&str> = tier
            .approvals
            .iter()
            .map(|a| a.from.as_str())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let everyone: BTreeSet<&String> = slots.iter().flatten().collect();
        let detail = if everyone.len() < need {
            let names: Vec<&str> = everyone.iter().map(|s| s.as_str()).collect();
            if names.is_empty() {
                format!(
                    "{} {} no members",
                    tick_list(&groups),
                    if groups.len() == 1 { "has" } else { "have" }
                )
            } else {
                format!(
                    "{} {} only {} between them: {}",
                    tick_list(&groups),
                    if groups.len() == 1 { "has" } else { "have" },
                    if names.len() == 1 {
                        "one person".to_string()
                    } else {
                        format!("{} people", names.len())
                    },
                    tick_list(&names)
                )
            }
        } else {
            format!("the same people would have to approve twice: at most {can} distinct approvals can be given")
        };
        let mut d = Diagnostic::new(&TIER_UNDERSTAFFED,
            format!(
                "tier {} needs {need} approvals from distinct people but cannot be staffed: {detail}",
                tick(&tier.id)
            ),
        )
        .at(cx.ws.loc(policy.doc, &format!("/spec/tiers/{ti}/approvals")))
        .label(format!("{need} distinct approvers needed"))
        .help(format!(
            "add people to {} so that each approval can come from someone different, or change the tier's approvals",
            tick_list(&groups)
        ))
        .target("policy")
        .subject(&tier.id);
        for g in &groups {
            if let Some(entry) = m.groups.get(*g) {
                let members: Vec<&str> = entry.members.iter().map(|s| s.as_str()).collect();
                d = d.related(
                    cx.ws
                        .loc(entry.doc, &format!("/spec/groups/{}/members", entry.index)),
                    if members.is_empty() {
                        format!("group {} has no members", tick(g))
                    } else {
                        format!("group {} has {}", tick(g), tick_list(&members))
                    },
                );
            }
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::util::testing::{base, of};
    use super::max_distinct_assignment;

    const RULE: &str = "tier-understaffed";

    fn v(xs: &[&[&str]]) -> Vec<Vec<String>> {
        xs.iter()
            .map(|s| s.iter().map(|x| x.to_string()).collect())
            .collect()
    }

    #[test]
    fn matching() {
        assert_eq!(max_distinct_assignment(&v(&[&["ana"], &["cleo"]])), 2);
        assert_eq!(max_distinct_assignment(&v(&[&["ana"], &["ana"]])), 1);
        // Needs an augmenting path: the first slot must give up `ana`.
        assert_eq!(max_distinct_assignment(&v(&[&["ana", "ben"], &["ana"]])), 2);
        // Three slots, three people in total, but two slots share one person.
        assert_eq!(
            max_distinct_assignment(&v(&[&["ana"], &["ana"], &["ben", "cleo"]])),
            2
        );
        assert_eq!(max_distinct_assignment(&v(&[&[], &["ana"]])), 1);
        assert_eq!(max_distinct_assignment(&v(&[])), 0);
    }

    #[test]
    fn base_is_clean() {
        assert!(of(RULE, &[]).is_empty());
    }

    /// Two groups whose only member is the same person: two slots, one person.
    #[test]
    fn groups_sharing_their_only_member() {
        let team = base("team.yaml").replace(
            "{ id: compliance, members: [cleo] }",
            "{ id: compliance, members: [ana] }",
        );
        let found = of(RULE, &[("team.yaml", &team)]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].message.contains("`two-person`"));
        assert!(
            found[0].message.contains("only one person"),
            "{}",
            found[0].message
        );
        assert_eq!(found[0].related.len(), 2);
    }

    /// Enough people in total, but no distinct assignment.
    #[test]
    fn enough_people_but_no_distinct_assignment() {
        let policy = base("policy.yaml").replace(
            "approvals: [{ from: leads }, { from: compliance }]",
            "approvals: [{ from: leads }, { from: compliance }, { from: reviewers }]",
        );
        let team = base("team.yaml")
            .replace(
                "{ id: compliance, members: [cleo] }",
                "{ id: compliance, members: [ana] }",
            )
            .replace(
                "{ id: reviewers, members: [ana, ben] }",
                "{ id: reviewers, members: [ben, cleo] }",
            );
        let found = of(RULE, &[("policy.yaml", &policy), ("team.yaml", &team)]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].message.contains("approve twice"),
            "{}",
            found[0].message
        );
    }
}
