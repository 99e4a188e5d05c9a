//! The one way agentgov reaches git: the work tree a folder is in and its path inside it (found
//! on disk, without git, for output paths), and through the `git` program the files of a
//! revision (for `diff` and `check --new-since`).

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A failure to ask git something.
#[derive(Debug)]
pub enum GitError {
    /// `git` could not be started.
    Spawn(std::io::Error),
    /// A git command failed; its standard error.
    Failed {
        command: String,
        stderr: String,
    },
    /// The folder is not inside a git work tree.
    NotAWorkTree {
        dir: PathBuf,
        cause: Box<GitError>,
    },
    UnknownRevision(String),
    /// `git cat-file` said less than it announced.
    Truncated,
    /// A file of the revision could not be written to the temporary folder.
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
}

impl fmt::Display for GitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GitError::Spawn(e) => write!(f, "cannot run git: {e}"),
            GitError::Failed { command, stderr } => write!(f, "`{command}` failed: {stderr}"),
            GitError::NotAWorkTree { dir, cause } => {
                write!(
                    f,
                    "`{}` is not inside a git work tree: {cause}",
                    dir.display()
                )
            }
            GitError::UnknownRevision(rev) => write!(f, "unknown git revision `{rev}`"),
            GitError::Truncated => f.write_str("truncated git cat-file output"),
            GitError::Write { path, error } => {
                write!(f, "cannot write `{}`: {error}", path.display())
            }
        }
    }
}

impl std::error::Error for GitError {}

// ---------------------------------------------------------------- on disk, without git

/// `path` made absolute, or its folder when it is a file.
fn folder_of(path: &Path) -> Option<PathBuf> {
    let abs = std::fs::canonicalize(path).ok()?;
    if abs.is_file() {
        abs.parent().map(Path::to_path_buf)
    } else {
        Some(abs)
    }
}

/// The nearest ancestor of an absolute folder that holds a `.git`.
fn top_of(dir: &Path) -> Option<&Path> {
    dir.ancestors()
        .find(|a| std::fs::symlink_metadata(a.join(".git")).is_ok())
}

/// The folder `path` (or a file's folder) relative to its git work tree, with `/` between
/// segments and no trailing `/` (`"governance"`); empty at the work tree's root or outside one.
pub fn path_in_work_tree(path: &Path) -> String {
    let Some(dir) = folder_of(path) else {
        return String::new();
    };
    match top_of(&dir).and_then(|top| dir.strip_prefix(top).ok()) {
        Some(rel) => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
        None => String::new(),
    }
}

// ---------------------------------------------------------------- through `git`

fn run(dir: &Path, args: &[&str]) -> Result<Vec<u8>, GitError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(GitError::Spawn)?;
    if !out.status.success() {
        return Err(GitError::Failed {
            command: format!("git {}", args.join(" ")),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(out.stdout)
}

fn line(dir: &Path, args: &[&str]) -> Result<String, GitError> {
    Ok(String::from_utf8_lossy(&run(dir, args)?)
        .trim_end_matches(['\n', '\r'])
        .to_string())
}

/// The top of the work tree `dir` is in, and `dir`'s prefix inside it (`governance/`, or empty).
pub fn toplevel_and_prefix(dir: &Path) -> Result<(PathBuf, String), GitError> {
    let top =
        line(dir, &["rev-parse", "--show-toplevel"]).map_err(|cause| GitError::NotAWorkTree {
            dir: dir.to_path_buf(),
            cause: Box::new(cause),
        })?;
    let prefix = line(dir, &["rev-parse", "--show-prefix"])?;
    Ok((PathBuf::from(top), prefix))
}

/// Fails unless `rev` names a commit of the repository at `top`.
pub fn verify_commit(top: &Path, rev: &str) -> Result<(), GitError> {
    line(
        top,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .map(|_| ())
    .map_err(|_| GitError::UnknownRevision(rev.to_string()))
}

/// Writes every regular file under `pathspec` at `rev` into `dest` (same relative paths);
/// returns how many. Links and submodules are left out.
pub fn extract(top: &Path, rev: &str, pathspec: &str, dest: &Path) -> Result<usize, GitError> {
    let listing = run(top, &["ls-tree", "-r", "-z", rev, "--", pathspec])?;
    let mut blobs: Vec<(String, String)> = Vec::new();
    for entry in listing.split(|b| *b == 0).filter(|e| !e.is_empty()) {
        let entry = String::from_utf8_lossy(entry);
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let parts: Vec<&str> = meta.split(' ').collect();
        // Regular files only (mode 100644/100755): no symlinks, no submodules.
        if parts.len() == 3 && parts[1] == "blob" && parts[0].starts_with("100") {
            blobs.push((parts[2].to_string(), path.to_string()));
        }
    }
    if blobs.is_empty() {
        return Ok(0);
    }
    let mut child = Command::new("git")
        .arg("-C")
        .arg(top)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(GitError::Spawn)?;
    let input: String = blobs.iter().map(|(sha, _)| format!("{sha}\n")).collect();
    let mut stdin = child.stdin.take().expect("piped");
    // Written from another thread: git answers while it reads, and both pipes are bounded.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().map_err(GitError::Spawn)?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(GitError::Failed {
            command: "git cat-file".into(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    let data = out.stdout;
    let mut pos = 0;
    for (_, path) in &blobs {
        let nl = data[pos..]
            .iter()
            .position(|b| *b == b'\n')
            .ok_or(GitError::Truncated)?
            + pos;
        let header = String::from_utf8_lossy(&data[pos..nl]).to_string();
        let size: usize = header
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or(GitError::Truncated)?;
        let start = nl + 1;
        let end = start + size;
        if end > data.len() {
            return Err(GitError::Truncated);
        }
        let target = dest.join(path);
        let write = |p: &Path, r: std::io::Result<()>| {
            r.map_err(|error| GitError::Write {
                path: p.to_path_buf(),
                error,
            })
        };
        if let Some(parent) = target.parent() {
            write(parent, std::fs::create_dir_all(parent))?;
        }
        write(&target, std::fs::write(&target, &data[start..end]))?;
        pos = end + 1;
    }
    Ok(blobs.len())
}
