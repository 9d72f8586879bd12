"""The live turn as plain values, folded from the runner's events as they arrive.

`LiveModel.apply` is incremental: each event updates one segment and reports which
segment changed, so the page redraws only that one. Segments are keyed by the content
block index the runner gives, the same order the stored record will have.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from components.render.step_view import StepView
from services.files.stored import StoredFile
from services.turn.events import (
    CodeStepFinished,
    CodeStepInput,
    CodeStepStarted,
    ContainerReset,
    ContainerUpdated,
    Continuing,
    ExecutionResult,
    FileUploaded,
    OutputFileFailed,
    OutputFileReady,
    Retrying,
    SaveStatus,
    TextDelta,
    ThinkingDelta,
    TurnError,
    TurnEvent,
    TurnFinished,
    UnsupportedBlock,
    Usage,
)
from services.turn.tools import TOOL_NAMES


@dataclass
class TextSegment:
    text: str = ""


@dataclass
class ThinkingSegment:
    text: str = ""


@dataclass
class StepSegment:
    view: StepView
    started: float  # time.monotonic() when the call began
    finished: float | None = None


@dataclass
class UnsupportedSegment:
    block_type: str


Segment = TextSegment | ThinkingSegment | StepSegment | UnsupportedSegment
STATUS = -1  # the "dirty" marker for the turn's status line (retrying, errors, resets)
UPLOADS = -2  # the marker for the person's attached files (their previews and profiles)


@dataclass
class LiveModel:
    segments: dict[int, Segment] = field(default_factory=dict)
    step_index: dict[str, int] = field(default_factory=dict)  # step id -> segment index
    files: dict[str, StoredFile] = field(default_factory=dict)
    uploaded: dict[str, StoredFile] = field(default_factory=dict)  # this turn's attachments
    failed_files: dict[str, str] = field(default_factory=dict)
    retrying: Retrying | None = None
    retry_since: float = 0.0
    continuation: Continuing | None = None
    resets: list[ContainerReset] = field(default_factory=list)
    usage: list[Usage] = field(default_factory=list)
    error: TurnError | None = None
    finished: TurnFinished | None = None
    unsaved: SaveStatus | None = None  # the store could not take the turn yet

    def apply(self, event: TurnEvent, now: float | None = None) -> set[int]:
        """Fold one event in; return the indices of segments to redraw (STATUS for the line)."""
        now = time.monotonic() if now is None else now
        handler = _HANDLERS.get(type(event))
        if handler is None:
            return set()
        if not isinstance(event, Retrying) and self.retrying is not None:
            self.retrying = None  # the retry went through: anything else means progress
            return handler(self, event, now) | {STATUS}
        return handler(self, event, now)

    def running_steps(self) -> list[tuple[int, StepSegment]]:
        return [
            (i, s)
            for i, s in self.segments.items()
            if isinstance(s, StepSegment) and s.finished is None
        ]

    def settled(self, segment: StepSegment) -> bool:
        """Finished, with every output file fetched or failed: it will not change again."""
        if segment.finished is None:
            return False
        if self.finished is not None:
            return True
        result = segment.view.result
        ids = result.file_ids if isinstance(result, ExecutionResult) else ()
        return all(i in self.files or i in self.failed_files for i in ids)


def _text(model: LiveModel, event: TextDelta, now: float) -> set[int]:
    segment = model.segments.setdefault(event.index, TextSegment())
    if isinstance(segment, TextSegment):
        segment.text += event.text
    return {event.index}


def _thinking(model: LiveModel, event: ThinkingDelta, now: float) -> set[int]:
    segment = model.segments.setdefault(event.index, ThinkingSegment())
    if isinstance(segment, ThinkingSegment):
        segment.text += event.text
    return {event.index}


def _step_started(model: LiveModel, event: CodeStepStarted, now: float) -> set[int]:
    view = StepView(event.step_id, event.tool, TOOL_NAMES[event.tool])
    model.segments[event.index] = StepSegment(view, started=now)
    model.step_index[event.step_id] = event.index
    return {event.index}


def _step_of(model: LiveModel, step_id: str) -> tuple[int, StepSegment] | None:
    """The step's segment and its index, None for a step not started in this turn."""
    index = model.step_index.get(step_id)
    segment = model.segments.get(index) if index is not None else None
    return (index, segment) if index is not None and isinstance(segment, StepSegment) else None


