//! Release-mode benchmark: `check` (in process and as the binary) and `build` against a baseline
//! that only walks, reads and parses the same YAML files with serde_yaml, on every core (rayon).
//!
//! ```text
//! cargo bench --bench check                                   # 1k and 10k agents, 5 paired runs
//! AGENTGOV_BENCH_SIZES=1000,2000,5000,10000,20000 AGENTGOV_BENCH_RUNS=7 cargo bench --bench check
//! ```
//!
//! Runs are paired (baseline, check, binary check, build, rebuild, one after the other, the
//! first two in rotating order) and the table reports medians of the times and of the per-run
//! ratios, so that noise from other processes on the machine hits both sides alike. `build`
//! writes into a new folder (as a CI job does); `rebuild` replaces the previous build in the
//! same folder, which also deletes the old files.

#[path = "../examples/synth.rs"]
#[allow(dead_code)]
mod synth;

use agentgov::analysis::{check, CheckOptions};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const TODAY: &str = "2026-11-26";

// The same allocator as the `agentgov` binary, for the baseline and the in-process check alike.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The baseline: walk, read and parse every YAML file to `serde_yaml::Value`, in parallel.
fn baseline(root: &Path) -> usize {
    let paths: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_type().is_file()
                && matches!(
                    e.path().extension().and_then(|x| x.to_str()),
                    Some("yaml" | "yml")
                )
        })
        .map(|e| e.into_path())
        .collect();
    paths
        .par_iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).expect("readable");
            let mut n = 0;
            for doc in serde_yaml::Deserializer::from_str(&text) {
                let v = <serde_yaml::Value as serde::Deserialize>::deserialize(doc)
                    .expect("valid YAML");
                n += usize::from(!v.is_null());
            }
            n
        })
        .sum()
}

fn in_process_check(root: &Path) -> usize {
    let opts = CheckOptions {
        today: chrono::NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").expect("date"),
        ..CheckOptions::default()
    };
    let c = check(root, &opts).expect("readable root");
    assert!(
        c.diagnostics.is_empty(),
        "the synthetic repository must check clean; first finding: {:?}",
        c.diagnostics.first().map(|d| (d.rule, &d.message))
    );
    c.ws.docs.len()
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_agentgov")
}

