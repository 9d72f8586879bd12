"""A scripted `Turn` as a sequence of content blocks and control points, plus the message
envelope around them (message_start, message_delta, the non-streaming Message)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .blocks import BlockOut, raw_block, text_block, thinking_block
from .ids import new_id
from .models import thinks_by_default
from .prompt_cache import InputUsage
from .results import StoreOutput, result_out, tool_use_out
from .script import (
    CodeStep,
    Drop,
    Hold,
    RawBlock,
    StreamError,
    Text,
    Thinking,
    Turn,
    WebFetch,
    WebSearch,
)
from .web import web_step_items


@dataclass(frozen=True)
class Gate:
    """The stream waits here until the test releases `name`."""

    name: str


Item = BlockOut | Gate | StreamError | Drop


@dataclass
class TurnContext:
    request: dict[str, Any]
    streaming: bool
    container: dict[str, Any] | None  # {"id", "expires_at"[, "skills"]} or None
    store_output: StoreOutput
    editor_files: dict[str, str] = field(default_factory=dict)
    message_id: str = field(default_factory=lambda: new_id("msg"))
    # The request's input usage by the caching rules (prompt_cache.py).
    usage: InputUsage = field(default_factory=lambda: InputUsage(0))


def plan(turn: Turn, ctx: TurnContext) -> Iterator[Item]:
    """Lazily, so output files are created only when their step's result is reached."""
    for step in turn.blocks:
        yield from _RENDERERS[type(step)](step, ctx)


def _code_step(step: CodeStep, ctx: TurnContext) -> Iterator[Item]:
    tool_use_id = new_id("srvtoolu")
    yield tool_use_out(step, tool_use_id, ctx.streaming)
    if step.hold:
        yield Gate(step.hold)
    yield result_out(step, tool_use_id, ctx.store_output, ctx.editor_files)


def _web_step(step: WebSearch | WebFetch, ctx: TurnContext) -> Iterator[Item]:
    for item in web_step_items(step, ctx.streaming):
        yield Gate(item) if isinstance(item, str) else item


_RENDERERS: dict[type, Callable[[Any, TurnContext], Iterator[Item]]] = {
    Text: lambda step, ctx: iter([text_block(step)]),
    Thinking: lambda step, ctx: iter([thinking_block(step)]),
    RawBlock: lambda step, ctx: iter([raw_block(step)]),
    CodeStep: _code_step,
    WebSearch: _web_step,
    WebFetch: _web_step,
    Hold: lambda step, ctx: iter([Gate(step.name)]),
    StreamError: lambda step, ctx: iter([step]),
    Drop: lambda step, ctx: iter([step]),
}


def message_start(turn: Turn, ctx: TurnContext) -> dict[str, Any]:
    message = _envelope(turn, ctx, content=[], stop_reason=None)
    message["usage"] = {**_input_usage(turn, ctx), "output_tokens": 1, **_tier()}
    return {"type": "message_start", "message": message}


def message_delta(turn: Turn, ctx: TurnContext, finals: list[dict[str, Any]]) -> dict[str, Any]:
    delta: dict[str, Any] = {"stop_reason": turn.stop_reason, "stop_sequence": None}
    delta["stop_details"] = None
    if ctx.container is not None:
        delta["container"] = ctx.container
    usage = {k: v for k, v in _input_usage(turn, ctx).items() if k != "cache_creation"}
    usage.update(_output_usage(turn, ctx, finals))
    return {"type": "message_delta", "delta": delta, "usage": usage}


def final_message(turn: Turn, ctx: TurnContext, finals: list[dict[str, Any]]) -> dict[str, Any]:
    message = _envelope(turn, ctx, content=finals, stop_reason=turn.stop_reason)
    message["usage"] = {**_input_usage(turn, ctx), **_output_usage(turn, ctx, finals), **_tier()}
    if ctx.container is not None:
        message["container"] = ctx.container
    return message


def _envelope(
    turn: Turn, ctx: TurnContext, content: list[dict[str, Any]], stop_reason: str | None
) -> dict[str, Any]:
    return {
        "model": turn.model or ctx.request.get("model", "claude-sonnet-5"),
        "id": ctx.message_id,
        "type": "message",
        "role": "assistant",
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "stop_details": None,
    }


def _input_usage(turn: Turn, ctx: TurnContext) -> dict[str, Any]:
    """The request's own usage; a turn that states its input tokens (a replayed
    recording, say) reports those instead."""
    usage = ctx.usage
    if turn.input_tokens is not None:
        read, written = turn.cache_read_tokens, turn.cache_write_tokens
        usage = InputUsage(turn.input_tokens, read, written, 0)
    return {
        "input_tokens": usage.input_tokens,
        "cache_creation_input_tokens": usage.cache_write,
        "cache_read_input_tokens": usage.cache_read,
        "cache_creation": {
            "ephemeral_5m_input_tokens": usage.cache_write_5m,
            "ephemeral_1h_input_tokens": usage.cache_write_1h,
        },
    }


def _output_usage(turn: Turn, ctx: TurnContext, finals: list[dict[str, Any]]) -> dict[str, Any]:
    usage: dict[str, Any] = {"output_tokens": turn.output_tokens}
    if _thinking_on(turn, ctx.request):
        thinking = sum(len(b.get("thinking", "")) // 4 for b in finals if b["type"] == "thinking")
        usage["output_tokens_details"] = {"thinking_tokens": min(thinking, turn.output_tokens)}
    if _server_tools_in_play(ctx.request, finals):
        usage["server_tool_use"] = {
            "web_search_requests": _count_calls(finals, "web_search"),
            "web_fetch_requests": _count_calls(finals, "web_fetch"),
        }
    return usage


def _server_tools_in_play(request: dict[str, Any], finals: list[dict[str, Any]]) -> bool:
    """The API counts server tool use only when the request can use server tools."""
    tools = request.get("tools") or []
    declared = any(t.get("type") not in (None, "custom") and "input_schema" not in t for t in tools)
    return declared or any(b.get("type") == "server_tool_use" for b in finals)


def _thinking_on(turn: Turn, request: dict[str, Any]) -> bool:
    """The API reports `output_tokens_details` when thinking is on (recordings from mid-2026);
    the 5-generation models think by default unless the request turns it off."""
    thinking = request.get("thinking")
    kind = thinking.get("type") if isinstance(thinking, dict) else None
    if kind == "disabled":
        return False
    if kind in ("enabled", "adaptive") or thinks_by_default(str(request.get("model", ""))):
        return True
    return any(isinstance(step, Thinking) for step in turn.blocks)


def _count_calls(finals: list[dict[str, Any]], name: str) -> int:
    return sum(1 for b in finals if b.get("type") == "server_tool_use" and b.get("name") == name)


def _tier() -> dict[str, Any]:
    return {"service_tier": "standard", "inference_geo": "global"}
