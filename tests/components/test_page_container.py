"""A short outage keeps the code environment (finding 3), and an earlier step's long
output stays whole on the page while Claude gets it cut (finding 4): what the page
says, and what a reload shows."""

from __future__ import annotations

import dataclasses

from streamlit.testing.v1 import AppTest

from components.render.format import escape_markdown, short_id
from fake_anthropic import CodeStep, FakeAnthropic, Fault, Text, Turn, sales_csv
from services.settings import load_settings
from services.turn.old_output import cut_text
from tests.components.support import (
    assistant,
    conversation_id,
    page_session,
    restore,
    send,
    user_message,
)

OUTAGE = Fault(500, "api_error", "Internal server error")
BIG = "".join(f"row {i:07d}\n" for i in range(400_000))  # about 4.8 MB


def _one_attempt(app: AppTest) -> None:
    """No retries: one 500 is a 500 that persisted through them (and no real waits)."""
    page_session(app).settings = dataclasses.replace(load_settings(), max_retries=0)


def _start_with_a_container(app: AppTest, fake: FakeAnthropic) -> str:
    _one_attempt(app)
    fake.enqueue(Turn((CodeStep("bash", {"command": "wc -l $INPUT_DIR/sales.csv"}),)))
    app.run()
    composer = app.chat_input(key="composer").set_value("Load the sales")
    composer.upload("sales.csv", sales_csv(), "text/csv").run()
    assert not app.exception
    container = page_session(app).conversation.container_id
    assert container is not None
    return container


def _shown_id(container_id: str) -> str:
    return escape_markdown(short_id(container_id))


def _sidebar_captions(app: AppTest) -> str:
    return " ".join(c.value for c in app.sidebar.caption)


def test_an_outage_keeps_the_environment_and_offers_retry_then_a_second_resets(
    at: AppTest, fake_api: FakeAnthropic
) -> None:
    old = _start_with_a_container(at, fake_api)
    fake_api.enqueue(OUTAGE)
    send(at, "Now chart it")
    assert not at.exception
    [error] = at.error
    assert "environment was kept" in error.value and "Retry" in error.value
    assert not at.warning  # no reset
    assert [b.key for b in at.button if b.key == "retry_turn"] == ["retry_turn"]
    asked = user_message(at, -1)
    assert any("kept answering with a server error" in c.value for c in asked.caption)
    assert page_session(at).conversation.container_id == old
    assert _shown_id(old) in _sidebar_captions(at)

    # A reload says the same from the store: the failure and the kept container.
    reloaded = restore(conversation_id(at))
    assert not reloaded.exception
    asked = user_message(reloaded, -1)
    assert any("kept answering with a server error" in c.value for c in asked.caption)
    assert page_session(reloaded).conversation.container_id == old
    assert _shown_id(old) in _sidebar_captions(reloaded)
    assert not reloaded.warning and not reloaded.sidebar.warning

    # The retry fails the same way: a fresh environment, the files attached again, said.
    fake_api.enqueue(OUTAGE, Turn((Text("Fresh start."),), container_id="container_fresh"))
    at.button(key="retry_turn").click().run()
    assert not at.exception
    assert any("The code environment was reset" in w.value for w in at.warning)
    assert any("environment was reset" in w.value for w in at.sidebar.warning)
    assert assistant(at).markdown[0].value == "Fresh start."
    assert page_session(at).conversation.container_id == "container_fresh"
    last = fake_api.message_requests()[-1]
    assert "container" not in last
    sent = last["messages"][-1]["content"]
    assert [b["type"] for b in sent].count("container_upload") == 1

    reloaded = restore(conversation_id(at))
    assert not reloaded.exception
    assert assistant(reloaded).markdown[0].value == "Fresh start."
    asked = user_message(reloaded, -1)
    assert any("code environment was reset" in c.value for c in asked.caption)
    assert page_session(reloaded).conversation.container_id == "container_fresh"


def test_a_retry_that_gets_through_continues_in_the_same_environment(
    at: AppTest, fake_api: FakeAnthropic
) -> None:
    old = _start_with_a_container(at, fake_api)
    fake_api.enqueue(OUTAGE, Turn((Text("Here is the chart."),)))
    send(at, "Now chart it")
    at.button(key="retry_turn").click().run()
    assert not at.exception and not at.warning and not at.error
    assert assistant(at).markdown[0].value == "Here is the chart."
    assert fake_api.message_requests()[-1]["container"] == old
    reloaded = restore(conversation_id(at))
    assert page_session(reloaded).conversation.container_id == old
    assert assistant(reloaded).markdown[0].value == "Here is the chart."


def test_a_long_output_stays_whole_on_the_page_while_claude_gets_it_cut(
    at: AppTest, fake_api: FakeAnthropic
) -> None:
    fake_api.enqueue(
        Turn((CodeStep("bash", {"command": "python big.py"}, stdout=BIG), Text("Printed."))),
        Turn((Text("Yes, all of it."),)),
    )
    at.run()
    send(at, "Print every row")
    send(at, "Did it work?")
    assert not at.exception
    second = fake_api.message_requests()[1]
    [result] = [b for b in second["messages"][1]["content"] if b["type"].endswith("_result")]
    assert result["content"]["stdout"] == cut_text(BIG)

    for page in (at, restore(conversation_id(at))):
        answer = next(m for m in page.chat_message if m.name == "assistant")
        toggles = [t.label for t in answer.toggle]
        assert any(f"{BIG.count(chr(10)):,} lines" in label for label in toggles), toggles
        stored = page_session(page).conversation.messages[1]["content"]
        [kept] = [b for b in stored if b["type"].endswith("_result")]
        assert kept["content"]["stdout"] == BIG
