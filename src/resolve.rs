//! Phase 3: build the typed, id-indexed [`Model`] and check every reference in it.

use crate::diag::{suggestion_help, tick, Diagnostic, Location};
use crate::load::{DocId, Kind, Workspace};
use crate::model::*;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

/// The outcome of resolution.
pub struct Resolved {
    pub model: Model,
    /// SHA-256 of each agent's prompt file, by agent.
    pub prompt_hashes: BTreeMap<String, String>,
    /// Names of documents that exist but failed their schema: references to them are not reported.
    pub broken: BTreeSet<(Kind, String)>,
}

struct Ctx<'a> {
    ws: &'a Workspace,
    diags: Vec<Diagnostic>,
    broken: &'a BTreeSet<(Kind, String)>,
    /// The kinds of document files that could not be parsed might define: ids of these kinds
    /// might be defined there, so references to them wait (DESIGN §4: only those).
    incomplete: &'a BTreeSet<Kind>,
}

impl<'a> Ctx<'a> {
    /// A context for one task of a parallel check, with its own diagnostics.
    fn fork(&self) -> Ctx<'a> {
        Ctx {
            ws: self.ws,
            diags: Vec::new(),
            broken: self.broken,
            incomplete: self.incomplete,
        }
    }

    /// Runs `f` on every item in parallel, each with a context of its own, and keeps the
    /// diagnostics in item order (resolution of large repositories is mostly these loops).
    fn par_each<T: Sync, R: Send>(
        &mut self,
        items: &[T],
        f: impl Fn(&mut Ctx<'a>, &T) -> R + Sync,
    ) -> Vec<R> {
        let this: &Ctx<'a> = self;
        let out: Vec<(R, Vec<Diagnostic>)> = items
            .par_iter()
            .map(|it| {
                let mut cx = this.fork();
                let r = f(&mut cx, it);
                (r, cx.diags)
            })
            .collect();
        let mut results = Vec::with_capacity(out.len());
        for (r, d) in out {
            results.push(r);
            self.diags.extend(d);
        }
        results
    }

    fn loc(&self, doc: DocId, ptr: &str) -> Location {
        self.ws.loc(doc, ptr)
    }

    /// Reports a finding of `rule` at `ptr` in a document, with a help text.
    fn report(
        &mut self,
        rule: &'static crate::rules::RuleInfo,
        doc: DocId,
        ptr: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let loc = self.loc(doc, ptr);
        self.diags
            .push(Diagnostic::new(rule, message).at(loc).help(help));
    }

    fn unknown<'c>(
        &mut self,
        doc: DocId,
        ptr: &str,
        what: &str,
        name: &str,
        candidates: impl IntoIterator<Item = &'c str>,
        fallback: String,
    ) {
        let help = suggestion_help(name, candidates, fallback);
        let loc = self.loc(doc, ptr);
        self.diags.push(
            Diagnostic::new(
                &crate::rules::structure::UNKNOWN_REFERENCE,
                format!("unknown {what} {}", tick(name)),
            )
            .at(loc)
            .label(format!("no {what} with this id"))
            .help(help),
        );
    }
}

fn item<S>(doc: DocId, env: Envelope<S>) -> Item<S> {
    Item {
        name: env.metadata.name.clone(),
        doc,
        metadata: env.metadata,
        spec: env.spec,
    }
}

/// Inserts into an id-indexed map, reporting a duplicate at both places.
fn insert_unique<S>(ctx: &mut Ctx, map: &mut BTreeMap<String, Item<S>>, kind: Kind, it: Item<S>) {
    if let Some(first) = map.get(&it.name) {
        let first_loc = ctx.loc(first.doc, "/metadata/name");
        let loc = ctx.loc(it.doc, "/metadata/name");
        ctx.diags.push(
            Diagnostic::new(
                &crate::rules::structure::DUPLICATE_ID,
                format!("duplicate {} {}", kind.slug(), tick(&it.name)),
            )
            .at(loc)
            .label("defined again here")
            .related(first_loc, "first defined here")
            .help(format!(
                "rename one of them: {} names must be unique",
                kind.slug()
            )),
        );
        return;
    }
    map.insert(it.name.clone(), it);
}

/// Records where a person or group id is defined (people and groups share one namespace); a
/// second definition is a `duplicate-id` and returns false.
fn claim_team_id(
    ctx: &mut Ctx,
    places: &mut HashMap<String, (DocId, String)>,
    doc: DocId,
    id: &str,
    ptr: String,
) -> bool {
    if let Some((first_doc, first_ptr)) = places.get(id) {
        let loc = ctx.loc(doc, &ptr);
        let first = ctx.loc(*first_doc, first_ptr);
        ctx.diags.push(
            Diagnostic::new(
                &crate::rules::structure::DUPLICATE_ID,
                format!("duplicate person or group {}", tick(id)),
            )
            .at(loc)
            .related(first, "first defined here")
            .help("people and groups share one namespace: rename one of them"),
        );
        return false;
    }
    places.insert(id.to_string(), (doc, ptr));
    true
}

