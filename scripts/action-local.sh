#!/usr/bin/env bash
# Runs the steps of action.yml, as GitHub's runner would, against a test repository with a
# GitHub-like environment, and checks what they produce: annotations, the SARIF file, the job
# summary, the pull-request comment's body and the outputs. The steps are read from action.yml
# itself (so this tests the real steps); only those that need GitHub's network are skipped: the
# `uses:` step (upload-sarif) and the `gh api` comment step, whose inputs are checked instead.
#
#   scripts/action-local.sh [--wheel PATH]
#
# --wheel: the action's `wheel` input (its install step pip-installs that wheel into a virtual
# environment); without it, the `agentgov` on PATH is used. PYTHON: an interpreter with PyYAML
# (default python3). Exits non-zero, listing each failed expectation, when one fails.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
wheel=""
while [ $# -gt 0 ]; do
  case "$1" in
    --wheel) wheel="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; shift 2 ;;
    *) echo "usage: $0 [--wheel PATH]" >&2; exit 2 ;;
  esac
done
python="${PYTHON:-python3}"
"$python" -c 'import yaml' || { echo "action-local: $python has no PyYAML" >&2; exit 2; }
if [ -z "$wheel" ]; then
  command -v agentgov >/dev/null || { echo "action-local: no agentgov on PATH and no --wheel" >&2; exit 2; }
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export GIT_AUTHOR_NAME=ci GIT_AUTHOR_EMAIL=ci@example.invalid
export GIT_COMMITTER_NAME=ci GIT_COMMITTER_EMAIL=ci@example.invalid
git() { command git -c init.defaultBranch=main -c advice.detachedHead=false "$@"; }

# The "remote": a bare repository holding the base branch `main` with the clean worked example.
git init -q --bare "$tmp/origin.git"
git clone -q "$tmp/origin.git" "$tmp/seed" 2>/dev/null
cp -r "$root/governance" "$tmp/seed/governance"
git -C "$tmp/seed" add -A
git -C "$tmp/seed" commit -q -m "governance"
git -C "$tmp/seed" push -q origin HEAD:main

# One pull request per scenario, checked out as actions/checkout leaves it (origin/main fetched).
#   violation: the campaign send, irreversible and external, loses its two-person gate: a check
#              error (gate-below-consequence) and a finding the diff says the change introduces.
#   clean:     a description changes; nothing to report.
make_pr() { # NAME
  local work="$tmp/$1/work"
  git clone -q "$tmp/origin.git" "$work"
  git -C "$work" checkout -q -b "pr-$1"
  local wf="$work/governance/workflows/email-campaign.yaml"
  case "$1" in
    violation) sed -i '/id: send/,/gate:/ s/gate: two-person/gate: auto/' "$wf" ;;
    clean) sed -i 's/^  description: Email campaign to customers/  description: Email campaigns to customers/' "$wf" ;;
  esac
  git -C "$work" diff --quiet && { echo "action-local: the $1 edit changed nothing" >&2; exit 2; }
  git -C "$work" commit -q -am "pull request: $1"
}

fail=0
for scenario in violation clean; do
  echo "== action-local: pull request '$scenario'"
  make_pr "$scenario"
  dir="$tmp/$scenario"
  mkdir -p "$dir/runner-temp"
  cat > "$dir/event.json" <<EOF
{"action": "synchronize", "number": 7,
 "pull_request": {"number": 7, "base": {"ref": "main"}, "head": {"ref": "pr-$scenario"}},
 "repository": {"full_name": "example/governance"}}
EOF
  if ! env ACTION_YML="$root/action.yml" ACTION_PATH="$root" WORK="$dir/work" \
    RUNNER_DIR="$dir" SCENARIO="$scenario" WHEEL="$wheel" "$python" - <<'PY'; then fail=1; fi
import json, os, re, subprocess, sys, yaml

action = yaml.safe_load(open(os.environ["ACTION_YML"]))
work, rdir, scenario = os.environ["WORK"], os.environ["RUNNER_DIR"], os.environ["SCENARIO"]
wheel = os.environ["WHEEL"]
temp = os.path.join(rdir, "runner-temp")
summary, github_path = os.path.join(rdir, "step-summary.md"), os.path.join(rdir, "github-path")
event_path = os.path.join(rdir, "event.json")
for f in (summary, github_path):
    open(f, "w").close()

# The inputs a workflow would pass (the rest keep action.yml's defaults).
given = {"path": "governance", "today": "2026-11-26", "wheel": wheel}
inputs = {k: str(v.get("default", "")) for k, v in action.get("inputs", {}).items()}
unknown = set(given) - set(inputs)
assert not unknown, f"inputs not in action.yml: {unknown}"
inputs.update(given)
event = json.load(open(event_path))
github = {
    "event_name": "pull_request", "base_ref": "main", "head_ref": f"pr-{scenario}",
    "repository": "example/governance", "token": "local-token-unused", "event": event,
    "workspace": work, "action_path": os.environ["ACTION_PATH"],
}
steps = {}  # id -> {"outputs": {...}, "outcome": ...}
failed = False


