//! `agentgov build`: check, then write every artifact into `--out DIR`, atomically.
//!
//! Every artifact is written, as soon as it is rendered, into a fresh temporary folder beside
//! DIR (same parent, so renames stay on one file system). The folder is synced to disk and swapped
//! in: renamed into place when DIR does not exist or is empty, or exchanged with a previous build
//! (recognized by its [`MARKER`] file, which lists what that build wrote) that is then deleted.
//! A folder that agentgov did not write, or a previous build holding files it did not write, is
//! never deleted: the build refuses instead (exit 2).

use crate::cli::{EXIT_OK, EXIT_UNREADABLE};
use crate::commands::common::{exit_code, human_report, load_or_exit, use_color, Color};
use crate::emit::{self, EmitContext};
use clap::Args;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Component, Path, PathBuf};

/// The file marking a folder as agentgov's output; it lists the files of the build.
pub const MARKER: &str = ".agentgov-build";

const MARKER_HEADER: &str =
    "# Written by `agentgov build`: this folder is generated and is replaced on every build.\n";

#[derive(Args, Debug)]
pub struct BuildArgs {
    #[command(flatten)]
    pub common: crate::cli::CommonArgs,
    /// The output folder (created; replaced when it holds a previous build).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Tera templates for the policy site, replacing the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Color in the report of findings (on standard error).
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Audit logs (as `agentgov audit` reads them) for an Evidence page on the site; their
    /// findings are reported on the page and do not fail the build.
    #[arg(long = "audit", value_name = "LOG", num_args = 1..)]
    pub audit: Vec<PathBuf>,
}

/// Why a build did not write its output.
#[derive(Debug)]
pub struct BuildError(pub String);

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, BuildError> {
    Err(BuildError(msg.into()))
}

pub fn run(a: BuildArgs) -> i32 {
    let c = match load_or_exit(&a.common) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let code = exit_code(&c.diagnostics, crate::cli::FailOn::Error);
    if code != EXIT_OK || c.has_errors() {
        eprint!("{}", human_report(&c, use_color_err(a.color)));
        eprintln!(
            "error: not building `{}`: fix the errors above first",
            a.out.display()
        );
        return if code == EXIT_OK {
            crate::cli::EXIT_FINDINGS
        } else {
            code
        };
    }
    if c.diagnostics.iter().any(|d| d.waived.is_none()) {
        eprint!("{}", human_report(&c, use_color_err(a.color)));
    }
    let today = a.common.check_options().today;
    let Some(mut cx) = EmitContext::from_checked(&c, today) else {
        eprintln!("error: the repository could not be compiled (no Policy?)");
        return EXIT_UNREADABLE;
    };
    cx.templates = a.templates.as_deref();
    let evidence = match evidence(&c, &a.audit, today) {
        Ok(e) => e,
        Err(code) => return code,
    };
    cx.evidence = evidence.as_ref();
    if let Some(t) = cx.templates {
        if !t.is_dir() {
            eprintln!("error: templates folder `{}` does not exist", t.display());
            return EXIT_UNREADABLE;
        }
    }
    let mut timer = crate::analysis::PhaseTimer::new();
    // Artifacts are written as they are rendered: a large site does not fit in memory twice.
    let result = Staging::begin(&a.out, &c.ws.root).and_then(|staging| {
        // The emitters' own errors are templates that do not render; this keeps a failed write.
        let write_error = std::sync::Mutex::new(None);
        let keep = |e: BuildError| {
            let message = e.0.clone();
            *write_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
            emit::EmitError::Sink(message)
        };
        let rendered = emit::each(
            &cx,
            &|(path, bytes)| staging.write(&path, &bytes).map_err(keep),
            &|path, pieces| staging.write_pieces(path, pieces).map_err(keep),
        );
        timer.phase("render and write");
        match rendered {
            Ok(()) => staging.finish(),
            Err(e) => {
                staging.abandon();
                let write_error = write_error.into_inner().unwrap_or_else(|p| p.into_inner());
                // A team's own templates must render: a broken one fails the build instead of
                // silently falling back to the built-in pages.
                Err(write_error.unwrap_or_else(|| {
                    BuildError(match (cx.templates, &e) {
                        (Some(t), emit::EmitError::Template(_)) => {
                            format!("templates in `{}` do not render: {e}", t.display())
                        }
                        _ => e.to_string(),
                    })
                }))
            }
        }
    });
    timer.phase("swap");
    match result {
        Ok(files) => {
            crate::outln!("{}", summary(&a.out, &files));
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_UNREADABLE
        }
    }
}

