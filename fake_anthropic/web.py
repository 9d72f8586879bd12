"""The web tools in the fake: `WebSearch` and `WebFetch` steps rendered as the API sends
them, and the checks the API makes on a request's web tools.

Shapes follow the real recording (`pause_turn_continuation_stream_websearch.yaml`: the
call streams its input, the result arrives whole with every hit's `encrypted_content`
and a `page_age` that may be null) and the SDK's types for web fetch
(`WebFetchToolResultBlock`, `WebFetchBlock`, `DocumentBlock`).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from functools import cache
from typing import Any, get_args, get_type_hints

from anthropic.types import ToolUnionParam

from .blocks import BlockOut, tool_use_block
from .ids import new_id
from .script import SearchResult, WebFetch, WebSearch

WEB_TOOLS = ("web_search", "web_fetch")
_DATED = re.compile(r"^(?P<tool>[a-z_]+)_(?P<date>\d{8})$")
DYNAMIC_FILTERING_SINCE = "20260209"
CODE_EXECUTION_NEEDED = "20260120"


def web_step_items(step: WebSearch | WebFetch, streaming: bool) -> Iterator[BlockOut | str]:
    """The call, then (after the step's hold, yielded as its name) the result."""
    tool_use_id = new_id("srvtoolu")
    name = "web_search" if isinstance(step, WebSearch) else "web_fetch"
    data = {"query": step.query} if isinstance(step, WebSearch) else {"url": step.url}
    call: dict[str, Any] = {"type": "server_tool_use", "id": tool_use_id, "name": name}
    call["input"] = data
    if streaming:
        call["caller"] = {"type": "direct"}
    yield tool_use_block(call)
    if step.hold:
        yield step.hold
    content = search_content(step) if isinstance(step, WebSearch) else fetch_content(step)
    block = {"type": f"{name}_tool_result", "tool_use_id": tool_use_id, "content": content}
    if streaming:  # recorded streams tag the result with its caller, after the content
        block["caller"] = {"type": "direct"}
    yield BlockOut(block, (), block)


def search_content(step: WebSearch) -> list[dict[str, Any]] | dict[str, Any]:
    if step.error_code is not None:
        return {"type": "web_search_tool_result_error", "error_code": step.error_code}
    return [_hit(hit) for hit in step.results]


def _hit(hit: SearchResult) -> dict[str, Any]:
    encrypted = hit.encrypted_content
    if encrypted is None:
        encrypted = base64.b64encode(f"page text of {hit.url}".encode()).decode()
    return {
        "type": "web_search_result",
        "title": hit.title,
        "url": hit.url,
        "encrypted_content": encrypted,
        "page_age": hit.page_age,
    }


def fetch_content(step: WebFetch) -> dict[str, Any]:
    if step.error_code is not None:
        return {"type": "web_fetch_tool_result_error", "error_code": step.error_code}
    if step.pdf is not None:
        data = base64.b64encode(step.pdf).decode()
        source = {"type": "base64", "media_type": "application/pdf", "data": data}
    else:
        source = {"type": "text", "media_type": "text/plain", "data": step.text}
    document: dict[str, Any] = {"type": "document", "source": source}
    if step.title is not None:
        document["title"] = step.title
    result: dict[str, Any] = {"type": "web_fetch_result", "url": step.url, "content": document}
    if step.retrieved_at is not None:
        result["retrieved_at"] = step.retrieved_at
    return result


@cache
def sdk_tool_types() -> frozenset[str]:
    """The tool `type`s the installed SDK's request types define: the versions the API
    knows, as far as the fake can tell."""
    found: set[str] = set()
    for param in get_args(ToolUnionParam):
        found.update(a for a in get_args(get_type_hints(param).get("type")) if isinstance(a, str))
    return frozenset(found)


def tool_of_version(version: str) -> str | None:
    match = _DATED.match(version)
    return match["tool"] if match else None


def version_date(version: str) -> str | None:
    match = _DATED.match(version)
    return match["date"] if match else None


def check_web_tools(body: dict[str, Any]) -> str | None:
    """The API's refusal of a request's web tools (an unknown version, a wrong name, a
    code-execution version too old for them), or None."""
    tools = [t for t in body.get("tools") or [] if isinstance(t, dict)]
    code_dates = [
        version_date(str(t.get("type"))) or ""
        for t in tools
        if tool_of_version(str(t.get("type", ""))) == "code_execution"
    ]
    for i, tool in enumerate(tools):
        kind = str(tool.get("type", ""))
        name = tool_of_version(kind)
        if name not in WEB_TOOLS:
            continue
        if kind not in sdk_tool_types():
            return f"tools.{i}: Input tag '{kind}' found using 'type' does not match any tag"
        if tool.get("name") != name:
            return f"tools.{i}.{kind}.name: Input should be '{name}'"
        if (version_date(kind) or "") >= DYNAMIC_FILTERING_SINCE and any(
            date < CODE_EXECUTION_NEEDED for date in code_dates
        ):
            return (
                f"tools.{i}: {kind} requires code_execution_{CODE_EXECUTION_NEEDED} or later "
                "when a code execution tool is also declared"
            )
    return None