def lookup(path):
    head, *rest = path.split(".")
    value = {"inputs": inputs, "github": github, "steps": steps}.get(head)
    if value is None:
        raise SystemExit(f"action-local: unknown context `{path}`")
    for key in rest:
        value = value.get(key) if isinstance(value, dict) else None
    return "" if value is None else value


TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<op>&&|\|\||==|!=|!|\(|\))"
                   r"|(?P<fn>(?:always|success|failure|cancelled)\(\))|(?P<ref>[A-Za-z_][\w.-]*))")


def evaluate(expr):
    """A GitHub expression (the subset action.yml uses) as a Python value."""
    out, pos, expr = [], 0, expr.strip()
    while pos < len(expr):
        m = TOKEN.match(expr, pos)
        if not m:
            raise SystemExit(f"action-local: cannot read expression `{expr}` at {pos}")
        pos = m.end()
        if m["str"]:
            out.append(repr(m["str"][1:-1].replace("''", "'")))
        elif m["op"]:
            out.append({"&&": " and ", "||": " or ", "!": " not "}.get(m["op"], m["op"]))
        elif m["fn"]:
            out.append({"always()": "True", "success()": str(not failed),
                        "failure()": str(failed), "cancelled()": "False"}[m["fn"]])
        else:
            out.append(repr(lookup(m["ref"])))
    return eval("".join(out) or "''", {"__builtins__": {}})


def substitute(text):
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: str(evaluate(m[1])), str(text))


def condition(cond):
    if cond is None:
        return not failed
    cond = str(cond).strip()
    cond = cond[3:-2] if cond.startswith("${{") else cond
    # Without a status function, GitHub runs a step only while no earlier step failed.
    if not re.search(r"\b(always|success|failure|cancelled)\(\)", cond):
        cond = f"success() && ({cond})"
    return bool(evaluate(cond))


def read_outputs(path):
    outputs, lines = {}, open(path).read().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            j = lines.index(delim, i + 1)
            outputs[name] = "\n".join(lines[i + 1:j])
            i = j
        elif "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
        i += 1
    return outputs


record = {"steps": [], "skipped_inputs": {}}
for n, step in enumerate(action["runs"]["steps"]):
    name = step.get("name", f"step {n}")
    runs = condition(step.get("if"))
    entry = {"name": name, "id": step.get("id"), "ran": False, "would_run": runs}
    record["steps"].append(entry)
    if not runs:
        print(f"-- skipped (condition false): {name}")
        continue
    needs_github = "uses" in step or re.search(r"(^|\s)gh\s+api\b", step.get("run", ""))
    if needs_github:
        # What the step would be given: checked below instead of calling GitHub.
        entry["with"] = {k: substitute(v) for k, v in step.get("with", {}).items()}
        entry["env"] = {k: substitute(v) for k, v in step.get("env", {}).items()}
        entry["run"] = step.get("run", "")
        print(f"-- not run here (needs GitHub's network): {name}")
        continue
    assert step.get("shell") == "bash", f"{name}: only bash steps are run here"
    out_file = os.path.join(rdir, f"output-{n}")
    open(out_file, "w").close()
    script = os.path.join(rdir, f"step-{n}.sh")
    with open(script, "w") as f:
        f.write(substitute(step["run"]))
    env = dict(os.environ)
    for var in ("ACTION_YML", "ACTION_PATH", "WORK", "RUNNER_DIR", "SCENARIO", "WHEEL"):
        env.pop(var, None)
    extra_path = [p for p in open(github_path).read().splitlines() if p]
    env.update({
        "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": event_path, "GITHUB_BASE_REF": "main",
        "GITHUB_HEAD_REF": f"pr-{scenario}", "GITHUB_REPOSITORY": "example/governance",
        "GITHUB_WORKSPACE": work, "GITHUB_ACTION_PATH": github["action_path"],
        "GITHUB_STEP_SUMMARY": summary, "GITHUB_OUTPUT": out_file, "GITHUB_PATH": github_path,
        "RUNNER_TEMP": temp, "RUNNER_OS": "Linux",
        "PATH": os.pathsep.join(list(reversed(extra_path)) + [os.environ["PATH"]]),
    })
    env.update({k: substitute(v) for k, v in step.get("env", {}).items()})
    print(f"-- run: {name}", flush=True)
    # GitHub's command line for `shell: bash`.
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
                          cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    sys.stdout.write(proc.stdout)
    entry.update(ran=True, code=proc.returncode, stdout=proc.stdout)
    if step.get("id"):
        steps[step["id"]] = {"outputs": read_outputs(out_file),
                             "outcome": "success" if proc.returncode == 0 else "failure"}
    if proc.returncode != 0:
        failed = True

record["outputs"] = {k: substitute(v["value"]) for k, v in action.get("outputs", {}).items()}
record["summary"] = open(summary).read()
record["github_path"] = open(github_path).read().splitlines()
record["failed"] = failed

