//! `CODEOWNERS`: who must review a change to each governance file.
//!
//! - an agent's document and its prompt file: the agent's business and technical owners;
//! - a workflow's file: its rollback owner and the owners of every agent its steps use;
//! - a playbook's file: the playbook's owner;
//! - the Policy, Team, Connector, PolicyTest and Waiver files (they change what every agent may
//!   do): the approvers of the strongest tier, i.e. the members of its approval groups.
//!
//! A file holding several documents gets the union of their owners. People without a `github`
//! handle are named in a comment, never dropped silently. Paths start with `/` and are relative
//! to the git work tree holding the governance folder (found by looking for `.git` upwards), else
//! to the governance folder itself.

use super::{Artifact, EmitContext};
use crate::load::{DocId, Kind};
use crate::model::Model;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Default)]
struct Entry {
    /// Person id → why they own the file.
    people: BTreeMap<String, BTreeSet<String>>,
    /// What the file holds.
    holds: BTreeSet<String>,
}

pub fn emit(cx: &EmitContext) -> Vec<Artifact> {
    let prefix = git_prefix(&cx.ws.root);
    vec![("CODEOWNERS".to_string(), render(cx, &prefix).into_bytes())]
}

/// The governance root relative to the git top level (`governance`), or empty outside git.
pub fn git_prefix(root: &Path) -> String {
    let Ok(canon) = std::fs::canonicalize(root) else {
        return String::new();
    };
    let top: Option<PathBuf> = canon
        .ancestors()
        .find(|a| std::fs::symlink_metadata(a.join(".git")).is_ok())
        .map(Path::to_path_buf);
    match top.as_deref().and_then(|t| canon.strip_prefix(t).ok()) {
        Some(rel) => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
        None => String::new(),
    }
}

/// A repository path as a CODEOWNERS pattern: rooted, with special characters escaped.
fn pattern(prefix: &str, rel: &str) -> String {
    let rel = rel.trim_start_matches("./");
    let full = if prefix.is_empty() {
        format!("/{rel}")
    } else {
        format!("/{prefix}/{rel}")
    };
    let mut out = String::with_capacity(full.len());
    for c in full.chars() {
        if matches!(c, ' ' | '#' | '*' | '?' | '[' | ']' | '!' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn render(cx: &EmitContext, prefix: &str) -> String {
    let m = cx.model;
    let ws = cx.ws;
    let mut files: BTreeMap<String, Entry> = BTreeMap::new();
    let file = |d: DocId| ws.file_of(d).path.clone();
    let mut add = |path: String, holds: String, people: &[(String, String)]| {
        let e = files.entry(path).or_default();
        e.holds.insert(holds);
        for (id, why) in people {
            e.people.entry(id.clone()).or_default().insert(why.clone());
        }
    };

    // The approvers of the strongest tier guard what changes every agent's decisions.
    let approvers = strongest_approvers(m);
    if let Some(p) = &m.policy {
        add(file(p.doc), format!("policy {}", p.name), &approvers);
    }
    for d in &m.team_docs {
        let name = ws.doc(*d).name().unwrap_or("team").to_string();
        add(file(*d), format!("team {name}"), &approvers);
    }
    for id in ws.doc_ids() {
        let kind = ws.doc(id).kind;
        if matches!(kind, Kind::Connector | Kind::PolicyTest | Kind::Waiver) {
            let name = ws.doc(id).name().unwrap_or("?").to_string();
            add(
                file(id),
                format!("{} {name}", kind.name().to_lowercase()),
                &approvers,
            );
        }
    }
    for (name, a) in &m.agents {
        let owners = vec![
            (
                a.spec.owners.business.clone(),
                format!("business owner of {name}"),
            ),
            (
                a.spec.owners.technical.clone(),
                format!("technical owner of {name}"),
            ),
        ];
        add(file(a.doc), format!("agent {name}"), &owners);
        if let Some(p) = &a.spec.prompt {
            add(p.path.clone(), format!("prompt {name}"), &owners);
        }
    }
    for (name, w) in &m.workflows {
        let mut people = Vec::new();
        if let Some(r) = &w.spec.rollback {
            people.push((r.owner.clone(), format!("rollback owner of {name}")));
        }
        let agents: BTreeSet<&str> = w.spec.steps.iter().map(|s| s.agent.as_str()).collect();
        for ag in agents {
            if let Some(a) = m.agents.get(ag) {
                people.push((
                    a.spec.owners.business.clone(),
                    format!("business owner of {ag}"),
                ));
                people.push((
                    a.spec.owners.technical.clone(),
                    format!("technical owner of {ag}"),
                ));
            }
        }
        add(file(w.doc), format!("workflow {name}"), &people);
    }
    for (name, pb) in &m.playbooks {
        add(
            file(pb.doc),
            format!("playbook {name}"),
            &[(pb.spec.owner.clone(), format!("owner of playbook {name}"))],
        );
    }

    let mut out = String::from(
        "# Generated by `agentgov build` from the governance repository: edit the governance files, not this one.\n\
         # Each governance file is owned by the people accountable for it: agents and prompts by the\n\
         # agent's owners, workflows by their rollback owner and their agents' owners, playbooks by their\n\
         # owner, and the policy, team, connectors, tests and waivers by the approvers of the strongest tier.\n",
    );
    if !prefix.is_empty() {
        out.push_str(&format!(
            "# Paths are relative to the root of the git repository; the governance files are in /{prefix}.\n"
        ));
    }
    for (path, e) in &files {
        out.push('\n');
        out.push_str(&format!("# {}\n", describe_holds(&e.holds)));
        let mut handles = BTreeSet::new();
        for (id, why) in &e.people {
            let why = why.iter().cloned().collect::<Vec<_>>().join(", ");
            match m.people.get(id) {
                Some(p) => match p.person.github.as_deref().filter(|h| !h.is_empty()) {
                    Some(h) => {
                        handles.insert(format!("@{}", h.trim_start_matches('@')));
                    }
                    None => out.push_str(&format!(
                        "# no GitHub handle: {} <{}> ({why})\n",
                        p.person.name, p.person.email
                    )),
                },
                None => out.push_str(&format!("# not a known person: {id} ({why})\n")),
            }
        }
        let pat = pattern(prefix, path);
        if handles.is_empty() {
            out.push_str(&format!("# {pat}: no owner has a GitHub handle\n"));
        } else {
            out.push_str(&format!(
                "{pat} {}\n",
                handles.into_iter().collect::<Vec<_>>().join(" ")
            ));
        }
    }
    out
}

/// `agent a`, `workflow w` … grouped by kind: `policytest a, b`.
fn describe_holds(holds: &BTreeSet<String>) -> String {
    let mut by_kind: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for h in holds {
        let (kind, name) = h.split_once(' ').unwrap_or((h.as_str(), ""));
        by_kind.entry(kind).or_default().push(name);
    }
    by_kind
        .iter()
        .map(|(k, names)| format!("{k} {}", names.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Members of the approval groups of the strongest tier that has approvals, with why.
fn strongest_approvers(m: &Model) -> Vec<(String, String)> {
    let Some(tier) = m
        .policy()
        .tiers
        .iter()
        .rev()
        .find(|t| !t.approvals.is_empty())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for a in &tier.approvals {
        if let Some(g) = m.groups.get(&a.from) {
            for member in &g.members {
                out.push((member.clone(), format!("{} approver ({})", tier.id, g.id)));
            }
        }
    }
    out
}
