"""The conversation so far, drawn from its stored API messages (the one render path).

Messages are grouped into exchanges (a person's message and the answer to it). Only the
last few exchanges are drawn on each rerun; older ones appear on demand. An answer that
did not end normally (stopped, failed, interrupted) carries a short mark under it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from components.render.blocks import (
    RenderContext,
    paired_results,
    render_assistant_blocks,
    render_user_blocks,
)
from components.render.format import escape_markdown
from components.render.marks import STILL_RUNNING_MARK
from components.render.steps import FileMap
from components.session import HISTORY_WINDOW, session
from services.conversation import Conversation
from services.files.stored import StoredFile
from services.turn.events import is_app_note


@dataclass(frozen=True)
class Exchange:
    user: int | None  # index of the person's message, None before the first one
    answers: tuple[int, ...]  # indices of the assistant messages that followed


def exchanges(messages: Sequence[dict[str, Any]]) -> list[Exchange]:
    groups: list[Exchange] = []
    user: int | None = None
    answers: list[int] = []
    for i, message in enumerate(messages):
        if message.get("role") == "user":
            if user is not None or answers:
                groups.append(Exchange(user, tuple(answers)))
            user, answers = i, []
        else:
            answers.append(i)
    if user is not None or answers:
        groups.append(Exchange(user, tuple(answers)))
    return groups


def uploads_by_id(conversation: Conversation) -> dict[str, StoredFile]:
    return {u.file_id: u for u in list(conversation.uploads.values())}


def file_map(outputs: Mapping[str, Any], failed: Mapping[str, str] | None = None) -> FileMap:
    ready = {k: v for k, v in dict(outputs).items() if isinstance(v, StoredFile)}
    return FileMap(ready=ready, failed=dict(failed or {}))


def _content(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [b for b in content or [] if isinstance(b, dict)]


def _first_seen(messages: Sequence[dict[str, Any]]) -> dict[str, int]:
    seen: dict[str, int] = {}
    for i, message in enumerate(messages):
        if message.get("role") != "user":
            continue
        for block in _content(message):
            if block.get("type") == "container_upload":
                seen.setdefault(str(block.get("file_id")), i)
    return seen


def _has_visible_user_content(blocks: Sequence[dict[str, Any]]) -> bool:
    return any(b.get("type") != "text" or not is_app_note(b) for b in blocks)


def render_history(
    conversation: Conversation,
    messages: Sequence[dict[str, Any]],
    steps_expanded: bool,
    marks: Mapping[int, str] | None = None,
) -> None:
    """Draw `messages` (a snapshot of the conversation's messages) with the older ones folded.

    `marks` maps a message's index to a caption drawn under its answer, or under the
    person's message for what is about it (no answer, a reset of the environment).
    """
    groups = exchanges(messages)
    window = session().window
    hidden = max(len(groups) - window, 0)
    if hidden:
        st.button(
            f"Show earlier messages ({hidden} more)",
            key="show_earlier",
            icon=":material/history:",
            on_click=_widen_window,
            args=(window,),
        )
    files = file_map(conversation.outputs, conversation.output_failures)
    uploads = uploads_by_id(conversation)
    first_seen = _first_seen(messages)
    shown = session().shown_step
    for group in groups[hidden:]:
        _render_exchange(
            group, messages, files, uploads, first_seen, steps_expanded, marks or {}, shown
        )
    session().shown_step = None  # drawn open and scrolled to once


def _widen_window(window: int) -> None:
    session().window = window + HISTORY_WINDOW


def _render_exchange(
    group: Exchange,
    messages: Sequence[dict[str, Any]],
    files: FileMap,
    uploads: Mapping[str, StoredFile],
    first_seen: Mapping[str, int],
    steps_expanded: bool,
    marks: Mapping[int, str],
    shown_step: str | None = None,
) -> None:
    if group.user is not None:
        blocks = _content(messages[group.user])
        if _has_visible_user_content(blocks):
            seen = frozenset(fid for fid, at in first_seen.items() if at < group.user)
            ctx = RenderContext(key=f"m{group.user}", uploads=uploads, seen_uploads=seen)
            with st.chat_message("user"):
                render_user_blocks(blocks, ctx)
                if group.user in marks:  # no answer, a reset: about the message itself
                    st.caption(marks[group.user])
    if not group.answers:
        return
    answer = [b for i in group.answers for b in _content(messages[i])]
    ctx = RenderContext(
        key=f"m{group.answers[0]}",
        files=files,
        results=paired_results(answer),
        steps_expanded=steps_expanded,
        still_running=any(marks.get(i) == STILL_RUNNING_MARK for i in group.answers),
        shown_step=shown_step,
    )
    with st.chat_message("assistant"):
        render_assistant_blocks(answer, ctx)
        for mark in dict.fromkeys(marks[i] for i in group.answers if i in marks):
            st.caption(mark)
        written_by = dict.fromkeys(str(messages[i].get("model") or "") for i in group.answers)
        models = [escape_markdown(model) for model in written_by if model]
        if models:  # which model wrote it: a conversation may change model along the way
            st.caption(":material/smart_toy: " + ", ".join(models))
