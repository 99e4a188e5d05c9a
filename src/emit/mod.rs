//! Phase 5: compile a clean repository into its artifacts. Every emitter is a pure function of
//! the checked repository, returning files by path relative to the output folder.

use crate::analysis::Checked;
use crate::decide::Plan;
use crate::diag::Diagnostic;
use crate::graph::Graph;
use crate::load::Workspace;
use crate::model::Model;
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::path::Path;

pub mod bundle;
pub mod cedar;
pub mod codeowners;
pub mod opa;
pub mod policy_md;
pub mod prometheus;
pub mod site;

/// Everything an emitter may read.
pub struct EmitContext<'a> {
    pub ws: &'a Workspace,
    pub model: &'a Model,
    pub plan: &'a Plan,
    pub graph: &'a Graph,
    /// Findings of the check (warnings and waived findings: a build runs only without errors).
    pub diagnostics: &'a [Diagnostic],
    pub prompt_hashes: &'a BTreeMap<String, String>,
    pub today: NaiveDate,
    /// `agentgov build --templates DIR`: tera templates that replace the built-in site templates.
    pub templates: Option<&'a Path>,
    /// The workflows each agent has a step in (an index, so pages stay linear in size).
    pub agent_workflows: BTreeMap<String, std::collections::BTreeSet<String>>,
    /// Values every page needs, computed once.
    pub memo: Memo,
}

/// Lazily computed values shared by emitters.
#[derive(Default)]
pub struct Memo {
    pub tiers: std::sync::OnceLock<serde_json::Value>,
    pub operation_count: std::sync::OnceLock<usize>,
}

impl<'a> EmitContext<'a> {
    /// `None` when the check did not get as far as a plan.
    pub fn from_checked(c: &'a Checked, today: NaiveDate) -> Option<Self> {
        let r = c.resolved.as_ref()?;
        Some(EmitContext {
            ws: &c.ws,
            model: &r.model,
            plan: c.plan.as_ref()?,
            graph: c.graph.as_ref()?,
            diagnostics: &c.diagnostics,
            prompt_hashes: &r.prompt_hashes,
            today,
            templates: None,
            agent_workflows: agent_workflow_index(&r.model),
            memo: Memo::default(),
        })
    }
}

fn agent_workflow_index(m: &Model) -> BTreeMap<String, std::collections::BTreeSet<String>> {
    let mut index: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    for w in m.workflows.values() {
        for s in &w.spec.steps {
            index
                .entry(s.agent.clone())
                .or_default()
                .insert(w.name.clone());
        }
    }
    index
}

/// A file to write: path relative to the output folder (with `/`), and its bytes.
pub type Artifact = (String, Vec<u8>);

/// Every artifact of a build, sorted by path; `Err` as for [`each`].
pub fn all(cx: &EmitContext) -> Result<Vec<Artifact>, String> {
    collect(|sink| each(cx, sink))
}

/// Runs `render` with a sink that keeps the artifacts; returns them sorted by path.
pub fn collect(render: impl FnOnce(Sink) -> Result<(), String>) -> Result<Vec<Artifact>, String> {
    let out = std::sync::Mutex::new(Vec::new());
    render(&|a| {
        out.lock().unwrap_or_else(|e| e.into_inner()).push(a);
        Ok(())
    })?;
    let mut out = out.into_inner().unwrap_or_else(|e| e.into_inner());
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Where artifacts go as they are rendered (from several threads at once).
pub type Sink<'a> = &'a (dyn Fn(Artifact) -> Result<(), String> + Sync);

/// Renders every artifact into `sink`, in no particular order. `Err` is the first failure: a
/// team's own site templates that do not render, or the sink's own error.
pub fn each(cx: &EmitContext, sink: Sink) -> Result<(), String> {
    let emitters: [fn(&EmitContext) -> Vec<Artifact>; 5] = [
        bundle::emit,
        cedar::emit,
        opa::emit,
        prometheus::emit,
        codeowners::emit,
    ];
    // The site is most of a large build and streams its pages; the rest are a few large files
    // each, made one after another beside it so that their memory peaks do not add up.
    let (site, rest) = rayon::join(
        || site::emit_into(cx, sink),
        || {
            emitters
                .iter()
                .try_for_each(|emit| emit(cx).into_iter().try_for_each(sink))?;
            // Like the site, POLICY.md may use a team's own template, which may fail.
            policy_md::try_emit(cx)?.into_iter().try_for_each(sink)
        },
    );
    site.and(rest)
}

/// `"key": value` pretty-printed (as `serde_json::to_string_pretty`) as a member of an object
/// nested `level` deep. Large JSON artifacts are written member by member, in parallel, with
/// these, and come out byte-identical to pretty-printing the whole tree.
pub(crate) fn pretty_member<T: serde::Serialize + ?Sized>(
    key: &str,
    v: &T,
    level: usize,
) -> String {
    let indent = "  ".repeat(level);
    let key = serde_json::to_string(key).expect("strings serialize");
    let value = serde_json::to_string_pretty(v).expect("JSON values serialize");
    // serde_json indents by two spaces per level; JSON strings hold no raw newlines.
    let value = value.replace('\n', &format!("\n{indent}"));
    format!("{indent}{key}: {value}")
}

/// Appends `"key": {members}` to `out`, where each member was made by [`pretty_member`] at
/// `level + 1` (large objects are copied once, into the artifact's buffer).
pub(crate) fn push_pretty_member_of(out: &mut String, key: &str, members: &[String], level: usize) {
    let indent = "  ".repeat(level);
    out.reserve(members.iter().map(|m| m.len() + 2).sum::<usize>() + key.len() + 16);
    out.push_str(&indent);
    out.push_str(&serde_json::to_string(key).expect("strings serialize"));
    out.push_str(": ");
    push_pretty_object(out, members, level);
}

/// An object whose members were made by [`pretty_member`] at `level + 1`, itself at `level`.
fn push_pretty_object(out: &mut String, members: &[String], level: usize) {
    if members.is_empty() {
        out.push_str("{}");
        return;
    }
    out.reserve(members.iter().map(|m| m.len() + 2).sum::<usize>() + 8);
    out.push_str("{\n");
    for (i, m) in members.iter().enumerate() {
        if i > 0 {
            out.push_str(",\n");
        }
        out.push_str(m);
    }
    out.push('\n');
    out.push_str(&"  ".repeat(level));
    out.push('}');
}
