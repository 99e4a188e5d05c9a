#!/usr/bin/env bash
# CI for shipping: build the wheel once (maturin, the `dist` profile), install it into fresh
# virtual environments and run the installed agentgov; run the pre-commit hook through real
# pre-commit (`try-repo`) on a governance repository with violations and on a clean one; run
# action.yml's steps locally (scripts/action-local.sh) with that wheel. Prints how long a fresh
# `pip install` of the wheel takes (median of 3).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "== wheel: maturin build (profile from pyproject.toml: dist)"
python3 -m venv target/ship-venv
target/ship-venv/bin/pip install -q "maturin>=1.9,<2"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"
rm -f target/wheels/agentgov-"$version"-*.whl
start=$(date +%s)
target/ship-venv/bin/maturin build --quiet --out target/wheels
echo "maturin build: $(( $(date +%s) - start )) s (cargo reuses target/dist when it is fresh)"
wheels=(target/wheels/agentgov-"$version"-*.whl)
[ "${#wheels[@]}" = 1 ] && [ -f "${wheels[0]}" ] || { echo "expected one agentgov $version wheel" >&2; exit 1; }
wheel="$root/${wheels[0]}"
echo "wheel: ${wheels[0]} ($(du -k "$wheel" | cut -f1) KiB)"

echo "== a fresh virtual environment: pip install the wheel, run the installed agentgov"
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install -q "$wheel"
installed="$tmp/venv/bin/agentgov"
[ -x "$installed" ] || { echo "the wheel installed no agentgov executable" >&2; exit 1; }
"$installed" --version
"$installed" check governance --today 2026-11-26
"$installed" build governance --out "$tmp/build" --today 2026-11-26 >/dev/null
for f in POLICY.md site/index.html; do
  [ -s "$tmp/build/$f" ] || { echo "agentgov build wrote no $f" >&2; exit 1; }
done
echo "agentgov build: $(find "$tmp/build" -type f | wc -l) files"

echo "== fresh pip install of the wheel, 3 fresh virtual environments"
times=()
for i in 1 2 3; do
  python3 -m venv "$tmp/time-$i"
  s=$(date +%s%N)
  "$tmp/time-$i/bin/pip" install -q --no-index "$wheel"
  times+=($(( ($(date +%s%N) - s) / 1000000 )))
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
echo "pip install of the wheel: ${times[*]} ms; median ${median} ms"

echo "== pre-commit try-repo: the Python hook, installed from the wheel"
python3 -m venv target/precommit-venv
target/precommit-venv/bin/pip install -q "pre-commit==4.*"
export PRE_COMMIT_HOME="$tmp/pre-commit-home" # a fresh store: the hook is installed anew
# The hook's `pip install .` takes the wheel built above (scripts/wheel/agentgov_wheel_backend.py).
export PIP_FIND_LINKS="$root/target/wheels${PIP_FIND_LINKS:+ $PIP_FIND_LINKS}"
head="$(git rev-parse HEAD)"
if ! git diff --quiet HEAD -- pyproject.toml .pre-commit-hooks.yaml scripts/wheel; then
  echo "note: try-repo uses a snapshot of the uncommitted hook files" >&2
fi
gov_repo() { # DIR: a git repository holding the worked example at its root
  mkdir -p "$1"
  cp -r governance/. "$1"
  git -C "$1" init -q
  git -C "$1" add -A
}
gov_repo "$tmp/violations"
# The campaign send loses its two-person gate.
sed -i '/id: send/,/gate:/ s/gate: two-person/gate: auto/' "$tmp/violations/workflows/email-campaign.yaml"
git -C "$tmp/violations" add -A
gov_repo "$tmp/clean"
try_repo() { # DIR
  (cd "$1" && "$root/target/precommit-venv/bin/pre-commit" try-repo "$root" agentgov-check --all-files)
}
start=$(date +%s)
set +e
try_repo "$tmp/violations" > "$tmp/violations.log" 2>&1
code=$?
set -e
cat "$tmp/violations.log"
echo "try-repo with violations: exit $code, $(( $(date +%s) - start )) s (hook install included)"
[ "$code" = 1 ] || { echo "the hook should fail on violations (exit 1, got $code)" >&2; exit 1; }
grep -q "gate-below-consequence" "$tmp/violations.log" || { echo "the hook printed no gate-below-consequence finding" >&2; exit 1; }
grep -q "agentgov check.*Failed" "$tmp/violations.log" || { echo "pre-commit did not report the hook failed" >&2; exit 1; }
try_repo "$tmp/clean" > "$tmp/clean.log" 2>&1 || { cat "$tmp/clean.log"; echo "the hook should pass on the clean repository" >&2; exit 1; }
cat "$tmp/clean.log"
grep -q "agentgov check.*Passed" "$tmp/clean.log" || { echo "pre-commit did not report the hook passed" >&2; exit 1; }
# try-repo's store is temporary: install the hook once more through a config, as a user would,
# into a store that stays, to see that its environment holds the very binary of the wheel and
# that nothing was compiled for it.
cat > "$tmp/clean/.pre-commit-config.yaml" <<EOF
repos:
  - repo: $root
    rev: $head
    hooks:
      - id: agentgov-check
EOF
git -C "$tmp/clean" add .pre-commit-config.yaml
(cd "$tmp/clean" && "$root/target/precommit-venv/bin/pre-commit" run agentgov-check --all-files) \
  || { echo "the hook should pass on the clean repository (pre-commit run)" >&2; exit 1; }
hook_bin=$(find "$PRE_COMMIT_HOME" -path '*/py_env-*/bin/agentgov' | head -n 1)
[ -n "$hook_bin" ] || { echo "no agentgov in pre-commit's hook environment" >&2; exit 1; }
cmp -s "$hook_bin" "$installed" || { echo "the hook's agentgov is not the wheel's binary" >&2; exit 1; }
if find "$PRE_COMMIT_HOME" -maxdepth 2 -type d -name target | grep -q .; then
  echo "pre-commit compiled agentgov (a target/ folder in its store) instead of taking the wheel" >&2
  exit 1
fi
echo "pre-commit: the hook ran the wheel's binary (commit ${head:0:12}), nothing compiled"

echo "== the GitHub Action's steps, locally (scripts/action-local.sh)"
PATH="$tmp/venv/bin:$PATH" PYTHON="$root/target/precommit-venv/bin/python" \
  bash scripts/action-local.sh --wheel "$wheel"
