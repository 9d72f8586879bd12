"""A new message reruns only the turn's part of the page, in a real browser: the history
stays as the last full run drew it, Stop still acts at once, and the finished turn is
drawn from the store by a full run."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from fake_anthropic import Hold, Text, Turn
from tests.browser.harness import (
    assistant_messages,
    run_count,
    send,
    stop_button,
    user_messages,
    wait_idle,
    wait_turn_done,
)

pytestmark = pytest.mark.browser

GATE_SECONDS = 30


@pytest.fixture
def fake_api(shared_fake):
    return shared_fake


def test_sending_reruns_the_turn_only_and_the_finished_turn_comes_from_a_full_run(chat, fake_api):
    fake_api.enqueue(Turn((Text("The first answer."),)))
    send(chat, "First question")
    wait_turn_done(chat, "The first answer.")
    full_runs = run_count(chat)

    fake_api.enqueue(Turn((Text("Half of the second."), Hold("second"), Text(" Its end."))))
    send(chat, "Second question")
    assert fake_api.wait_held("second", timeout=GATE_SECONDS)
    expect(assistant_messages(chat).last).to_contain_text("Half of the second.")
    expect(assistant_messages(chat).first).to_contain_text("The first answer.")
    assert run_count(chat) == full_runs  # the page did not run in full to send it

    fake_api.release("second")
    wait_turn_done(chat, "Its end.")
    assert run_count(chat) > full_runs  # drawn from the store with the rest
    expect(user_messages(chat)).to_have_count(2)
    expect(assistant_messages(chat)).to_have_count(2)


def test_stop_ends_an_answer_started_in_the_turn_fragment(chat, fake_api):
    fake_api.enqueue(Turn((Text("Writing slowly."), Hold("slow"), Text(" Never shown."))))
    send(chat, "Write slowly")
    assert fake_api.wait_held("slow", timeout=GATE_SECONDS)
    stop_button(chat).click()
    assert fake_api.disconnected("slow", timeout=GATE_SECONDS)
    expect(stop_button(chat)).to_have_count(0)
    wait_idle(chat)
    expect(assistant_messages(chat).last).to_contain_text("Writing slowly.")
    expect(assistant_messages(chat).last).not_to_contain_text("Never shown.")
