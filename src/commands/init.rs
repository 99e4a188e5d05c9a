//! `agentgov init [DIR]`: a starter governance repository, in the spirit of the practice guide's
//! fastest way to start — one workflow, one approval gate, one logging template, one rollback
//! plan — that checks clean and builds. It never overwrites a file: it checks every target first
//! and writes nothing if one exists.

use crate::cli::{parse_date, EXIT_OK, EXIT_UNREADABLE};
use chrono::NaiveDate;
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct InitArgs {
    /// The folder to write the starter files into (created if missing).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The date written as the agent's rollout start and last review (YYYY-MM-DD); default: today.
    #[arg(long, value_parser = parse_date)]
    pub today: Option<NaiveDate>,
}

/// The starter files: path relative to DIR, and the text (`{{today}}` is replaced by the date).
pub const FILES: &[(&str, &str)] = &[
    ("policy.yaml", include_str!("../init_template/policy.yaml")),
    ("team.yaml", include_str!("../init_template/team.yaml")),
    (
        "connectors/email.yaml",
        include_str!("../init_template/connectors/email.yaml"),
    ),
    (
        "agents/newsletter-writer.yaml",
        include_str!("../init_template/agents/newsletter-writer.yaml"),
    ),
    (
        "prompts/newsletter-writer.md",
        include_str!("../init_template/prompts/newsletter-writer.md"),
    ),
    (
        "workflows/newsletter.yaml",
        include_str!("../init_template/workflows/newsletter.yaml"),
    ),
    (
        "playbooks/wrong-audience.yaml",
        include_str!("../init_template/playbooks/wrong-audience.yaml"),
    ),
    (
        "tests/policy-tests.yaml",
        include_str!("../init_template/tests/policy-tests.yaml"),
    ),
    // The schemas the modelines point at, beside the files: editors validate with no network.
    (
        "schemas/policy.json",
        include_str!("../../schemas/policy.json"),
    ),
    ("schemas/team.json", include_str!("../../schemas/team.json")),
    (
        "schemas/connector.json",
        include_str!("../../schemas/connector.json"),
    ),
    (
        "schemas/agent.json",
        include_str!("../../schemas/agent.json"),
    ),
    (
        "schemas/workflow.json",
        include_str!("../../schemas/workflow.json"),
    ),
    (
        "schemas/playbook.json",
        include_str!("../../schemas/playbook.json"),
    ),
    (
        "schemas/policytest.json",
        include_str!("../../schemas/policytest.json"),
    ),
    (
        "schemas/waiver.json",
        include_str!("../../schemas/waiver.json"),
    ),
    // Stored without its dot so that the template folder is not itself ignored.
    (".gitignore", include_str!("../init_template/gitignore")),
];

/// Writes the starter files into `dir`. Refuses (writing nothing) when any of them exists.
pub fn write_starter(dir: &Path, today: NaiveDate) -> Result<Vec<PathBuf>, String> {
    // A `.gitignore` the user already has is kept as it is (and never refuses the start).
    let optional = |rel: &str| rel == ".gitignore";
    let existing: Vec<String> = FILES
        .iter()
        .filter(|(rel, _)| !optional(rel))
        .map(|(rel, _)| dir.join(rel))
        .filter(|p| p.exists() || p.symlink_metadata().is_ok())
        .map(|p| p.display().to_string())
        .collect();
    if !existing.is_empty() {
        return Err(format!(
            "refusing to overwrite existing files (nothing was written): {}",
            existing.join(", ")
        ));
    }
    let date = today.format("%Y-%m-%d").to_string();
    let mut written = Vec::new();
    for (rel, text) in FILES {
        let path = dir.join(rel);
        if optional(rel) && path.symlink_metadata().is_ok() {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create `{}`: {e}", parent.display()))?;
        }
        let body = text.replace("{{today}}", &date);
        // `create_new`: never replace a file that appeared since the check above.
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        std::io::Write::write_all(&mut f, body.as_bytes())
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

pub fn run(a: InitArgs) -> i32 {
    let today = a.today.unwrap_or_else(|| chrono::Utc::now().date_naive());
    match write_starter(&a.dir, today) {
        Ok(files) => {
            for f in &files {
                crate::outln!("wrote {}", f.display());
            }
            let d = a.dir.display();
            crate::outln!(
                "\nA starter governance repository: one workflow with one approval gate, one logging \
                 template (its `audit` list), one rollback plan, one playbook and a policy test.\n\n\
                 Next steps:\n  \
                 1. Rename the placeholder people in {d}/team.yaml (and their ids in the other files).\n  \
                 2. Describe your real system in {d}/connectors/ and your agent in {d}/agents/.\n  \
                 3. agentgov check {d}          # schemas, references and every rule\n  \
                 4. agentgov test {d}           # the policy tests\n  \
                 5. agentgov build {d} --out {d}/build   # Cedar, OPA, Prometheus rules, the policy site (ignored by {d}/.gitignore)\n  \
                 6. Add agentgov to CI (see the README, \"Use in CI\") so every pull request shows what it changes."
            );
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_UNREADABLE
        }
    }
}
