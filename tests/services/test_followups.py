"""The follow-up call on its own: reading replies, choosing the model, the request it sends."""

from __future__ import annotations

from datetime import date

import anthropic
import pytest

from fake_anthropic import FakeAnthropic, Fault, Text, Turn
from fake_anthropic.follow_ups import answer
from services.followups import (
    ANSWER_CHARS,
    MAX_TOKENS,
    FinishedTurn,
    FollowUpFailed,
    ask_follow_ups,
    cheapest_model,
    follow_up_params,
    parse_questions,
    step_summary,
)
from services.pricing import cost_usd, token_counts

TURN = FinishedTurn("Chart the sales", "Sales rose from $50K to $80K.", ("import pandas",))


# --- reading the reply ------------------------------------------------------------------


def test_numbered_lines_with_a_preamble_and_markdown() -> None:
    reply = (
        "Here are some ideas:\n\n"
        "1. **Which month** grew the most?\n"
        "2) Plot a `rolling` mean\n"
        '(3) "Compare with last year"\n'
        "4. A fourth one is dropped\n"
    )
    assert parse_questions(reply) == (
        "Which month grew the most?",
        "Plot a rolling mean",
        "Compare with last year",
    )


def test_bullets_and_plain_lines() -> None:
    assert parse_questions("- First?\n* Second?\n• Third?") == ("First?", "Second?", "Third?")
    assert parse_questions("Why did March dip?\nShow it by region") == (
        "Why did March dip?",
        "Show it by region",
    )


def test_json_lists_and_objects() -> None:
    assert parse_questions('["A?", "B?", 3, ""]') == ("A?", "B?")
    assert parse_questions('```json\n{"questions": ["One?", "Two?"]}\n```') == ("One?", "Two?")
    assert parse_questions('{"other": 1}') == ()


def test_empties_duplicates_headings_and_long_lines_are_dropped() -> None:
    long_line = "1. " + "x" * 200
    reply = f"1. Same?\n2. same?\n3.   \n### Questions:\n{long_line}\n4. Kept?"
    assert parse_questions(reply) == ("Same?", "Kept?")


def test_a_number_inside_a_question_is_not_a_marker() -> None:
    assert parse_questions("3.5% growth: is that normal?") == ("3.5% growth: is that normal?",)


def test_control_characters_and_blank_replies() -> None:
    assert parse_questions("1. Show\x07 it\x00 now") == ("Show it now",)
    assert parse_questions("") == ()
    assert parse_questions("\n \n") == ()


# --- what the call is told --------------------------------------------------------------


def test_the_turn_keeps_text_and_one_line_per_code_step() -> None:
    content = [
        {"type": "thinking", "thinking": "hidden", "signature": "s"},
        {"type": "text", "text": "Let me look."},
        {
            "type": "server_tool_use",
            "id": "srvtoolu_1",
            "name": "bash_code_execution",
            "input": {"command": "\n\nls -la $OUTPUT_DIR\necho done"},
        },
        {"type": "bash_code_execution_tool_result", "tool_use_id": "srvtoolu_1", "content": {}},
        {
            "type": "server_tool_use",
            "id": "srvtoolu_2",
            "name": "text_editor_code_execution",
            "input": {"command": "view", "path": "/tmp/data.csv"},
        },
        {"type": "text", "text": "The table has 3 rows."},
    ]
    turn = FinishedTurn.of("  Profile it  ", content)
    assert turn == FinishedTurn(
        "Profile it",
        "Let me look.\n\nThe table has 3 rows.",
        ("ls -la $OUTPUT_DIR", "view /tmp/data.csv"),
    )


def test_the_request_is_small_and_sends_only_what_every_model_accepts() -> None:
    long_turn = FinishedTurn("q" * 5000, "start " + "a" * 9000 + " conclusion", ("x" * 500,) * 20)
    params = follow_up_params(long_turn, "claude-sonnet-5", None)
    assert set(params) == {"model", "max_tokens", "system", "messages"}
    assert params["max_tokens"] == MAX_TOKENS
    prompt = params["messages"][0]["content"]
    assert len(prompt) + len(params["system"]) < 5000
    assert prompt.count("\n- ") == 8  # the first eight steps
    assert "conclusion" in prompt and "start" not in prompt  # the end of the answer
    assert ANSWER_CHARS < 5000


def test_max_tokens_stays_within_the_models_limit() -> None:
    assert follow_up_params(TURN, "tiny", 100)["max_tokens"] == 100
    assert follow_up_params(TURN, "big", 128_000)["max_tokens"] == MAX_TOKENS


