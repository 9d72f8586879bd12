"""Render a message's API content blocks, dispatching on block type through a table.

Every block type the app knows has a small function here; any other type renders as a
visible "cannot be shown" note, never a crash. Model text goes through `st.markdown`
only (HTML stays escaped); tool output is shown verbatim with `st.code`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from components.render.format import escape_markdown, short_name
from components.render.profile_card import render_profile
from components.render.step_view import (
    RESULT_BLOCK_TYPES,
    StepView,
    result_of,
    running_title,
    tool_of,
)
from components.render.steps import FileMap, render_step
from components.render.tables import preview_file, render_preview, table_kind
from components.session import session
from components.style import scroll_to_shown_step
from services.files.stored import StoredFile
from services.turn.events import is_app_note

MAX_FALLBACK_JSON = 4000


@dataclass(frozen=True)
class RenderContext:
    """What block renderers need besides the block: files, uploads, paired results."""

    key: str
    files: FileMap = field(default_factory=FileMap)
    uploads: Mapping[str, StoredFile] = field(default_factory=dict)  # by file id
    results: Mapping[str, dict[str, Any]] = field(default_factory=dict)  # by tool_use_id
    steps_expanded: bool = False
    seen_uploads: frozenset[str] = frozenset()  # shown on an earlier message
    still_running: bool = False  # the answer is still being written (by another page)
    shown_step: str | None = None  # the step to draw open and scroll to ("Show the code")


BlockRenderer = Callable[[dict[str, Any], RenderContext, str], None]


def render_text(block: dict[str, Any], ctx: RenderContext, key: str) -> None:
    text = str(block.get("text") or "")
    if text.strip():
        st.markdown(text)


def render_thinking(block: dict[str, Any], ctx: RenderContext, key: str) -> None:
    text = str(block.get("thinking") or "")
    if text.strip():
        with st.expander("Thinking", icon=":material/psychology:", type="compact"):
            st.markdown(text)


def render_redacted_thinking(block: dict[str, Any], ctx: RenderContext, key: str) -> None:
    st.caption(":material/psychology: Part of the reasoning is encrypted and not shown.")


def render_tool_use(block: dict[str, Any], ctx: RenderContext, key: str) -> None:
    step_id = str(block.get("id", ""))
    name = str(block.get("name", ""))
    paired = ctx.results.get(step_id)
    step = StepView(
        step_id=step_id,
        tool=tool_of(name),
        name=name,
        input=dict(block.get("input") or {}),
        result=result_of(paired) if paired is not None and tool_of(name) else None,
    )
    # Results of server tools that are not code execution render through the fallback.
    # A call without a result in an answer still being written is running, not interrupted.
    running = ctx.still_running and step.result is None and step.tool is not None
    label = f"{running_title(step)}…" if running else None
    if step_id and step_id == ctx.shown_step:
        with st.container(key="shown_step"):
            render_step(step, ctx.files, key, expanded=True, running_label=label)
        scroll_to_shown_step(session().shown_count)
        return
    render_step(step, ctx.files, key, expanded=ctx.steps_expanded, running_label=label)


def render_tool_result(block: dict[str, Any], ctx: RenderContext, key: str) -> None:
    """Drawn with its call; a result without a call in the message is shown on its own."""
    if str(block.get("tool_use_id", "")) in ctx.results:
        return
    step = StepView(
        step_id=str(block.get("tool_use_id", "")),
        tool=tool_of(str(block.get("type", "")).removesuffix("_tool_result")),
        name=str(block.get("type", "")),
        result=result_of(block),
    )
    render_step(step, ctx.files, key, expanded=ctx.steps_expanded)


def render_unknown(block: dict[str, Any], ctx: RenderContext, key: str) -> None:
    kind = escape_markdown(str(block.get("type", "unknown")))
    st.info(f"This part of the message ({kind}) cannot be shown here.", icon=":material/help:")
    text = json.dumps(block, default=str)
    if len(text) <= MAX_FALLBACK_JSON:
        st.json(text, expanded=False)


ASSISTANT_RENDERERS: dict[str, BlockRenderer] = {
    "text": render_text,
    "thinking": render_thinking,
    "redacted_thinking": render_redacted_thinking,
    "server_tool_use": render_tool_use,
    **dict.fromkeys(RESULT_BLOCK_TYPES, render_tool_result),
}


def paired_results(blocks: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Result blocks by the id of the call they answer, for calls present in `blocks`."""
    calls = {b.get("id") for b in blocks if b.get("type") == "server_tool_use"}
    return {
        str(b["tool_use_id"]): b
        for b in blocks
        if str(b.get("type", "")).endswith("_tool_result") and b.get("tool_use_id") in calls
    }


def render_assistant_blocks(blocks: Sequence[dict[str, Any]], ctx: RenderContext) -> None:
    for i, block in enumerate(blocks):
        renderer = ASSISTANT_RENDERERS.get(str(block.get("type")), render_unknown)
        renderer(block, ctx, f"{ctx.key}-{i}")


# --- the person's messages ----------------------------------------------------------------


def render_user_blocks(blocks: Sequence[dict[str, Any]], ctx: RenderContext) -> None:
    """The person's words, their attachments as chips (tables previewed); app notes hidden."""
    uploads: list[str] = []
    for i, block in enumerate(blocks):
        kind = block.get("type")
        if kind == "text":
            if not is_app_note(block):
                render_text(block, ctx, f"{ctx.key}-{i}")
        elif kind == "container_upload":
            uploads.append(str(block.get("file_id", "")))
        else:
            render_unknown(block, ctx, f"{ctx.key}-{i}")
    if uploads:
        render_upload_chips([(_upload_name(fid, ctx), fid in ctx.seen_uploads) for fid in uploads])
        for fid in uploads:
            _render_upload_preview(fid, ctx)


def render_upload_chips(chips: Sequence[tuple[str, bool]]) -> None:
    """(name, re-attached) pairs as a row of chips."""
    with st.container(horizontal=True, gap="small"):
        for name, again in chips:
            label = escape_markdown(short_name(name)) + (" (re-attached)" if again else "")
            st.badge(label, icon=":material/attach_file:", color="gray")


def _upload_name(file_id: str, ctx: RenderContext) -> str:
    upload = ctx.uploads.get(file_id)
    return upload.name if upload is not None else "an attached file"


def _render_upload_preview(file_id: str, ctx: RenderContext) -> None:
    upload = ctx.uploads.get(file_id)
    if upload is None or file_id in ctx.seen_uploads:
        return
    render_upload_table(upload, key=f"{ctx.key}-{file_id}")


def render_upload_table(upload: StoredFile, key: str | None) -> None:
    """An attached table: its first rows as written, then its profile."""
    kind = table_kind(upload.name, upload.mime_type)
    if kind is None:
        return
    render_preview(upload.name, preview_file(kind, upload.path, upload.profile), key=key)
    if upload.profile is not None:
        render_profile(upload.profile)
