"""Where a request asks the API to cache its prompt: three cache breakpoints (of the four
the API allows), each where a later request will read.

- The system prompt, after the tools: the same for every conversation the app holds, so
  a new conversation reads it when any other sent a turn in the last five minutes.
- The end of the person's previous message: where this conversation's previous request
  ended, so what it wrote is read however many blocks the answer since then added (from a
  breakpoint, the API looks back only 20 blocks for a cached prefix).
- The last block, by the request's top-level `cache_control` (automatic caching): the
  whole prompt is written for the next request.

The markers go on copies of the blocks being sent; the stored messages never carry them.
The API does not count a marker as content, so the markers moving on from turn to turn
leave the prefix as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Message = dict[str, Any]
EPHEMERAL: dict[str, str] = {"type": "ephemeral"}
# Blocks the API refuses a marker on.
_UNMARKABLE = frozenset({"thinking", "redacted_thinking"})


def cache_points(system: str, messages: Sequence[Message]) -> dict[str, Any]:
    """The request's `system`, `messages` and `cache_control` with the three breakpoints."""
    return {
        "system": cached_system(system),
        "messages": with_previous_message_point(messages),
        "cache_control": dict(EPHEMERAL),
    }


def cached_system(prompt: str) -> list[dict[str, Any]]:
    """The system prompt as one text block with a breakpoint."""
    return [{"type": "text", "text": prompt, "cache_control": dict(EPHEMERAL)}]


def with_previous_message_point(messages: Sequence[Message]) -> list[Message]:
    """The messages, with a breakpoint on the last block of the person's message before
    the final one (the final message is the new one, or a partial answer after
    pause_turn, whose own question then gets the point)."""
    sent = list(messages)
    index = _previous_user_message(sent)
    if index is None:
        return sent
    content = sent[index].get("content")
    if not isinstance(content, list):
        return sent
    for position in range(len(content) - 1, -1, -1):
        block = content[position]
        if block.get("type") in _UNMARKABLE or block.get("text") == "":
            continue
        marked = [*content[:position], {**block, "cache_control": dict(EPHEMERAL)}]
        sent[index] = {**sent[index], "content": marked + content[position + 1 :]}
        break
    return sent


def _previous_user_message(messages: list[Message]) -> int | None:
    for index in range(len(messages) - 2, -1, -1):
        if messages[index].get("role") == "user":
            return index
    return None
