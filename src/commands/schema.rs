//! `agentgov schema`.

use crate::cli::{EXIT_OK, EXIT_UNREADABLE};
use crate::load::Kind;
use crate::schema::{OUTPUT_SCHEMAS, SCHEMAS};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct SchemaArgs {
    /// Write every schema into this folder (created if missing) instead of printing one.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the reference of the file format (Markdown, as in `docs/format.md`).
    #[arg(long, conflicts_with_all = ["out", "kind"])]
    pub reference: bool,
    /// The kind to print (Agent, Policy, ...); default: list the schemas.
    pub kind: Option<String>,
}

pub fn run(a: SchemaArgs) -> i32 {
    if a.reference {
        crate::out!("{}", crate::schema::reference::markdown());
        return EXIT_OK;
    }
    if let Some(dir) = a.out {
        if let Err(e) = std::fs::create_dir_all(&dir) {
            eprintln!("error: cannot create `{}`: {e}", dir.display());
            return EXIT_UNREADABLE;
        }
        let all = SCHEMAS
            .iter()
            .map(|(_, n, t)| (*n, *t))
            .chain(OUTPUT_SCHEMAS.iter().copied());
        for (name, text) in all {
            let path = dir.join(name);
            if let Err(e) = std::fs::write(&path, text) {
                eprintln!("error: cannot write `{}`: {e}", path.display());
                return EXIT_UNREADABLE;
            }
            crate::outln!("wrote {}", path.display());
        }
        return EXIT_OK;
    }
    match a.kind {
        Some(k) => {
            let kind = Kind::ALL
                .into_iter()
                .find(|x| x.name().eq_ignore_ascii_case(&k));
            match kind.and_then(|k| SCHEMAS.iter().find(|(sk, _, _)| *sk == k)) {
                Some((_, _, text)) => {
                    crate::out!("{text}");
                    EXIT_OK
                }
                None => {
                    eprintln!("error: unknown kind `{k}`");
                    EXIT_UNREADABLE
                }
            }
        }
        None => {
            for (k, name, _) in SCHEMAS {
                crate::outln!("{:<12} urn:agentgov:schemas:v1:{name}", k.name());
            }
            EXIT_OK
        }
    }
}
