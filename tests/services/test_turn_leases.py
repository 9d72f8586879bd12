"""One writer per conversation across servers: two conversation services on one store,
each with a lease holder of its own, as two app servers would be."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from fake_anthropic import Hold, Text, Turn
from services.conversations import ConversationService, RunningTurns, TurnBusy
from services.settings import Settings
from services.store import LOCAL_OWNER, Store
from services.store.db import utc_now, write_transaction
from services.store.schema import turn_leases
from tests.support.runner import make_runner, read_all

WAIT_SECONDS = 20.0


def _server(store: Store, settings: Settings, name: str, renew: float = 5.0):
    return ConversationService(store, settings, RunningTurns(store.leases, name, renew))


def _conversation(store: Store):
    row = store.create_conversation(LOCAL_OWNER, "claude-sonnet-5")
    return store.load_conversation(row.id, LOCAL_OWNER)


def _until(condition, what: str) -> None:
    """Wait for something another thread does; fail (not hang) if it never happens."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        threading.Event().wait(0.05)


def _heartbeat(store: Store, conversation_id: str):
    with store.engine.connect() as connection:
        return (
            connection.execute(
                turn_leases.select().where(turn_leases.c.conversation_id == conversation_id)
            )
            .one()
            .heartbeat_at
        )


def test_another_server_sees_the_turn_and_refuses_a_second_one(
    fake_api, fake_client, store: Store, store_settings: Settings, tmp_path: Path
) -> None:
    fake_api.enqueue(Turn((Text("Half "), Hold("answering"), Text("and the rest."))))
    fake_api.enqueue(Turn((Text("Second answer."),)))
    one, two = _server(store, store_settings, "one"), _server(store, store_settings, "two")
    conversation = _conversation(store)
    runner = make_runner(fake_client, tmp_path)[0]
    started = one.start_turn(runner, LOCAL_OWNER, conversation, "Hi", stored=True)
    assert two.running.is_running(conversation.id)
    assert not two.running.running_here(conversation.id)
    with pytest.raises(TurnBusy):
        two.start_turn(runner, LOCAL_OWNER, conversation, "Me too", stored=True)
    with pytest.raises(TurnBusy):
        two.delete(conversation.id, LOCAL_OWNER)
    fake_api.release("answering")
    read_all(started.handle)
    one.finish(started, LOCAL_OWNER)
    assert not two.running.is_running(conversation.id)
    again = two.start_turn(runner, LOCAL_OWNER, conversation, "Go on", stored=True)
    read_all(again.handle)
    assert two.finish(again, LOCAL_OWNER).messages[-1]["content"][0]["text"] == "Second answer."
    assert len(fake_api.message_requests()) == 2


def test_the_heartbeat_keeps_a_long_turn_leased(
    fake_api, fake_client, store: Store, store_settings: Settings, tmp_path: Path
) -> None:
    fake_api.enqueue(Turn((Hold("answering"), Text("Done."))))
    one = _server(store, store_settings, "one", renew=0.1)
    conversation = _conversation(store)
    started = one.start_turn(
        make_runner(fake_client, tmp_path)[0], LOCAL_OWNER, conversation, "Hi", stored=True
    )
    first = _heartbeat(store, conversation.id)
    _until(lambda: _heartbeat(store, conversation.id) > first, "the lease was renewed")
    fake_api.release("answering")
    read_all(started.handle)


def test_the_lease_is_released_when_the_turn_settles_without_its_page(
    fake_api, fake_client, store: Store, store_settings: Settings, tmp_path: Path
) -> None:
    """The tab that started the turn was closed: nobody calls finish, the heartbeat
    thread gives the lease up once the turn's writes are in."""
    fake_api.enqueue(Turn((Text("Done."),)))
    one, two = _server(store, store_settings, "one"), _server(store, store_settings, "two")
    conversation = _conversation(store)
    started = one.start_turn(
        make_runner(fake_client, tmp_path)[0], LOCAL_OWNER, conversation, "Hi", stored=True
    )
    read_all(started.handle)
    _until(lambda: store.leases.holder(conversation.id) is None, "the lease was released")
    assert not two.running.is_running(conversation.id)


def test_a_dead_servers_lease_lapses_and_a_new_turn_is_accepted(
    fake_api, fake_client, store: Store, store_settings: Settings, tmp_path: Path
) -> None:
    fake_api.enqueue(Turn((Text("Answered here."),)))
    conversation = _conversation(store)
    assert store.leases.take(conversation.id, "a-server-that-died")
    two = _server(store, store_settings, "two")
    runner = make_runner(fake_client, tmp_path)[0]
    with pytest.raises(TurnBusy):
        two.start_turn(runner, LOCAL_OWNER, conversation, "Hi", stored=True)
    stale = utc_now() - timedelta(seconds=store.leases.expire_seconds + 1)
    with write_transaction(store.engine) as connection:
        connection.execute(turn_leases.update().values(heartbeat_at=stale))
    assert not two.running.is_running(conversation.id)
    started = two.start_turn(runner, LOCAL_OWNER, conversation, "Hi", stored=True)
    assert store.leases.holder(conversation.id) == "two"
    read_all(started.handle)
    assert len(two.finish(started, LOCAL_OWNER).messages) == 2


def test_a_turn_running_here_can_be_stopped_from_any_page(
    fake_api, fake_client, store: Store, store_settings: Settings, tmp_path: Path
) -> None:
    """A reopened page (its tab was closed) stops a turn that runs on its own server."""
    fake_api.enqueue(Turn((Text("Half "), Hold("answering"), Text("never sent"))))
    one = _server(store, store_settings, "one")
    conversation = _conversation(store)
    started = one.start_turn(
        make_runner(fake_client, tmp_path)[0], LOCAL_OWNER, conversation, "Hi", stored=True
    )
    _until(lambda: fake_api.message_requests(), "the request was sent")
    assert one.running.stop(conversation.id)
    events = read_all(started.handle)
    assert events[-1].stop_reason == "stopped"
    fake_api.release("answering")
    assert not one.running.stop(conversation.id)  # settled: nothing to stop
