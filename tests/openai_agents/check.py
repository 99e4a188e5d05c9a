"""Constructs the OpenAI Agents SDK's MCPServerStdio with a generated `openai-agents/<agent>.json`
(its per-server keyword arguments, as they are) against a real MCP server, lists the tools
through the SDK and checks which are offered and which need approval.
Usage: check.py AGENT.json SERVER COMMAND [ARGS...]"""

import asyncio
import json
import os
import sys

from agents import Agent, RunContextWrapper
from agents.mcp import MCPServerStdio, MCPUtil


async def main(config_path, server_name, command, args):
    config = json.load(open(config_path))
    kwargs = config["mcp_servers"][server_name]
    allowed = set(kwargs["tool_filter"]["allowed_tool_names"])
    always = set(kwargs["require_approval"]["always"]["tool_names"])
    agent = Agent(name=config["agent"])
    # The MCP SDK passes a server only a few variables unless told: give it this environment.
    params = {"command": command, "args": args, "env": dict(os.environ)}
    server = MCPServerStdio(params=params, name=server_name, **kwargs)
    async with server:
        tools = await MCPUtil.get_function_tools(server, False, RunContextWrapper(context=None), agent)
    offered = {t.name for t in tools}
    problems = []
    if offered != allowed:
        problems.append(f"offered {sorted(offered)}, the configuration allows {sorted(allowed)}")
    for t in tools:
        needs = t.needs_approval
        if callable(needs):
            needs = await needs(RunContextWrapper(context=None), {}, "call")
        if bool(needs) != (t.name in always):
            problems.append(f"{t.name}: needs_approval {needs}, expected {t.name in always}")
    print(json.dumps({"offered": sorted(offered), "problems": problems}))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])))
