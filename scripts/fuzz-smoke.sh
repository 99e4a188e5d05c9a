#!/usr/bin/env sh
# Runs each cargo-fuzz target for FUZZ_SECONDS (default 60) when cargo-fuzz can work here.
# cargo-fuzz needs nightly's -Zsanitizer flags; on a stable toolchain RUSTC_BOOTSTRAP=1 makes
# rustc accept them. If neither works, this says so and exits 0 (the proptests in
# tests/it/proptest_check.rs and tests/it/hostile.rs still run in `cargo test`).
# A crash is saved under fuzz/artifacts/TARGET/ and fails the script: turn it into a
# regression test in tests/it/hostile.rs.
set -u
cd "$(dirname "$0")/.."
secs="${FUZZ_SECONDS:-60}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz-smoke: cargo-fuzz is not installed (cargo install cargo-fuzz --locked); skipped"
    exit 0
fi

# Nightly if present, else stable with RUSTC_BOOTSTRAP=1.
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    toolchain="+nightly"
    boot=""
else
    toolchain=""
    boot="1"
fi

run() {
    if [ -n "$boot" ]; then
        RUSTC_BOOTSTRAP=1 cargo $toolchain fuzz "$@"
    else
        cargo $toolchain fuzz "$@"
    fi
}

if ! run build -O load >/tmp/agentgov-fuzz-build.log 2>&1; then
    echo "fuzz-smoke: cargo fuzz cannot build on this toolchain; skipped. Last lines of the build log:"
    tail -n 15 /tmp/agentgov-fuzz-build.log
    exit 0
fi

status=0
for target in load check_file; do
    echo "fuzz-smoke: $target for ${secs}s"
    mkdir -p "fuzz/corpus/$target"
    # Seed with the worked example's files.
    find governance -name '*.yaml' -exec cp {} "fuzz/corpus/$target/" \;
    if ! run run -O "$target" "fuzz/corpus/$target" -- -max_total_time="$secs" -max_len=65536 -rss_limit_mb=1024 -timeout=10; then
        echo "fuzz-smoke: $target found a crash; see fuzz/artifacts/$target/"
        status=1
    fi
done
exit $status
