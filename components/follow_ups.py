"""The next questions under the last finished answer: one click sends one.

Drawn from the stored record (`Conversation.follow_ups`) only when the open
conversation's last message is an answer that ended normally and no turn runs, so a
failed, stopped or unfinished answer shows none. A click queues the question exactly
like an example prompt; the next run sends it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from components.composer import queue_prompt
from components.render.format import escape_markdown
from services.conversation import Conversation

LABEL_LENGTH = 90  # characters of a question shown on its button; the whole one is sent


def last_follow_ups(
    conversation: Conversation, messages: Sequence[dict[str, Any]]
) -> tuple[str, ...]:
    """The questions stored under the last message, if it is an answer that completed."""
    if not messages:
        return ()
    last = len(messages) - 1
    if messages[last].get("role") != "assistant" or last in conversation.statuses:
        return ()  # statuses hold only the messages that did not complete
    return tuple(conversation.follow_ups.get(last, ()))


def button_label(question: str) -> str:
    """The question as literal text (model output: no markdown), cut if long."""
    shown = question if len(question) <= LABEL_LENGTH else question[: LABEL_LENGTH - 1] + "…"
    return escape_markdown(shown)


def render_follow_ups(
    conversation: Conversation, messages: Sequence[dict[str, Any]], disabled: bool
) -> None:
    questions = last_follow_ups(conversation, messages)
    if not questions:
        return
    position = len(messages) - 1
    with st.container(key="follow_ups", gap="small"):
        st.caption("Ask next:")
        for i, question in enumerate(questions):
            st.button(
                button_label(question),
                key=f"follow_up_{position}_{i}",
                icon=":material/subdirectory_arrow_right:",
                on_click=queue_prompt,
                args=(question,),
                disabled=disabled,
            )