/// Resolves the validated documents into the model. `typed[i]` is document `i` deserialized, or
/// `None` when it failed its schema; `rule_names` are the names waivers and levels may refer to.
/// What the files that failed to parse might define: the kinds their `kind:` lines name, or
/// every kind for a file that could not be read or whose `kind:` lines name none we know.
fn incomplete_kinds(ws: &Workspace) -> BTreeSet<Kind> {
    let mut out = BTreeSet::new();
    for path in &ws.incomplete {
        let text = ws
            .files
            .iter()
            .find(|f| &f.path == path)
            .map(|f| f.text())
            .unwrap_or("");
        let mut named = Vec::new();
        let mut unknown = false;
        for line in text.lines() {
            let Some(at) = line.find("kind:") else {
                continue;
            };
            // `kind:` as a key: at the start of the line, after `- `, or inside `{ ... }`.
            let before = line[..at].trim_end();
            if !(before.is_empty() || before.ends_with(['-', '{', ','])) {
                continue;
            }
            let value = line[at + 5..]
                .split([',', '}', '#'])
                .next()
                .unwrap_or("")
                .trim()
                .trim_matches(['"', '\'']);
            match Kind::ALL.iter().find(|k| k.name() == value) {
                Some(k) => named.push(*k),
                None => unknown = true,
            }
        }
        if unknown || named.is_empty() {
            return Kind::ALL.into_iter().collect();
        }
        out.extend(named);
    }
    out
}

pub fn resolve(
    ws: &Workspace,
    typed: Vec<Option<TypedDoc>>,
    rule_names: &[&str],
) -> (Resolved, Vec<Diagnostic>) {
    // Documents that failed their schema: references to them are not reported.
    let mut broken = BTreeSet::new();
    for (i, _) in typed.iter().enumerate().filter(|(_, t)| t.is_none()) {
        let doc = ws.doc(DocId(i));
        if let Some(n) = doc.name() {
            broken.insert((doc.kind, n.to_string()));
        }
        if doc.kind == Kind::Policy {
            broken.insert((Kind::Policy, String::new()));
        }
    }
    let incomplete = incomplete_kinds(ws);
    let mut ctx = Ctx {
        ws,
        diags: Vec::new(),
        broken: &broken,
        incomplete: &incomplete,
    };
    let mut m = Model::default();
    let mut policies: Vec<Policy> = Vec::new();
    let mut teams: Vec<(DocId, TeamSpec)> = Vec::new();

    for (i, t) in typed.into_iter().enumerate() {
        let id = DocId(i);
        let Some(t) = t else {
            continue;
        };
        match t {
            TypedDoc::Policy(e) => policies.push(item(id, e)),
            TypedDoc::Team(e) => {
                teams.push((id, e.spec));
                m.team_docs.push(id);
            }
            TypedDoc::Connector(e) => {
                insert_unique(&mut ctx, &mut m.connectors, Kind::Connector, item(id, e))
            }
            TypedDoc::Agent(e) => insert_unique(&mut ctx, &mut m.agents, Kind::Agent, item(id, e)),
            TypedDoc::Workflow(e) => {
                insert_unique(&mut ctx, &mut m.workflows, Kind::Workflow, item(id, e))
            }
            TypedDoc::Playbook(e) => {
                insert_unique(&mut ctx, &mut m.playbooks, Kind::Playbook, item(id, e))
            }
            TypedDoc::PolicyTest(e) => m.tests.push(item(id, e)),
            TypedDoc::Waiver(e) => m.waivers.push(item(id, e)),
        }
    }

    // Exactly one Policy.
    let policy_broken = ctx.broken.contains(&(Kind::Policy, String::new()));
    match policies.len() {
        0 if !policy_broken && !ctx.incomplete.contains(&Kind::Policy) => ctx.diags.push(
            Diagnostic::new(
                &crate::rules::structure::MISSING_POLICY,
                "the repository has no `Policy` document",
            )
            .help(
                "add one document with `kind: Policy` (run `agentgov init` for a starting point)",
            ),
        ),
        0 => {}
        _ => {
            let first = policies.remove(0);
            for extra in &policies {
                let loc = ctx.loc(extra.doc, "/kind");
                let first_loc = ctx.loc(first.doc, "/kind");
                ctx.diags.push(
                    Diagnostic::new(
                        &crate::rules::structure::DUPLICATE_POLICY,
                        format!("a second `Policy` document {}", tick(&extra.name)),
                    )
                    .at(loc)
                    .label("second Policy")
                    .related(first_loc, "first Policy")
                    .help("a repository has exactly one Policy: merge them into one"),
                );
            }
            m.policy = Some(first);
        }
    }

    // People and groups, unique across all Team documents.
    // Where each id was first defined, located only when a duplicate needs it.
    let mut id_places: HashMap<String, (DocId, String)> = HashMap::new();
    for (doc, team) in &teams {
        for (i, p) in team.people.iter().enumerate() {
            let ptr = format!("/spec/people/{i}/id");
            if !claim_team_id(&mut ctx, &mut id_places, *doc, &p.id, ptr) {
                continue;
            }
            m.people.insert(
                p.id.clone(),
                PersonEntry {
                    person: p.clone(),
                    doc: *doc,
                    index: i,
                },
            );
        }
    }
    for (doc, team) in &teams {
        for (i, g) in team.groups.iter().enumerate() {
            let ptr = format!("/spec/groups/{i}/id");
            if !claim_team_id(&mut ctx, &mut id_places, *doc, &g.id, ptr) {
                continue;
            }
            m.groups.insert(
                g.id.clone(),
                GroupEntry {
                    id: g.id.clone(),
                    members: g.members.clone(),
                    description: g.description.clone(),
                    doc: *doc,
                    index: i,
                },
            );
        }
    }
    let team_broken =
        ctx.incomplete.contains(&Kind::Team) || ctx.broken.iter().any(|(k, _)| *k == Kind::Team);
    for g in m.groups.values() {
        for (j, member) in g.members.iter().enumerate() {
            if !m.people.contains_key(member) && !team_broken {
                let ptr = format!("/spec/groups/{}/members/{j}", g.index);
                let names: Vec<&str> = m.people.keys().map(|s| s.as_str()).collect();
                ctx.unknown(
                    g.doc,
                    &ptr,
                    "person",
                    member,
                    names,
                    "add the person to `spec.people` of a Team".into(),
                );
            }
        }
    }

    let mut r = Refs {
        m: &m,
        team_broken,
        rule_names,
    };
    if m.policy.is_some() {
        check_policy(&mut ctx, &mut r);
    }
    check_connectors(&mut ctx, &r);
    let prompt_hashes = check_agents(&mut ctx, &r);
    check_workflows(&mut ctx, &r);
    check_playbooks(&mut ctx, &r);
    check_tests(&mut ctx, &r);
    check_waivers(&mut ctx, &r);
    let _ = &mut r;

    let Ctx { diags, .. } = ctx;
    (
        Resolved {
            model: m,
            prompt_hashes,
            broken,
        },
        diags,
    )
}

