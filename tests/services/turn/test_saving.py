"""A turn is stored as it streams, and whatever cuts a turn short (Stop at any event, a
process killed after any write, a store that cannot be reached), the stored conversation
still makes a next turn the API accepts."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from fake_anthropic import (
    CodeStep,
    Fault,
    Hold,
    OutFile,
    RawBlock,
    Text,
    Thinking,
    Turn,
    sales_chart_png,
    validate_history,
)
from services.conversation import Attachment, Conversation
from services.files.blobs import BlobStore
from services.settings import Settings
from services.store import MessageStatus, Store, StoreUnavailable, open_store
from services.turn.events import (
    BlockCompleted,
    CodeStepFinished,
    CodeStepInput,
    CodeStepStarted,
    ContainerReset,
    ContainerUpdated,
    Continuing,
    FileUploaded,
    OutputFileFailed,
    OutputFileReady,
    Retrying,
    SaveStatus,
    StopReason,
    TextDelta,
    ThinkingDelta,
    TurnEvent,
    TurnFinished,
    UnsupportedBlock,
    Usage,
    UserMessageReady,
)
from services.turn.runner import TurnRunner
from tests.support.runner import FAST_RETRIES, read_all

OWNER = "ada@example.com"
CSV = b"month,sales\nJan,50\nFeb,65\n"
PNG = sales_chart_png()


def rich_turn(gated: bool) -> Turn:
    """Every kind of block, with a gate between them so a test can stop anywhere."""

    def gate(name: str) -> tuple:
        return (Hold(name),) if gated else ()

    return Turn(
        (
            Thinking("Plan: read the file, chart it."),
            *gate("g1"),
            Text("Let me look at the data first."),
            *gate("g2"),
            CodeStep(
                "bash",
                {"command": 'python chart.py && cp chart.png sales.csv "$OUTPUT_DIR"'},
                stdout="saved\n",
                files=(
                    OutFile("chart.png", PNG, "image/png"),
                    OutFile("sales.csv", CSV, "text/csv"),
                ),
                hold="g3" if gated else None,
            ),
            *gate("g4"),
            CodeStep(
                "text_editor", {"command": "create", "path": "notes.md", "file_text": "# n\n"}
            ),
            *gate("g5"),
            Text("Sales rose from $50K to $65K."),
        )
    )


def open_runner(fake_api, settings, store: Store | None = None):
    store = store or open_store(settings)
    runner = TurnRunner(
        fake_client_for(fake_api),
        settings,
        BlobStore(settings.files_dir),
        retry_policy=FAST_RETRIES,
        flush_seconds=0.2,
    )
    return store, runner


def fake_client_for(fake_api):
    from services.client import build_client

    return build_client(api_key="test-key", base_url=fake_api.base_url)


def new_conversation(store) -> Conversation:
    row = store.create_conversation(OWNER, "claude-sonnet-5")
    return Conversation(model=row.model, id=row.id)


def test_a_turn_is_stored_whole_and_restores_exactly(fake_api, store_settings, tmp_path):
    store, runner = open_runner(fake_api, store_settings)
    conversation = new_conversation(store)
    fake_api.enqueue(rich_turn(gated=False))
    handle = runner.start(conversation, "Chart it", [Attachment("s.csv", CSV)], store=store)
    events = read_all(handle)
    assert isinstance(events[-1], TurnFinished) and events[-1].stop_reason == StopReason.END_TURN
    assert handle.saved and not any(isinstance(e, SaveStatus) for e in events)
    conversation = conversation.after(events[-1].outcome)

    restored = open_store(store_settings).load_conversation(conversation.id, OWNER)
    assert restored is not None
    assert [m["content"] for m in restored.messages] == [
        m["content"] for m in conversation.messages
    ]
    assert restored.container_id == conversation.container_id
    assert restored.cost_usd == pytest.approx(conversation.cost_usd)
    assert set(restored.outputs) == set(conversation.outputs)
    for file_id, output in restored.outputs.items():
        assert output.path.read_bytes() == fake_api.files[file_id].data
    assert [u.name for u in restored.uploads.values()] == ["s.csv"]
    statuses = [m.status for m in store.load_messages(conversation.id, OWNER)]
    assert statuses == [MessageStatus.COMPLETE, MessageStatus.COMPLETE]


def test_the_conversation_is_titled_from_the_first_message(fake_api, store_settings, tmp_path):
    store, runner = open_runner(fake_api, store_settings)
    conversation = new_conversation(store)
    fake_api.enqueue(Turn((Text("Hello."),)))
    read_all(runner.start(conversation, "Average of column b?", store=store))
    assert store.get_conversation(conversation.id, OWNER).title == "Average of column b?"


def stop_at_first(handle, kind: type, gates: list[str], fake_api) -> list[TurnEvent]:
    """Read events, opening the next gate whenever the stream waits; Stop at `kind`."""
    events: list[TurnEvent] = []
    stopped = False
    while True:
        event = handle.get(timeout=0.3)
        if event is None:
            if gates:
                fake_api.release(gates.pop(0))
            continue
        events.append(event)
        if isinstance(event, kind) and not stopped:
            handle.stop()
            stopped = True
        if isinstance(event, TurnFinished):
            return events


def script_for(kind: type) -> tuple[list, list[str], list[Attachment]]:
    """A script in which an event of `kind` happens, and the gates it holds at."""
    rich = [rich_turn(gated=True)]
    gates = ["g1", "g2", "g3", "g4", "g5"]
    csv = [Attachment("sales.csv", CSV)]
    if kind is Retrying:
        return [Fault(529, "overloaded_error", "Overloaded"), *rich], gates, []
    if kind is Continuing:
        paused = Turn((Text("Working on it."),), stop_reason="pause_turn")
        return [paused, *rich], gates, []
    if kind is UnsupportedBlock:
        odd = Turn((RawBlock({"type": "mystery_block", "data": 1}), Hold("g1"), Text("After.")))
        return [odd], ["g1"], []
    if kind is OutputFileFailed:
        return rich, gates, []
    if kind is ContainerReset:
        gone = Fault(404, "not_found_error", "Container container_old not found.")
        return [gone, *rich], gates, csv
    return rich, gates, csv


STOP_POINTS = [
    UserMessageReady,
    FileUploaded,
    Retrying,
    ThinkingDelta,
    TextDelta,
    CodeStepStarted,
    CodeStepInput,
    BlockCompleted,
    CodeStepFinished,
    OutputFileReady,
    OutputFileFailed,
    Continuing,
    ContainerUpdated,
    ContainerReset,
    UnsupportedBlock,
    Usage,
]


@pytest.mark.parametrize("kind", STOP_POINTS, ids=lambda k: k.__name__)
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_stopping_at_any_event_leaves_a_history_the_api_accepts(
    kind, fake_api, store_settings, tmp_path
):
    store, runner = open_runner(fake_api, store_settings)
    conversation = new_conversation(store)
    if kind is ContainerReset:
        store.update_container(conversation.id, "container_old", None)
        conversation = dataclasses.replace(conversation, container_id="container_old")
    if kind is OutputFileFailed:
        fake_api.inject_fault(
            Fault(404, "not_found_error", "File gone"), method="GET", path_prefix="/v1/files/"
        )
    steps, gates, attachments = script_for(kind)
    fake_api.enqueue(*steps)
    handle = runner.start(conversation, "Chart the sales", attachments, store=store)
    events = stop_at_first(handle, kind, gates, fake_api)
    assert any(isinstance(e, kind) for e in events), f"the script never produced {kind.__name__}"
    for gate in gates:  # a stream still held must not outlive the test
        fake_api.release(gate)
    assert_next_turn_is_accepted(fake_api, store_settings)


def assert_next_turn_is_accepted(fake_api, settings) -> None:
    """Restart: a new store and runner load the conversation and send one more turn."""
    store = open_store(settings)
    (row,) = store.list_conversations(OWNER)
    restored = store.load_conversation(row.id, OWNER)
    fake_api.history_validator = validate_history
    fake_api.enqueue(Turn((Text("Continuing from where we were."),)))
    runner = TurnRunner(
        fake_client_for(fake_api),
        settings,
        BlobStore(settings.files_dir),
        retry_policy=FAST_RETRIES,
    )
    events = read_all(runner.start(restored, "And now?", store=store))
    end = events[-1]
    assert end.stop_reason == StopReason.END_TURN, events
    sent = fake_api.message_requests()[-1]
    assert validate_history(sent) is None
    assert sent["messages"][-1]["content"][-1] == {"type": "text", "text": "And now?"}


class DyingStore(Store):
    """A store whose process dies after `alive` writes: every later write fails, until
    `discard` makes them vanish (so the turn's pending writes end with the test)."""

    def __init__(self, store: Store, alive: int) -> None:
        super().__init__(store.engine, store.blobs)
        self.alive = alive
        self.writes = 0
        self.discard = False

    def _write(self, name: str, *args, **kwargs):
        if self.discard:
            return 0 if name == "append_message" else None
        if self.writes >= self.alive:
            raise StoreUnavailable("the process is gone")
        self.writes += 1
        return getattr(super(), name)(*args, **kwargs)

    def append_message(self, *args, **kwargs):
        return self._write("append_message", *args, **kwargs)

    def update_message(self, *args, **kwargs):
        return self._write("update_message", *args, **kwargs)

    def add_file(self, *args, **kwargs):
        return self._write("add_file", *args, **kwargs)

    def update_container(self, *args, **kwargs):
        return self._write("update_container", *args, **kwargs)

    def add_cost(self, *args, **kwargs):
        return self._write("add_cost", *args, **kwargs)


def settings_in(store_settings: Settings, data_dir: Path) -> Settings:
    return dataclasses.replace(
        store_settings,
        data_dir=data_dir,
        files_dir=data_dir / "files",
        database_url=f"sqlite:///{data_dir / 'assistant.db'}",
    )


def turn_dying_after(fake_api, settings: Settings, alive: int) -> tuple[int, bool]:
    """A rich turn whose process dies after `alive` store writes: the writes it made, and
    whether the turn reported that it was not saved."""
    store = open_store(settings)
    conversation = new_conversation(store)
    dying = DyingStore(store, alive)
    _, runner = open_runner(fake_api, settings, dying)
    fake_api.enqueue(rich_turn(gated=False))
    handle = runner.start(conversation, "Chart it", [Attachment("s.csv", CSV)], store=dying)
    events = read_all(handle)
    saved = handle.saved  # read before the writes are let go
    dying.discard = True
    store.close()
    reported = any(isinstance(e, SaveStatus) and not e.saved for e in events)
    assert reported == (not saved)
    return dying.writes, reported


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_killed_server_leaves_a_partial_turn_after_every_write(
    fake_api, store_settings, tmp_path
):
    """The process dies after any write: what was written is kept, marked in progress."""
    whole = settings_in(store_settings, tmp_path / "whole")
    total, reported = turn_dying_after(fake_api, whole, 10**6)
    assert total >= 8 and not reported  # the question, its file, blocks, outputs, container, cost
    for alive in range(total):
        settings = settings_in(store_settings, tmp_path / f"cut{alive}")
        assert turn_dying_after(fake_api, settings, alive) == (alive, True)
        assert_next_turn_is_accepted(fake_api, settings)


def test_a_conversation_gone_from_the_store_never_ends_the_turn_and_is_said(
    fake_api, store_settings, caplog
):
    store, runner = open_runner(fake_api, store_settings)
    conversation = Conversation(model="claude-sonnet-5")  # not in the store: every write fails
    fake_api.enqueue(Turn((Text("Still answered."),)))
    handle = runner.start(conversation, "Hi", store=store)
    events = read_all(handle)
    assert events[-1].stop_reason == StopReason.END_TURN
    assert "the store refused the turn" in caplog.text
    [status] = [e for e in events if isinstance(e, SaveStatus)]
    assert not status.saved and "no longer in the store" in status.message
    assert not handle.saved and handle.settled  # nothing is retried: it cannot succeed
    assert json.dumps(events[-1].outcome.content)


def test_an_append_whose_answer_was_lost_is_not_made_twice(fake_api, store_settings):
    """The database took the question, then the connection dropped before it said so."""
    store, runner = open_runner(fake_api, store_settings)
    conversation = new_conversation(store)
    flaky = LostAnswerStore(store)
    fake_api.enqueue(Turn((Text("One answer."),)))
    handle = runner.start(conversation, "Only once", store=flaky)
    read_all(handle)
    assert handle.saved and flaky.lost == 1
    roles = [m.role for m in store.load_messages(conversation.id, OWNER)]
    assert roles == ["user", "assistant"]


class LostAnswerStore(Store):
    """Appends the first message, then fails as a dropped connection does."""

    def __init__(self, store: Store) -> None:
        super().__init__(store.engine, store.blobs)
        self.lost = 0

    def append_message(self, *args, **kwargs):
        position = super().append_message(*args, **kwargs)
        if self.lost == 0:
            self.lost += 1
            raise StoreUnavailable("the connection dropped after the commit")
        return position
