"""One turn at a time per conversation, however many callers start one at once."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from fake_anthropic import Hold, Text, Turn
from services.conversations import ConversationService, RunningTurns, TurnBusy
from services.settings import Settings
from services.store import LOCAL_OWNER, Store
from tests.support.runner import make_runner, read_all


class SlowRunner:
    """Starts turns like the real runner, but takes a moment first: the gap in which a
    second caller used to slip through between the check and the start."""

    def __init__(self, runner) -> None:
        self.runner = runner
        self.started = 0

    def start(self, *args, **kwargs):
        threading.Event().wait(0.2)
        self.started += 1
        return self.runner.start(*args, **kwargs)


def test_two_callers_at_once_start_one_turn(
    fake_api, fake_client, store: Store, store_settings: Settings, tmp_path: Path
) -> None:
    fake_api.enqueue(Turn((Hold("answering"), Text("One answer."))))
    service = ConversationService(store, store_settings)
    conversation = store.load_conversation(
        store.create_conversation(LOCAL_OWNER, "claude-sonnet-5").id, LOCAL_OWNER
    )
    runner = SlowRunner(make_runner(fake_client, tmp_path)[0])
    outcomes: list[object] = []
    gate = threading.Barrier(2)

    def send() -> None:
        gate.wait()
        try:
            outcomes.append(
                service.start_turn(runner, LOCAL_OWNER, conversation, "Hi", stored=True)
            )
        except TurnBusy as busy:
            outcomes.append(busy)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert runner.started == 1
    assert sorted(type(o).__name__ for o in outcomes) == ["StartedTurn", "TurnBusy"]
    fake_api.release("answering")
    started = next(o for o in outcomes if not isinstance(o, TurnBusy))
    read_all(started.handle)


def test_a_claim_whose_turn_did_not_start_is_released() -> None:
    running = RunningTurns()
    running.claim("c1")
    assert running.is_running("c1")
    with pytest.raises(TurnBusy):
        running.claim("c1")
    running.release("c1")
    assert not running.is_running("c1")
    running.claim("c1")  # free again


def test_a_failed_start_leaves_the_conversation_free(
    store: Store, store_settings: Settings
) -> None:
    class Broken:
        def start(self, *args, **kwargs):
            raise RuntimeError("no worker")

    service = ConversationService(store, store_settings)
    conversation = store.load_conversation(
        store.create_conversation(LOCAL_OWNER, "claude-sonnet-5").id, LOCAL_OWNER
    )
    with pytest.raises(RuntimeError):
        service.start_turn(Broken(), LOCAL_OWNER, conversation, "Hi", stored=True)
    assert not service.running.is_running(conversation.id)