struct Refs<'a> {
    m: &'a Model,
    team_broken: bool,
    rule_names: &'a [&'a str],
}

impl Refs<'_> {
    fn is_broken(&self, ctx: &Ctx, kind: Kind, name: &str) -> bool {
        ctx.incomplete.contains(&kind) || ctx.broken.contains(&(kind, name.to_string()))
    }

    fn person(&self, ctx: &mut Ctx, doc: DocId, ptr: &str, id: &str) {
        if self.m.people.contains_key(id) || self.team_broken {
            return;
        }
        let names = self.m.people.keys().map(|s| s.as_str());
        ctx.unknown(
            doc,
            ptr,
            "person",
            id,
            names,
            "add the person to `spec.people` of a Team".into(),
        );
    }

    /// Owners are people: a group or an unknown id is `unknown-owner`.
    fn owner(&self, ctx: &mut Ctx, doc: DocId, ptr: &str, id: &str, role: &str) {
        if self.m.people.contains_key(id) || self.team_broken {
            return;
        }
        let loc = ctx.loc(doc, ptr);
        let (msg, help) = if self.m.groups.contains_key(id) {
            (
                format!("{role} {} is a group, not a person", tick(id)),
                "name one accountable person; groups cannot own".to_string(),
            )
        } else {
            (
                format!("{role} {} is not a known person", tick(id)),
                suggestion_help(
                    id,
                    self.m.people.keys().map(|s| s.as_str()),
                    "add the person to `spec.people` of a Team",
                ),
            )
        };
        ctx.diags.push(
            Diagnostic::new(&crate::rules::structure::UNKNOWN_OWNER, msg)
                .at(loc)
                .label("not a person")
                .help(help),
        );
    }

    fn group(&self, ctx: &mut Ctx, doc: DocId, ptr: &str, id: &str) {
        if self.m.groups.contains_key(id) || self.team_broken {
            return;
        }
        if self.m.people.contains_key(id) {
            ctx.report(
                &crate::rules::structure::UNKNOWN_REFERENCE,
                doc,
                ptr,
                format!("{} is a person, expected a group", tick(id)),
                "approvals come from groups: make a group with this person as its member",
            );
            return;
        }
        let names = self.m.groups.keys().map(|s| s.as_str());
        ctx.unknown(
            doc,
            ptr,
            "group",
            id,
            names,
            "add the group to `spec.groups` of a Team".into(),
        );
    }

    fn tier(&self, ctx: &mut Ctx, doc: DocId, ptr: &str, id: &str) {
        let Some(p) = &self.m.policy else { return };
        if p.spec.tiers.iter().any(|t| t.id == id) {
            return;
        }
        let names = p.spec.tiers.iter().map(|t| t.id.as_str());
        let all = p
            .spec
            .tiers
            .iter()
            .map(|t| tick(&t.id))
            .collect::<Vec<_>>()
            .join(", ");
        ctx.unknown(doc, ptr, "tier", id, names, format!("tiers are {all}"));
    }

    fn classification(&self, ctx: &mut Ctx, doc: DocId, ptr: &str, id: &str) {
        let Some(p) = &self.m.policy else { return };
        if p.spec.classifications.iter().any(|c| c == id) {
            return;
        }
        let names = p.spec.classifications.iter().map(|s| s.as_str());
        let all = p
            .spec
            .classifications
            .iter()
            .map(tick)
            .collect::<Vec<_>>()
            .join(", ");
        ctx.unknown(
            doc,
            ptr,
            "classification",
            id,
            names,
            format!("classifications are {all}"),
        );
    }

    fn playbook(&self, ctx: &mut Ctx, doc: DocId, ptr: &str, id: &str) {
        if self.m.playbooks.contains_key(id) || self.is_broken(ctx, Kind::Playbook, id) {
            return;
        }
        let names = self.m.playbooks.keys().map(|s| s.as_str());
        ctx.unknown(
            doc,
            ptr,
            "playbook",
            id,
            names,
            "add a Playbook document with this name".into(),
        );
    }

    fn agent(&self, ctx: &mut Ctx, doc: DocId, ptr: &str, id: &str) -> bool {
        if self.m.agents.contains_key(id) {
            return true;
        }
        if !self.is_broken(ctx, Kind::Agent, id) {
            let names = self.m.agents.keys().map(|s| s.as_str());
            ctx.unknown(
                doc,
                ptr,
                "agent",
                id,
                names,
                "add an Agent document with this name".into(),
            );
        }
        false
    }

    fn rule(&self, ctx: &mut Ctx, doc: DocId, ptr: &str, name: &str) -> bool {
        if self.rule_names.contains(&name) {
            return true;
        }
        let names = self.rule_names.iter().copied();
        ctx.unknown(
            doc,
            ptr,
            "rule",
            name,
            names,
            "`agentgov explain --list` lists every rule".into(),
        );
        false
    }

    /// A `connector.resource` reference, where `*` segments are allowed if `wild`.
    /// Returns the matching (connector, resource) pairs.
    fn resource(
        &self,
        ctx: &mut Ctx,
        doc: DocId,
        ptr: &str,
        r: &str,
        wild: bool,
    ) -> Vec<(String, String)> {
        let mut parts = r.split('.');
        let (Some(c), Some(res), None) = (parts.next(), parts.next(), parts.next()) else {
            ctx.report(
                &crate::rules::structure::INVALID_VALUE,
                doc,
                ptr,
                format!("{} is not a resource reference", tick(r)),
                "write `CONNECTOR.RESOURCE`, e.g. `crm.contacts`",
            );
            return vec![];
        };
        if !wild && (c == "*" || res == "*") {
            ctx.report(
                &crate::rules::structure::INVALID_VALUE,
                doc,
                ptr,
                format!("{} may not use `*` here", tick(r)),
                "name one resource: `CONNECTOR.RESOURCE`",
            );
            return vec![];
        }
        if c != "*" && !self.m.connectors.contains_key(c) {
            if !self.is_broken(ctx, Kind::Connector, c) {
                let names = self.m.connectors.keys().map(|s| s.as_str());
                ctx.unknown(
                    doc,
                    ptr,
                    "connector",
                    c,
                    names,
                    "add a Connector document with this name".into(),
                );
            }
            return vec![];
        }
        // A named connector and resource are lookups; only `*` segments scan.
        let found: Vec<(String, String)> = if c != "*" && res != "*" {
            match self.m.resource(c, res) {
                Some(_) => vec![(c.to_string(), res.to_string())],
                None => Vec::new(),
            }
        } else {
            self.m
                .connectors
                .iter()
                .filter(|(cn, _)| segment_matches(c, cn))
                .flat_map(|(cn, conn)| {
                    conn.spec
                        .resources
                        .keys()
                        .filter(|rn| segment_matches(res, rn))
                        .map(move |rn| (cn.clone(), rn.clone()))
                })
                .collect()
        };
        if found.is_empty() {
            let all: Vec<String> = self
                .m
                .connectors
                .iter()
                .flat_map(|(cn, conn)| {
                    conn.spec
                        .resources
                        .keys()
                        .map(move |rn| format!("{cn}.{rn}"))
                })
                .collect();
            ctx.unknown(
                doc,
                ptr,
                "resource",
                r,
                all.iter().map(|s| s.as_str()),
                format!("connector `{c}` defines {}", self.resources_of(c)),
            );
        }
        found
    }

    fn resources_of(&self, c: &str) -> String {
        match self.m.connectors.get(c) {
            Some(conn) => conn
                .spec
                .resources
                .keys()
                .map(|r| tick(format!("{c}.{r}")))
                .collect::<Vec<_>>()
                .join(", "),
            None => "no resources".into(),
        }
    }

    /// A concrete `connector.resource.operation` reference.
    fn operation(&self, ctx: &mut Ctx, doc: DocId, ptr: &str, s: &str) -> Option<OpId> {
        let Some(op) = OpId::parse(s) else {
            ctx.report(
                &crate::rules::structure::INVALID_VALUE,
                doc,
                ptr,
                format!("{} is not an operation reference", tick(s)),
                "write `CONNECTOR.RESOURCE.OPERATION`, e.g. `email.campaigns.send`",
            );
            return None;
        };
        if self.is_broken(ctx, Kind::Connector, &op.connector) {
            return None;
        }
        if self
            .resource(ctx, doc, ptr, &op.resource_id(), false)
            .is_empty()
        {
            return None;
        }
        let res = self.m.resource(&op.connector, &op.resource)?;
        if !res.operations.contains_key(&op.operation) {
            let cands: Vec<String> = res
                .operations
                .keys()
                .map(|o| format!("{}.{o}", op.resource_id()))
                .collect();
            let ops = res
                .operations
                .keys()
                .map(tick)
                .collect::<Vec<_>>()
                .join(", ");
            ctx.unknown(
                doc,
                ptr,
                "operation",
                s,
                cands.iter().map(|s| s.as_str()),
                format!("`{}` defines {ops}", op.resource_id()),
            );
            return None;
        }
        Some(op)
    }

    fn fields(
        &self,
        ctx: &mut Ctx,
        doc: DocId,
        ptr: &str,
        fields: &[String],
        resources: &[(String, String)],
    ) {
        for (i, f) in fields.iter().enumerate() {
            let known = resources.iter().any(|(c, r)| {
                self.m
                    .resource(c, r)
                    .is_some_and(|res| res.fields.contains_key(f))
            });
            if !known && !resources.is_empty() {
                let cands: BTreeSet<&str> = resources
                    .iter()
                    .filter_map(|(c, r)| self.m.resource(c, r))
                    .flat_map(|res| res.fields.keys().map(|s| s.as_str()))
                    .collect();
                let all = cands.iter().map(tick).collect::<Vec<_>>().join(", ");
                let fallback = if cands.is_empty() {
                    "this resource declares no fields".to_string()
                } else {
                    format!("fields are {all}")
                };
                ctx.unknown(
                    doc,
                    &format!("{ptr}/{i}"),
                    "field",
                    f,
                    cands.iter().copied(),
                    fallback,
                );
            }
        }
    }
}