def _step_input(model: LiveModel, event: CodeStepInput, now: float) -> set[int]:
    found = _step_of(model, event.step_id)
    if found is None:
        return set()
    index, segment = found
    segment.view = replace(segment.view, input=dict(event.input))
    return {index}


def _step_finished(model: LiveModel, event: CodeStepFinished, now: float) -> set[int]:
    found = _step_of(model, event.step_id)
    if found is None:
        view = StepView(event.step_id, event.tool, TOOL_NAMES[event.tool], {}, event.result)
        model.segments[event.index] = StepSegment(view, started=now, finished=now)
        model.step_index[event.step_id] = event.index
        return {event.index}
    index, segment = found
    segment.view = replace(segment.view, result=event.result)
    segment.finished = now
    return {index}


def _file_ready(model: LiveModel, event: OutputFileReady, now: float) -> set[int]:
    model.files[event.file.file_id] = event.file
    index = model.step_index.get(event.file.step_id)
    return {index} if index is not None else set()


def _file_failed(model: LiveModel, event: OutputFileFailed, now: float) -> set[int]:
    model.failed_files[event.file_id] = event.message
    index = model.step_index.get(event.step_id)
    return {index} if index is not None else set()


def _unsupported(model: LiveModel, event: UnsupportedBlock, now: float) -> set[int]:
    model.segments[event.index] = UnsupportedSegment(event.block_type)
    return {event.index}


def _retrying(model: LiveModel, event: Retrying, now: float) -> set[int]:
    model.retrying, model.retry_since = event, now
    return {STATUS}


def _continuing(model: LiveModel, event: Continuing, now: float) -> set[int]:
    model.continuation = event
    return {STATUS}


def _reset(model: LiveModel, event: ContainerReset, now: float) -> set[int]:
    model.resets.append(event)
    return {STATUS}


def _progress(model: LiveModel, event: TurnEvent, now: float) -> set[int]:
    return set()  # nothing to draw; it only tells that a retry went through


def _usage(model: LiveModel, event: Usage, now: float) -> set[int]:
    model.usage.append(event)
    return set()


def _error(model: LiveModel, event: TurnError, now: float) -> set[int]:
    model.error = event
    return {STATUS}


def _save_status(model: LiveModel, event: SaveStatus, now: float) -> set[int]:
    model.unsaved = None if event.saved else event
    return {STATUS}


def _finished(model: LiveModel, event: TurnFinished, now: float) -> set[int]:
    model.finished = event
    for _, segment in model.running_steps():
        segment.finished = now  # a stopped or failed turn leaves its step unfinished
    return {STATUS}


def _uploaded(model: LiveModel, event: FileUploaded, now: float) -> set[int]:
    model.uploaded[event.file.file_id] = event.file
    return {UPLOADS}


_HANDLERS = {
    FileUploaded: _uploaded,
    TextDelta: _text,
    ThinkingDelta: _thinking,
    CodeStepStarted: _step_started,
    CodeStepInput: _step_input,
    CodeStepFinished: _step_finished,
    OutputFileReady: _file_ready,
    OutputFileFailed: _file_failed,
    UnsupportedBlock: _unsupported,
    Retrying: _retrying,
    Continuing: _continuing,
    ContainerReset: _reset,
    ContainerUpdated: _progress,
    Usage: _usage,
    TurnError: _error,
    TurnFinished: _finished,
    SaveStatus: _save_status,
}