/// `--audit LOG...`: `agentgov audit`'s report on the logs, for the Evidence page. An unreadable
/// log stops the build (exit 2, as `audit`): a page missing a log would misstate the evidence.
/// Findings do not: the page is where they are reported.
fn evidence(
    c: &crate::analysis::Checked,
    logs: &[PathBuf],
    today: chrono::NaiveDate,
) -> Result<Option<emit::Evidence>, i32> {
    if logs.is_empty() {
        return Ok(None);
    }
    let logs: Vec<crate::audit::Log> = logs
        .iter()
        .map(|p| crate::audit::Log {
            path: p.clone(),
            name: site_log_name(p),
        })
        .collect();
    let max = crate::audit::read::DEFAULT_MAX_LINE_BYTES;
    let Some(report) = crate::commands::audit::audit_named(c, &logs, today, max) else {
        eprintln!("error: the repository could not be compiled (no Policy?)");
        return Err(EXIT_UNREADABLE);
    };
    if report.unreadable {
        for d in report
            .diagnostics
            .iter()
            .filter(|d| d.rule == crate::rules::structure::UNREADABLE_FILE.name)
        {
            eprintln!("error: {}", d.message);
        }
        eprintln!("error: not building: every `--audit` log must be readable");
        return Err(EXIT_UNREADABLE);
    }
    let summary = crate::diag::Summary::of(&report.diagnostics, logs.len());
    eprintln!(
        "audit: {} record{} read; {} error{}, {} warning{} (on the site's Evidence page)",
        report.dashboard.totals.records,
        if report.dashboard.totals.records == 1 {
            ""
        } else {
            "s"
        },
        summary.errors,
        if summary.errors == 1 { "" } else { "s" },
        summary.warnings,
        if summary.warnings == 1 { "" } else { "s" },
    );
    Ok(Some(emit::Evidence {
        logs: logs.into_iter().map(|l| l.name).collect(),
        report,
    }))
}

/// A log's name on the site: as `agentgov audit` names it, but only its file name when that is
/// an absolute path (outside the current folder), so that no machine's path is published.
fn site_log_name(p: &Path) -> String {
    let name = crate::commands::audit::log_name(p);
    if Path::new(&name).is_absolute() {
        p.file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or(name)
    } else {
        name
    }
}

/// Whether to colour the report of findings, which goes to standard error.
fn use_color_err(flag: Color) -> bool {
    match flag {
        Color::Auto => {
            use std::io::IsTerminal;
            std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
        other => use_color(other),
    }
}

/// `wrote 14 files to out/: bundle.json, cedar/ (3), ...`.
/// The line `build` prints: `files` are the written paths with their sizes.
pub fn summary(out: &Path, files: &[(String, usize)]) -> String {
    let mut groups: BTreeMap<String, usize> = BTreeMap::new();
    for (p, _) in files {
        let key = match p.split_once('/') {
            Some((dir, _)) => format!("{dir}/"),
            None => p.clone(),
        };
        *groups.entry(key).or_default() += 1;
    }
    let parts: Vec<String> = groups
        .iter()
        .map(|(k, n)| {
            if k.ends_with('/') {
                format!("{k} ({n} file{})", if *n == 1 { "" } else { "s" })
            } else {
                k.clone()
            }
        })
        .collect();
    let bytes: usize = files.iter().map(|(_, n)| n).sum();
    format!(
        "wrote {} file{} ({} bytes) to {}: {}",
        files.len(),
        if files.len() == 1 { "" } else { "s" },
        bytes,
        out.display(),
        parts.join(", ")
    )
}

/// Checks that an artifact path is a plain relative path that stays inside the output folder.
pub fn validate_artifact_path(p: &str) -> Result<(), BuildError> {
    let bad = p.is_empty()
        || p.starts_with('/')
        || p.contains('\\')
        || p.contains('\0')
        || p.split('/')
            .any(|seg| seg.is_empty() || seg == "." || seg == "..")
        || Path::new(p)
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        || p == MARKER;
    if bad {
        return err(format!(
            "internal error: artifact path `{p}` would leave the output folder"
        ));
    }
    Ok(())
}

/// Artifact paths: each valid, none repeated, none both a file and a folder.
fn validate_artifacts<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<(), BuildError> {
    let mut files = BTreeSet::new();
    for p in names {
        validate_artifact_path(p)?;
        if !files.insert(p) {
            return err(format!(
                "internal error: two artifacts are both named `{p}`"
            ));
        }
    }
    for p in &files {
        let mut prefix = String::new();
        for seg in p.split('/') {
            if !prefix.is_empty() && files.contains(prefix.as_str()) {
                return err(format!(
                    "internal error: `{prefix}` is both a file and a folder"
                ));
            }
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(seg);
        }
    }
    Ok(())
}

fn marker_text<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let mut s = String::from(MARKER_HEADER);
    for p in names {
        s.push_str(p);
        s.push('\n');
    }
    s
}

