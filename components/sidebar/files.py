"""The sidebar's Files panel: what was attached, and what the code made, turn by turn.

Each produced file says which turn and code step made it and which attached files the
conversation had then, so that same-named files (three `sales_chart.png`) are told
apart; "Show the code" opens that step in the conversation and scrolls to it.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

import streamlit as st

from components.render.files import download_button
from components.render.format import escape_markdown
from components.session import session
from services.conversation import Conversation
from services.export.provenance import Origin, origins
from services.files.stored import StoredFile

SIDE_NAME = 24  # characters of a file name that fit a sidebar button on one line


def render_files(conversation: Conversation, limit_text: str) -> None:
    uploads = list(dict(conversation.uploads).values())
    made = origins(conversation)
    listed = {o.file.file_id for o in made}
    others = [f for f in produced_in_order(conversation) if f.file_id not in listed]
    st.subheader("Files", divider="gray")
    if not uploads and not made and not others:
        st.caption(
            "Files you attach and files the code makes will be listed here. "
            f"Attachments can be up to {limit_text} each."
        )
        return
    if uploads:
        st.caption(":material/upload_file: Attached")
    for upload in uploads:
        _download(upload, f"side-up-{upload.sha256}")
    if made or others:
        st.caption(":material/deployed_code: Made by the code")
    for turn, group in groupby(made, key=lambda o: o.turn):
        st.caption(f"Turn {turn}")
        for origin in group:
            _render_origin(origin)
    for output in others:  # made by a step the record no longer names (kept, not hidden)
        _download(output, f"side-out-{output.file_id}")


def _render_origin(origin: Origin) -> None:
    file = origin.file
    _download(file, f"side-out-{file.file_id}")
    had = ", ".join(origin.inputs) if origin.inputs else "no attached files"
    st.caption(escape_markdown(f"Step {origin.step_number} ({origin.tool}) · inputs then: {had}"))
    st.button(
        "Show the code",
        key=f"show-code-{file.file_id}",
        on_click=show_step,
        args=(origin.step_id, origin.turn),
        type="tertiary",
        icon=":material/code:",
        help=escape_markdown(f"Open the step that made {file.name} ({origin.made_by})"),
    )


def _download(file: StoredFile, key: str) -> None:
    download_button(file.name, file.size, file.file_id, file.path, file.mime_type, key, SIDE_NAME)


def show_step(step_id: str, turn: int) -> None:
    """Draw the step open on the next run and scroll to it, showing its turn if it is
    among the older, folded ones."""
    state = session()
    state.shown_step = step_id
    state.shown_count += 1
    turns = sum(1 for m in state.conversation.messages if m.get("role") == "user")
    state.window = max(state.window, turns - turn + 1)


def produced_in_order(conversation: Conversation) -> list[StoredFile]:
    """The files the code made, in the order the steps made them (not download order)."""
    outputs = [f for f in dict(conversation.outputs).values() if isinstance(f, StoredFile)]
    order = _produced_order(list(conversation.messages))
    return sorted(outputs, key=lambda f: order.get(f.file_id, len(order)))


def _produced_order(messages: list[dict[str, Any]]) -> dict[str, int]:
    order: dict[str, int] = {}
    for message in messages:
        blocks = message.get("content") if message.get("role") == "assistant" else None
        for block in blocks if isinstance(blocks, list) else []:
            result = block.get("content") if isinstance(block, dict) else None
            for item in result.get("content") or [] if isinstance(result, dict) else []:
                if isinstance(item, dict) and "file_id" in item:
                    order.setdefault(str(item["file_id"]), len(order))
    return order
