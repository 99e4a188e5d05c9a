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

pub mod audit_schema;
pub mod bundle;
pub mod cedar;
pub mod cedar_mcp;
pub(crate) mod codeowners;
pub mod mcp_bindings;
pub mod opa;
pub mod policy_md;
pub mod prometheus;
pub mod runtimes;
pub mod site;

/// Everything an emitter may read.
pub struct EmitContext<'a> {
    pub ws: &'a Workspace,
    pub model: &'a Model,
    pub plan: &'a Plan,
    pub graph: &'a Graph,
    /// Findings of the check (warnings and waived findings: a build runs only without errors).
    pub diagnostics: &'a [Diagnostic],
    /// Findings of rules the Policy switches off (for the framework evidence).
    pub switched_off: &'a [Diagnostic],
    pub prompt_hashes: &'a BTreeMap<String, String>,
    pub today: NaiveDate,
    /// `agentgov build --templates DIR`: tera templates that replace the built-in site templates.
    pub templates: Option<&'a Path>,
    /// The workflows each agent has a step in (an index, so pages stay linear in size).
    pub agent_workflows: BTreeMap<String, std::collections::BTreeSet<String>>,
    /// Values every page needs, computed once.
    pub memo: Memo,
    /// `agentgov build --audit LOG...`: what `agentgov audit` found in the logs, for the
    /// site's Evidence page (no page and no link without it).
    pub evidence: Option<&'a Evidence>,
}

/// The logs `build --audit` read and `agentgov audit`'s report on them (the same dashboard
/// and findings, not computed a second time).
pub struct Evidence {
    /// The logs' names as findings give them (relative to the current folder, as given).
    pub logs: Vec<String>,
    pub report: crate::audit::Report,
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
            switched_off: &c.switched_off,
            prompt_hashes: &r.prompt_hashes,
            today,
            templates: None,
            agent_workflows: agent_workflow_index(&r.model),
            memo: Memo::default(),
            evidence: None,
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

/// Why artifacts could not be made.
#[derive(Debug)]
pub enum EmitError {
    /// A team's `--templates` folder or one of its files could not be read.
    TemplatesFolder(String),
    /// A site template did not load or render: the template and tera's explanation.
    Template(String),
    /// A sink did not take an artifact (the build's own write error, reported by the build).
    Sink(String),
}

impl std::fmt::Display for EmitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EmitError::TemplatesFolder(m) | EmitError::Template(m) | EmitError::Sink(m) => {
                f.write_str(m)
            }
        }
    }
}

impl std::error::Error for EmitError {}

/// Every artifact of a build, sorted by path; `Err` as for [`each`].
pub fn all(cx: &EmitContext) -> Result<Vec<Artifact>, EmitError> {
    collect(|sink, pieces| each(cx, sink, pieces))
}

