"""A bound on silence: a stream that sends nothing, not even a ping, for the configured
time ends its turn with a clear message, keeps what arrived, and is not sent again."""

from __future__ import annotations

from pathlib import Path

from fake_anthropic import CodeStep, FakeAnthropic, Hold, Text, Turn
from services.store import LOCAL_OWNER, Store
from services.turn.events import ErrorKind, StopReason, TurnError
from services.turn.request_options import silence_message
from tests.support.runner import (
    EVENT_TIMEOUT,
    Followed,
    finished,
    make_runner,
    of_type,
    read_all,
    run_turn,
    text_of,
)

MODEL = "claude-sonnet-5"
SILENCE = 0.5


def test_a_silent_stream_ends_the_turn_and_keeps_what_arrived(
    fake_api: FakeAnthropic, fake_client, tmp_path: Path
) -> None:
    fake_api.enqueue(Turn((Text("Half an answer"), Hold("stall"), Text(" never sent"))))
    runner = make_runner(fake_client, tmp_path, stream_silence_seconds=SILENCE)[0]
    conversation = Followed(model=MODEL)
    events = run_turn(runner, conversation, "hi")
    [error] = of_type(events, TurnError)
    assert error.kind == ErrorKind.CONNECTION
    assert error.message == silence_message(SILENCE)
    assert "sent nothing for 0.5 s" in error.message
    assert finished(events).stop_reason == StopReason.FAILED
    assert text_of(conversation.messages[-1]["content"]) == "Half an answer"
    fake_api.release("stall")
    assert len(fake_api.message_requests()) == 1  # never retried: code may have run


def test_silence_while_code_runs_is_not_retried_either(
    fake_api: FakeAnthropic, fake_client, tmp_path: Path
) -> None:
    step = CodeStep("bash", {"command": "sleep 1000"}, hold="running")
    fake_api.enqueue(Turn((step, Text("done"))), Turn((Text("a second request"),)))
    runner = make_runner(fake_client, tmp_path, stream_silence_seconds=SILENCE)[0]
    events = run_turn(runner, Followed(model=MODEL), "hi")
    [error] = of_type(events, TurnError)
    assert error.message == silence_message(SILENCE)
    fake_api.release("running")
    assert len(fake_api.message_requests()) == 1


def test_silence_before_anything_arrived_is_not_retried(
    fake_api: FakeAnthropic, fake_client, tmp_path: Path
) -> None:
    fake_api.enqueue(Turn((Hold("stall"), Text("late"))), Turn((Text("a second request"),)))
    runner = make_runner(fake_client, tmp_path, stream_silence_seconds=SILENCE)[0]
    events = run_turn(runner, Followed(model=MODEL), "hi")
    [error] = of_type(events, TurnError)
    assert error.message == silence_message(SILENCE)
    fake_api.release("stall")
    assert len(fake_api.message_requests()) == 1


def test_the_stored_record_keeps_the_text_of_a_silent_turn(
    fake_api: FakeAnthropic, fake_client, tmp_path: Path, store: Store
) -> None:
    fake_api.enqueue(Turn((Text("Kept in the store"), Hold("stall"))))
    runner = make_runner(fake_client, tmp_path, stream_silence_seconds=SILENCE)[0]
    row = store.create_conversation(LOCAL_OWNER, MODEL)
    conversation = store.load_conversation(row.id, LOCAL_OWNER)
    handle = runner.start(conversation, "hi", store=store)
    read_all(handle, timeout=EVENT_TIMEOUT)
    assert handle.wait_saved(EVENT_TIMEOUT)
    reloaded = store.load_conversation(row.id, LOCAL_OWNER)
    assert text_of(reloaded.messages[-1]["content"]) == "Kept in the store"
    assert reloaded.statuses[1] == "failed"
    fake_api.release("stall")


def test_a_stream_that_keeps_sending_is_not_cut(
    fake_api: FakeAnthropic, fake_client, tmp_path: Path
) -> None:
    fake_api.enqueue(Turn((Text("All of it, " * 50),)))
    runner = make_runner(fake_client, tmp_path, stream_silence_seconds=SILENCE)[0]
    events = run_turn(runner, Followed(model=MODEL), "hi")
    assert not of_type(events, TurnError)
    assert finished(events).stop_reason == StopReason.END_TURN