/// What is in DIR now.
enum Existing {
    Absent,
    Empty,
    /// A previous build (its marker lists only what is there).
    PreviousBuild,
}

fn inspect(out: &Path) -> Result<Existing, BuildError> {
    let meta = match std::fs::symlink_metadata(out) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Existing::Absent),
        Err(e) => return err(format!("cannot read `{}`: {e}", out.display())),
    };
    if meta.file_type().is_symlink() {
        return err(format!(
            "`{}` is a symbolic link; give the real output folder instead",
            out.display()
        ));
    }
    if !meta.is_dir() {
        return err(format!("`{}` exists and is not a folder", out.display()));
    }
    let mut entries = std::fs::read_dir(out)
        .map_err(|e| BuildError(format!("cannot read `{}`: {e}", out.display())))?;
    if entries.next().is_none() {
        return Ok(Existing::Empty);
    }
    let marker = out.join(MARKER);
    let listed = match std::fs::read_to_string(&marker) {
        Ok(text) if text.starts_with(MARKER_HEADER) => text,
        _ => {
            return err(format!(
                "`{}` is not empty and was not written by `agentgov build`; not replacing it (choose another --out, or empty it yourself)",
                out.display()
            ))
        }
    };
    // Everything in the old build must be something that build wrote: never delete a user's file.
    let mut allowed: BTreeSet<String> = BTreeSet::new();
    for line in listed
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let mut prefix = String::new();
        for seg in line.split('/') {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(seg);
            allowed.insert(prefix.clone());
        }
    }
    allowed.insert(MARKER.to_string());
    for entry in walkdir::WalkDir::new(out)
        .min_depth(1)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry =
            entry.map_err(|e| BuildError(format!("cannot read `{}`: {e}", out.display())))?;
        let rel = entry
            .path()
            .strip_prefix(out)
            .map(|r| {
                r.components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_default();
        let is_dir = entry.file_type().is_dir();
        let is_file = entry.file_type().is_file();
        if !allowed.contains(&rel) || !(is_dir || is_file) {
            return err(format!(
                "`{}` holds `{rel}`, which the previous build did not write; not replacing the folder (move that file elsewhere first)",
                out.display()
            ));
        }
    }
    Ok(Existing::PreviousBuild)
}

/// The absolute form of a path that may not exist yet: the folders above it are resolved
/// (symbolic links included), its last component is kept as written so that a link there is seen.
fn absolute(p: &Path) -> Result<PathBuf, BuildError> {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| BuildError(format!("cannot read the current folder: {e}")))?
            .join(p)
    };
    if let Some(Component::Normal(_)) = abs.components().next_back() {
        let name = abs.file_name().expect("a normal last component");
        let parent = abs.parent().unwrap_or(Path::new("/"));
        return Ok(resolve_existing(parent).join(name));
    }
    // `.`, `..` or `/`: the folder exists, or there is nothing to build into.
    std::fs::canonicalize(&abs).map_err(|e| io("read", p, e))
}

/// Resolves the longest existing ancestor of an absolute path and appends the rest as written.
fn resolve_existing(abs: &Path) -> PathBuf {
    let mut existing = abs;
    let mut rest: Vec<&std::ffi::OsStr> = Vec::new();
    loop {
        if let Ok(mut out) = std::fs::canonicalize(existing) {
            for r in rest.iter().rev() {
                out.push(r);
            }
            return out;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name);
                existing = parent;
            }
            _ => return abs.to_path_buf(),
        }
    }
}

fn io(what: &str, path: &Path, e: std::io::Error) -> BuildError {
    BuildError(format!("cannot {what} `{}`: {e}", path.display()))
}

