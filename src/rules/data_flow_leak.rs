//! `data-flow-leak`.

use super::Context;
use crate::diag::{tick, Diagnostic};
use crate::semantics::{personal_rank, resource_class};
use crate::model::Model;

crate::declare_rule! {
    /// ## What it finds
    /// Personal or sensitive data flows through `syncs_to`, directly or through a chain of syncs,
    /// into a resource classified lower than where it came from. A resource's class is the
    /// highest of its own `classification` and its fields' classes; data counts as personal or
    /// sensitive at or above `personal` in the Policy's `classifications` (or `sensitive` when
    /// there is no `personal`).
    ///
    /// For every `syncs_to` entry, the source considered is the highest-classified resource whose
    /// data reaches the syncing resource (itself included); if the target's class is lower, the
    /// entry is reported, with the whole chain from that source in the message. So a chain
    /// `crm.contacts → warehouse.events → ads.audiences` in which only the last resource is
    /// classified lower is reported once, at `warehouse.events`'s entry for `ads.audiences`.
    /// The finding's target is the connector that holds the entry (`connector/NAME`).
    ///
    /// ## Why it matters
    /// Classification decides who may read a resource, how it is logged and which approvals its
    /// writes need. A sync into a lower-classified system quietly removes those protections:
    /// customer emails end up where internal dashboards, ad tools or more agents can reach them.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Connector
    /// metadata: { name: crm }
    /// spec:
    ///   resources:
    ///     contacts:
    ///       classification: personal
    ///       syncs_to: [ads.audiences]     # ads.audiences is classified `internal`
    /// ```
    ///
    /// ## How to fix
    /// Classify the target as highly as its source (and declare its personal fields) if it is
    /// protected like the source, or stop the sync (sync an aggregated or anonymised resource
    /// instead).
    pub DATA_FLOW_LEAK = { name: "data-flow-leak", group: "least-privilege", severity: Error, summary: "personal or sensitive data flows through syncs into a lower-classified resource" }
}

