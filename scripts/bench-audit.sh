#!/usr/bin/env bash
# `agentgov audit` against its floor (parsing every line as JSON on every core, nothing else):
# medians of several runs, the ratio audit/floor, peak RSS, and growth 300k -> 3M records.
#
#   scripts/bench-audit.sh [RUNS] [SIZES...]     # default: 3 runs, 300000 3000000
#
# Goals (issue 16): audit <= 2x the floor; peak RSS <= 200 MiB at 300k records.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}; shift || true
SIZES=${*:-300000 3000000}
OUT=target/bench-audit
mkdir -p "$OUT"
cargo build --release -q --bin agentgov --example synth-log --example parse-floor
BIN=target/release/agentgov
EX=target/release/examples
REPOS="governance"
if [ -n "${SYNTH_1K:-}" ]; then
  [ -d target/synth-1k ] || cargo run --release -q --example synth -- --agents 1000 --out target/synth-1k
  REPOS="$REPOS target/synth-1k"
fi

# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# run CMD... RUNS times under /usr/bin/time -v: prints "median_seconds max_rss_kib"
measure() {
  local secs=() rss=0
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -v "$@" >/dev/null 2>"$OUT/time.txt" || true
    local e r
    e=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$OUT/time.txt" \
        | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    r=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$OUT/time.txt")
    secs+=("$e"); [ "$r" -gt "$rss" ] && rss=$r
  done
  echo "$(printf '%s\n' "${secs[@]}" | median) $rss"
}

printf '%-18s %9s %9s %9s %7s %10s %10s\n' repo records audit_s floor_s ratio audit_MiB floor_MiB
for repo in $REPOS; do
  prev=""
  for n in $SIZES; do
    log="$OUT/$(basename "$repo")-$n.jsonl"
    [ -s "$log" ] || "$EX/synth-log" --repo "$repo" --records "$n" --out "$log" --seed 7
    read -r a arss < <(measure "$BIN" audit --repo "$repo" "$log" --today 2026-11-26 --format json)
    read -r f frss < <(measure "$EX/parse-floor" "$log")
    printf '%-18s %9s %9.2f %9.2f %7.2f %10.1f %10.1f\n' "$(basename "$repo")" "$n" "$a" "$f" \
      "$(echo "$a / $f" | bc -l)" "$(echo "$arss / 1024" | bc -l)" "$(echo "$frss / 1024" | bc -l)"
    if [ -n "$prev" ]; then
      read -r pn pa prss <<<"$prev"
      printf '  growth %s -> %s: time x%.2f, audit RSS x%.2f\n' "$pn" "$n" \
        "$(echo "$a / $pa" | bc -l)" "$(echo "$arss / $prss" | bc -l)"
    fi
    prev="$n $a $arss"
  done
done
