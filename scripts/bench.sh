#!/usr/bin/env bash
# Reproduces the performance figures of the README:
#   - the paired in-process harness (check vs a serde_yaml walk+read+parse baseline, build),
#   - hyperfine runs of the binary at 1k/2k/5k/10k/20k agents (growth table),
#   - check at 10k under the release and the dist profile,
#   - peak RSS at 10k with /usr/bin/time -v,
#   - check-jsonschema validating only the agent files vs agentgov check.
# Usage: scripts/bench.sh [SIZES]   e.g. scripts/bench.sh "1000 10000"
set -euo pipefail
cd "$(dirname "$0")/.."
sizes="${1:-1000 2000 5000 10000 20000}"
work="${BENCH_DIR:-/tmp/agentgov-bench}"
today=2026-11-26
mkdir -p "$work"

cargo build --release --bin agentgov --example synth
bin=target/release/agentgov

echo "== paired harness (medians)"
AGENTGOV_BENCH_SIZES="${HARNESS_SIZES:-1000,10000}" AGENTGOV_BENCH_RUNS="${RUNS:-7}" \
    cargo bench --bench check

echo "== growth (hyperfine, binary)"
for n in $sizes; do
    target/release/examples/synth --agents "$n" --out "$work/g$n"
    "$bin" check "$work/g$n" --today $today | tail -n 1
done
if command -v hyperfine >/dev/null; then
    args=()
    for n in $sizes; do args+=("-n" "check $n" "$bin check $work/g$n --today $today"); done
    hyperfine -N --warmup 1 --runs "${RUNS:-7}" "${args[@]}" --export-markdown "$work/growth.md"
    cat "$work/growth.md"
else
    echo "hyperfine not installed; timing with /usr/bin/time"
    for n in $sizes; do /usr/bin/time -f "check $n: %e s" "$bin" check "$work/g$n" --today $today >/dev/null; done
fi

echo "== check under both profiles: release (fast to build) and dist (fat LTO, published binaries)"
cargo build --profile dist --bin agentgov
[ -d "$work/g10000" ] || target/release/examples/synth --agents 10000 --out "$work/g10000"
if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 1 --runs "${RUNS:-7}" \
        -n "release check 10k" "target/release/agentgov check $work/g10000 --today $today" \
        -n "dist check 10k" "target/dist/agentgov check $work/g10000 --today $today"
else
    for p in release dist; do
        for i in 1 2 3 4 5; do
            /usr/bin/time -f "$p check 10k: %e s" "target/$p/agentgov" check "$work/g10000" --today $today >/dev/null
        done
    done
fi

echo "== peak RSS at 10k"
[ -d "$work/g10000" ] || target/release/examples/synth --agents 10000 --out "$work/g10000"
/usr/bin/time -v "$bin" check "$work/g10000" --today $today 2>&1 >/dev/null | grep -E "Maximum resident|Elapsed"
if "$bin" build --help >/dev/null 2>&1; then
    /usr/bin/time -v "$bin" build "$work/g10000" --today $today --out "$work/out10000" 2>&1 >/dev/null \
        | grep -E "Maximum resident|Elapsed" || true
fi

echo "== build vs check at 10k"
if "$bin" build "$work/g1000" --today $today --out "$work/out1000" >/dev/null 2>&1 && command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 1 --runs "${RUNS:-7}" \
        -n check "$bin check $work/g10000 --today $today" \
        -n build "$bin build $work/g10000 --today $today --out $work/out10000"
else
    echo "build is not available yet"
fi

echo "== check-jsonschema (agent files only) vs agentgov check (whole repository)"
if command -v check-jsonschema >/dev/null; then
    n=${CJ_AGENTS:-10000}
    [ -d "$work/g$n" ] || target/release/examples/synth --agents "$n" --out "$work/g$n"
    find "$work/g$n/agents" -name '*.yaml' > "$work/agents.txt"
    # One check-jsonschema process for all the files (xargs would start several).
    for i in 1 2 3; do
        /usr/bin/time -f "check-jsonschema ($n agent files): %e s" \
            sh -c "check-jsonschema --schemafile schemas/agent.json \$(cat $work/agents.txt) >/dev/null"
        /usr/bin/time -f "agentgov check ($n agents, whole repository): %e s" \
            "$bin" check "$work/g$n" --today $today >/dev/null
    done
else
    echo "check-jsonschema not installed (pip install check-jsonschema)"
fi