fn run_bin(args: &[&str]) -> bool {
    Command::new(bin())
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn time<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let t = Instant::now();
    let v = f();
    (t.elapsed(), v)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

fn main() {
    // As in the `agentgov` binary.
    agentgov::keep_freed_memory();
    // `cargo bench` passes `--bench`; `cargo test --benches` runs us without it: do one tiny round.
    let args: Vec<String> = std::env::args().collect();
    let smoke = !args.iter().any(|a| a == "--bench");
    let sizes: Vec<usize> = std::env::var("AGENTGOV_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| if smoke { vec![50] } else { vec![1000, 10000] });
    // `build` writes the policy site; measured up to this many agents (default 2000).
    let build_max: usize = std::env::var("AGENTGOV_BENCH_BUILD_MAX")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    let runs: usize = std::env::var("AGENTGOV_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if smoke { 1 } else { 5 });
    let work = tempfile::tempdir().expect("temp dir");
    // `build` exists once its command is implemented; until then only `check` is measured.
    let probe = work.path().join("probe");
    synth::generate(10, &probe, 1).expect("generate");
    let has_build = run_bin(&[
        "build",
        probe.to_str().unwrap(),
        "--today",
        TODAY,
        "--out",
        work.path().join("probe-out").to_str().unwrap(),
    ]);

    println!(
        "{:>7} {:>7} {:>10} {:>10} {:>8} {:>10} {:>10} {:>8} {:>10} {:>8}",
        "agents",
        "docs",
        "baseline",
        "check",
        "ratio",
        "check-bin",
        "build",
        "build/ck",
        "rebuild",
        "rebuild/ck"
    );
    for &n in &sizes {
        let dir = work.path().join(format!("g{n}"));
        synth::generate(n, &dir, 7).expect("generate");
        let d = dir.to_str().expect("utf-8 temp path").to_string();
        let out = work.path().join(format!("out{n}"));
        let o = out.to_str().expect("utf-8").to_string();
        // Warm the page cache and check that the repository is clean.
        let files = baseline(&dir);
        in_process_check(&dir);
        let (mut b, mut c, mut cb, mut ratio) = (vec![], vec![], vec![], vec![]);
        let (mut bb, mut bratio, mut rb, mut rratio) = (vec![], vec![], vec![], vec![]);
        for r in 0..runs {
            let mut tb = 0.0;
            let mut tc = 0.0;
            // Alternate which side goes first.
            for side in [r % 2, 1 - r % 2] {
                if side == 0 {
                    tb = time(|| baseline(&dir)).0.as_secs_f64();
                } else {
                    tc = time(|| in_process_check(&dir)).0.as_secs_f64();
                }
            }
            b.push(tb);
            c.push(tc);
            ratio.push(tc / tb);
            let (tcb, ok) = time(|| run_bin(&["check", &d, "--today", TODAY]));
            assert!(ok, "agentgov check {d} failed");
            let tcb = tcb.as_secs_f64();
            cb.push(tcb);
            if has_build && n <= build_max {
                // A build into a new folder (as in CI), kept until the end so that no deletion
                // happens between runs; then a rebuild over the previous output, which replaces
                // it and removes the old files.
                let fresh = work.path().join(format!("out{n}-{r}"));
                let f = fresh.to_str().expect("utf-8").to_string();
                let (tbb, ok) = time(|| run_bin(&["build", &d, "--today", TODAY, "--out", &f]));
                assert!(ok, "agentgov build {d} failed");
                bb.push(tbb.as_secs_f64());
                bratio.push(tbb.as_secs_f64() / tcb);
                if r == 0 {
                    assert!(
                        run_bin(&["build", &d, "--today", TODAY, "--out", &o]),
                        "agentgov build {d} failed"
                    );
                }
                let (trb, ok) = time(|| run_bin(&["build", &d, "--today", TODAY, "--out", &o]));
                assert!(ok, "agentgov build {d} failed");
                rb.push(trb.as_secs_f64());
                rratio.push(trb.as_secs_f64() / tcb);
            }
        }
        let ms = |xs: &Vec<f64>| {
            if xs.is_empty() {
                "-".to_string()
            } else {
                format!("{:.1}ms", median(xs.clone()) * 1e3)
            }
        };
        let times = |xs: Vec<f64>| {
            if xs.is_empty() {
                "-".to_string()
            } else {
                format!("{:.2}x", median(xs))
            }
        };
        println!(
            "{:>7} {:>7} {:>10} {:>10} {:>7.2}x {:>10} {:>10} {:>8} {:>10} {:>8}",
            n,
            files,
            ms(&b),
            ms(&c),
            median(ratio),
            ms(&cb),
            ms(&bb),
            times(bratio),
            ms(&rb),
            times(rratio),
        );
        for r in 0..runs {
            let _ = std::fs::remove_dir_all(work.path().join(format!("out{n}-{r}")));
        }
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_dir_all(&out);
    }
    alias_bomb(if smoke { 1 } else { 21 });
}

/// The YAML alias bomb (nine levels of ten aliases: 10^9 nodes if expanded) is stopped at the
/// alias limit: how long that takes (it used to be a wall-clock assertion in a unit test).
fn alias_bomb(runs: usize) {
    use agentgov::load::yaml::{parse_documents, Limits};
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let limits = Limits::default();
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let (docs, errors) = parse_documents(&text, &limits);
        times.push(t.elapsed().as_secs_f64());
        assert!(
            docs.is_empty() && errors.len() == 1,
            "the alias limit stops the bomb"
        );
    }
    println!(
        "alias bomb stopped in {:.2} ms (median of {runs})",
        median(times) * 1e3
    );
}