# ---- expectations
problems = []


def expect(ok, what):
    print(("   ok: " if ok else "   FAILED: ") + what)
    if not ok:
        problems.append(what)


by_name = {s["name"]: s for s in record["steps"]}
install, check = by_name["Install agentgov"], by_name["agentgov check"]
upload, diff = by_name["Upload SARIF to code scanning"], by_name["agentgov diff (pull requests)"]
comment, result = by_name["Post or update the pull-request comment"], by_name["Result"]
violation = scenario == "violation"

expect(install.get("code") == 0, "the install step succeeds")
if wheel:
    venv_bin = os.path.join(temp, "agentgov-venv", "bin")
    expect(record["github_path"] == [venv_bin], f"the install step puts {venv_bin} on GITHUB_PATH")
    expect(os.access(os.path.join(venv_bin, "agentgov"), os.X_OK),
           "the wheel installed an `agentgov` executable")
expect(check.get("ran"), "the check step ran")
out = check.get("stdout", "")
errors = [l for l in out.splitlines() if l.startswith("::error ")]
code = steps.get("check", {}).get("outputs", {}).get("exit-code")
sarif_path = os.path.join(temp, "agentgov.sarif")
expect(record["outputs"]["exit-code"] == code, "the action's exit-code output is the check step's")
expect(record["outputs"]["sarif"] == sarif_path, "the action's sarif output is $RUNNER_TEMP/agentgov.sarif")
if violation:
    expect(code == "1", f"check's exit-code output is 1 (got {code!r})")
    expect(any(l.startswith("::error file=governance/workflows/email-campaign.yaml,line=40,")
               and "title=gate-below-consequence::" in l for l in errors),
           "an ::error annotation on governance/workflows/email-campaign.yaml line 40, gate-below-consequence")
else:
    expect(code == "0", f"check's exit-code output is 0 (got {code!r})")
    expect(errors == [], "no ::error annotation")
try:
    sarif = json.load(open(sarif_path))
    results = sarif["runs"][0]["results"]
    expect(sarif.get("version") == "2.1.0", "the SARIF file is version 2.1.0")
    unsuppressed = [r for r in results if not r.get("suppressions")]
    if violation:
        hit = [r for r in unsuppressed if r.get("ruleId") == "gate-below-consequence"]
        loc = hit[0]["locations"][0]["physicalLocation"] if hit else {}
        expect(bool(hit) and loc["artifactLocation"]["uri"].endswith("workflows/email-campaign.yaml")
               and loc["region"]["startLine"] == 40,
               "SARIF has the gate-below-consequence result at email-campaign.yaml:40")
    else:
        expect(unsuppressed == [], "SARIF has no unsuppressed result")
    expect(len(results) > len(unsuppressed), "SARIF carries the waived findings as suppressed results")
    text = open(sarif_path).read()
    expect(work not in text and temp not in text, "no machine path in the SARIF file")
except (OSError, ValueError, KeyError, IndexError) as e:
    expect(False, f"the SARIF file is readable SARIF ({e})")
expect(upload["would_run"] and upload.get("with", {}).get("sarif_file") == sarif_path,
       "upload-sarif would run with sarif_file = the check's SARIF")
expect(diff.get("code") == 0, "the diff step succeeds")
expect(steps.get("diff", {}).get("outputs", {}).get("exit-code") == "0",
       "diff's exit-code output is 0 (fail-on-relaxation false)")
s = record["summary"]
expect(s.startswith("## agentgov check"), "the step summary starts with the check report")
expect("## agentgov: what this change means" in s, "the step summary has the diff")
body_file = os.path.join(temp, "agentgov-diff.md")
expect(comment["would_run"] and "agentgov-diff.md" in comment.get("run", "")
       and comment.get("env", {}).get("PR") == "7", "the comment step would post to pull request 7")
body = open(body_file).read() if os.path.exists(body_file) else ""
expect(body.startswith("<!-- agentgov-diff -->"), "the comment body starts with <!-- agentgov-diff -->")
expect("Compared with `origin/main`" in body, "the comment compares with origin/main")
if violation:
    expect("### Findings introduced" in body and "`gate-below-consequence`" in body,
           "the comment lists the introduced gate-below-consequence finding")
    expect(result.get("code") == 1 and "agentgov check exited 1" in result.get("stdout", ""),
           "the Result step fails: agentgov check exited 1")
else:
    expect("Findings introduced" not in body, "the comment introduces no finding")
    expect(result.get("code") == 0 and "agentgov: clean" in result.get("stdout", ""),
           "the Result step passes: agentgov: clean")
if problems:
    print(f"action-local ({scenario}): {len(problems)} expectation(s) failed:")
    for p in problems:
        print(f"  - {p}")
    sys.exit(1)
PY
done
if [ "$fail" != 0 ]; then echo "action-local: FAILED" >&2; exit 1; fi
echo "action-local: every expectation met"
