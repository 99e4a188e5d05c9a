//! `delegation-escalation`.

use super::Context;
use crate::diag::{tick, Diagnostic};
use crate::semantics::{covering_grants, grant_class, is_read, personal_rank};
use crate::model::{Agent, Effect, Grant, Model, OpId, Reversibility};
use std::collections::{BTreeMap, HashSet};

crate::declare_rule! {
    /// ## What it finds
    /// Through `delegates_to`, directly or transitively, an agent reaches an operation it is not
    /// granted itself and that is consequential:
    ///
    /// - external (it leaves the company: sending, publishing), or
    /// - irreversible, or
    /// - a write (any operation that is not a read: `read`, `list`, `get`, `search`, `view`,
    ///   `query`) on personal or sensitive data. The data class is the delegate's: the highest
    ///   class among the fields its grants list, or, when a covering grant lists no fields, the
    ///   highest class of the resource's fields and of the resource itself. "Personal or
    ///   sensitive" is at or above `personal` in the Policy's `classifications` (or `sensitive`
    ///   when there is no `personal`).
    ///
    /// Operations every request for is denied anyway (matched by a Policy prohibition) are not
    /// reported. Each (agent, operation) is reported once, through the nearest delegate for which
    /// the operation is consequential (ties broken by name), at the agent's `delegates_to` entry
    /// that starts the path; the message shows the whole path and the delegate's grant is shown
    /// as related. The delegates' own modes are not considered: a paused delegate can be resumed.
    ///
    /// ## Why it matters
    /// Delegation is privilege: an agent that may invoke another can make it act on its behalf.
    /// If the chain ends at an agent that sends email or writes customer records, the delegating
    /// agent effectively holds that power, but its own grants (what reviewers read) do not say
    /// so. This is the agent version of the confused deputy.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Agent
    /// metadata: { name: campaign-writer }
    /// spec:
    ///   grants:
    ///     - resource: email.campaigns
    ///       operations: [create]
    ///   delegates_to: [segmenter]     # segmenter delegates to mailer, which may send email
    /// ```
    ///
    /// ## How to fix
    /// Remove the delegation, or narrow the delegate's grants to what the delegating agent may
    /// trigger. If the delegating agent really needs the operation, grant it to that agent
    /// explicitly, so that its gate, review and audit apply and reviewers see it.
    pub DELEGATION_ESCALATION = { name: "delegation-escalation", group: "least-privilege", severity: Error, summary: "through delegation an agent reaches an external, irreversible or personal-data write operation it is not granted" }
}

/// Why an operation of an agent is consequential, or `None`.
fn risk(m: &Model, a: &Agent, op: &OpId, threshold: Option<usize>) -> Option<String> {
    let spec = m.operation(op)?;
    let res = m.resource(&op.connector, &op.resource)?;
    let mut why = Vec::new();
    if spec.effect == Effect::External {
        why.push("external".to_string());
    }
    if spec.reversibility == Reversibility::Irreversible {
        why.push("irreversible".to_string());
    }
    if !is_read(&op.operation) {
        if let Some(t) = threshold {
            let covering: Vec<&Grant> = covering_grants(a, op).into_iter().map(|(_, g)| g).collect();
            let class = grant_class(m, res, &covering);
            if let Some(c) = class.filter(|c| *c >= t) {
                why.push(format!("writes {} data", m.policy().classifications[c]));
            }
        }
    }
    (!why.is_empty()).then(|| why.join(", "))
}

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let m = cx.model;
    let g = cx.graph;
    let threshold = personal_rank(m);
    // Consequential operations of every agent someone delegates to (every agent reached through
    // delegation is one), once per agent: by operation, the grantees and why.
    let mut risky: BTreeMap<&str, BTreeMap<&str, String>> = BTreeMap::new();
    let mut done: HashSet<&str> = HashSet::new();
    for a in m.agents.values() {
        for d in &a.spec.delegates_to {
            if !done.insert(d.as_str()) {
                continue;
            }
            let (Some(delegate), Some(dp)) = (m.agents.get(d), cx.plan.agents.get(d)) else {
                continue;
            };
            for (id, op_plan) in &dp.operations {
                if op_plan.prohibited.is_some() {
                    continue;
                }
                if let Some(why) = OpId::parse(id).and_then(|op| risk(m, delegate, &op, threshold))
                {
                    risky
                        .entry(id.as_str())
                        .or_default()
                        .insert(d.as_str(), why);
                }
            }
        }
    }
    // One backward traversal per consequential operation: linear in the number of agents.
    let mut out = Vec::new();
    for (op_id, grantees) in &risky {
        let targets: Vec<_> = grantees.keys().filter_map(|d| g.agent(d)).collect();
        let delegators = g.delegators_of(&targets);
        for &x in delegators.nodes() {
            let Some(name) = g.g[x].name() else {
                continue;
            };
            let Some(a) = m.agents.get(name) else {
                continue;
            };
            if cx
                .plan
                .agents
                .get(name)
                .is_some_and(|p| p.operations.contains_key(*op_id))
            {
                continue;
            }
            let Some(path) = delegators.path_from(x) else {
                continue;
            };
            if let Some(d) = finding(cx, a, op_id, &path, grantees) {
                out.push(d);
            }
        }
    }
    out
}

