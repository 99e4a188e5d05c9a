//! The floor `agentgov audit` is measured against (`scripts/bench-audit.sh`): read a JSON Lines
//! file in batches of lines and parse each line with `serde_json::from_slice::<Value>` on every
//! core (rayon), doing nothing else.
//!
//! ```text
//! cargo run --release --example parse-floor -- LOG
//! ```

use rayon::prelude::*;
use std::io::{BufRead, BufReader};

fn main() -> std::io::Result<()> {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        eprintln!("usage: parse-floor LOG");
        std::process::exit(2)
    });
    let mut r = BufReader::with_capacity(256 * 1024, std::fs::File::open(path)?);
    let (mut lines, mut bad) = (0usize, 0usize);
    let mut batch: Vec<Vec<u8>> = Vec::with_capacity(16 * 1024);
    loop {
        batch.clear();
        let mut buf = Vec::new();
        while batch.len() < 16 * 1024 {
            buf.clear();
            if r.read_until(b'\n', &mut buf)? == 0 {
                break;
            }
            batch.push(std::mem::take(&mut buf));
        }
        if batch.is_empty() {
            break;
        }
        lines += batch.len();
        bad += batch
            .par_iter()
            .filter(|l| serde_json::from_slice::<serde_json::Value>(l).is_err())
            .count();
    }
    println!("{lines} lines, {bad} not JSON");
    Ok(())
}
