//! TODO

use super::{Artifact, EmitContext};

pub fn emit(_cx: &EmitContext) -> Vec<Artifact> {
    Vec::new()
}
