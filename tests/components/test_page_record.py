"""Once a turn has ended, the page draws it from the store's record, exactly as after a
reload: a change made to the stored record while the turn ran is what the page shows."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from fake_anthropic import FakeAnthropic, Hold, Text, Turn
from services.conversation import MessageStatus
from services.store import LOCAL_OWNER, Store
from tests.components.support import (
    assistant,
    conversation_id,
    follow_briefly,
    page_session,
    rerun_until,
    send,
    texts,
    user_message,
    wait_for,
)


def test_the_finished_turn_is_drawn_from_the_stored_record(
    at: AppTest, fake_api: FakeAnthropic, store: Store
) -> None:
    fake_api.enqueue(Turn((Text("First part."), Hold("mid"), Text("Second part."))))
    follow_briefly(at)
    at.run()
    send(at, "What I typed")
    assert fake_api.wait_held("mid", timeout=10)
    cid = conversation_id(at)
    wait_for(lambda: len(store.load_messages(cid, LOCAL_OWNER)) == 2, "the first part stored")
    assert user_message(at).markdown[0].value == "What I typed"  # the live turn's prompt

    # The record changes under the running turn (the turn never writes the question again).
    [question, _answer] = store.load_messages(cid, LOCAL_OWNER)
    changed = [*question.content[:-1], {"type": "text", "text": "What the store holds"}]
    store.update_message(cid, question.position, changed, MessageStatus.COMPLETE)
    fake_api.release("mid")
    rerun_until(at, lambda app: page_session(app).live is None)

    assert user_message(at).markdown[0].value == "What the store holds"
    assert texts(assistant(at).markdown) == ["First part.", "Second part."]
    assert page_session(at).conversation.messages[0]["content"] == changed


def test_a_stopped_turn_is_drawn_with_its_stored_mark_at_once(
    at: AppTest, fake_api: FakeAnthropic, store: Store
) -> None:
    """The mark under an answer comes only from the stored record's status."""
    fake_api.enqueue(Turn((Text("Working on it."), Hold("long"), Text("Never sent."))))
    follow_briefly(at)
    at.run()
    send(at, "A long job")
    assert fake_api.wait_held("long", timeout=10)
    at.button(key="stop_turn").click().run()
    fake_api.release("long")
    rerun_until(at, lambda app: page_session(app).live is None)
    cid = conversation_id(at)
    [_question, answer] = store.load_messages(cid, LOCAL_OWNER)
    assert answer.status is MessageStatus.STOPPED
    captions = texts(assistant(at).caption)
    assert any("Stopped: this answer was cut short." in c for c in captions)
    assert texts(assistant(at).markdown) == ["Working on it."]