fn sync_dir(dir: &Path) -> Result<(), BuildError> {
    #[cfg(unix)]
    {
        let f = std::fs::File::open(dir).map_err(|e| io("open", dir, e))?;
        f.sync_all().map_err(|e| io("sync", dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// A fresh folder beside `out`, named `.NAME.agentgov-KIND-PID[-N]`.
fn fresh_sibling(
    parent: &Path,
    name: &str,
    kind: &str,
    create: bool,
) -> Result<PathBuf, BuildError> {
    let pid = std::process::id();
    for n in 0..1000 {
        let candidate = if n == 0 {
            parent.join(format!(".{name}.agentgov-{kind}-{pid}"))
        } else {
            parent.join(format!(".{name}.agentgov-{kind}-{pid}-{n}"))
        };
        if !create {
            if std::fs::symlink_metadata(&candidate).is_err() {
                return Ok(candidate);
            }
            continue;
        }
        match std::fs::create_dir(&candidate) {
            Ok(()) => return Ok(candidate),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io("create", &candidate, e)),
        }
    }
    err(format!(
        "cannot find a free temporary name in `{}`",
        parent.display()
    ))
}

/// Flushes everything written under `dir` to disk: one `syncfs` on Linux, else file by file.
fn sync_tree(dir: &Path) -> Result<(), BuildError> {
    #[cfg(target_os = "linux")]
    {
        let f = std::fs::File::open(dir).map_err(|e| io("open", dir, e))?;
        rustix::fs::syncfs(&f).map_err(|e| io("sync", dir, e.into()))
    }
    #[cfg(not(target_os = "linux"))]
    {
        for entry in walkdir::WalkDir::new(dir).contents_first(true) {
            let entry =
                entry.map_err(|e| BuildError(format!("cannot sync `{}`: {e}", dir.display())))?;
            if entry.file_type().is_dir() {
                sync_dir(entry.path())?;
            } else {
                std::fs::File::open(entry.path())
                    .and_then(|f| f.sync_all())
                    .map_err(|e| io("sync", entry.path(), e))?;
            }
        }
        Ok(())
    }
}

/// A build being written: a fresh temporary folder beside the output folder, filled artifact by
/// artifact (from several threads), then synced and swapped in by [`Staging::finish`].
pub struct Staging {
    tmp: PathBuf,
    out: PathBuf,
    parent: PathBuf,
    name: String,
    /// Folders created so far.
    dirs: std::sync::Mutex<BTreeSet<PathBuf>>,
    /// Files written so far, with their sizes.
    files: std::sync::Mutex<Vec<(String, usize)>>,
}

impl Staging {
    /// Checks the output folder (refusing before any work) and creates the temporary folder.
    /// `input` is the governance folder that was read.
    pub fn begin(out: &Path, input: &Path) -> Result<Staging, BuildError> {
        let out_abs = absolute(out)?;
        let input_abs = std::fs::canonicalize(input).map_err(|e| io("read", input, e))?;
        if input_abs.starts_with(&out_abs) {
            return err(format!(
                "the output folder `{}` is, or contains, the governance folder being built; choose another --out",
                out.display()
            ));
        }
        let (Some(parent), Some(name)) = (out_abs.parent(), out_abs.file_name()) else {
            return err(format!("`{}` cannot be an output folder", out.display()));
        };
        let name = name.to_string_lossy().into_owned();
        inspect(&out_abs)?;
        std::fs::create_dir_all(parent).map_err(|e| io("create", parent, e))?;
        let tmp = fresh_sibling(parent, &name, "tmp", true)?;
        Ok(Staging {
            dirs: std::sync::Mutex::new(BTreeSet::from([tmp.clone()])),
            tmp,
            parent: parent.to_path_buf(),
            out: out_abs.clone(),
            name,
            files: std::sync::Mutex::new(Vec::new()),
        })
    }

    /// Writes one artifact into the temporary folder.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), BuildError> {
        let (path, mut f) = self.create(rel)?;
        f.write_all(bytes).map_err(|e| io("write", &path, e))?;
        self.written(rel, bytes.len());
        Ok(())
    }

    /// Writes one artifact, pulling its pieces in order (each is rendered when pulled).
    pub fn write_pieces(
        &self,
        rel: &str,
        pieces: &mut dyn Iterator<Item = Vec<u8>>,
    ) -> Result<(), BuildError> {
        let (path, mut f) = self.create(rel)?;
        let mut size = 0;
        for piece in pieces {
            f.write_all(&piece).map_err(|e| io("write", &path, e))?;
            size += piece.len();
        }
        self.written(rel, size);
        Ok(())
    }

    /// Creates the file of an artifact, and its folders.
    fn create(&self, rel: &str) -> Result<(PathBuf, std::fs::File), BuildError> {
        validate_artifact_path(rel)?;
        let path = self.tmp.join(rel);
        if let Some(parent) = path.parent() {
            let mut dirs = self.dirs.lock().unwrap_or_else(|e| e.into_inner());
            if !dirs.contains(parent) {
                std::fs::create_dir_all(parent).map_err(|e| io("create", parent, e))?;
                let mut p = parent;
                while p != self.tmp && dirs.insert(p.to_path_buf()) {
                    p = p.parent().unwrap_or(&self.tmp);
                }
            }
        }
        // `create_new`: two artifacts with one name are a bug, never an overwrite.
        let f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| io("create", &path, e))?;
        Ok((path, f))
    }

    fn written(&self, rel: &str, size: usize) {
        self.files
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((rel.to_string(), size));
    }

    /// Writes the marker, syncs, and swaps the build in; returns the files written, sorted.
    pub fn finish(self) -> Result<Vec<(String, usize)>, BuildError> {
        let mut files = std::mem::take(&mut *self.files.lock().unwrap_or_else(|e| e.into_inner()));
        files.sort();
        let result = validate_artifacts(files.iter().map(|(p, _)| p.as_str()))
            .and_then(|()| {
                let marker = marker_text(files.iter().map(|(p, _)| p.as_str()));
                std::fs::write(self.tmp.join(MARKER), marker)
                    .map_err(|e| io("write", &self.tmp.join(MARKER), e))
            })
            .and_then(|()| sync_tree(&self.tmp))
            .and_then(|()| swap_in(&self.tmp, &self.out, &self.parent, &self.name));
        match result {
            Ok(()) => Ok(files),
            Err(e) => {
                self.abandon();
                Err(e)
            }
        }
    }

    /// Removes the temporary folder.
    pub fn abandon(&self) {
        let _ = std::fs::remove_dir_all(&self.tmp);
    }
}

/// Threads removing the files of a previous build.
const REMOVERS: usize = 8;

/// Removes a previous build that was moved aside: its files from several threads (removing a
/// file can wait on the disk, e.g. to discard its blocks, so a build of thousands of files is
/// removed much faster in parallel), then its folders, deepest first. Links are removed, never
/// followed.
fn remove_tree(dir: &Path) -> std::io::Result<()> {
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.map_err(std::io::Error::other)?;
        if entry.file_type().is_dir() {
            dirs.push(entry.into_path());
        } else {
            files.push(entry.into_path());
        }
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let first_error = std::sync::Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..REMOVERS.min(files.len()) {
            s.spawn(|| {
                while let Some(f) =
                    files.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                {
                    if let Err(e) = std::fs::remove_file(f) {
                        first_error
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .get_or_insert(e);
                    }
                }
            });
        }
    });
    if let Some(e) = first_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    // The walk lists a folder before what it holds.
    for d in dirs.iter().rev() {
        std::fs::remove_dir(d)?;
    }
    Ok(())
}

