"""The turn that is running now: drawn from the events received so far, then followed.

The turn runs on the runner's worker thread; its handle and the events read so far live
in the page session, so any rerun (a click, Stop) draws them again and goes on reading.
Text is redrawn about every 50 ms, not once per token, and only its open end: finished
blocks are sent once (`components.live.text`); a running step's label counts the
seconds. Every pass of the loop sends something to the browser, which is what lets
Streamlit interrupt the run at once when the person clicks Stop or anything else.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import streamlit as st

from components.live.live_turn import REDRAW_SECONDS, LiveTurn, Prompt
from components.live.model import (
    STATUS,
    UPLOADS,
    LiveModel,
    Segment,
    StepSegment,
    TextSegment,
    ThinkingSegment,
    UnsupportedSegment,
)
from components.live.text import LiveMarkdown
from components.render.blocks import (
    RenderContext,
    render_unknown,
    render_upload_chips,
    render_upload_table,
)
from components.render.format import duration
from components.render.notices import error_notice, render_notice, reset_notice, retry_text
from components.render.steps import FileMap, live_label, render_step
from components.session import session
from services.turn.events import SaveStatus, TurnError

STOP_HELP = (
    "Stop the answer; what was streamed so far is kept. "
    "The Stop at the top right of the page does the same."
)
Pause = Callable[[], bool] | None  # asked while following: end the run now?
HEARTBEAT_SECONDS = 0.1


def stop_live_turn() -> None:
    """Stop button callback: runs before the rerun it causes, so the next run sees the end."""
    live = session().live
    if live is not None:
        live.handle.stop()


def render_prompt(prompt: Prompt) -> None:
    """What the person sent; the previews and profiles of its tables follow once the turn
    has uploaded and profiled them (off the script thread: `LiveView.draw_uploads`)."""
    if prompt.text.strip():
        st.markdown(prompt.text)
    if prompt.attachments:
        render_upload_chips([(a.name, False) for a in prompt.attachments])


class LiveView:
    """The assistant message of the live turn: one slot per segment, then a status line."""

    def __init__(self, steps_expanded: bool, started: float, ended: bool = False) -> None:
        self.started = started
        self.body = st.container()
        self.resets = st.container()
        with st.container(horizontal=True, vertical_alignment="center"):
            # One element, replaced as a whole: a container redrawn with fewer children
            # would keep showing the old ones until the run ends.
            self.line = st.empty()
            if not ended:  # an ended turn waits only for the store: nothing left to stop
                st.button(
                    "Stop",
                    key="stop_turn",
                    on_click=stop_live_turn,
                    icon=":material/stop_circle:",
                    help=STOP_HELP,
                )
        self.steps_expanded = steps_expanded
        self.slots: dict[int, Any] = {}
        self.running_labels: dict[int, str] = {}  # a running step's label as last drawn
        self.texts: dict[int, LiveMarkdown] = {}  # text and thinking, drawn block by block
        self.pending: set[int] = set()
        self.final: set[int] = set()  # segments drawn for good (their widgets exist)
        self.resets_drawn = 0
        self.last_flush = 0.0
        self.last_sent = 0.0
        self.line_shown: tuple[object, ...] | None = None
        self.uploads_slot: Any = None  # the person's message: where its tables are drawn
        self.known_uploads: set[str] = set()  # files an earlier message attached

    def draw_uploads(self, model: LiveModel) -> None:
        """The attached tables' previews and profiles, as the turn reports them."""
        new = [f for i, f in model.uploaded.items() if i not in self.known_uploads]
        if self.uploads_slot is None or not new:
            return
        with self.uploads_slot.container():
            for file in new:
                render_upload_table(file, key=None)

    def mark(self, dirty: set[int]) -> None:
        self.pending |= dirty

    def next_draw(self) -> float:
        """When a change may be drawn next (monotonic time)."""
        return self.last_flush + REDRAW_SECONDS

    def wait_seconds(self, now: float) -> float:
        """How long to wait for events: with changes not drawn yet, only until they may be
        (a text's last words are not held back for a whole redraw interval more)."""
        if not self.pending:
            return REDRAW_SECONDS
        return max(0.0, self.next_draw() - now)

    def flush(self, model: LiveModel, now: float, force: bool = False) -> None:
        """Redraw changed segments, at most every REDRAW_SECONDS unless forced."""
        if not self.pending or (not force and now - self.last_flush < REDRAW_SECONDS):
            return
        if STATUS in self.pending:
            self.draw_status(model, now)
        if UPLOADS in self.pending:
            self.draw_uploads(model)
        changed = [i for i in sorted(self.pending) if i in model.segments and i not in self.final]
        for index in changed:  # each in its place on the page, in order
            if index not in self.slots:
                self.slots[index] = self.body.empty()
        # Texts first: cheap to draw and read first; a step's files (a table's preview is
        # read and typed) follow in the same run.
        for index in sorted(changed, key=lambda i: not _is_text(model.segments[i])):
            self.draw(index, model.segments[index], model, now)
        self.pending.clear()
        self.last_flush = self.last_sent = now

    def draw(self, index: int, segment: Segment, model: LiveModel, now: float) -> None:
        slot = self.slots[index]  # made by `flush`, in page order
        self.running_labels.pop(index, None)
        if isinstance(segment, TextSegment | ThinkingSegment):
            self._draw_text(index, slot, segment)
        elif isinstance(segment, StepSegment):
            self._draw_step(index, slot, segment, model, now)
        elif isinstance(segment, UnsupportedSegment):
            with slot.container():
                render_unknown({"type": segment.block_type}, RenderContext(key="live"), "live")

    def _draw_text(self, index: int, slot: Any, segment: TextSegment | ThinkingSegment) -> None:
        """Finished blocks are sent once; a redraw sends only the text's open end."""
        text = self.texts.get(index)
        if text is None:
            if isinstance(segment, ThinkingSegment):
                with (
                    slot.container(),
                    st.expander("Thinking", icon=":material/psychology:", type="compact"),
                ):
                    slot = st.empty()
            text = self.texts[index] = LiveMarkdown(slot)
        text.draw(segment.text)

    def _draw_step(
        self, index: int, slot: Any, segment: StepSegment, model: LiveModel, now: float
    ) -> None:
        files = FileMap(model.files, model.failed_files, pending=model.finished is None)
        running = segment.finished is None
        label = live_label(segment.view, now - segment.started) if running else None
        settled = model.settled(segment)
        if settled:
            self.final.add(index)
        with slot.container():
            render_step(
                segment.view,
                files,
                f"live-{index}",
                expanded=self.steps_expanded,
                running_label=label,
                interactive=settled,
            )
        if running and label is not None:
            self.running_labels[index] = label

    def tick(self, model: LiveModel, now: float) -> None:
        """Move the timers; send at least a heartbeat so a click can interrupt the run."""
        for index, label in self.running_labels.items():
            segment = model.segments.get(index)
            running = isinstance(segment, StepSegment) and segment.finished is None
            if running and live_label(segment.view, now - segment.started) != label:
                self.pending.add(index)  # redrawn, small as a running step is
        self.draw_status(model, now, force=now - self.last_sent >= HEARTBEAT_SECONDS)

    def draw_status(self, model: LiveModel, now: float, force: bool = True) -> None:
        """Resets as they happen, then one line: the error, the retry countdown or "Working…",
        and under it whether the store holds the turn."""
        while self.resets_drawn < len(model.resets):
            with self.resets:
                render_notice(reset_notice(model.resets[self.resets_drawn]))
            self.resets_drawn += 1
        retry = retry_text(model.retrying, now - model.retry_since) if model.retrying else None
        shown = (model.error, retry, _working(model, now - self.started), model.unsaved)
        if not force and shown == self.line_shown:
            return
        self.line_shown, self.last_sent = shown, now
        with self.line.container():
            _draw_line(*shown)