fn check_policy(ctx: &mut Ctx, r: &mut Refs) {
    let p = r.m.policy.as_ref().expect("checked");
    let doc = p.doc;
    let spec = &p.spec;
    dup_ids(
        ctx,
        doc,
        "/spec/tiers",
        spec.tiers.iter().map(|t| t.id.as_str()),
        "tier",
    );
    dup_ids(
        ctx,
        doc,
        "/spec/escalations",
        spec.escalations.iter().map(|e| e.id.as_str()),
        "escalation",
    );
    for (i, t) in spec.tiers.iter().enumerate() {
        for (j, a) in t.approvals.iter().enumerate() {
            r.group(
                ctx,
                doc,
                &format!("/spec/tiers/{i}/approvals/{j}/from"),
                &a.from,
            );
        }
    }
    let op_names: BTreeSet<&str> =
        r.m.connectors
            .values()
            .flat_map(|c| {
                c.spec
                    .resources
                    .values()
                    .flat_map(|res| res.operations.keys().map(|s| s.as_str()))
            })
            .collect();
    for (i, d) in spec.derive.iter().enumerate() {
        r.tier(ctx, doc, &format!("/spec/derive/{i}/require"), &d.require);
        if let Some(c) = &d.when.data_at_least {
            r.classification(ctx, doc, &format!("/spec/derive/{i}/when/data_at_least"), c);
        }
        for (j, o) in d.when.operation.iter().flatten().enumerate() {
            if !op_names.contains(o.as_str()) && !r.m.connectors.is_empty() {
                ctx.unknown(
                    doc,
                    &format!("/spec/derive/{i}/when/operation/{j}"),
                    "operation name",
                    o,
                    op_names.iter().copied(),
                    "no connector defines an operation with this name".into(),
                );
            }
        }
    }
    for name in spec.facts.keys() {
        if RESERVED_FACTS.contains(&name.as_str()) {
            let loc = ctx.ws.key_loc(doc, &format!("/spec/facts/{name}"));
            ctx.diags.push(
                Diagnostic::new(&crate::rules::structure::INVALID_VALUE, format!("fact name {} is reserved", tick(name)))
                    .at(loc)
                    .label("reserved by the enforcement contract")
                    .help("`workflow`, `fields` and `approvals` are sent by every enforcement point; rename the fact"),
            );
        }
    }
    for (i, e) in spec.escalations.iter().enumerate() {
        r.tier(
            ctx,
            doc,
            &format!("/spec/escalations/{i}/raise_to"),
            &e.raise_to,
        );
        let ptr = format!("/spec/escalations/{i}/when/fact");
        match spec.facts.get(&e.when.fact) {
            None => {
                let names = spec.facts.keys().map(|s| s.as_str());
                ctx.unknown(
                    doc,
                    &ptr,
                    "fact",
                    &e.when.fact,
                    names,
                    "declare the fact under `spec.facts`".into(),
                );
            }
            Some(t) if *t != e.when.fact_type() => {
                ctx.report(
                    &crate::rules::structure::INVALID_VALUE,
                    doc,
                    &ptr,
                    format!(
                        "fact {} is a {}, but this condition needs a {}",
                        tick(&e.when.fact),
                        fact_type_name(*t),
                        fact_type_name(e.when.fact_type())
                    ),
                    "use `below`/`above` for numbers, `in` for strings and `is` for booleans",
                );
            }
            _ => {}
        }
    }
    for (i, pr) in spec.prohibited.iter().enumerate() {
        let ptr = format!("/spec/prohibited/{i}/operation");
        let parts: Vec<&str> = pr.operation.split('.').collect();
        if parts.len() != 3 {
            ctx.report(
                &crate::rules::structure::INVALID_VALUE,
                doc,
                &ptr,
                format!("{} is not an operation pattern", tick(&pr.operation)),
                "write `CONNECTOR.RESOURCE.OPERATION`, with `*` for any segment",
            );
            continue;
        }
        if !pr.operation.contains('*') {
            r.operation(ctx, doc, &ptr, &pr.operation);
        } else if parts[0] != "*"
            && !r.m.connectors.contains_key(parts[0])
            && !r.is_broken(ctx, Kind::Connector, parts[0])
        {
            let names = r.m.connectors.keys().map(|s| s.as_str());
            ctx.unknown(
                doc,
                &ptr,
                "connector",
                parts[0],
                names,
                "add a Connector document with this name".into(),
            );
        }
    }
    if let Some(a) = &spec.audit {
        for tier in a.required.keys() {
            r.tier(ctx, doc, &format!("/spec/audit/required/{tier}"), tier);
        }
        if let Some(b) = a.retention_days {
            if b.min > b.max {
                ctx.report(
                    &crate::rules::structure::INVALID_VALUE,
                    doc,
                    "/spec/audit/retention_days",
                    format!("retention `min` {} is above `max` {}", b.min, b.max),
                    "make `min` at most `max`",
                );
            }
        }
    }
    for name in spec.rules.keys() {
        let ptr = format!("/spec/rules/{}", name.replace('~', "~0").replace('/', "~1"));
        if !r.rule_names.contains(&name.as_str()) {
            let loc = ctx.ws.key_loc(doc, &ptr);
            ctx.diags.push(
                Diagnostic::new(
                    &crate::rules::structure::UNKNOWN_REFERENCE,
                    format!("unknown rule {}", tick(name)),
                )
                .at(loc)
                .help(suggestion_help(
                    name,
                    r.rule_names.iter().copied(),
                    "`agentgov explain --list` lists every rule",
                )),
            );
        }
    }
    for (i, name) in spec.unwaivable.iter().enumerate() {
        r.rule(ctx, doc, &format!("/spec/unwaivable/{i}"), name);
    }
}

