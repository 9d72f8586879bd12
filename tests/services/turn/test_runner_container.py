"""A short outage does not cost the sandbox: a generic 500 that persists through the
retries fails the turn and keeps the container; only a second such turn replaces it."""

from __future__ import annotations

from pathlib import Path

import pytest

from fake_anthropic import CodeStep, FakeAnthropic, Fault, Text, Turn
from services.conversation import Attachment, Conversation
from services.files.blobs import BlobStore
from services.store import MessageStatus, Store
from services.turn.events import ContainerReset, StopReason, TurnError
from services.turn.runner import TurnRunner
from tests.support.runner import (
    FAST_RETRIES,
    Followed,
    finished,
    make_settings,
    of_type,
    read_all,
    run_turn,
    sent_note,
)

MODEL = "claude-sonnet-5"
OWNER = "ada@example.com"
# FAST_RETRIES makes four attempts: a 500 on each is a 500 that persisted.
OUTAGE = [Fault(500, "api_error", "Internal server error")] * (FAST_RETRIES.max_retries + 1)
ATTEMPTS = len(OUTAGE)


def _with_a_container(fake_api: FakeAnthropic, runner: TurnRunner) -> Followed:
    fake_api.enqueue(Turn((CodeStep("bash", {"command": "cat $INPUT_DIR/a.csv"}),)))
    conversation = Followed(model=MODEL)
    run_turn(runner, conversation, "load", [Attachment("a.csv", b"x,y\n1,2\n", "text/csv")])
    assert conversation.container_id is not None
    return conversation


def test_a_persisting_500_fails_the_turn_and_keeps_the_container(
    fake_api: FakeAnthropic, runner: TurnRunner
) -> None:
    conversation = _with_a_container(fake_api, runner)
    old = conversation.container_id
    fake_api.enqueue(*OUTAGE)
    events = run_turn(runner, conversation, "again")

    [error] = of_type(events, TurnError)
    assert error.container_kept and "Internal server error" in error.message
    assert "environment was kept" in error.message and "Retry" in error.message
    assert of_type(events, ContainerReset) == []
    assert finished(events).stop_reason == StopReason.FAILED
    assert conversation.container_id == old
    assert conversation.statuses[len(conversation.messages) - 1] is MessageStatus.SERVER_ERROR
    assert conversation.kept_container_after_server_error

    fake_api.enqueue(Turn((Text("back"),)))
    events = run_turn(runner, conversation, "again")
    assert finished(events).stop_reason == StopReason.END_TURN
    assert of_type(events, ContainerReset) == []
    requests = fake_api.message_requests()
    assert [r["container"] for r in requests[1:]] == [old] * (ATTEMPTS + 1)
    assert not conversation.kept_container_after_server_error


def test_a_retry_that_fails_the_same_way_starts_a_fresh_container(
    fake_api: FakeAnthropic, runner: TurnRunner
) -> None:
    conversation = _with_a_container(fake_api, runner)
    old = conversation.container_id
    [upload] = conversation.uploads.values()
    fake_api.enqueue(*OUTAGE)
    run_turn(runner, conversation, "again")
    fake_api.enqueue(*OUTAGE, Turn((Text("fresh start"),), container_id="container_fresh"))
    events = run_turn(runner, conversation, "again")

    [reset] = of_type(events, ContainerReset)
    assert reset.old_container_id == old and reset.reattached_file_ids == (upload.file_id,)
    assert "Internal server error" in reset.reason and "retry" in reset.reason
    assert of_type(events, TurnError) == []
    assert finished(events).stop_reason == StopReason.END_TURN
    requests = fake_api.message_requests()
    assert [r.get("container") for r in requests[1:]] == [old] * (2 * ATTEMPTS) + [None]
    new_user = requests[-1]["messages"][-1]["content"]
    assert {"type": "container_upload", "file_id": upload.file_id} in new_user
    notes = [b["text"] for b in new_user if sent_note(b)]
    assert any("reset" in n and "$INPUT_DIR/a.csv" in n for n in notes)
    assert conversation.container_id == "container_fresh"


