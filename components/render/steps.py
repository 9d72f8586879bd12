"""A code step as a compact step box: what it did, the code, and what came out.

Output always comes in the same order: the error, then images and files, then stdout,
then stderr, or an explicit "No output". Long output is clipped, with a toggle to see
all of it and a download of the full text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from components.media_access import granted
from components.render.charts import render_chart_files
from components.render.files import render_missing_file, render_output_file
from components.render.format import escape_markdown, human_size, short_name
from components.render.step_view import (
    Clipped,
    StepView,
    clip,
    code_of,
    failed,
    language_for,
    running_title,
    step_title,
)
from components.render.web_steps import render_web_input, render_web_result
from services.charts.pairs import chart_images, paired_image_ids
from services.files.stored import StoredFile
from services.turn.events import (
    EditorResult,
    ExecutionResult,
    ToolError,
    WebFetchResult,
    WebSearchResult,
)
from services.turn.tools import WEB_STEPS
from services.turn.web_results import ENCRYPTED

FETCHING = ":material/downloading: Fetching an output file…"


@dataclass(frozen=True)
class FileMap:
    """Produced files by file id, and the ids that could not be fetched (with why)."""

    ready: Mapping[str, StoredFile] = field(default_factory=dict)
    failed: Mapping[str, str] = field(default_factory=dict)
    pending: bool = False  # a live turn may still be fetching files


def render_step(
    step: StepView,
    files: FileMap,
    key: str,
    *,
    expanded: bool = False,
    running_label: str | None = None,
    interactive: bool = True,
) -> None:
    """Draw the step, then the files it made.

    The box (code, error, stdout, stderr) starts collapsed; the files come right after it,
    outside, so charts and tables are visible without opening the box.
    `interactive=False` leaves out widgets (downloads, toggles): a live step that is still
    fetching its files is drawn again once they are there, and a widget may be drawn only
    once per run.
    """
    if running_label is not None or step.tool is None:
        # A running step, or a server tool this app does not run code with (its result
        # follows as a block of its own): just the input.
        with _step_box_of(step, expanded, running_label):
            _render_code(step)
        return
    with _step_box_of(step, expanded, None):
        _render_code(step)
        if step.result is not None:
            render_result(step, files, key, interactive)
        else:
            st.caption("No result: the step was interrupted before it finished.")
    if isinstance(step.result, ExecutionResult):
        render_step_files(step.result, files, key, interactive)


# A step is an expander drawn as a timeline step, with a spinner while it runs, not an
# st.status: Streamlit sleeps 50 ms in the script thread whenever it creates a status,
# which would hold up every redraw of a live turn and every rerun of a long conversation.
_STEP_ICONS = {
    "running": "spinner",
    "complete": ":material/check:",
    "error": ":material/error:",
    "interrupted": ":material/error:",
}


def _step_box_of(step: StepView, expanded: bool, running_label: str | None) -> Any:
    if running_label is not None:
        return _step_box(running_label, True, "running")
    if step.tool is None:
        return _step_box(step_title(step), expanded, "complete")
    if step.result is None:
        return _step_box(f"{running_title(step)} (interrupted)", expanded, "interrupted")
    state = "error" if failed(step.result) else "complete"
    return _step_box(step_title(step), expanded, state)


def _step_box(label: str, expanded: bool, state: str) -> Any:
    return st.expander(label, expanded=expanded, icon=_STEP_ICONS[state], type="step")


def render_step_files(
    result: ExecutionResult, files: FileMap, key: str, interactive: bool = True
) -> None:
    if not interactive:
        for _ in result.file_ids:
            st.caption(FETCHING)
        return
    ready = [files.ready[i] for i in result.file_ids if i in files.ready]
    chart_pngs = chart_images(ready)  # a spec and its PNG are drawn as one chart
    drawn_with_spec = paired_image_ids(chart_pngs)
    for file_id in result.file_ids:
        if file_id in chart_pngs:
            render_chart_files(files.ready[file_id], chart_pngs[file_id], key)
        elif file_id not in drawn_with_spec:
            _render_file(file_id, files, f"{key}-{file_id}")


def live_label(step: StepView, seconds: float) -> str:
    return f"{running_title(step)}… {int(seconds)} s"


def _render_code(step: StepView, where: Any = st) -> None:
    if step.tool in WEB_STEPS:
        render_web_input(step, where)
        return
    source, language = code_of(step)
    if step.tool is None:
        where.json(step.input, expanded=False)
    elif source and not _result_has_diff(step):
        where.code(source, language=language, wrap_lines=True)
    if step.tool is not None and step.input.get("command") in ("view", "create", "str_replace"):
        where.caption(escape_markdown(str(step.input.get("path", ""))))


def _result_has_diff(step: StepView) -> bool:
    """An edit whose result carries its own diff: the one made from the input would repeat it."""
    result = step.result
    return (
        isinstance(result, EditorResult)
        and result.kind == "str_replace"
        and bool(result.details.get("lines"))
    )


def render_result(step: StepView, files: FileMap, key: str, interactive: bool = True) -> None:
    result = step.result
    if isinstance(result, ToolError):
        st.error(
            f"{escape_markdown(result.message)} ({result.error_code})", icon=":material/error:"
        )
    elif isinstance(result, ExecutionResult):
        _render_execution(result, files, key, interactive)
    elif isinstance(result, EditorResult):
        _render_editor(step, result)
    elif isinstance(result, WebSearchResult | WebFetchResult):
        render_web_result(result)


def _render_execution(result: ExecutionResult, files: FileMap, key: str, interactive: bool) -> None:
    if result.return_code != 0:
        st.error(f"Exited with return code {result.return_code}", icon=":material/error:")
    if result.file_ids:
        names = [_file_name(i, files) for i in result.file_ids]
        st.caption(f":material/attach_file: Made {', '.join(names)} (shown below the step)")
    if result.encrypted:
        # Code that called a web tool: its stdout is readable only by the model.
        st.caption(f"stdout: {ENCRYPTED} (the API encrypted it; only Claude can read it)")
    if result.stdout:
        _render_stream("stdout", result.stdout, key, interactive)
    if result.stderr:
        _render_stream("stderr", result.stderr, key, interactive)
    if not (result.stdout or result.stderr or result.file_ids or result.encrypted):
        st.caption("No output")


def _file_name(file_id: str, files: FileMap) -> str:
    file = files.ready.get(file_id)
    return escape_markdown(short_name(file.name)) if file is not None else "a file"


def _render_file(file_id: str, files: FileMap, key: str) -> None:
    file = files.ready.get(file_id)
    if file is not None:
        render_output_file(file, key)
    elif file_id in files.failed:
        render_missing_file(files.failed[file_id])
    elif files.pending:
        st.caption(FETCHING)
    else:
        render_missing_file(None)


def _render_stream(label: str, text: str, key: str, interactive: bool) -> None:
    """stdout/stderr verbatim (never markdown); clipped with a way to see and get all of it."""
    clipped = clip(text)
    if label == "stderr":
        st.caption(":red[:material/warning: stderr]")
    else:
        st.caption("stdout")
    show_all = False
    if clipped.truncated and interactive:
        show_all = st.toggle(
            f"Show all {label} ({clipped.total_lines:,} lines, {human_size(len(text.encode()))})",
            key=f"{key}-{label}-all",
        )
    shown = clipped.full if show_all else clipped.shown
    st.code(shown, language="text", wrap_lines=True, height=output_height(shown))
    if clipped.truncated and not show_all:
        _caption_clipped(clipped)
    if clipped.truncated and interactive:
        st.download_button(
            f"Download full {label}",
            data=granted(text.encode),
            file_name=f"{label}.txt",
            mime="text/plain",
            key=f"{key}-{label}-dl",
            on_click="ignore",
            icon=":material/download:",
        )


def _caption_clipped(clipped: Clipped) -> None:
    st.caption(f"Showing the first {clipped.shown_lines:,} of {clipped.total_lines:,} lines.")


# Output taller than this scrolls in its own box, so a long print does not push the rest
# of the conversation thousands of pixels down.
SCROLL_AFTER_LINES = 24
SCROLL_HEIGHT_PX = 420


def output_height(text: str) -> int | str:
    return SCROLL_HEIGHT_PX if text.count("\n") > SCROLL_AFTER_LINES else "content"


def _render_editor(step: StepView, result: EditorResult) -> None:
    details = result.details
    if result.kind == "view":
        _render_view(step, details)
    elif result.kind == "create":
        st.caption("File updated." if details.get("is_file_update") else "File created.")
    elif result.kind == "str_replace":
        lines = details.get("lines")
        if lines:
            st.code("\n".join(str(line) for line in lines), language="diff")
        else:
            st.caption("File edited.")
    else:
        st.caption(f"Editor result: {escape_markdown(result.kind)}")


def _render_view(step: StepView, details: Mapping[str, Any]) -> None:
    file_type = details.get("file_type")
    if file_type not in (None, "text"):
        st.caption(f"Viewed a {escape_markdown(str(file_type))} file.")
        return
    text = str(details.get("content") or "")
    total = details.get("total_lines")
    if total is not None:
        st.caption(f"{total} lines")
    clipped = clip(text)
    language = language_for(str(step.input.get("path", "")))
    st.code(clipped.shown, language=language, height=output_height(clipped.shown))
    if clipped.truncated:
        _caption_clipped(clipped)
