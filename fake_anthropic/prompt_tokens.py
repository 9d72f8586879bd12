"""A request's prompt as the fake counts it for usage: blocks in the API's order, a token
estimate for each, and where its cache breakpoints are.

The fake has no tokenizer, so a block's tokens are estimated deterministically: the bytes
of its canonical JSON (keys sorted, no spaces, `cache_control` left out: a breakpoint
marks content, it is not content), with the role or part of the request it is in,
divided by four, rounded up. Server tools add the
definition the API inserts for them, a fixed number of tokens per tool (the recordings of
a one-line question with the code execution tool report about 2,300 input tokens).

The prompt runs, as the API caches it, tools, then system, then messages. Between system
and messages sits a marker of the settings whose change invalidates the cached messages
but not the tools and system (`tool_choice`, `thinking`): it has no tokens and cannot
hold a breakpoint. A cache breakpoint is each block with `cache_control`; with a
top-level `cache_control` (automatic caching), also the last cacheable block.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

BYTES_PER_TOKEN = 4
# Tokens after the last block that are never cached: the start of the answer. The
# recordings of fully cached requests report 2 uncached input tokens.
ANSWER_START_TOKENS = 2
MAX_BREAKPOINTS = 4
# Tool type prefix -> tokens of the definition the API adds for that server tool. The
# legacy Python tool's prompt is shorter (793 input tokens in its recording).
SERVER_TOOL_TOKENS: tuple[tuple[str, int], ...] = (
    ("code_execution_20250522", 700),
    ("code_execution_", 2_200),
    ("web_search_", 400),
    ("web_fetch_", 400),
)
# Blocks that cannot carry cache_control, so automatic caching passes over them.
_UNCACHEABLE = frozenset({"thinking", "redacted_thinking"})


@dataclass(frozen=True)
class PromptBlock:
    """One block of the prompt: its estimated tokens, the hash of the prompt up to and
    including it, and its breakpoint's TTL ("5m" or "1h") when it is one."""

    tokens: int
    prefix_hash: str
    breakpoint_ttl: str | None
    cacheable: bool


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text.encode("utf-8")) / BYTES_PER_TOKEN)


def prompt_blocks(body: dict[str, Any]) -> list[PromptBlock]:
    """The request's blocks in cache order, each with the hash of everything up to it."""
    digest = hashlib.sha256(canonical(body.get("model")).encode())
    blocks: list[PromptBlock] = []
    for key, tokens, cache_control, cacheable in _parts(body):
        digest.update(key.encode())
        ttl = _ttl(cache_control) if cacheable else None
        blocks.append(PromptBlock(tokens, digest.copy().hexdigest(), ttl, cacheable))
    automatic = body.get("cache_control")
    if isinstance(automatic, dict):
        last = _last_cacheable(blocks)
        if last is not None and blocks[last].breakpoint_ttl is None:
            marked = blocks[last]
            blocks[last] = PromptBlock(marked.tokens, marked.prefix_hash, _ttl(automatic), True)
    return blocks


def breakpoint_count(body: dict[str, Any]) -> int:
    """Breakpoints as the API counts them against its limit of four: every explicit one,
    and the automatic one unless it falls on a block already marked."""
    return sum(1 for block in prompt_blocks(body) if block.breakpoint_ttl is not None)


def check_breakpoints(body: dict[str, Any]) -> str | None:
    """The API's 400 for more breakpoints than it allows."""
    found = breakpoint_count(body)
    if found <= MAX_BREAKPOINTS:
        return None
    return (
        f"A maximum of {MAX_BREAKPOINTS} blocks with cache_control may be provided. Found {found}."
    )


def _parts(body: dict[str, Any]) -> Iterator[tuple[str, int, Any, bool]]:
    """(hash key, tokens, cache_control, cacheable) for every block, in cache order."""
    for tool in body.get("tools") or []:
        content = _without_cache_control(tool)
        key = canonical(["tool", content])
        yield key, estimate_tokens(key) + _server_tool_tokens(tool), tool.get("cache_control"), True
    system = body.get("system")
    if isinstance(system, str):
        system = [{"type": "text", "text": system}] if system else []
    for block in system or []:
        key = canonical(["system", _without_cache_control(block)])
        yield key, estimate_tokens(key), block.get("cache_control"), True
    settings = {name: body.get(name) for name in ("tool_choice", "thinking")}
    yield canonical(["settings", settings]), 0, None, False
    for message in body.get("messages") or []:
        yield from _message_parts(message)


def _message_parts(message: dict[str, Any]) -> Iterator[tuple[str, int, Any, bool]]:
    content = message.get("content")
    if isinstance(content, str):
        content = [{"type": "text", "text": content}]
    for index, block in enumerate(content or []):
        # The role opens each message: the same blocks under another role are another prompt.
        role = message.get("role") if index == 0 else None
        key = canonical([role, _without_cache_control(block)])
        cacheable = block.get("type") not in _UNCACHEABLE
        yield key, estimate_tokens(key), block.get("cache_control"), cacheable


def _last_cacheable(blocks: list[PromptBlock]) -> int | None:
    for index in range(len(blocks) - 1, -1, -1):
        if blocks[index].cacheable:
            return index
    return None


def _server_tool_tokens(tool: dict[str, Any]) -> int:
    kind = str(tool.get("type", ""))
    return next((tokens for prefix, tokens in SERVER_TOOL_TOKENS if kind.startswith(prefix)), 0)


def _ttl(cache_control: Any) -> str | None:
    if not isinstance(cache_control, dict):
        return None
    return "1h" if cache_control.get("ttl") == "1h" else "5m"


def _without_cache_control(block: Any) -> Any:
    if not isinstance(block, dict) or "cache_control" not in block:
        return block
    return {k: v for k, v in block.items() if k != "cache_control"}
