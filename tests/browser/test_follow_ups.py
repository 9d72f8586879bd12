"""Follow-up questions in a real browser: the buttons under the finished answer, and a
click that sends the question as the person's next message, which is answered."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from fake_anthropic import Text, Turn
from fake_anthropic.follow_ups import answer
from services.turn.events import is_app_note
from tests.browser.harness import (
    EXPECT_TIMEOUT_MS,
    AppServer,
    app_environment,
    assistant_messages,
    send,
    user_messages,
    wait_ready,
    wait_turn_done,
)

pytestmark = pytest.mark.browser

QUESTIONS = ("Which month grew the most?", "Plot a three-month average")


@pytest.fixture
def app_server(fake_api, tmp_path):
    """The app with follow-up questions on (the harness turns them off elsewhere)."""
    env = app_environment(fake_api.base_url, tmp_path / "data")
    env["ASSISTANT_FOLLOW_UPS"] = "1"
    server = AppServer(env, tmp_path / "app.log").start()
    yield server
    server.stop()


def follow_up_buttons(page):
    return page.locator(".st-key-follow_ups").get_by_role("button")


def test_a_follow_up_click_sends_that_question_and_it_is_answered(page, fake_api):
    wait_ready(page)
    fake_api.enqueue(Turn((Text("Sales rose from $50K to $80K."),)))
    fake_api.follow_ups.enqueue(answer(*QUESTIONS))
    send(page, "Chart the monthly sales")
    wait_turn_done(page, "Sales rose from $50K to $80K.")
    buttons = follow_up_buttons(page)
    expect(buttons).to_have_count(2, timeout=EXPECT_TIMEOUT_MS)
    expect(buttons).to_contain_text(list(QUESTIONS))

    fake_api.enqueue(Turn((Text("May grew the most, by $10K."),)))
    fake_api.follow_ups.enqueue(answer("Why did May grow?"))
    buttons.first.click()
    wait_turn_done(page, "May grew the most, by $10K.")

    expect(user_messages(page)).to_have_count(2)
    expect(user_messages(page).last).to_contain_text(QUESTIONS[0])
    expect(assistant_messages(page).last).to_contain_text("May grew the most, by $10K.")
    sent = fake_api.message_requests()[-1]["messages"][-1]
    said = [b["text"] for b in sent["content"] if b["type"] == "text" and not is_app_note(b)]
    assert said == [QUESTIONS[0]]
    expect(follow_up_buttons(page)).to_contain_text(["Why did May grow?"])  # the new answer's
