"""Follow-up questions on the page: buttons under the last finished answer only; a click
sends that question as the next turn; none after a failed turn; back after a reload."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from components.render.format import escape_markdown
from fake_anthropic import FakeAnthropic, Fault, Hold, StreamError, Text, Turn
from fake_anthropic.follow_ups import DEFAULT_QUESTIONS, answer
from services.store import LOCAL_OWNER, MessageStatus, Store
from services.turn.events import is_app_note
from tests.components.support import (
    assistant,
    conversation_id,
    follow_briefly,
    rerun_until,
    restore,
    send,
    unescape,
    user_message,
)

REPLY = ("Which month **grew** most?", "Plot it as `bars`", "Compare [last year](http://x) at $5")
# As stored: markdown emphasis stripped; a link and a dollar sign are kept, shown literally.
QUESTIONS = ("Which month grew most?", "Plot it as bars", "Compare [last year](http://x) at $5")


@pytest.fixture(autouse=True)
def follow_ups_on(monkeypatch: pytest.MonkeyPatch, env) -> None:
    monkeypatch.setenv("ASSISTANT_FOLLOW_UPS", "1")


def follow_up_buttons(app: AppTest) -> list:
    return [b for b in app.button if b.key and b.key.startswith("follow_up_")]


def person_text(request: dict) -> str:
    content = request["messages"][-1]["content"]
    return "".join(b["text"] for b in content if b.get("type") == "text" and not is_app_note(b))


def test_buttons_under_the_last_answer_and_a_click_sends_that_question(
    at: AppTest, fake_api: FakeAnthropic
) -> None:
    fake_api.enqueue(Turn((Text("Sales rose from $50K to $80K."),)))
    fake_api.follow_ups.enqueue(answer(*REPLY))
    at.run()
    send(at, "Chart the monthly sales")
    assert not at.exception
    buttons = follow_up_buttons(at)
    assert [b.label for b in buttons] == [escape_markdown(q) for q in QUESTIONS]
    assert "\\[last year\\]" in buttons[2].label and "\\$5" in buttons[2].label
    assert [b.key for b in buttons] == ["follow_up_1_0", "follow_up_1_1", "follow_up_1_2"]
    assert fake_api.follow_ups.requests[0]["model"] == "claude-haiku-4-5-20251001"
    # The call's cost is counted like any other: its model has a line in the cost panel.
    cost = "\n".join(c.value for c in at.sidebar.caption if "Cost" in c.value)
    assert "claude-haiku-4-5-20251001: $" in unescape(cost)

    fake_api.enqueue(Turn((Text("May grew the most."),)))
    fake_api.follow_ups.enqueue(answer("Why May?"))
    buttons[0].click().run()
    assert not at.exception
    assert person_text(fake_api.message_requests()[-1]) == QUESTIONS[0]
    assert "Which month" in user_message(at, 1).markdown[0].value
    assert assistant(at).markdown[0].value == "May grew the most."
    # Only the last answer has them: the first answer's are gone.
    assert [(b.key, b.label) for b in follow_up_buttons(at)] == [("follow_up_3_0", "Why May?")]


def test_none_after_a_failed_turn(at: AppTest, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(Turn((Text("Half an answer"), StreamError())))
    at.run()
    send(at, "Chart the monthly sales")
    assert not at.exception
    assert assistant(at).markdown[0].value == "Half an answer"
    assert follow_up_buttons(at) == []
    assert fake_api.follow_ups.requests == []


@pytest.mark.parametrize("status", [MessageStatus.STOPPED, MessageStatus.FAILED])
def test_stored_questions_are_not_offered_under_an_answer_that_did_not_complete(
    store: Store, status: MessageStatus
) -> None:
    row = store.create_conversation(LOCAL_OWNER, "claude-sonnet-5")
    store.append_message(row.id, "user", "Chart it")
    store.append_message(row.id, "assistant", "Half", status, model="claude-sonnet-5")
    store.set_follow_ups(row.id, 1, ["Go on?"])
    assert follow_up_buttons(restore(row.id)) == []
    store.update_message(row.id, 1, "Whole", MessageStatus.COMPLETE)
    assert [b.label for b in follow_up_buttons(restore(row.id))] == ["Go on?"]


def test_a_failed_follow_up_call_shows_no_buttons(at: AppTest, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(Turn((Text("Sales rose."),)))
    fake_api.follow_ups.enqueue(Fault(529, "overloaded_error", "Overloaded"))
    at.run()
    send(at, "Chart the monthly sales")
    assert assistant(at).markdown[0].value == "Sales rose."
    assert follow_up_buttons(at) == [] and not at.error


def test_they_come_back_after_a_reload(at: AppTest, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(Turn((Text("Sales rose."),)))
    fake_api.follow_ups.enqueue(answer(*REPLY[:2]))
    at.run()
    send(at, "Chart the monthly sales")
    again = restore(conversation_id(at))
    assert not again.exception
    assert [b.label for b in follow_up_buttons(again)] == [
        escape_markdown(q) for q in QUESTIONS[:2]
    ]


def test_switched_off_none_are_asked(
    at: AppTest, fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_FOLLOW_UPS", "0")
    fake_api.enqueue(Turn((Text("Sales rose."),)))
    at.run()
    send(at, "Chart the monthly sales")
    assert assistant(at).markdown[0].value == "Sales rose."
    assert follow_up_buttons(at) == [] and fake_api.follow_ups.requests == []


def test_not_shown_while_the_next_answer_runs(at: AppTest, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(Turn((Text("Sales rose."),)))
    fake_api.follow_ups.enqueue(answer(*REPLY))
    at.run()
    send(at, "Chart the monthly sales")
    assert len(follow_up_buttons(at)) == 3
    fake_api.enqueue(Turn((Hold("next"), Text("North leads."))))
    follow_briefly(at)
    send(at, "And by region?")
    assert fake_api.wait_held("next")
    at.run()
    assert follow_up_buttons(at) == []  # the turn runs
    fake_api.release("next")
    rerun_until(at, lambda app: "North leads." in [m.value for m in assistant(app).markdown])
    # Nothing scripted for this one: the fake's default reply.
    assert [b.label for b in follow_up_buttons(at)] == [
        escape_markdown(q) for q in DEFAULT_QUESTIONS
    ]