/// Context keys of the enforcement contract that a fact may not shadow.
pub const RESERVED_FACTS: &[&str] = &["workflow", "fields", "approvals"];

fn fact_type_name(t: FactType) -> &'static str {
    match t {
        FactType::Bool => "bool",
        FactType::Number => "number",
        FactType::String => "string",
    }
}

fn dup_ids<'a>(
    ctx: &mut Ctx,
    doc: DocId,
    list_ptr: &str,
    ids: impl Iterator<Item = &'a str>,
    what: &str,
) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, id) in ids.enumerate() {
        if let Some(first) = seen.get(id) {
            let loc = ctx.loc(doc, &format!("{list_ptr}/{i}/id"));
            let first_loc = ctx.loc(doc, &format!("{list_ptr}/{first}/id"));
            ctx.diags.push(
                Diagnostic::new(
                    &crate::rules::structure::DUPLICATE_ID,
                    format!("duplicate {what} {}", tick(id)),
                )
                .at(loc)
                .related(first_loc, "first defined here")
                .help(format!("rename one of them: {what} ids must be unique")),
            );
        } else {
            seen.insert(id, i);
        }
    }
}

fn check_connectors(ctx: &mut Ctx, r: &Refs) {
    for conn in r.m.connectors.values() {
        for (rn, res) in &conn.spec.resources {
            let base = format!(
                "/spec/resources/{}",
                rn.replace('~', "~0").replace('/', "~1")
            );
            r.classification(
                ctx,
                conn.doc,
                &format!("{base}/classification"),
                &res.classification,
            );
            for (f, class) in &res.fields {
                r.classification(ctx, conn.doc, &format!("{base}/fields/{f}"), class);
            }
            for (i, s) in res.syncs_to.iter().enumerate() {
                r.resource(ctx, conn.doc, &format!("{base}/syncs_to/{i}"), s, false);
            }
        }
    }
}