def test_step_summary_of_odd_inputs() -> None:
    assert step_summary(None) == ""
    assert step_summary({"code": "\n   \n"}) == ""
    assert step_summary({"code": "y = 1  "}) == "y = 1"
    assert len(step_summary({"code": "z" * 400})) == 120


# --- which model ------------------------------------------------------------------------


def test_the_cheapest_priced_model_is_chosen() -> None:
    listed = ["claude-opus-5", "claude-sonnet-5", "claude-haiku-4-5-20251001", "mystery-1"]
    assert cheapest_model(listed, "claude-opus-5") == "claude-haiku-4-5-20251001"
    assert cheapest_model([*listed, "claude-haiku-5-5"], "x") == "claude-haiku-5-5"


def test_without_a_priced_model_the_conversations_model_is_used() -> None:
    assert cheapest_model([], "claude-sonnet-5") == "claude-sonnet-5"
    assert cheapest_model(["mystery-1", "mystery-2"], "claude-opus-5") == "claude-opus-5"


def test_the_price_in_force_on_the_day_decides() -> None:
    # Sonnet 5.5's cache read fell on 2026-10-07; the follow-up's typical tokens read no
    # cache, so the two Sonnet rows tie, and the earlier in the list wins the tie.
    listed = ["claude-sonnet-5-5", "claude-sonnet-5"]
    assert cheapest_model(listed, "x", on=date(2026, 1, 1)) == "claude-sonnet-5-5"
    assert cheapest_model(list(reversed(listed)), "x", on=date(2026, 1, 1)) == "claude-sonnet-5"


# --- the call against the fake ----------------------------------------------------------


def test_a_reply_gives_questions_and_the_calls_usage(
    fake_api: FakeAnthropic, fake_client: anthropic.Anthropic
) -> None:
    fake_api.follow_ups.enqueue(answer("Plot it by region?", input_tokens=900, output_tokens=30))
    found = ask_follow_ups(fake_client, TURN, "claude-haiku-4-5-20251001", 64_000)
    assert found.questions == ("Plot it by region?",)
    counts = token_counts({"input_tokens": 900, "output_tokens": 30})
    assert found.usage.model == "claude-haiku-4-5-20251001"
    assert found.usage.counts == counts
    assert found.usage.cost_usd == cost_usd("claude-haiku-4-5-20251001", counts)
    [sent] = fake_api.follow_ups.requests
    assert "tools" not in sent and "stream" not in sent and "temperature" not in sent
    assert fake_api.message_requests() == []


@pytest.mark.parametrize(
    "reply",
    [
        Fault(529, "overloaded_error", "Overloaded"),
        Fault(400, "invalid_request_error", "max_tokens: too many"),
        Turn((Text("   "),)),
        Turn((Text("1. " + "far too long " * 20),)),
    ],
)
def test_a_failed_or_empty_reply_raises_and_says_why(
    fake_api: FakeAnthropic, fake_client: anthropic.Anthropic, reply
) -> None:
    fake_api.follow_ups.enqueue(reply)
    with pytest.raises(FollowUpFailed) as failed:
        ask_follow_ups(fake_client, TURN, "claude-sonnet-5")
    assert str(failed.value)


def test_an_answer_without_text_asks_nothing(
    fake_api: FakeAnthropic, fake_client: anthropic.Anthropic
) -> None:
    with pytest.raises(FollowUpFailed, match="no text"):
        ask_follow_ups(fake_client, FinishedTurn("q", "", ()), "claude-sonnet-5")
    assert fake_api.requests == []


def test_the_fake_refuses_what_the_api_refuses(
    fake_api: FakeAnthropic, fake_client: anthropic.Anthropic
) -> None:
    params = follow_up_params(TURN, "claude-haiku-4-5-20251001", None)
    with pytest.raises(anthropic.BadRequestError, match="maximum allowed number of output"):
        fake_client.with_options(timeout=30).messages.create(**{**params, "max_tokens": 64_001})
    with pytest.raises(anthropic.BadRequestError, match="tool_choice"):
        fake_client.messages.create(**params, tool_choice={"type": "any"})
    with pytest.raises(anthropic.BadRequestError, match="manual extended thinking"):
        fake_client.messages.create(
            **{**params, "model": "claude-sonnet-5"},
            thinking={"type": "enabled", "budget_tokens": 1024},
        )
    with pytest.raises(anthropic.BadRequestError, match="temperature"):
        fake_client.messages.create(
            **{**params, "model": "claude-sonnet-5"}, extra_body={"temperature": 0.2}
        )
    assert fake_api.follow_ups.requests == []  # refused before any answer was taken
