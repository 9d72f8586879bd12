"""What a new user tripped over: the cost panel after a reload, which model wrote each
answer, the words about a pasted key and about the two Stop buttons, and page markers
meant for tests only."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from components.style import PAGE_CSS
from fake_anthropic import FakeAnthropic, Hold, Text, Turn
from tests.components.support import (
    conversation_id,
    follow_briefly,
    rerun_until,
    restore,
    send,
    texts,
    unescape,
)


def sidebar_text(app: AppTest) -> str:
    """The sidebar's captions, the run counter left out."""
    return unescape(" ".join(texts(app.sidebar.caption[:-1])))


def answers(app: AppTest) -> list:
    return [m for m in app.chat_message if m.name == "assistant"]


def test_the_cost_panel_reads_the_same_after_a_reload(at: AppTest, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(Turn((Text("Hello."),), input_tokens=2000))
    at.run()
    send(at, "hi")
    live = sidebar_text(at)
    assert "Tokens: 2,000 in · 300 out" in live and "Cost: $0.0070" in live
    later = restore(conversation_id(at))
    again = sidebar_text(later)
    assert "Tokens: 2,000 in · 300 out" in again and "Cost: $0.0070" in again


def test_each_answer_names_its_model_and_the_cost_is_per_model(
    at: AppTest, fake_api: FakeAnthropic
) -> None:
    fake_api.enqueue(Turn((Text("From Sonnet."),)), Turn((Text("From Opus."),)))
    at.run()
    rerun_until(at, lambda app: "claude-opus-5" in app.sidebar.selectbox[0].options)
    send(at, "first")
    at.sidebar.selectbox(key="model").set_value("claude-opus-5").run()
    send(at, "second")
    first, second = answers(at)
    assert ":material/smart_toy: claude-sonnet-5" in texts(first.caption)
    assert ":material/smart_toy: claude-opus-5" in texts(second.caption)
    sidebar = sidebar_text(at)
    assert "claude-sonnet-5: $" in sidebar and "claude-opus-5: $" in sidebar
    assert "Cost, all models: $" in sidebar
    later = restore(conversation_id(at))
    assert sidebar_text(later) == sidebar  # the same after a reload


def test_a_pasted_key_says_how_long_it_is_kept(
    at: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    at.run()
    help_text = at.sidebar.text_input(key="api_key_input").help
    assert "until you reload or close this tab" in help_text and "cookies" in help_text


def test_the_stop_button_says_the_toolbar_stop_does_the_same(
    at: AppTest, fake_api: FakeAnthropic
) -> None:
    fake_api.enqueue(Turn((Text("Working."), Hold("wait"), Text("Done."))))
    follow_briefly(at)
    at.run()
    send(at, "go")
    assert fake_api.wait_held("wait", timeout=10)
    assert "top right" in at.button(key="stop_turn").help
    fake_api.release("wait")


def test_markers_for_tests_are_hidden_and_titles_start_at_the_left(at: AppTest) -> None:
    at.run()
    assert ".st-key-run_counter, .st-key-follow_script { display: none; }" in PAGE_CSS
    assert "justify-content: flex-start" in PAGE_CSS
    assert any(PAGE_CSS.strip() in str(h.proto.body) for h in at.get("html"))
    assert at.sidebar.caption[-1].value == "run 1"  # still there for the tests to read
