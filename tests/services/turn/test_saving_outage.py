"""A database that stops in the middle of a turn: the turn goes on, says it is not saved,
keeps what it could not write, and writes it all once the database is back.

Against a real PostgreSQL server of the test's own, stopped and started again.
"""

from __future__ import annotations

import dataclasses
import time

import pytest

from fake_anthropic import Hold, Text, Turn
from services.conversation import MessageStatus
from services.conversations import ConversationService, TurnBusy
from services.files.blobs import BlobStore
from services.settings import Settings
from services.store import StoreUnavailable, open_store
from services.turn.events import SaveStatus, StopReason, TextDelta
from services.turn.runner import TurnRunner
from tests.support.runner import FAST_RETRIES, read_all

OWNER = "ada@example.com"
BACK_WITHIN = 30.0  # seconds for the pending writes to land once the database is back


def wait_for(condition, what: str, seconds: float = BACK_WITHIN) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.1)


def test_a_database_stopped_mid_turn_gets_the_whole_turn_once_it_is_back(
    fake_api, fake_client, own_postgres, tmp_path
):
    settings = Settings(
        data_dir=tmp_path, files_dir=tmp_path / "files", database_url=own_postgres.url
    )
    store = open_store(settings)
    row = store.create_conversation(OWNER, "claude-sonnet-5")
    conversation = store.load_conversation(row.id, OWNER)
    runner = TurnRunner(
        fake_client, settings, BlobStore(settings.files_dir), retry_policy=FAST_RETRIES
    )
    fake_api.enqueue(Turn((Text("Before the outage."), Hold("outage"), Text(" After it."))))

    service = ConversationService(store, settings)
    handle = service.start_turn(runner, OWNER, conversation, "How are sales?", stored=True).handle
    assert fake_api.wait_held("outage", timeout=20)
    # Written before the hold: the question, and the answer's first block.
    wait_for(lambda: len(store.load_messages(row.id, OWNER)) == 2, "the first block stored")
    own_postgres.stop()
    fake_api.release("outage")
    events = read_all(handle)

    assert events[-1].stop_reason == StopReason.END_TURN  # the answer was not cut short
    assert "".join(e.text for e in events if isinstance(e, TextDelta)).endswith(" After it.")
    [down] = [e for e in events if isinstance(e, SaveStatus)]
    assert not down.saved and "Not saved yet: the database is unreachable" in down.message
    assert not handle.saved
    # Held only in memory: still running here, so no tab sends after it or deletes it.
    assert service.running.is_running(row.id)
    with pytest.raises(TurnBusy):
        service.delete(row.id, OWNER)
    with pytest.raises(StoreUnavailable):  # a reload now can only say the database is down
        store.load_messages(row.id, OWNER)

    own_postgres.start()
    wait_for(lambda: handle.saved, "the pending writes stored")
    assert not service.running.is_running(row.id)
    reopened = open_store(dataclasses.replace(settings))
    question, answer = reopened.load_messages(row.id, OWNER)
    assert question.content[-1] == {"type": "text", "text": "How are sales?"}
    assert answer.content == [
        {"type": "text", "text": "Before the outage."},
        {"type": "text", "text": " After it."},
    ]
    assert answer.status is MessageStatus.COMPLETE
    assert reopened.get_conversation(row.id, OWNER).cost_usd > 0
    reopened.close()
    store.close()