#[allow(clippy::result_large_err)] // see `check_prompt`
fn check_agents(ctx: &mut Ctx, r: &Refs) -> BTreeMap<String, String> {
    let prompts = PromptFiles::new(&ctx.ws.root);
    let agents: Vec<&Agent> = r.m.agents.values().collect();
    let hashes = ctx.par_each(&agents, |ctx, a| {
        let doc = a.doc;
        let hash = match a
            .spec
            .prompt
            .as_ref()
            .map(|p| prompts.hash(ctx.ws, doc, &p.path))
        {
            Some(Ok(h)) => Some((a.name.clone(), h)),
            Some(Err(d)) => {
                ctx.diags.push(d);
                None
            }
            None => None,
        };
        r.owner(
            ctx,
            doc,
            "/spec/owners/business",
            &a.spec.owners.business,
            "business owner",
        );
        r.owner(
            ctx,
            doc,
            "/spec/owners/technical",
            &a.spec.owners.technical,
            "technical owner",
        );
        for (i, g) in a.spec.grants.iter().enumerate() {
            let gptr = format!("/spec/grants/{i}");
            let resources = r.resource(ctx, doc, &format!("{gptr}/resource"), &g.resource, true);
            if resources.is_empty() {
                continue;
            }
            for (j, o) in g.operations.iter().enumerate() {
                if o == "*" {
                    continue;
                }
                let defined = resources.iter().any(|(c, rn)| {
                    r.m.resource(c, rn)
                        .is_some_and(|res| res.operations.contains_key(o))
                });
                if !defined {
                    let cands: BTreeSet<&str> = resources
                        .iter()
                        .filter_map(|(c, rn)| r.m.resource(c, rn))
                        .flat_map(|res| res.operations.keys().map(|s| s.as_str()))
                        .collect();
                    let all = cands.iter().map(tick).collect::<Vec<_>>().join(", ");
                    ctx.unknown(
                        doc,
                        &format!("{gptr}/operations/{j}"),
                        "operation",
                        o,
                        cands.iter().copied(),
                        format!("`{}` defines {all}", g.resource),
                    );
                }
            }
            if let Some(fields) = &g.fields {
                r.fields(ctx, doc, &format!("{gptr}/fields"), fields, &resources);
            }
        }
        for (i, d) in a.spec.delegates_to.iter().enumerate() {
            r.agent(ctx, doc, &format!("/spec/delegates_to/{i}"), d);
        }
        for (i, mon) in a.spec.monitors.iter().enumerate() {
            if let Some(p) = &mon.playbook {
                r.playbook(ctx, doc, &format!("/spec/monitors/{i}/playbook"), p);
            }
        }
        hash
    });
    hashes.into_iter().flatten().collect()
}

