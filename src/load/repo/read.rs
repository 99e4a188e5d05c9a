//! Reading one file within the limits (size, UTF-8, empty) and parsing it, with its YAML
//! errors as diagnostics.

use super::classify::drop_errors_not_ours;
use super::discover::{file_diag, rel_path};
use super::source::{fingerprint, Origin, SourceFile};
use super::LoadOptions;
use crate::diag::{tick, Diagnostic, Location};
use crate::load::yaml::{self, Node, Span, YamlErrorKind};
use crate::rules::structure;
use std::path::Path;

pub(super) struct ParsedFile {
    pub(super) source: SourceFile,
    pub(super) docs: Vec<Node>,
    pub(super) diags: Vec<Diagnostic>,
    /// Why YAML errors of a file that is not ours were not reported (`--verbose`).
    pub(super) ignored: Option<String>,
}

pub(super) fn read_and_parse(root: &Path, path: &Path, opts: &LoadOptions) -> ParsedFile {
    let rel = rel_path(root, path);
    let mut diags = Vec::new();
    let empty = |rel: &str| SourceFile::new(rel.to_string(), String::new());
    // Size and modification time of the file opened.
    let mut opened_as = None;
    // One open, and the size from the open file: a second lookup of the path costs as much.
    let opened = std::fs::File::open(path).and_then(|f| f.metadata().map(|m| (f, m)));
    let bytes = match opened {
        Ok((_, m)) if m.len() > opts.max_file_bytes => {
            diags.push(file_diag(
                &rel,
                Diagnostic::new(
                    &crate::rules::structure::INPUT_LIMIT,
                    format!(
                        "{} is {} bytes, more than the limit of {} bytes",
                        tick(&rel),
                        m.len(),
                        opts.max_file_bytes
                    ),
                )
                .help("split the file, or raise the limit with `--max-file-size`"),
            ));
            return ParsedFile {
                source: empty(&rel),
                docs: vec![],
                diags,
                ignored: None,
            };
        }
        Ok((mut f, m)) => {
            opened_as = Some((m.len(), m.modified().ok()));
            // Never more than the limit, even if the file grows while it is read.
            use std::io::Read as _;
            let mut buf = Vec::with_capacity(m.len() as usize + 1);
            (&mut f)
                .take(opts.max_file_bytes + 1)
                .read_to_end(&mut buf)
                .map(|_| buf)
        }
        Err(e) => Err(e),
    };
    let bytes = match bytes {
        Ok(b) => b,
        Err(err) => {
            diags.push(file_diag(
                &rel,
                Diagnostic::new(
                    &crate::rules::structure::UNREADABLE_FILE,
                    format!("cannot read {}: {err}", tick(&rel)),
                )
                .help("check the file's permissions"),
            ));
            return ParsedFile {
                source: empty(&rel),
                docs: vec![],
                diags,
                ignored: None,
            };
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(err) => {
            let good = err.utf8_error().valid_up_to();
            let bytes = err.into_bytes();
            // Keep the valid prefix so that the position of the first bad byte can be shown.
            let text = String::from_utf8_lossy(&bytes[..good]).into_owned();
            let source = SourceFile::new(rel.clone(), text);
            let (line, column) = source.lines().line_col(good);
            diags.push(
                Diagnostic::new(
                    &crate::rules::structure::INVALID_ENCODING,
                    format!("{} is not valid UTF-8 (byte {good})", tick(&rel)),
                )
                .at(Location {
                    file: rel.clone(),
                    span: Span {
                        start: good,
                        end: good,
                    },
                    line,
                    column,
                    end_line: line,
                    end_column: column,
                })
                .label("invalid byte here")
                .help("save the file as UTF-8"),
            );
            return ParsedFile {
                source,
                docs: vec![],
                diags,
                ignored: None,
            };
        }
    };
    let mut source = SourceFile::new(rel.clone(), text);
    source.origin = opened_as.map(|(len, modified)| Origin {
        full: path.to_path_buf(),
        len,
        modified,
        hash: fingerprint(source.text().as_bytes()),
    });
    if source.text().trim().is_empty() {
        diags.push(file_diag(
            &rel,
            Diagnostic::new(
                &crate::rules::structure::EMPTY_FILE,
                format!("{} is empty", tick(&rel)),
            )
            .help("add a governance document or delete the file"),
        ));
        return ParsedFile {
            source,
            docs: vec![],
            diags,
            ignored: None,
        };
    }
    let (parsed, mut errors) = yaml::parse_documents(source.text(), &opts.yaml);
    let ignored = drop_errors_not_ours(source.text(), &parsed, &mut errors);
    for e in errors {
        let rule = match e.kind {
            YamlErrorKind::Syntax | YamlErrorKind::UnsupportedKey => &structure::YAML_SYNTAX,
            YamlErrorKind::DuplicateKey => &structure::DUPLICATE_KEY,
            YamlErrorKind::TooDeep
            | YamlErrorKind::AliasLimit
            | YamlErrorKind::TooManyDocuments => &structure::INPUT_LIMIT,
        };
        let help = match e.kind {
            YamlErrorKind::Syntax => "fix the YAML syntax; check indentation and quoting",
            YamlErrorKind::UnsupportedKey => "use a plain string as the key",
            YamlErrorKind::DuplicateKey => {
                "remove one of the two keys; YAML keeps only one of them"
            }
            YamlErrorKind::TooDeep => "flatten the document, or raise `--max-depth`",
            YamlErrorKind::AliasLimit => "expand fewer aliases, or raise `--max-alias-nodes`",
            YamlErrorKind::TooManyDocuments => "split the file",
        };
        let (line, column) = source.lines().line_col(e.span.start);
        let (end_line, end_column) = source.lines().line_col(e.span.end.max(e.span.start));
        let loc = Location {
            file: rel.clone(),
            span: e.span,
            line,
            column,
            end_line,
            end_column,
        };
        let mut d = Diagnostic::new(rule, e.message).at(loc).help(help);
        if let Some((span, label)) = e.related {
            let (line, column) = source.lines().line_col(span.start);
            let (end_line, end_column) = source.lines().line_col(span.end.max(span.start));
            d = d.related(
                Location {
                    file: rel.clone(),
                    span,
                    line,
                    column,
                    end_line,
                    end_column,
                },
                label,
            );
        }
        diags.push(d);
    }
    ParsedFile {
        source,
        docs: parsed.into_iter().map(|p| p.root).collect(),
        diags,
        ignored,
    }
}