fn esc(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

fn class_of(m: &Model, id: &str) -> Option<usize> {
    let (c, r) = id.split_once('.')?;
    resource_class(m, m.resource(c, r)?)
}

/// Where a resource's class `rank` is written: its classification, else the first field with it.
fn class_pointer(m: &Model, id: &str, rank: usize) -> Option<(crate::load::DocId, String)> {
    let (c, r) = id.split_once('.')?;
    let conn = m.connectors.get(c)?;
    let res = conn.spec.resources.get(r)?;
    let base = format!("/spec/resources/{}", esc(r));
    if m.class_rank(&res.classification) == Some(rank) {
        return Some((conn.doc, format!("{base}/classification")));
    }
    let f = res
        .fields
        .iter()
        .find(|(_, cl)| m.class_rank(cl) == Some(rank))?
        .0;
    Some((conn.doc, format!("{base}/fields/{}", esc(f))))
}

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let m = cx.model;
    let Some(t) = personal_rank(m) else {
        return Vec::new();
    };
    let g = cx.graph;
    let sources = g.sync_sources(|id| class_of(m, id), t);
    let classes = &m.policy().classifications;
    let mut out = Vec::new();
    for (cn, conn) in &m.connectors {
        for (rn, res) in &conn.spec.resources {
            if res.syncs_to.is_empty() {
                continue;
            }
            let from = format!("{cn}.{rn}");
            let Some(u) = g.resource(&from) else {
                continue;
            };
            let Some((origin, level)) = sources.origin(u) else {
                continue;
            };
            for (k, to) in res.syncs_to.iter().enumerate() {
                let to_class = class_of(m, to);
                if to_class.is_some_and(|c| c >= level) {
                    continue;
                }
                let level_name = &classes[level];
                let to_name = to_class
                    .map(|c| classes[c].as_str())
                    .unwrap_or("unclassified");
                let mut chain = sources.chain_to(u);
                chain.push(to.clone());
                let chain = crate::graph::show_path(&chain);
                let mut d = Diagnostic::new(&DATA_FLOW_LEAK,
                    format!(
                        "{level_name} data of {} flows into {}, classified {}: {chain}",
                        tick(&origin),
                        tick(to),
                        tick(to_name)
                    ),
                )
                .at(cx.ws.loc(conn.doc, &format!("/spec/resources/{}/syncs_to/{k}", esc(rn))))
                .label(format!("syncs {level_name} data to a resource classified {}", tick(to_name)))
                .help(format!(
                    "classify {} as {} (and declare its {level_name} fields) if it is protected like its source, or remove this sync",
                    tick(to),
                    tick(level_name)
                ))
                .target(format!("connector/{cn}"))
                .subject(format!("{from} -> {to}"));
                if let Some((doc, ptr)) = class_pointer(m, &origin, level) {
                    d = d.related(
                        cx.ws.loc(doc, &ptr),
                        format!("{} holds {level_name} data", tick(&origin)),
                    );
                }
                if let Some((doc, ptr)) = to_class.and_then(|c| class_pointer(m, to, c)) {
                    d = d.related(
                        cx.ws.loc(doc, &ptr),
                        format!("{} is classified {} here", tick(to), tick(to_name)),
                    );
                }
                out.push(d);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::graph::test_repo::findings;

    const CONNECTORS: &str = r#"apiVersion: agentgov.dev/v1
kind: Connector
metadata: { name: crm }
spec:
  system: Example CRM
  resources:
    contacts:
      classification: personal
      fields: { email: personal, stage: internal }
      operations:
        read: { effect: internal, reversibility: reversible }
        update: { effect: internal, reversibility: reversible, history: true }
        delete: { effect: internal, reversibility: irreversible }
      syncs_to: [warehouse.events]
---
apiVersion: agentgov.dev/v1
kind: Connector
metadata: { name: mail }
spec:
  system: Example Mail
  resources:
    campaigns:
      classification: internal
      operations:
        create: { effect: internal, reversibility: reversible }
        send: { effect: external, reversibility: irreversible }
"#;

    fn warehouse(events: &str, dashboards: &str) -> String {
        format!(
            r#"apiVersion: agentgov.dev/v1
kind: Connector
metadata: {{ name: warehouse }}
spec:
  system: Example Warehouse
  resources:
    events:
      classification: {events}
      operations:
        read: {{ effect: internal, reversibility: reversible }}
      syncs_to: [warehouse.dashboards]
    dashboards:
      classification: {dashboards}
      operations:
        read: {{ effect: internal, reversibility: reversible }}
"#
        )
    }

    #[test]
    fn a_chain_of_three_with_a_leak_only_at_the_end() {
        let wh = warehouse("personal", "internal");
        let f = findings(
            &[("connectors.yaml", CONNECTORS), ("warehouse.yaml", &wh)],
            "data-flow-leak",
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(
            f[0].message,
            "personal data of `crm.contacts` flows into `warehouse.dashboards`, classified `internal`: crm.contacts → warehouse.events → warehouse.dashboards"
        );
        let at = f[0].location.as_ref().unwrap();
        assert_eq!((at.file.as_str(), at.line), ("warehouse.yaml", 11));
        assert_eq!(f[0].target.as_deref(), Some("connector/warehouse"));
        assert_eq!(f[0].related[0].location.file, "connectors.yaml");
    }

    #[test]
    fn a_leak_in_the_middle_is_reported_where_it_happens_and_downstream() {
        // crm.contacts (personal) → events (internal) → dashboards (internal).
        let wh = warehouse("internal", "internal");
        let f = findings(
            &[("connectors.yaml", CONNECTORS), ("warehouse.yaml", &wh)],
            "data-flow-leak",
        );
        let at: Vec<(&str, usize)> = f
            .iter()
            .map(|d| {
                (
                    d.location.as_ref().unwrap().file.as_str(),
                    d.location.as_ref().unwrap().line,
                )
            })
            .collect();
        assert_eq!(at, [("connectors.yaml", 14), ("warehouse.yaml", 11)]);
    }

    #[test]
    fn no_leak_into_an_equal_or_higher_class() {
        let wh = warehouse("personal", "sensitive");
        assert!(findings(
            &[("connectors.yaml", CONNECTORS), ("warehouse.yaml", &wh)],
            "data-flow-leak"
        )
        .is_empty());
        // Internal data may flow anywhere.
        let internal_only = CONNECTORS
            .replace("classification: personal", "classification: internal")
            .replace("email: personal", "email: internal");
        let wh = warehouse("internal", "public");
        assert!(findings(
            &[("connectors.yaml", &internal_only), ("warehouse.yaml", &wh)],
            "data-flow-leak"
        )
        .is_empty());
    }
}