/// Reads and hashes prompt files, refusing paths that leave the repository.
struct PromptFiles {
    canonical_root: Option<PathBuf>,
    /// Canonical form of each prompt folder: thousands of prompts share a few folders, and
    /// resolving a path costs a system call per component.
    folders: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
}

impl PromptFiles {
    fn new(root: &Path) -> PromptFiles {
        PromptFiles {
            canonical_root: std::fs::canonicalize(root).ok(),
            folders: Mutex::new(HashMap::new()),
        }
    }

    /// The canonical path of `full`, resolving links in the file name and its folders.
    fn canonical(&self, full: &Path) -> Option<PathBuf> {
        let (Some(dir), Some(name)) = (full.parent(), full.file_name()) else {
            return std::fs::canonicalize(full).ok();
        };
        let cached = self
            .folders
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(dir)
            .cloned();
        let dir_canon = match cached {
            Some(c) => c,
            None => {
                let c = std::fs::canonicalize(dir).ok();
                self.folders
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(dir.to_path_buf(), c.clone());
                c
            }
        }?;
        let meta = std::fs::symlink_metadata(full).ok()?;
        if meta.file_type().is_symlink() {
            std::fs::canonicalize(full).ok()
        } else {
            Some(dir_canon.join(name))
        }
    }

    /// Checks that a prompt path stays inside the repository and exists; returns its SHA-256.
    // The error is the finding itself, produced once per agent at most: boxing it buys nothing.
    #[allow(clippy::result_large_err)]
    fn hash(&self, ws: &Workspace, doc: DocId, path: &str) -> Result<String, Diagnostic> {
        use sha2::{Digest, Sha256};
        let ptr = "/spec/prompt/path";
        let p = Path::new(path);
        let escapes = p.is_absolute()
            || path.starts_with('/')
            || path.starts_with('\\')
            || p.components().any(|c| {
                matches!(
                    c,
                    Component::ParentDir | Component::Prefix(_) | Component::RootDir
                )
            });
        if escapes {
            return Err(Diagnostic::new(&crate::rules::structure::PATH_ESCAPE, format!("prompt path {} leaves the repository", tick(path)))
                .at(ws.loc(doc, ptr))
                .label("absolute or `..` path")
                .help("keep prompts inside the repository and give the path relative to its root, e.g. `prompts/writer.md`"));
        }
        let Some(canon) = self.canonical(&ws.root.join(p)) else {
            let here = ws.file_of(doc).path.clone();
            return Err(Diagnostic::new(&crate::rules::structure::PROMPT_NOT_FOUND, format!("prompt file {} does not exist", tick(path)))
                .at(ws.loc(doc, ptr))
                .label("no such file")
                .help(format!(
                    "prompt paths are relative to the repository root (the folder `agentgov` checks), not to `{here}`"
                )));
        };
        if self
            .canonical_root
            .as_ref()
            .is_some_and(|root| !canon.starts_with(root))
        {
            return Err(Diagnostic::new(
                &crate::rules::structure::PATH_ESCAPE,
                format!("prompt path {} links outside the repository", tick(path)),
            )
            .at(ws.loc(doc, ptr))
            .label("resolves outside the repository")
            .help("replace the symbolic link with the prompt file itself"));
        }
        // Streamed: a prompt may be large, and only its digest is kept.
        let digest = std::fs::File::open(&canon).and_then(|mut f| {
            if !f.metadata()?.is_file() {
                return Err(std::io::Error::other("not a file"));
            }
            let mut hasher = Sha256::new();
            std::io::copy(&mut f, &mut hasher)?;
            Ok(hasher.finalize())
        });
        match digest {
            Ok(digest) => {
                use std::fmt::Write;
                let mut hex = String::with_capacity(64);
                for b in digest {
                    let _ = write!(hex, "{b:02x}");
                }
                Ok(hex)
            }
            Err(_) => Err(Diagnostic::new(
                &crate::rules::structure::PROMPT_NOT_FOUND,
                format!("prompt {} is not a readable file", tick(path)),
            )
            .at(ws.loc(doc, ptr))
            .help("point `prompt.path` at the prompt file")),
        }
    }
}

fn check_workflows(ctx: &mut Ctx, r: &Refs) {
    let workflows: Vec<&Workflow> = r.m.workflows.values().collect();
    ctx.par_each(&workflows, |ctx, w| {
        let doc = w.doc;
        dup_ids(
            ctx,
            doc,
            "/spec/steps",
            w.spec.steps.iter().map(|s| s.id.as_str()),
            "step",
        );
        for (i, s) in w.spec.steps.iter().enumerate() {
            let sptr = format!("/spec/steps/{i}");
            r.agent(ctx, doc, &format!("{sptr}/agent"), &s.agent);
            r.tier(ctx, doc, &format!("{sptr}/gate"), &s.gate);
            if let Some(op) = r.operation(ctx, doc, &format!("{sptr}/does"), &s.does.to_string()) {
                if let Some(fields) = &s.fields {
                    r.fields(
                        ctx,
                        doc,
                        &format!("{sptr}/fields"),
                        fields,
                        &[(op.connector, op.resource)],
                    );
                }
            }
        }
        if let Some(rb) = &w.spec.rollback {
            r.owner(
                ctx,
                doc,
                "/spec/rollback/owner",
                &rb.owner,
                "rollback owner",
            );
        }
        if let Some(c) = w
            .spec
            .risk
            .as_ref()
            .and_then(|risk| risk.data_sensitivity.as_ref())
        {
            r.classification(ctx, doc, "/spec/risk/data_sensitivity", c);
        }
        for (i, p) in w.spec.playbooks.iter().enumerate() {
            r.playbook(ctx, doc, &format!("/spec/playbooks/{i}"), p);
        }
    });
}

