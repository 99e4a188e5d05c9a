import json
from decimal import Decimal


def load_bindings(path):
    return json.load(open(path))["servers"]


def fields_at(args, path):
    """The field names at a binding's `fields` path (`[]` steps into every element of an array)."""
    values = [args]
    for step in path.split("."):
        many = step.endswith("[]")
        step = step.removesuffix("[]")
        values = [v[step] for v in values if isinstance(v, dict) and step in v]
        if many:
            values = [x for v in values if isinstance(v, list) for x in v]
    names = set()
    for v in values:
        if isinstance(v, dict):
            names |= set(v)
        elif isinstance(v, str):
            names.add(v)
        elif isinstance(v, list):
            names |= {x for x in v if isinstance(x, str)}
    return sorted(names)


def cedar_fact(value):
    """Number facts are Cedar decimals (at most four fractional digits)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"__extn": {"fn": "decimal", "arg": f"{Decimal(str(value)):.4f}"}}
    return value


def make_enricher(bindings):
    """A CedarAuthorization context enricher: the session of a call from `mcp/bindings.json`.

    Tool names are `<server>_<tool>` (Strands' `prefix_with_server_name`); the invocation state
    carries the runtime facts and the approvals (`{"count": n, "groups": [...]}`)."""

    def split(name):
        # Server names may hold `_` too: take the server whose prefix leaves one of its tools.
        for server, s in bindings.items():
            tool = name[len(server) + 1 :]
            if name.startswith(server + "_") and tool in s["tools"]:
                return server, tool
        return None, None

    def enrich(call):
        server, tool = split(call["tool_name"])
        args = call["tool_input"] or {}
        state = call["invocation_state"]
        session = {k: cedar_fact(v) for k, v in state.get("facts", {}).items()}
        if state.get("approvals"):
            session["approvals"] = state["approvals"]
        for b in bindings.get(server, {}).get("tools", {}).get(tool, {}).get("bindings", []):
            if all(args.get(k) == v for k, v in b.get("args", {}).items()):
                top = b.get("fields", "").split(".")[0].removesuffix("[]")
                if top in args:  # without that argument the call names no fields
                    session["fields"] = fields_at(args, b["fields"])
                break
        return session

    return enrich