def _is_text(segment: Segment) -> bool:
    return isinstance(segment, TextSegment | ThinkingSegment)


def _working(model: LiveModel, elapsed: float) -> str | None:
    if model.finished is not None or model.running_steps():
        return None
    working = f":material/progress_activity: Working… {duration(elapsed)}"
    if model.continuation is not None:
        step = model.continuation
        working += f" (a long task: continued {step.continuation} of {step.cap} times)"
    return working


def _draw_line(
    error: TurnError | None, retry: str | None, working: str | None, unsaved: SaveStatus | None
) -> None:
    if error is not None:
        render_notice(error_notice(error.kind, error.message))
    elif retry is not None:
        st.warning(retry, icon=":material/schedule:")
    elif working is not None:
        st.caption(working)
    if unsaved is not None:
        st.warning(unsaved.message, icon=":material/cloud_off:")


def follow(live: LiveTurn, view: LiveView, idle_limit: float | None, pause: Pause = None) -> bool:
    """Read and draw events until the turn finishes (True), stays idle too long, or
    `pause` says the run should end for a click waiting behind it (False)."""
    last_event = time.monotonic()
    while live.model.finished is None:
        if pause is not None and pause():
            return False
        received = len(live.events)
        dirty = live.pull(view.wait_seconds(time.monotonic()), gather_until=view.next_draw())
        now = live.followed = time.monotonic()
        if len(live.events) > received:
            last_event = now
        view.mark(dirty)
        view.flush(live.model, now, force=live.model.finished is not None)
        if live.model.finished is None:
            view.tick(live.model, now)
        if idle_limit is not None and now - last_event >= idle_limit:
            return False
    return True


def render_live_turn(
    live: LiveTurn, steps_expanded: bool, queued: bool = False, pause: Pause = None
) -> bool:
    """Draw the live turn and follow it; True once it has finished (see `follow`)."""
    live.followed = time.monotonic()
    with st.chat_message("user"):
        render_prompt(live.prompt)
        uploads = st.empty()
    with st.chat_message("assistant"):
        view = LiveView(steps_expanded, live.started, ended=live.model.finished is not None)
        view.uploads_slot = uploads
        if live.turn is not None:  # attached before: drawn under the earlier message
            view.known_uploads = {f.file_id for f in live.turn.conversation.uploads.values()}
        if queued:
            st.caption(":material/schedule_send: Your next message is sent when this answer ends.")
        view.mark(set(live.model.segments) | {STATUS, UPLOADS})
        view.flush(live.model, time.monotonic(), force=True)
        if live.model.finished is not None:
            return True
        # None (the default) follows the turn to its end; AppTest sets a limit so that a
        # run can return while a step is held.
        return follow(live, view, session().follow_idle_seconds, pause)