fn check_playbooks(ctx: &mut Ctx, r: &Refs) {
    for p in r.m.playbooks.values() {
        r.owner(ctx, p.doc, "/spec/owner", &p.spec.owner, "playbook owner");
        for (i, who) in p.spec.can_pause.iter().enumerate() {
            r.person(ctx, p.doc, &format!("/spec/can_pause/{i}"), who);
        }
        if let Some(cc) = &p.spec.customer_communication {
            r.owner(
                ctx,
                p.doc,
                "/spec/customer_communication/owner",
                &cc.owner,
                "communication owner",
            );
        }
    }
}

fn check_tests(ctx: &mut Ctx, r: &Refs) {
    let Some(policy) = &r.m.policy else { return };
    ctx.par_each(&r.m.tests, |ctx, t| {
        for (i, c) in t.spec.cases.iter().enumerate() {
            let cptr = format!("/spec/cases/{i}");
            // A case may name an unknown agent or operation on purpose, to test default deny.
            let probes_default_deny = c.expect == Expect::Simple(SimpleExpect::Deny);
            if !probes_default_deny {
                r.agent(ctx, t.doc, &format!("{cptr}/agent"), &c.agent);
                if let Some(op) =
                    r.operation(ctx, t.doc, &format!("{cptr}/does"), &c.does.to_string())
                {
                    if let Some(fields) = &c.fields {
                        r.fields(
                            ctx,
                            t.doc,
                            &format!("{cptr}/fields"),
                            fields,
                            &[(op.connector, op.resource)],
                        );
                    }
                }
            }
            if let Some(wf) = &c.workflow {
                if !r.m.workflows.contains_key(wf) && !r.is_broken(ctx, Kind::Workflow, wf) {
                    let names = r.m.workflows.keys().map(|s| s.as_str());
                    ctx.unknown(
                        t.doc,
                        &format!("{cptr}/workflow"),
                        "workflow",
                        wf,
                        names,
                        "name a Workflow document".into(),
                    );
                }
            }
            for (fact, value) in &c.context {
                let ptr = format!("{cptr}/context/{fact}");
                match policy.spec.facts.get(fact) {
                    None => {
                        let loc = ctx.ws.key_loc(t.doc, &ptr);
                        let help = suggestion_help(
                            fact,
                            policy.spec.facts.keys().map(|s| s.as_str()),
                            "declare the fact under the Policy's `spec.facts`",
                        );
                        ctx.diags.push(
                            Diagnostic::new(
                                &crate::rules::structure::UNKNOWN_REFERENCE,
                                format!("unknown fact {}", tick(fact)),
                            )
                            .at(loc)
                            .help(help),
                        );
                    }
                    Some(ty) => {
                        let ok = match ty {
                            FactType::Bool => value.is_boolean(),
                            FactType::Number => value.is_number(),
                            FactType::String => value.is_string(),
                        };
                        if !ok {
                            ctx.report(
                                &crate::rules::structure::INVALID_TYPE,
                                t.doc,
                                &ptr,
                                format!(
                                    "fact {} is a {}, found {value}",
                                    tick(fact),
                                    fact_type_name(*ty)
                                ),
                                format!("give a {} value", fact_type_name(*ty)),
                            );
                        }
                    }
                }
            }
            if let Expect::Approve { approve } = &c.expect {
                r.tier(ctx, t.doc, &format!("{cptr}/expect/approve"), approve);
            }
        }
    });
}

fn check_waivers(ctx: &mut Ctx, r: &Refs) {
    for w in &r.m.waivers {
        r.rule(ctx, w.doc, "/spec/rule", &w.spec.rule);
        r.person(ctx, w.doc, "/spec/approved_by", &w.spec.approved_by);
        let target = w.spec.target.as_str();
        if target == "policy" {
            continue;
        }
        let Some((kind, name)) = target.split_once('/') else {
            continue;
        };
        let (exists, names): (bool, Vec<&str>) = match kind {
            "agent" => (
                r.m.agents.contains_key(name),
                r.m.agents.keys().map(|s| s.as_str()).collect(),
            ),
            "connector" => (
                r.m.connectors.contains_key(name),
                r.m.connectors.keys().map(|s| s.as_str()).collect(),
            ),
            "workflow" => (
                r.m.workflows.contains_key(name),
                r.m.workflows.keys().map(|s| s.as_str()).collect(),
            ),
            "playbook" => (
                r.m.playbooks.contains_key(name),
                r.m.playbooks.keys().map(|s| s.as_str()).collect(),
            ),
            "team" | "policytest" => (true, vec![]),
            _ => (false, vec![]),
        };
        let k = Kind::ALL.into_iter().find(|k| k.slug() == kind);
        if !exists && !k.is_some_and(|k| r.is_broken(ctx, k, name)) {
            ctx.unknown(
                w.doc,
                "/spec/target",
                kind,
                name,
                names,
                format!("no {kind} has this name"),
            );
        }
    }
}