fn swap_in(tmp: &Path, out: &Path, parent: &Path, name: &str) -> Result<(), BuildError> {
    // Look again: the folder may have changed while we rendered.
    match inspect(out)? {
        Existing::Absent => {
            std::fs::rename(tmp, out).map_err(|e| io("create", out, e))?;
        }
        Existing::Empty => {
            // rename(2) replaces an empty folder atomically.
            if std::fs::rename(tmp, out).is_err() {
                std::fs::remove_dir(out).map_err(|e| io("replace", out, e))?;
                std::fs::rename(tmp, out).map_err(|e| io("create", out, e))?;
            }
        }
        Existing::PreviousBuild => {
            let old = fresh_sibling(parent, name, "old", false)?;
            std::fs::rename(out, &old).map_err(|e| io("move aside", out, e))?;
            if let Err(e) = std::fs::rename(tmp, out) {
                let _ = std::fs::rename(&old, out);
                return Err(io("create", out, e));
            }
            sync_dir(parent)?;
            remove_tree(&old).map_err(|e| io("remove the previous build", &old, e))?;
        }
    }
    sync_dir(parent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removing_a_previous_build_removes_links_but_not_what_they_point_at() {
        let dir = tempfile::tempdir().expect("tempdir");
        let keep = dir.path().join("keep");
        std::fs::create_dir_all(keep.join("inner")).expect("mkdir");
        std::fs::write(keep.join("inner/file.txt"), "kept").expect("write");
        let old = dir.path().join("old");
        for i in 0..40 {
            let sub = old.join(format!("site/d{}", i % 3));
            std::fs::create_dir_all(&sub).expect("mkdir");
            std::fs::write(sub.join(format!("{i}.html")), "x").expect("write");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&keep, old.join("site/link")).expect("symlink");
            std::os::unix::fs::symlink(keep.join("inner/file.txt"), old.join("file-link"))
                .expect("symlink");
        }
        remove_tree(&old).expect("removed");
        assert!(!old.exists());
        assert_eq!(
            std::fs::read_to_string(keep.join("inner/file.txt")).expect("still there"),
            "kept"
        );
    }
}