@pytest.mark.parametrize(
    "fault",
    [
        Fault(404, "not_found_error", "Container not found: {cid}"),
        Fault(500, "api_error", "Container {cid} could not be restored"),
    ],
    ids=["404", "500 naming it"],
)
def test_an_error_naming_the_container_still_resets_at_once(
    fake_api: FakeAnthropic, runner: TurnRunner, fault: Fault
) -> None:
    conversation = _with_a_container(fake_api, runner)
    old = conversation.container_id
    named = Fault(fault.status, fault.error_type, fault.message.format(cid=old))
    tries = ATTEMPTS if fault.status == 500 else 1  # a 500 is retried first, a 404 is not
    fake_api.enqueue(*[named] * tries, Turn((Text("fresh"),), container_id="container_fresh"))
    events = run_turn(runner, conversation, "again")
    assert [r.old_container_id for r in of_type(events, ContainerReset)] == [old]
    assert of_type(events, TurnError) == []
    assert len(fake_api.message_requests()) == 1 + tries + 1
    assert conversation.container_id == "container_fresh"


def test_an_answer_between_two_outages_makes_the_second_a_first_again(
    fake_api: FakeAnthropic, runner: TurnRunner
) -> None:
    conversation = _with_a_container(fake_api, runner)
    old = conversation.container_id
    fake_api.enqueue(*OUTAGE)
    run_turn(runner, conversation, "a")
    fake_api.enqueue(Turn((Text("fine"),)))
    run_turn(runner, conversation, "b")
    fake_api.enqueue(*OUTAGE)
    events = run_turn(runner, conversation, "c")
    assert of_type(events, ContainerReset) == []
    assert of_type(events, TurnError)[0].container_kept
    assert conversation.container_id == old


def test_a_turn_without_a_container_fails_plainly_on_a_persisting_500(
    fake_api: FakeAnthropic, runner: TurnRunner
) -> None:
    fake_api.enqueue(*OUTAGE)
    conversation = Followed(model=MODEL)
    events = run_turn(runner, conversation, "hello")
    [error] = of_type(events, TurnError)
    assert not error.container_kept and "kept" not in error.message
    assert conversation.statuses == {}


def _stored_runner(fake_api: FakeAnthropic, store_settings, tmp_path: Path) -> TurnRunner:
    from services.client import build_client

    settings = make_settings(tmp_path, database_url=store_settings.database_url)
    client = build_client(api_key="test-key", base_url=fake_api.base_url)
    return TurnRunner(client, settings, BlobStore(settings.files_dir), retry_policy=FAST_RETRIES)


def _stored_turn(runner: TurnRunner, store: Store, cid: str, text: str, files=()) -> list:
    conversation = store.load_conversation(cid, OWNER)
    assert conversation is not None
    return read_all(runner.start(conversation, text, files, store=store))


def test_the_kept_container_and_the_failure_are_read_back_from_the_store(
    fake_api: FakeAnthropic, store: Store, store_settings, tmp_path: Path
) -> None:
    """Across reloads: the next turn learns of the failed one from the stored record."""
    runner = _stored_runner(fake_api, store_settings, tmp_path)
    cid = store.create_conversation(OWNER, MODEL).id
    fake_api.enqueue(Turn((CodeStep("bash", {"command": "ls"}),)))
    _stored_turn(runner, store, cid, "load", [Attachment("a.csv", b"1\n", "text/csv")])
    old = store.load_conversation(cid, OWNER).container_id
    fake_api.enqueue(*OUTAGE)
    _stored_turn(runner, store, cid, "again")

    failed = store.load_conversation(cid, OWNER)
    assert failed.container_id == old and failed.kept_container_after_server_error
    last = store.load_messages(cid, OWNER)[-1]
    assert last.role == "user" and last.status is MessageStatus.SERVER_ERROR

    fake_api.enqueue(*OUTAGE, Turn((Text("fresh"),), container_id="container_fresh"))
    events = _stored_turn(runner, store, cid, "again")
    assert [r.old_container_id for r in of_type(events, ContainerReset)] == [old]
    reloaded = store.load_conversation(cid, OWNER)
    assert reloaded.container_id == "container_fresh"
    assert not reloaded.kept_container_after_server_error
    assert isinstance(reloaded, Conversation)
