//! Phase 1: find the governance files and parse them with positions.

pub(crate) mod line_index;
pub mod repo;
pub mod yaml;

pub use repo::{
    load_with, DocId, DocInput, DocView, Document, Kind, LoadOptions, SourceFile, Workspace,
};
