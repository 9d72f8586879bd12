"""`validate_history`: the Messages API's rules on a request body, as far as they are known.

Used through `FakeAnthropic.history_validator` (off by default) to check that the
histories the app sends, including repaired ones, would be accepted by the real API.
Returns the error message the API would give, or None.
"""

from __future__ import annotations

from typing import Any

from .container_param import CONTAINER_NOT_STRING, check_container
from .models import find, thinks_by_default

__all__ = ["CONTAINER_NOT_STRING", "check_container", "check_sampling", "validate_history"]


def validate_history(body: dict[str, Any]) -> str | None:
    problem = check_container(body.get("container"))
    if problem:
        return problem
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages: at least one message is required"
    for check in (_check_roles, _check_contents, _check_tool_pairs):
        problem = check(messages)
        if problem:
            return problem
    return None


# What a text content block may carry; the API refuses any other key.
TEXT_BLOCK_KEYS = frozenset({"type", "text", "cache_control", "citations"})


def check_text_blocks(body: dict[str, Any]) -> str | None:
    """A text block with a key the API does not define is refused, as the API does."""
    messages = body.get("messages")
    for m, message in enumerate(messages if isinstance(messages, list) else []):
        content = message.get("content") if isinstance(message, dict) else None
        for b, block in enumerate(content if isinstance(content, list) else []):
            if not isinstance(block, dict) or block.get("type") != "text":
                continue
            extra = sorted(set(block) - TEXT_BLOCK_KEYS)
            if extra:
                return f"messages.{m}.content.{b}.text.{extra[0]}: Extra inputs are not permitted"
    return None


def check_request(body: dict[str, Any]) -> str | None:
    """What every request needs (a model, max_tokens within its limit) and refuses
    (tool_choice without tools, a manual thinking budget on a model that thinks adaptively)."""
    model, max_tokens = body.get("model"), body.get("max_tokens")
    if not isinstance(model, str) or not model:
        return "model: Field required"
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool):
        return "max_tokens: Field required"
    if max_tokens < 1:
        return "max_tokens: Input should be greater than or equal to 1"
    entry = find(model)
    if entry is not None and max_tokens > entry.max_tokens:
        return (
            f"max_tokens: {max_tokens} > {entry.max_tokens}, which is the maximum allowed "
            f"number of output tokens for {model}"
        )
    if body.get("tool_choice") and not body.get("tools"):
        return "tool_choice: tool_choice may only be specified while providing tools."
    thinking = body.get("thinking")
    manual = isinstance(thinking, dict) and thinking.get("type") == "enabled"
    if manual and entry is not None and not entry.manual_thinking:
        return f"thinking.type.enabled: {model} does not support manual extended thinking."
    return None


def check_sampling(body: dict[str, Any]) -> str | None:
    """A model that thinks refuses a non-default temperature, top_p or top_k (a 400)."""
    thinking = body.get("thinking")
    off = isinstance(thinking, dict) and thinking.get("type") == "disabled"
    if off or not thinks_by_default(str(body.get("model", ""))):
        return None
    if body.get("temperature", 1) != 1:
        return "`temperature` may only be set to 1 when thinking is enabled."
    for name in ("top_p", "top_k"):
        if name in body:
            return f"`{name}` is not supported when thinking is enabled."
    return None


def _check_roles(messages: list[Any]) -> str | None:
    previous = None
    for i, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if role not in ("user", "assistant"):
            return f'messages.{i}.role: Input should be "user" or "assistant"'
        if i == 0 and role != "user":
            return 'messages: first message must use the "user" role'
        if role == previous:
            return (
                'messages: roles must alternate between "user" and "assistant", '
                f'but found multiple "{role}" roles in a row'
            )
        previous = role
    return None


def _check_contents(messages: list[dict[str, Any]]) -> str | None:
    last = len(messages) - 1
    for i, message in enumerate(messages):
        content = message.get("content")
        if not content:
            if i == last and message["role"] == "assistant":
                continue
            return (
                f"messages.{i}: all messages must have non-empty content except for the "
                "optional final assistant message"
            )
        for j, block in enumerate(content if isinstance(content, list) else []):
            problem = _check_block(block, f"messages.{i}.content.{j}")
            if problem:
                return problem
    return None


def _check_block(block: Any, where: str) -> str | None:
    if not isinstance(block, dict) or "type" not in block:
        return f"{where}.type: Field required"
    if block["type"] == "text" and not block.get("text"):
        return f"{where}.text: text content blocks must be non-empty"
    if block["type"] == "text" and not str(block["text"]).strip():
        return f"{where}.text: text content blocks must contain non-whitespace text"
    if block["type"] == "thinking" and not block.get("signature"):
        return f"{where}.thinking.signature: Field required"
    return None


def _check_tool_pairs(messages: list[dict[str, Any]]) -> str | None:
    last = len(messages) - 1
    for i, message in enumerate(messages):
        content = message.get("content")
        if message["role"] != "assistant" or not isinstance(content, list):
            continue
        problem = _check_message_pairs(content, f"messages.{i}", final=i == last)
        if problem:
            return problem
    return None


def _check_message_pairs(content: list[dict[str, Any]], where: str, final: bool) -> str | None:
    """Each server_tool_use needs its result later in the same message; only the last block
    of the final message may be a call without a result (a paused turn being continued)."""
    pending: dict[str, int] = {}
    for j, block in enumerate(content):
        kind = block.get("type", "")
        if kind == "server_tool_use":
            pending[block.get("id", "")] = j
        elif _is_result(block) and pending.pop(block["tool_use_id"], None) is None:
            return (
                f"{where}.content.{j}: unexpected `tool_use_id` found in `{kind}` blocks: "
                f"{block['tool_use_id']}. Each result block must have a corresponding "
                "`server_tool_use` block before it."
            )
    dangling = [(tid, j) for tid, j in pending.items() if not (final and j == len(content) - 1)]
    if not dangling:
        return None
    tool_use_id, j = dangling[0]
    return (
        f"{where}.content.{j}: `server_tool_use` ids were found without a corresponding "
        f"result block: {tool_use_id}"
    )


def _is_result(block: dict[str, Any]) -> bool:
    """A server tool's result (client `tool_result`s belong in user messages)."""
    return str(block.get("type", "")).endswith("_tool_result") and "tool_use_id" in block
