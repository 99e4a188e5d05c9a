//! git for the tests, isolated from the machine's configuration: no global or system config (so
//! no signing, hooks or aliases of the user's apply), a fixed identity.

use std::path::Path;
use std::process::Command;

/// The environment every git the tests start runs with, also given to `agentgov` when it
/// starts git itself (`diff`, `check --new-since`).
pub const ENV: &[(&str, &str)] = &[
    ("GIT_CONFIG_GLOBAL", "/dev/null"),
    ("GIT_CONFIG_NOSYSTEM", "1"),
    ("GIT_AUTHOR_NAME", "t"),
    ("GIT_AUTHOR_EMAIL", "t@example.com"),
    ("GIT_COMMITTER_NAME", "t"),
    ("GIT_COMMITTER_EMAIL", "t@example.com"),
];

/// Applies [`ENV`] to a command.
pub fn isolate(c: &mut Command) -> &mut Command {
    c.env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .envs(ENV.iter().copied())
}

/// Applies [`ENV`] to an `agentgov` run that may start git.
pub fn isolate_agentgov(c: &mut assert_cmd::Command) -> &mut assert_cmd::Command {
    c.env_remove("GIT_DIR")
        .env_remove("AGENTGOV_RULES_URL")
        .env_remove("GIT_WORK_TREE")
        .envs(ENV.iter().copied())
}

/// Runs git in `dir`, which must succeed.
pub fn git(dir: &Path, args: &[&str]) {
    let out = isolate(Command::new("git").arg("-C").arg(dir).args([
        "-c",
        "commit.gpgsign=false",
        "-c",
        "tag.gpgsign=false",
    ]))
    .args(args)
    .output()
    .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
