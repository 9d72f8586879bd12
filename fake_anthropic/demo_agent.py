"""The demo as an agent's model: a request that offers the caller's own tools (a neuro-san
frontman's, say) gets what a model would do with them, so an agent network can be tried
without a key. The person's request goes unchanged to the tool that takes a `query`; the
tool's result comes back as the answer, said to be relayed by the demo."""

from __future__ import annotations

from typing import Any

from .ids import new_id
from .script import RawBlock, Text, Turn

RELAYED = "The demo server relays what the tool returned:\n\n"


def agent_turn(body: dict[str, Any]) -> Turn | None:
    """The tool call or the relayed result; None when the request offers no such tool."""
    tools = [t for t in body.get("tools") or [] if isinstance(t, dict) and "input_schema" in t]
    messages = body.get("messages") or []
    if not tools or not messages:
        return None
    results = [b for b in _blocks(messages[-1]) if b.get("type") == "tool_result"]
    if results:
        return Turn((Text(RELAYED + _text(results[-1].get("content"))),))
    tool = next((t for t in tools if "query" in _properties(t)), None)
    if tool is None:
        return None
    query = _text(messages[-1].get("content"))
    call = {"type": "tool_use", "id": new_id("toolu"), "name": tool["name"]}
    return Turn((RawBlock({**call, "input": {"query": query}}),), stop_reason="tool_use")


def _blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content")
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []


def _properties(tool: dict[str, Any]) -> dict[str, Any]:
    schema = tool.get("input_schema")
    properties = schema.get("properties") if isinstance(schema, dict) else None
    return properties if isinstance(properties, dict) else {}


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b.get("text", "") for b in content if isinstance(b, dict))
    return ""
