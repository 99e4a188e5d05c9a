//! The walk: which files of a repository are read (YAML, inside the repository, not in hidden,
//! build or package folders), and what cannot be walked (broken links, link loops).

use crate::diag::{tick, Diagnostic, Location};
use crate::load::yaml::Span;
use std::path::{Path, PathBuf};

fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml") | Some("yml")
    )
}

pub(super) fn rel_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let s: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if s.is_empty() {
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    } else {
        s.join("/")
    }
}

/// A diagnostic about a whole file, located at its first position.
pub(super) fn file_diag(path: &str, d: Diagnostic) -> Diagnostic {
    d.at(Location {
        file: path.to_string(),
        span: Span::default(),
        line: 1,
        column: 1,
        end_line: 1,
        end_column: 1,
    })
}

/// Folders never searched for governance files, besides hidden ones: build output (agentgov's
/// own `--out` is often `target/...`) and installed packages, whose YAML is not the team's.
const SKIPPED_FOLDERS: [&str; 2] = ["target", "node_modules"];

/// Finds the YAML files under the folder `root` and hands each to `found`, in path order.
pub(super) fn discover(
    root: &Path,
    canonical_root: &Path,
    mut found: impl FnMut(PathBuf),
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            if e.depth() == 0 {
                return true;
            }
            let name = e.file_name().to_string_lossy();
            !(e.file_type().is_dir()
                && (name.starts_with('.') || SKIPPED_FOLDERS.contains(&&*name)))
        });
    while let Some(entry) = walker.next() {
        match entry {
            Ok(e) => {
                let is_dir = e.file_type().is_dir();
                // Only regular files: opening a named pipe would wait for a writer.
                let yaml_file = e.file_type().is_file() && is_yaml(e.path());
                if !is_dir && !yaml_file {
                    continue;
                }
                // Links may point anywhere: only read what really lies inside the repository.
                // What is reached through a link that stays inside is inside too, so only the
                // links themselves are resolved (resolving every file costs a call per folder).
                if e.depth() > 0 && e.path_is_symlink() {
                    let rel = rel_path(root, e.path());
                    let problem = match std::fs::canonicalize(e.path()) {
                        Ok(c) if c.starts_with(canonical_root) => None,
                        Ok(c) => Some(
                            Diagnostic::new(
                                &crate::rules::structure::LINK_OUTSIDE,
                                format!(
                                    "{} links to {} outside the repository; not read",
                                    tick(&rel),
                                    tick(c.display())
                                ),
                            )
                            .help("copy the file into the repository or remove the link"),
                        ),
                        Err(err) => Some(
                            Diagnostic::new(
                                &crate::rules::structure::UNREADABLE_FILE,
                                format!("cannot resolve {}: {err}", tick(&rel)),
                            )
                            .help("fix or remove the broken link"),
                        ),
                    };
                    if let Some(d) = problem {
                        if is_dir {
                            walker.skip_current_dir();
                        }
                        diags.push(file_diag(&rel, d));
                        continue;
                    }
                }
                if !is_dir {
                    found(e.into_path());
                }
            }
            Err(err) => {
                let path = err
                    .path()
                    .map(|p| rel_path(root, p))
                    .unwrap_or_else(|| ".".into());
                if err.loop_ancestor().is_some() {
                    diags.push(file_diag(
                        &path,
                        Diagnostic::new(
                            &crate::rules::structure::LINK_OUTSIDE,
                            format!("symbolic link loop at {}; not followed", tick(&path)),
                        )
                        .help("remove the link that points back to one of its parent folders"),
                    ));
                } else if err.depth() == 0 {
                    // The root itself: handled by the caller.
                } else {
                    let link = err.path().and_then(|p| std::fs::read_link(p).ok());
                    let (msg, help) = match link {
                        Some(target) => (
                            format!(
                                "{} is a symbolic link to {}, which cannot be read",
                                tick(&path),
                                tick(target.display())
                            ),
                            "fix or remove the broken link",
                        ),
                        None => {
                            let why = err
                                .io_error()
                                .map(|e| e.kind().to_string())
                                .unwrap_or_else(|| "unknown error".into());
                            (
                                format!("cannot read {}: {why}", tick(&path)),
                                "check the file's permissions",
                            )
                        }
                    };
                    diags.push(file_diag(
                        &path,
                        Diagnostic::new(&crate::rules::structure::UNREADABLE_FILE, msg).help(help),
                    ));
                }
            }
        }
    }
    diags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_skips_hidden_build_and_package_folders() {
        let d = tempfile::tempdir().unwrap();
        for dir in [
            "a/b",
            ".github/workflows",
            "target/x",
            "node_modules/pkg",
            "docs/target",
        ] {
            std::fs::create_dir_all(d.path().join(dir)).unwrap();
            std::fs::write(d.path().join(dir).join("f.yaml"), "x: 1\n").unwrap();
        }
        std::fs::write(d.path().join("a/notes.txt"), "x").unwrap();
        let root = std::fs::canonicalize(d.path()).unwrap();
        let mut paths = Vec::new();
        let diags = discover(&root, &root, |p| paths.push(p));
        assert!(diags.is_empty());
        let rel: Vec<String> = paths.iter().map(|p| rel_path(&root, p)).collect();
        assert_eq!(rel, ["a/b/f.yaml"]);
    }
}
