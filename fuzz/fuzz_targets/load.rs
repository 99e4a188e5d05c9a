//! The YAML loader on arbitrary bytes (read as lossy UTF-8), with the default limits.
#![no_main]

use agentgov::load::yaml::{parse_documents, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (_docs, _errors) = parse_documents(&text, &Limits::default());
    // Tight limits exercise the limit paths on small inputs.
    let tight = Limits {
        max_depth: 4,
        max_alias_nodes: 16,
        max_documents: 3,
    };
    let _ = parse_documents(&text, &tight);
});
