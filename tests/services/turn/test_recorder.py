"""The recorder stores a turn as it streams, and whatever cuts a turn short, the stored
conversation still makes a next turn the API accepts."""

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
from services.store import MessageStatus, open_store
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
    StopReason,
    TextDelta,
    ThinkingDelta,
    TurnEvent,
    TurnFinished,
    UnsupportedBlock,
    Usage,
    UserMessageReady,
)
from services.turn.recorder import Recorder, TurnWriter
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


def open_recorder(fake_api, settings, tmp_path: Path):
    store = open_store(settings)
    runner = TurnRunner(
        fake_client_for(fake_api),
        settings,
        BlobStore(settings.files_dir),
        retry_policy=FAST_RETRIES,
    )
    return store, Recorder(runner, store, flush_seconds=0.2)


def fake_client_for(fake_api):
    from services.client import build_client

    return build_client(api_key="test-key", base_url=fake_api.base_url)


def new_conversation(store) -> Conversation:
    row = store.create_conversation(OWNER, "claude-sonnet-5")
    return Conversation(model=row.model, id=row.id)


def test_a_turn_is_stored_whole_and_restores_exactly(fake_api, store_settings, tmp_path):
    store, recorder = open_recorder(fake_api, store_settings, tmp_path)
    conversation = new_conversation(store)
    fake_api.enqueue(rich_turn(gated=False))
    handle = recorder.start(conversation.id, conversation, "Chart it", [Attachment("s.csv", CSV)])
    events = read_all(handle)
    assert isinstance(events[-1], TurnFinished) and events[-1].stop_reason == StopReason.END_TURN

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
    store, recorder = open_recorder(fake_api, store_settings, tmp_path)
    conversation = new_conversation(store)
    fake_api.enqueue(Turn((Text("Hello."),)))
    read_all(recorder.start(conversation.id, conversation, "Average of column b?"))
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
    store, recorder = open_recorder(fake_api, store_settings, tmp_path)
    conversation = new_conversation(store)
    if kind is ContainerReset:
        store.update_container(conversation.id, "container_old", None)
        conversation.container_id = "container_old"
    if kind is OutputFileFailed:
        fake_api.inject_fault(
            Fault(404, "not_found_error", "File gone"), method="GET", path_prefix="/v1/files/"
        )
    steps, gates, attachments = script_for(kind)
    fake_api.enqueue(*steps)
    handle = recorder.start(conversation.id, conversation, "Chart the sales", attachments)
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
    events = read_all(Recorder(runner, store).start(row.id, restored, "And now?"))
    end = events[-1]
    assert end.stop_reason == StopReason.END_TURN, events
    sent = fake_api.message_requests()[-1]
    assert validate_history(sent) is None
    assert sent["messages"][-1]["content"][-1] == {"type": "text", "text": "And now?"}


def recorded_events(fake_api, tmp_path) -> list[TurnEvent]:
    runner = TurnRunner(
        fake_client_for(fake_api),
        Settings(data_dir=tmp_path / "rec", files_dir=tmp_path / "rec" / "files", database_url="-"),
        BlobStore(tmp_path / "rec" / "files"),
        retry_policy=FAST_RETRIES,
    )
    fake_api.enqueue(rich_turn(gated=False))
    conversation = Conversation(model="claude-sonnet-5")
    return read_all(runner.start(conversation, "Chart it", [Attachment("s.csv", CSV)]))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_killed_server_leaves_a_partial_turn_at_every_event(fake_api, store_settings, tmp_path):
    """The process dies after any event: what was flushed is kept, marked in progress."""
    events = recorded_events(fake_api, tmp_path)
    cut_points = [i for i, e in enumerate(events) if not isinstance(e, TurnFinished)]
    for cut in cut_points:
        data_dir = tmp_path / f"cut{cut}"
        settings = dataclasses.replace(
            store_settings,
            data_dir=data_dir,
            files_dir=data_dir / "files",
            database_url=f"sqlite:///{data_dir / 'assistant.db'}",
        )
        store = open_store(settings)
        conversation = new_conversation(store)
        writer = TurnWriter(store, conversation.id, conversation)
        for event in events[: cut + 1]:
            writer.record(event)
        writer.flush()  # what the last timed flush would have written
        store.close()
        assert_next_turn_is_accepted(fake_api, settings)


def test_writer_failures_never_end_the_turn(fake_api, store_settings, tmp_path, caplog):
    _store, recorder = open_recorder(fake_api, store_settings, tmp_path)
    conversation = Conversation(model="claude-sonnet-5")  # not in the store: every write fails
    fake_api.enqueue(Turn((Text("Still answered."),)))
    events = read_all(recorder.start(conversation.id, conversation, "Hi"))
    assert events[-1].stop_reason == StopReason.END_TURN
    assert "storing a turn" in caplog.text
    assert json.dumps(conversation.messages)
