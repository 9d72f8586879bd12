"""A conversation whose turn this page does not follow. Another app server writing it (it
holds the store's lease): the page shows the answer as being written, follows it as it
grows, refuses a new message meanwhile, and goes on once the lease is released or has
lapsed. A closed tab's turn on this server: the reopened page can stop it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from streamlit.testing.v1 import AppTest

from fake_anthropic import FakeAnthropic, Hold, Text, Turn
from services.store import LOCAL_OWNER, MessageStatus, Store
from services.store.db import utc_now, write_transaction
from services.store.schema import turn_leases
from tests.components.support import (
    assistant,
    conversation_id,
    follow_briefly,
    restore,
    send,
    wait_for,
)

OTHER_SERVER = "another-app-server"


def _half_written(store: Store) -> str:
    """A conversation as another server leaves it mid-answer: its lease held."""
    row = store.create_conversation(LOCAL_OWNER, "claude-sonnet-5")
    store.append_message(row.id, "user", "Count to a million")
    partial = [{"type": "text", "text": "One, two"}]
    store.append_message(row.id, "assistant", partial, MessageStatus.IN_PROGRESS)
    assert store.leases.take(row.id, OTHER_SERVER)
    return row.id


def _captions(page: AppTest) -> list[str]:
    return [c.value for c in assistant(page).caption]


def test_another_servers_answer_is_being_written_and_followed(
    env: Path, fake_api: FakeAnthropic, store: Store
) -> None:
    cid = _half_written(store)
    page = restore(cid)
    assert not page.exception
    assert any("Still being written" in c for c in _captions(page))
    assert not any("Interrupted" in c for c in _captions(page))
    assert "stop_other_turn" not in _button_keys(page)  # it runs on the other server

    send(page, "Are you done?")
    assert "still being written in another tab" in page.info[0].value
    assert not fake_api.message_requests()
    assert page.chat_input(key="composer").value == "Are you done?"  # given back

    more = [{"type": "text", "text": "One, two, three, four"}]
    store.update_message(cid, 1, more, MessageStatus.IN_PROGRESS)
    page.run()
    assert assistant(page).markdown[0].value == "One, two, three, four"  # it grew here
    assert any("Still being written" in c for c in _captions(page))

    whole = [{"type": "text", "text": "One, two, three, four: done."}]
    store.update_message(cid, 1, whole, MessageStatus.COMPLETE)
    store.leases.release(cid, OTHER_SERVER)
    page.run()
    assert assistant(page).markdown[0].value == "One, two, three, four: done."
    assert not _captions(page)

    fake_api.enqueue(Turn((Text("Yes."),)))
    send(page, "Are you done?")
    assert not page.exception
    assert len(fake_api.message_requests()) == 1
    reloaded = restore(cid)
    said = [m.markdown[0].value for m in reloaded.chat_message]
    assert said == ["Count to a million", "One, two, three, four: done.", "Are you done?", "Yes."]


def test_a_lease_whose_server_died_lapses_the_answer_is_interrupted_and_sending_works(
    env: Path, fake_api: FakeAnthropic, store: Store
) -> None:
    cid = _half_written(store)
    stale = utc_now() - timedelta(seconds=store.leases.expire_seconds + 1)
    with write_transaction(store.engine) as connection:
        connection.execute(turn_leases.update().values(heartbeat_at=stale))
    page = restore(cid)
    assert any(c.startswith(":material/warning: Interrupted") for c in _captions(page))
    fake_api.enqueue(Turn((Text("Starting again."),)))
    send(page, "Go on")
    assert not page.exception
    assert len(fake_api.message_requests()) == 1
    said = [m.markdown[0].value for m in restore(cid).chat_message]
    assert said == ["Count to a million", "One, two", "Go on", "Starting again."]


def _button_keys(page: AppTest) -> list[str]:
    return [b.key for b in page.button]


def test_a_turn_left_running_by_a_closed_tab_can_be_stopped_on_its_server(
    at: AppTest, fake_api: FakeAnthropic, store: Store
) -> None:
    fake_api.enqueue(Turn((Text("Working on it."), Hold("stalled"), Text(" never sent"))))
    follow_briefly(at)
    at.run()
    send(at, "first tab asks")
    assert fake_api.wait_held("stalled", timeout=10)
    cid = conversation_id(at)
    wait_for(lambda: len(store.load_messages(cid, LOCAL_OWNER)) == 2, "the partial answer stored")
    # The first tab is closed; the conversation is opened again in a new one.
    reopened = restore(cid)
    assert any("Still being written" in c for c in _captions(reopened))
    reopened.button(key="stop_other_turn").click().run()
    wait_for(lambda: not store.leases.holder(cid), "the turn ended and gave up its lease")
    reopened.run()
    assert any(c.startswith(":material/stop_circle: Stopped") for c in _captions(reopened))
    assert assistant(reopened).markdown[0].value == "Working on it."
    fake_api.release("stalled")
    fake_api.enqueue(Turn((Text("Answered."),)))
    send(reopened, "second tab asks")
    assert not reopened.exception
    said = [m.markdown[0].value for m in restore(cid).chat_message]
    assert said == ["first tab asks", "Working on it.", "second tab asks", "Answered."]