fn finding(
    cx: &Context,
    a: &Agent,
    op_id: &str,
    path: &[String],
    grantees: &BTreeMap<&str, String>,
) -> Option<Diagnostic> {
    let m = cx.model;
    let first = path.get(1)?;
    let grantee_name = path.last()?;
    let entry = a.spec.delegates_to.iter().position(|d| d == first)?;
    let why = grantees.get(grantee_name.as_str())?;
    let grantee = m.agents.get(grantee_name)?;
    let op = OpId::parse(op_id)?;
    let (gi, g) = covering_grants(grantee, &op).into_iter().next()?;
    let grant_ptr = match g
        .operations
        .iter()
        .position(|o| o == &op.operation)
        .or_else(|| g.operations.iter().position(|o| o == "*"))
    {
        Some(j) => format!("/spec/grants/{gi}/operations/{j}"),
        None => format!("/spec/grants/{gi}"),
    };
    let shown = crate::graph::show_path(path);
    let help = if path.len() > 2 {
        format!(
            "remove {} from {}'s `delegates_to`, narrow the grants along `{shown}`, or grant {} to {} itself so that its gate and review apply",
            tick(first),
            tick(&a.name),
            tick(&op),
            tick(&a.name)
        )
    } else {
        format!(
            "remove {} from `delegates_to`, narrow {}'s grant, or grant {} to {} itself so that its gate and review apply",
            tick(first),
            tick(grantee_name),
            tick(&op),
            tick(&a.name)
        )
    };
    Some(
        Diagnostic::new(&DELEGATION_ESCALATION,
            format!(
                "{} reaches {} ({why}) through delegation without being granted it: {shown}",
                tick(&a.name),
                tick(&op)
            ),
        )
        .at(cx.ws.loc(a.doc, &format!("/spec/delegates_to/{entry}")))
        .label(format!("delegation path to {}", tick(&op)))
        .help(help)
        .related(
            cx.ws.loc(grantee.doc, &grant_ptr),
            format!("{} is granted {} here", tick(grantee_name), tick(&op)),
        )
        .target(format!("agent/{}", a.name))
        .subject(op_id),
    )
}

#[cfg(test)]
mod tests {
    use crate::graph::test_repo::{agent, findings};

    const CREATE: &str = "    - { resource: mail.campaigns, operations: [create] }";

    #[test]
    fn transitive_three_deep() {
        // a → b → c → writer (base agent: send is external and irreversible).
        let files = [
            agent("a", CREATE, "b"),
            agent("b", CREATE, "c"),
            agent("c", CREATE, "writer"),
        ]
        .join("---\n");
        let f = findings(&[("chain.yaml", &files)], "delegation-escalation");
        let msgs: Vec<&str> = f.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "`a` reaches `mail.campaigns.send` (external, irreversible) through delegation without being granted it: a → b → c → writer",
                "`b` reaches `mail.campaigns.send` (external, irreversible) through delegation without being granted it: b → c → writer",
                "`c` reaches `mail.campaigns.send` (external, irreversible) through delegation without being granted it: c → writer",
            ]
        );
        // At the first entry of the path, with the grantee's grant as evidence.
        assert_eq!(f[0].location.as_ref().unwrap().line, 10);
        assert_eq!(f[0].related[0].location.file, "agents.yaml");
        assert_eq!(f[0].related[0].location.line, 11);
        assert_eq!(f[0].target.as_deref(), Some("agent/a"));
        // `crm.contacts.read` is reached too, but a read is not an escalation.
        assert!(!msgs.iter().any(|m| m.contains("crm.contacts.read")));
    }

    #[test]
    fn an_operation_granted_to_the_agent_itself_is_no_escalation() {
        let files = [agent(
            "a",
            "    - { resource: mail.campaigns, operations: [create, send] }",
            "writer",
        )]
        .join("");
        assert!(findings(&[("a.yaml", &files)], "delegation-escalation").is_empty());
    }

    #[test]
    fn writes_of_personal_data_depend_on_the_delegates_fields() {
        let stage = agent(
            "tagger",
            "    - { resource: crm.contacts, operations: [update], fields: [stage] }",
            "",
        );
        let email = agent(
            "fixer",
            "    - { resource: crm.contacts, operations: [update], fields: [email] }",
            "",
        );
        let whole = agent(
            "bulk",
            "    - { resource: crm.contacts, operations: [update] }",
            "",
        );
        let boss = agent("boss", CREATE, "tagger, fixer, bulk");
        let files = [boss, stage, email, whole].join("---\n");
        let f = findings(&[("team2.yaml", &files)], "delegation-escalation");
        // One finding for the operation, through the nearest grantee in name order (`bulk`).
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(
            f[0].message,
            "`boss` reaches `crm.contacts.update` (writes personal data) through delegation without being granted it: boss → bulk"
        );
        let only_stage = [
            agent("boss", CREATE, "tagger"),
            agent(
                "tagger",
                "    - { resource: crm.contacts, operations: [update], fields: [stage] }",
                "",
            ),
        ]
        .join("---\n");
        assert!(findings(&[("team2.yaml", &only_stage)], "delegation-escalation").is_empty());
        let only_email = [
            agent("boss", CREATE, "fixer"),
            agent(
                "fixer",
                "    - { resource: crm.contacts, operations: [update], fields: [email] }",
                "",
            ),
        ]
        .join("---\n");
        assert_eq!(
            findings(&[("team2.yaml", &only_email)], "delegation-escalation").len(),
            1
        );
    }

    #[test]
    fn prohibited_operations_are_not_escalations() {
        let files = [
            agent("boss", CREATE, "cleaner"),
            agent(
                "cleaner",
                "    - { resource: crm.contacts, operations: [delete], fields: [stage] }",
                "",
            ),
        ]
        .join("---\n");
        assert!(findings(&[("x.yaml", &files)], "delegation-escalation").is_empty());
    }
}
