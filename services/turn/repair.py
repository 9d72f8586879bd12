"""Make a stored history valid to send again after a turn that stopped or failed half way.

A turn can end at any point: after some text, in the middle of thinking, while a code
step's input is still streaming, while its code runs, or after its result. The stored
record keeps whatever arrived (the person saw it), but the API accepts only complete
shapes. Applied to the messages of the next request, these rules keep everything that
can be kept:

- a server tool call with no result gets the tool's own error result
  (`error_code: "unavailable"`), so Claude sees the step did not finish;
- a server tool call whose input never completed is dropped (no code ran); the text
  before it stays;
- thinking without a signature (cut off before the signature arrived) is dropped;
- text blocks with no text are dropped, and so are results whose call is gone;
- a message left empty is dropped, and messages of one role in a row are merged,
  since roles must alternate;
- the history opens with the person's message: an answer left before any question
  (its question was empty and dropped) cannot be sent.

The last message is left open when it is the assistant's: that is a `pause_turn`
continuation, and the server resumes its unfinished calls. So call this on the whole
list about to be sent, with the new user message already appended.

Incomplete input: the recorder stores a step's input as a dict once it parsed; a
missing input, an empty dict, a string (the raw partial JSON) that does not parse to
an object, or an object without the tool's required fields counts as incomplete.
"""

from __future__ import annotations

import json
from typing import Any

from services.turn.tools import CODE_TOOLS

Block = dict[str, Any]
Message = dict[str, Any]

UNAVAILABLE = "unavailable"
UNFINISHED_MESSAGE = "The step did not finish: the turn ended before its result arrived."

# server_tool_use name -> (result block type, error content type), as the SDK params name them.
_ERROR_FORMS: dict[str, tuple[str, str]] = {
    **{tool.name: (tool.result_type, tool.error_type) for tool in CODE_TOOLS},
    "web_search": ("web_search_tool_result", "web_search_tool_result_error"),
    "web_fetch": ("web_fetch_tool_result", "web_fetch_tool_result_error"),
    "tool_search_tool_regex": ("tool_search_tool_result", "tool_search_tool_result_error"),
    "tool_search_tool_bm25": ("tool_search_tool_result", "tool_search_tool_result_error"),
}
# Error forms that also carry a message (the others accept only an error code).
_WITH_MESSAGE = {
    "text_editor_code_execution_tool_result_error",
    "tool_search_tool_result_error",
}
_REQUIRED_INPUT: dict[str, tuple[str, ...]] = {
    "bash_code_execution": ("command",),
    "code_execution": ("code",),
    "text_editor_code_execution": ("command", "path"),
    "web_search": ("query",),
    "web_fetch": ("url",),
}


def repair_history(messages: list[Message]) -> list[Message]:
    """A copy of `messages` the API accepts; an already valid history comes back equal.

    Messages are new dicts; blocks that needed no change are shared with the input.
    """
    merged = _merge_same_role(messages)
    repaired = []
    for index, message in enumerate(merged):
        open_ok = index == len(merged) - 1 and message.get("role") == "assistant"
        repaired.append(_repair_message(message, close_calls=not open_ok))
    return _from_first_question(_merge_same_role([m for m in repaired if not _is_empty(m)]))


def _from_first_question(messages: list[Message]) -> list[Message]:
    """The messages from the first user message on (the API refuses any other start)."""
    for index, message in enumerate(messages):
        if message.get("role") == "user":
            return messages[index:]
    return []


def _blocks(message: Message) -> list[Block]:
    content = message.get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return list(content or [])


def _merge_same_role(messages: list[Message]) -> list[Message]:
    merged: list[Message] = []
    for message in messages:
        if merged and merged[-1].get("role") == message.get("role"):
            previous = merged[-1]
            merged[-1] = {**previous, "content": _blocks(previous) + _blocks(message)}
        else:
            merged.append(dict(message))
    return merged


def _is_empty(message: Message) -> bool:
    content = message.get("content")
    return not content or (isinstance(content, str) and not content.strip())


def _repair_message(message: Message, *, close_calls: bool) -> Message:
    content = message.get("content")
    if isinstance(content, str):
        return message  # plain text: valid unless empty, which the caller drops
    blocks = _drop_unusable(list(content or []), close_calls=close_calls)
    if close_calls:
        blocks = _close_open_calls(blocks)
    return {**message, "content": blocks}


def _drop_unusable(blocks: list[Block], *, close_calls: bool) -> list[Block]:
    answered = {b.get("tool_use_id") for b in blocks if _is_result(b)}
    kept: list[Block] = []
    for block in blocks:
        if block.get("type") == "server_tool_use":
            block = _usable_call(block, answered=block.get("id") in answered, close=close_calls)
        elif not _is_result(block) and not _keeps_content(block):
            block = None
        if block is not None:
            kept.append(block)
    calls = {b.get("id") for b in kept if b.get("type") == "server_tool_use"}
    return [b for b in kept if not _is_result(b) or b.get("tool_use_id") in calls]


def _keeps_content(block: Block) -> bool:
    kind = block.get("type")
    if kind == "text":
        return isinstance(block.get("text"), str) and bool(block["text"].strip())
    if kind == "thinking":
        return isinstance(block.get("signature"), str) and bool(block["signature"])
    if kind == "redacted_thinking":
        return isinstance(block.get("data"), str) and bool(block["data"])
    return True


def _usable_call(block: Block, *, answered: bool, close: bool) -> Block | None:
    """The call to send (its input parsed if it was stored as text), or None to drop it."""
    parsed = _complete_input(block)
    if parsed is None:
        return None
    if not answered and close and block.get("name") not in _ERROR_FORMS:
        return None  # no error form to close it with: sending it open would be refused
    return block if parsed is block.get("input") else {**block, "input": parsed}


def _complete_input(block: Block) -> dict[str, Any] | None:
    raw = block.get("input")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return None
    if not isinstance(raw, dict) or not raw:
        return None
    required = _REQUIRED_INPUT.get(str(block.get("name")), ())
    if not all(isinstance(raw.get(key), str) for key in required):
        return None
    return raw


def _is_result(block: Block) -> bool:
    # Server tool results are `<tool>_tool_result` blocks in the assistant's message;
    # a plain `tool_result` answers a client tool and lives in the user's message.
    kind = str(block.get("type", ""))
    return kind.endswith("_tool_result") and "tool_use_id" in block


def _is_step_block(block: Block) -> bool:
    return block.get("type") == "server_tool_use" or _is_result(block)


def _close_open_calls(blocks: list[Block]) -> list[Block]:
    """Give each call without a result an error result, after its run of calls and results.

    Parallel calls come back-to-back with their results after them; the error results
    go at the end of that run so the shape stays the one the API produces.
    """
    answered = {b.get("tool_use_id") for b in blocks if _is_result(b)}
    closed: list[Block] = []
    pending: list[Block] = []
    for block in blocks:
        if pending and not _is_step_block(block):
            closed.extend(pending)
            pending = []
        closed.append(block)
        if block.get("type") == "server_tool_use" and block.get("id") not in answered:
            pending.append(error_result(block))
    closed.extend(pending)
    return closed


def error_result(call: Block) -> Block:
    """The `unavailable` error result for a server tool call, in its tool's own form."""
    result_type, error_type = _ERROR_FORMS[str(call.get("name"))]
    error: Block = {"type": error_type, "error_code": UNAVAILABLE}
    if error_type in _WITH_MESSAGE:
        error["error_message"] = UNFINISHED_MESSAGE
    return {"type": result_type, "tool_use_id": call["id"], "content": error}
