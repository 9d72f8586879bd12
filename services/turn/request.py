"""The `messages` a request sends, built from the conversation's stored messages.

Stored assistant messages carry a `model` key (which model wrote them) beside the API's
`role` and `content`; only role and content are sent. Blocks go out unchanged, so a
normal history is sent byte for byte as it came in (prompt caching needs that). A few
things change what is sent, never what is stored:

- thinking blocks of another model are left out (a model can read only its own);
- long output of earlier turns' steps is cut, the same way every time
  (services/turn/old_output.py);
- an app note loses its mark and a person's text has the app-note tag escaped
  (services/turn/prompt.py);
- what a stopped or failed turn left unfinished is repaired by `repair_history`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.turn.events import APP_NOTE_KEY, is_app_note
from services.turn.old_output import bounded_block
from services.turn.prompt import person_text
from services.turn.repair import repair_history

Message = dict[str, Any]
THINKING_TYPES = frozenset({"thinking", "redacted_thinking"})


def assistant_message(content: Sequence[dict[str, Any]], model: str) -> Message:
    """The stored form of an assistant turn."""
    return {"role": "assistant", "content": list(content), "model": model}


def _sendable(message: Message, model: str) -> Message:
    content = message.get("content")
    written_by = message.get("model")
    other_model = message.get("role") == "assistant" and written_by and written_by != model
    if other_model and isinstance(content, list):
        content = [b for b in content if b.get("type") not in THINKING_TYPES]
    if message.get("role") == "assistant" and isinstance(content, list):
        content = [bounded_block(b) for b in content]  # an earlier turn: long output cut
    return {"role": message["role"], "content": content}


def request_messages(
    history: Sequence[Message],
    model: str,
    user_content: list[dict[str, Any]],
    partial_answer: Sequence[dict[str, Any]] = (),
) -> list[Message]:
    """The history, the new user message and, when continuing after pause_turn, the
    partial answer as the final (open) assistant message."""
    messages = [_sendable(message, model) for message in history]
    messages.append({"role": "user", "content": user_content})
    if partial_answer:
        messages.append({"role": "assistant", "content": list(partial_answer)})
    repaired = repair_history([_as_sent(message) for message in messages])
    return [_attach_once(message) for message in repaired]


def _as_sent(message: Message) -> Message:
    content = message.get("content")
    if message.get("role") != "user":
        return message
    if isinstance(content, str):
        return {**message, "content": person_text(content)}
    if not isinstance(content, list):
        return message
    return {**message, "content": [_user_block(block) for block in content]}


def _user_block(block: dict[str, Any]) -> dict[str, Any]:
    if block.get("type") != "text":
        return block
    if is_app_note(block):
        return {k: v for k, v in block.items() if k != APP_NOTE_KEY}
    text = block.get("text")
    if isinstance(text, str) and "app_note" in text.lower():
        return {**block, "text": person_text(text)}
    return block


def _attach_once(message: Message) -> Message:
    """A user message joined from several (an unanswered turn and the next) can name the
    same file twice; the container needs it once."""
    content = message.get("content")
    if message.get("role") != "user" or not isinstance(content, list):
        return message
    seen: set[str] = set()
    kept = []
    for block in content:
        if block.get("type") == "container_upload":
            if block.get("file_id") in seen:
                continue
            seen.add(str(block.get("file_id")))
        kept.append(block)
    return message if len(kept) == len(content) else {**message, "content": kept}