/// Runs `render` with sinks that keep the artifacts; returns them sorted by path.
pub fn collect(
    render: impl FnOnce(Sink, PieceSink) -> Result<(), EmitError>,
) -> Result<Vec<Artifact>, EmitError> {
    let out = std::sync::Mutex::new(Vec::new());
    let keep = |a| {
        out.lock().unwrap_or_else(|e| e.into_inner()).push(a);
        Ok(())
    };
    render(&keep, &|path, pieces| {
        keep((path.to_string(), pieces.flatten().collect()))
    })?;
    let mut out = out.into_inner().unwrap_or_else(|e| e.into_inner());
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// The artifacts an emitter writes into the sinks, kept and sorted by path: its `emit`. The
/// built-in emitters have no failure of their own.
pub(crate) fn kept(
    emit_into: impl FnOnce(Sink, PieceSink) -> Result<(), EmitError>,
) -> Vec<Artifact> {
    collect(emit_into).expect("built-in artifacts render")
}

/// Where artifacts go as they are rendered (from several threads at once).
pub type Sink<'a> = &'a (dyn Fn(Artifact) -> Result<(), EmitError> + Sync);

/// Where a large artifact goes piece by piece: its path, and its pieces to pull in order (each
/// rendered when pulled), so that it is never whole in memory.
pub type PieceSink<'a> =
    &'a (dyn Fn(&str, &mut dyn Iterator<Item = Vec<u8>>) -> Result<(), EmitError> + Sync);

/// Renders every artifact into the sinks, in no particular order. `Err` is the first failure: a
/// team's own site templates that do not render, or a sink's own error.
pub fn each(cx: &EmitContext, sink: Sink, pieces: PieceSink) -> Result<(), EmitError> {
    // The site is most of a large build and streams its pages; the rest are a few large files
    // each, made one after another beside it, the largest in pieces, so that their memory
    // peaks stay small and do not add up.
    let (site, rest) = rayon::join(
        || site::emit_into(cx, sink),
        || {
            bundle::emit_into(cx, pieces)?;
            cedar::emit_into(cx, sink, pieces)?;
            opa::emit_into(cx, sink, pieces)?;
            prometheus::emit_into(cx, pieces)?;
            codeowners::emit(cx).into_iter().try_for_each(sink)?;
            mcp_bindings::emit(cx).into_iter().try_for_each(sink)?;
            cedar_mcp::emit(cx).into_iter().try_for_each(sink)?;
            runtimes::emit(cx).into_iter().try_for_each(sink)?;
            audit_schema::emit(cx).into_iter().try_for_each(sink)?;
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

/// Agents (or other members) rendered per piece of a large JSON object: enough for the work to
/// spread over every core, few enough that a piece stays small.
const MEMBERS_PER_PIECE: usize = 256;

/// A large text as pieces rendered on demand: `head`, then `items` rendered by `render` in
/// parallel batches (joined by `sep`, in order), then `tail`. A writer pulls one piece at a
/// time, so the whole text is never in memory; the pieces concatenate to the text made in one go.
pub(crate) struct Pieces<T, F> {
    head: Option<String>,
    items: Vec<T>,
    next: usize,
    render: F,
    sep: &'static str,
    tail: Option<String>,
}

impl<T: Sync, F: Fn(&T) -> String + Sync> Pieces<T, F> {
    pub(crate) fn new(
        head: String,
        items: Vec<T>,
        render: F,
        sep: &'static str,
        tail: String,
    ) -> Self {
        Pieces {
            head: Some(head),
            items,
            next: 0,
            render,
            sep,
            tail: Some(tail),
        }
    }
}

impl<T: Sync, F: Fn(&T) -> String + Sync> Iterator for Pieces<T, F> {
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        use rayon::prelude::*;
        if let Some(head) = self.head.take() {
            return Some(head.into_bytes());
        }
        if self.next < self.items.len() {
            let end = (self.next + MEMBERS_PER_PIECE).min(self.items.len());
            let texts: Vec<String> = self.items[self.next..end]
                .par_iter()
                .map(&self.render)
                .collect();
            let mut piece =
                String::with_capacity(texts.iter().map(|t| t.len() + self.sep.len()).sum());
            for (i, t) in texts.iter().enumerate() {
                if self.next + i > 0 {
                    piece.push_str(self.sep);
                }
                piece.push_str(t);
            }
            self.next = end;
            return Some(piece.into_bytes());
        }
        self.tail.take().map(String::into_bytes)
    }
}

/// A pretty-printed JSON text with one large object, in [`Pieces`]: `prefix` (everything before
/// the object's key), the object `"key": {...}` at `level` with one member per item made by
/// `member` (as [`pretty_member`] at `level + 1`), then `suffix`.
pub(crate) fn object_pieces<T: Sync, F: Fn(&T) -> String + Sync>(
    mut prefix: String,
    key: &str,
    level: usize,
    items: Vec<T>,
    member: F,
    suffix: String,
) -> Pieces<T, F> {
    let indent = "  ".repeat(level);
    prefix.push_str(&indent);
    prefix.push_str(&serde_json::to_string(key).expect("strings serialize"));
    let mut tail = String::new();
    if items.is_empty() {
        prefix.push_str(": {}");
    } else {
        prefix.push_str(": {\n");
        tail.push('\n');
        tail.push_str(&indent);
        tail.push('}');
    }
    tail.push_str(&suffix);
    Pieces::new(prefix, items, member, ",\n", tail)
}

/// Runs `f` on the emit context of the rules' base test repository.
#[cfg(test)]
pub(crate) fn with_test_context<R>(f: impl FnOnce(&EmitContext) -> R) -> R {
    let c = crate::rules::util::testing::checked(&[], &[]);
    let today = NaiveDate::from_ymd_opt(2026, 11, 26).expect("date");
    f(&EmitContext::from_checked(&c, today).expect("compiles"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The build writes DESIGN's artifacts and nothing else: relative paths inside the output
    /// folder, no empty file, JSON that parses, and no trace of the machine it ran on.
    #[test]
    fn the_build_writes_the_listed_artifacts_and_nothing_else() {
        let c = crate::rules::util::testing::checked(&[], &[]);
        // The (removed) temporary folder the repository was checked in.
        let root = c.ws.root.clone();
        assert!(root.is_absolute());
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).expect("date");
        let cx = EmitContext::from_checked(&c, today).expect("compiles");
        let built = all(&cx).expect("renders");
        let mut tops = std::collections::BTreeSet::new();
        for (path, bytes) in &built {
            assert!(
                !path.starts_with('/') && !path.split('/').any(|p| p == ".." || p.is_empty()),
                "{path}"
            );
            assert!(!bytes.is_empty(), "{path} is empty");
            let text = String::from_utf8_lossy(bytes);
            assert!(
                !text.contains(root.to_str().expect("utf-8")),
                "{path} holds the repository's absolute path"
            );
            if path.ends_with(".json") {
                serde_json::from_slice::<serde_json::Value>(bytes)
                    .unwrap_or_else(|e| panic!("{path}: {e}"));
            }
            tops.insert(path.split('/').next().expect("a segment").to_string());
        }
        let expected: std::collections::BTreeSet<String> = [
            "CODEOWNERS",
            "POLICY.md",
            "audit",
            "bundle.json",
            "cedar",
            "cedar-mcp",
            "mcp",
            "opa",
            "prometheus",
            "site",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        assert_eq!(tops, expected);
        for must in [
            "audit/record.schema.json",
            "cedar/policies.cedar",
            "opa/data.json",
            "prometheus/rules.yml",
            "site/index.html",
        ] {
            assert!(built.iter().any(|(p, _)| p == must), "no {must}");
        }
    }
}
