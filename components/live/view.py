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
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

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
from services.conversation import Attachment
from services.conversations import StartedTurn
from services.turn.events import SaveStatus, TurnError, TurnEvent, TurnFinished
from services.turn.handle import TurnHandle

STOP_HELP = (
    "Stop the answer; what was streamed so far is kept. "
    "The Stop at the top right of the page does the same."
)
REDRAW_SECONDS = 0.05
HEARTBEAT_SECONDS = 0.1


@dataclass(frozen=True)
class Prompt:
    """What the person sent, kept to show it (and to send it again) while the turn runs."""

    text: str
    attachments: tuple[Attachment, ...] = ()


@dataclass
class LiveTurn:
    handle: TurnHandle
    prompt: Prompt
    base_len: int  # messages in the conversation before this turn
    started: float = field(default_factory=time.monotonic)
    events: list[TurnEvent] = field(default_factory=list)
    model: LiveModel = field(default_factory=LiveModel)
    followed: float = field(default_factory=time.monotonic)  # a page last read events
    turn: StartedTurn | None = None  # the service's record of the start, to finish it

    def pull(self, wait: float = REDRAW_SECONDS) -> set[int]:
        """Apply the events that arrive within `wait` seconds; return what changed."""
        deadline = time.monotonic() + wait
        dirty: set[int] = set()
        event = self.handle.get(timeout=wait)
        while event is not None:
            self.events.append(event)
            dirty |= self.model.apply(event)
            if isinstance(event, TurnFinished) or time.monotonic() >= deadline:
                break
            event = self.handle.get(timeout=0)
        return dirty


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
        self.boxes: dict[int, tuple[Any, str]] = {}  # running step -> (status box, label)
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

    def flush(self, model: LiveModel, now: float, force: bool = False) -> None:
        """Redraw changed segments, at most every REDRAW_SECONDS unless forced."""
        if not self.pending or (not force and now - self.last_flush < REDRAW_SECONDS):
            return
        for index in sorted(self.pending):
            if index == STATUS:
                self.draw_status(model, now)
            elif index == UPLOADS:
                self.draw_uploads(model)
            elif index in model.segments and index not in self.final:
                self.draw(index, model.segments[index], model, now)
        self.pending.clear()
        self.last_flush = self.last_sent = now

    def draw(self, index: int, segment: Segment, model: LiveModel, now: float) -> None:
        slot = self.slots.get(index)
        if slot is None:
            slot = self.slots[index] = self.body.empty()
        self.boxes.pop(index, None)
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
            box = render_step(
                segment.view,
                files,
                f"live-{index}",
                expanded=self.steps_expanded,
                running_label=label,
                interactive=settled,
            )
        if running and label is not None:
            self.boxes[index] = (box, label)

    def tick(self, model: LiveModel, now: float) -> None:
        """Move the timers; send at least a heartbeat so a click can interrupt the run."""
        for index, (box, label) in list(self.boxes.items()):
            segment = model.segments.get(index)
            if isinstance(segment, StepSegment) and segment.finished is None:
                new = live_label(segment.view, now - segment.started)
                if new != label:
                    # Expanded again on purpose: an update that leaves it out collapses
                    # the box, hiding the code that runs (and a click could not reopen it).
                    box.update(label=new, expanded=True)
                    self.boxes[index] = (box, new)
                    self.last_sent = now
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


def follow(live: LiveTurn, view: LiveView, idle_limit: float | None) -> bool:
    """Read and draw events until the turn finishes (True) or stays idle too long (False)."""
    last_event = time.monotonic()
    while live.model.finished is None:
        received = len(live.events)
        dirty = live.pull()
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


def render_live_turn(live: LiveTurn, steps_expanded: bool, queued: bool = False) -> bool:
    """Draw the live turn and follow it; True once it has finished."""
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
        return follow(live, view, session().follow_idle_seconds)
