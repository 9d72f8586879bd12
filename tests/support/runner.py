"""Helpers shared by the turn runner's tests: a runner on fast retries, and event reading."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import anthropic

from services.conversation import Attachment, Conversation
from services.files.blobs import BlobStore
from services.settings import Settings, load_settings
from services.turn.events import TurnEvent, TurnFinished
from services.turn.failures import RetryPolicy
from services.turn.handle import TurnHandle
from services.turn.runner import TurnRunner

# Real delays are computed and reported, but not slept.
FAST_RETRIES = RetryPolicy(max_retries=3, base_delay_seconds=0.5, time_scale=0.0)
EVENT_TIMEOUT = 20.0
E = TypeVar("E")


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    settings = load_settings({"ASSISTANT_DATA_DIR": str(tmp_path / "data")})
    return dataclasses.replace(settings, **overrides)


def make_runner(
    client: anthropic.Anthropic,
    tmp_path: Path,
    policy: RetryPolicy = FAST_RETRIES,
    **overrides: Any,
) -> tuple[TurnRunner, BlobStore]:
    settings = make_settings(tmp_path, **overrides)
    blobs = BlobStore(settings.files_dir)
    return TurnRunner(client, settings, blobs, retry_policy=policy), blobs


def read_all(handle: TurnHandle, timeout: float = EVENT_TIMEOUT) -> list[TurnEvent]:
    """Every event up to TurnFinished; fails instead of hanging if the turn stalls."""
    events: list[TurnEvent] = []
    while True:
        event = handle.get(timeout=timeout)
        assert event is not None, f"no event within {timeout} s; so far: {events}"
        events.append(event)
        if isinstance(event, TurnFinished):
            assert handle.done
            assert handle.get(timeout=0.05) is None, "an event came after TurnFinished"
            return events


class Followed:
    """A conversation as a test follows it, turn by turn: the snapshot after each turn.

    The runner never changes the conversation it is given; `run_turn` replaces `current`
    with the next snapshot (made from the turn's outcome) once the turn has finished.
    Attributes read through to the current snapshot.
    """

    def __init__(self, **fields: Any) -> None:
        self.current = Conversation(**fields)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.current, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "current":
            object.__setattr__(self, name, value)
        else:  # a test changes the conversation (its model, say) before the next turn
            self.current = dataclasses.replace(self.current, **{name: value})

    def take(self, events: Sequence[TurnEvent]) -> None:
        outcome = finished(events).outcome
        assert outcome is not None
        self.current = self.current.after(outcome)


def run_turn(
    runner: TurnRunner,
    conversation: Conversation | Followed,
    text: str,
    attachments: Sequence[Attachment] = (),
) -> list[TurnEvent]:
    followed = conversation if isinstance(conversation, Followed) else None
    snapshot = followed.current if followed is not None else conversation
    events = read_all(runner.start(snapshot, text, attachments))
    if followed is not None:
        followed.take(events)
    return events


def of_type(events: Sequence[TurnEvent], kind: type[E]) -> list[E]:
    return [e for e in events if isinstance(e, kind)]


def finished(events: Sequence[TurnEvent]) -> TurnFinished:
    ends = of_type(events, TurnFinished)
    assert len(ends) == 1 and events[-1] is ends[0]
    return ends[0]


def text_of(content: Sequence[dict[str, Any]]) -> str:
    return "".join(b.get("text", "") for b in content if b.get("type") == "text")


def streamed_text(events: Sequence[TurnEvent]) -> str:
    from services.turn.events import TextDelta

    return "".join(e.text for e in of_type(events, TextDelta))


def sent_note(block: dict[str, Any]) -> bool:
    """An app note as the API receives it: the tagged text, without the stored mark."""
    from services.turn.events import APP_NOTE_KEY, APP_NOTE_PREFIX

    text = str(block.get("text", ""))
    return (
        block.get("type") == "text"
        and text.startswith(APP_NOTE_PREFIX)
        and (APP_NOTE_KEY not in block)
    )


def without_cache_points(value: Any) -> Any:
    """What a request sends with its cache breakpoints taken out: the content the API
    caches (a marker is not content; services/turn/cache_points.py)."""
    if isinstance(value, dict):
        return {k: without_cache_points(v) for k, v in value.items() if k != "cache_control"}
    if isinstance(value, list):
        return [without_cache_points(item) for item in value]
    return value


def system_text(body: dict[str, Any]) -> str:
    """A request's system prompt as text, whether sent as a string or as text blocks."""
    system = body.get("system") or ""
    if isinstance(system, str):
        return system
    return "".join(block.get("text", "") for block in system)
