"""Runs generated tool calls through Strands Agents' own CedarAuthorization handler, loaded with
`cedar-mcp/` of a build, and compares each decision with the one `decide` gave
(tests/it/cedar_mcp.rs writes the calls). Usage: check.py BUILD_DIR CALLS.json"""

import json
import os
import sys

from strands.agent.state import AgentState
from strands.hooks.events import BeforeToolCallEvent
from strands.interventions.actions import Proceed
from strands.vended_interventions.cedar import CedarAuthorization

sys.path.insert(0, os.path.dirname(__file__))
from enricher import load_bindings, make_enricher  # noqa: E402


class Runtime:
    """What the handler reads of the agent: its state (call counts)."""

    def __init__(self):
        self.state = AgentState()


def main(out, calls_path):
    handler = CedarAuthorization(
        policies=os.path.join(out, "cedar-mcp", "policies.cedar"),
        entities=os.path.join(out, "cedar-mcp", "entities.json"),
        principal_resolver=lambda state: {"type": "Agent", "id": state["agent"]} if state.get("agent") else None,
        context_enricher=make_enricher(load_bindings(os.path.join(out, "mcp", "bindings.json"))),
    )
    calls = json.load(open(calls_path))
    wrong = []
    for c in calls:
        event = BeforeToolCallEvent(
            agent=Runtime(),
            selected_tool=None,
            tool_use={"toolUseId": "t", "name": c["tool"], "input": c["input"]},
            invocation_state={"agent": c["agent"], "facts": c["facts"], "approvals": c["approvals"]},
        )
        allowed = isinstance(handler.before_tool_call(event), Proceed)
        if allowed != c["permit"]:
            wrong.append({**c, "strands": allowed})
    print(f"{len(calls)} calls, {len(wrong)} disagreements")
    for w in wrong[:10]:
        print(json.dumps(w))
    return 1 if wrong or not calls else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
