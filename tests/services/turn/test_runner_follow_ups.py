"""Follow-up questions in a turn: asked only after a normal end, by the cheapest listed
model, stored with the answer and counted in the conversation's cost; never a failed turn."""

from __future__ import annotations

import logging
import threading

import pytest

from fake_anthropic import CodeStep, FakeAnthropic, Fault, Hold, StreamError, Text, Turn
from fake_anthropic.follow_ups import DEFAULT_QUESTIONS, answer
from services.conversation import Conversation, ModelUsage
from services.files.blobs import BlobStore
from services.pricing import cost_usd
from services.store import MessageStatus, Store
from services.turn.events import FollowUpsReady, StopReason, TokenCounts, Usage
from services.turn.options import TurnOptions
from services.turn.runner import TurnRunner
from tests.support.runner import FAST_RETRIES, finished, make_settings, of_type, read_all

ON = TurnOptions(follow_ups=True)
OWNER = "ada@example.com"
HAIKU = "claude-haiku-4-5-20251001"  # the cheapest model the fake lists
QUESTIONS = ("Which month grew most?", "Plot a moving average")


def code_turn(**changes) -> Turn:
    blocks = (
        Text("I'll chart it."),
        CodeStep("python", {"code": "import pandas as pd\nprint(1)"}, stdout="1\n"),
        Text("Sales rose from **$50K** to $80K."),
    )
    return Turn(blocks, **changes)


def start(runner: TurnRunner, conversation: Conversation | None = None, **kwargs):
    conversation = conversation or Conversation(model="claude-sonnet-5")
    return runner.start(conversation, "Chart the sales", options=ON, **kwargs)


def test_a_normal_end_brings_questions_from_the_cheapest_listed_model(
    fake_api: FakeAnthropic, runner: TurnRunner
) -> None:
    runner.model_offer()  # what the page does once per session
    fake_api.enqueue(code_turn())
    fake_api.follow_ups.enqueue(answer(*QUESTIONS, input_tokens=800, output_tokens=25))
    events = read_all(start(runner))

    [ready] = of_type(events, FollowUpsReady)
    assert ready.questions == QUESTIONS
    assert events.index(ready) == len(events) - 2  # just before the end
    end = finished(events)
    assert end.stop_reason == StopReason.END_TURN
    assert [b.get("text") for b in end.content if b["type"] == "text"][-1] == (
        "Sales rose from **$50K** to $80K."  # the answer as Claude wrote it
    )
    [sent] = fake_api.follow_ups.requests
    assert sent["model"] == HAIKU and 1 <= sent["max_tokens"] <= 64_000
    assert not {"tools", "stream", "thinking", "temperature", "tool_choice"} & set(sent)
    prompt = sent["messages"][0]["content"]
    assert "Chart the sales" in prompt and "import pandas as pd" in prompt and "$80K" in prompt
    assert len(fake_api.message_requests()) == 1


def test_the_calls_usage_is_its_own_and_counts_in_the_conversation(
    fake_api: FakeAnthropic, runner: TurnRunner
) -> None:
    runner.model_offer()
    fake_api.enqueue(code_turn(input_tokens=2000, output_tokens=300))
    fake_api.follow_ups.enqueue(answer(*QUESTIONS, input_tokens=800, output_tokens=25))
    events = read_all(start(runner))

    turn_usage, follow_up_usage = of_type(events, Usage)
    assert turn_usage.model == "claude-sonnet-5"
    counts = TokenCounts(input=800, output=25)
    assert follow_up_usage == Usage(HAIKU, counts, cost_usd(HAIKU, counts))
    outcome = finished(events).outcome
    assert outcome is not None and outcome.follow_ups == QUESTIONS
    after = Conversation(model="claude-sonnet-5").after(outcome)
    assert after.follow_ups == {1: QUESTIONS}
    assert after.usage[HAIKU] == ModelUsage(counts, follow_up_usage.priced_usd)
    assert after.cost_usd == pytest.approx(turn_usage.priced_usd + follow_up_usage.priced_usd)


def test_without_a_model_list_the_conversations_model_is_asked(
    fake_api: FakeAnthropic, runner: TurnRunner
) -> None:
    fake_api.enqueue(code_turn())
    events = read_all(start(runner, Conversation(model="claude-opus-5")))
    assert of_type(events, FollowUpsReady)[0].questions == DEFAULT_QUESTIONS
    assert [r["model"] for r in fake_api.follow_ups.requests] == ["claude-opus-5"]


@pytest.mark.parametrize(
    "script",
    [
        [Turn((Text("Half an answer"), StreamError()))],
        [code_turn(stop_reason="max_tokens")],
        [code_turn(stop_reason="refusal")],
        [code_turn(stop_reason="pause_turn")] * 6,  # the continuation cap
    ],
    ids=["failed", "max_tokens", "refusal", "pause_cap"],
)
def test_no_call_after_a_turn_that_did_not_end_normally(
    fake_api: FakeAnthropic, runner: TurnRunner, script
) -> None:
    fake_api.enqueue(*script)
    events = read_all(start(runner))
    assert finished(events).stop_reason != StopReason.END_TURN
    assert of_type(events, FollowUpsReady) == []
    assert fake_api.follow_ups.requests == []


def test_no_call_after_a_stopped_turn(fake_api: FakeAnthropic, runner: TurnRunner) -> None:
    fake_api.enqueue(Turn((Text("Working"), Hold("mid"), Text("never sent"))))
    handle = start(runner)
    assert fake_api.wait_held("mid")
    handle.stop()
    fake_api.release("mid")
    events = read_all(handle)
    assert finished(events).stop_reason == StopReason.STOPPED
    assert of_type(events, FollowUpsReady) == [] and fake_api.follow_ups.requests == []


def test_no_call_unless_the_turn_asks_for_them(fake_api: FakeAnthropic, runner: TurnRunner) -> None:
    fake_api.enqueue(code_turn())
    events = read_all(runner.start(Conversation(model="claude-sonnet-5"), "Chart the sales"))
    assert finished(events).stop_reason == StopReason.END_TURN
    assert of_type(events, FollowUpsReady) == [] and fake_api.follow_ups.requests == []


@pytest.mark.parametrize(
    "reply",
    [Fault(529, "overloaded_error", "Overloaded"), Turn((Text("   "),))],
    ids=["api_error", "nothing_usable"],
)
def test_a_failed_call_shows_nothing_logs_why_and_the_turn_ends_well(
    fake_api: FakeAnthropic, runner: TurnRunner, caplog: pytest.LogCaptureFixture, reply
) -> None:
    fake_api.enqueue(code_turn())
    fake_api.follow_ups.enqueue(reply)
    with caplog.at_level(logging.WARNING, logger="services.turn.follow_ups"):
        events = read_all(start(runner))
    assert finished(events).stop_reason == StopReason.END_TURN
    assert of_type(events, FollowUpsReady) == []
    assert len(of_type(events, Usage)) == 1  # the turn's own; a failed call adds nothing
    outcome = finished(events).outcome
    assert outcome is not None and outcome.follow_ups == ()
    [line] = [r.getMessage() for r in caplog.records if "no follow-up questions" in r.getMessage()]
    assert "claude-sonnet-5" in line


def test_stop_while_the_questions_are_asked_ends_the_turn_at_once_without_them(
    fake_api: FakeAnthropic, runner: TurnRunner, caplog: pytest.LogCaptureFixture
) -> None:
    fake_api.enqueue(code_turn())
    fake_api.follow_ups.enqueue(Turn((Hold("asking"), Text("1. Too late?"))))
    with caplog.at_level(logging.INFO, logger="services.turn.follow_ups"):
        handle = start(runner)
        assert fake_api.wait_held("asking")
        handle.stop()
        events = read_all(handle)
    fake_api.release("asking")
    end = finished(events)
    assert end.stop_reason == StopReason.END_TURN  # the answer itself was complete
    assert of_type(events, FollowUpsReady) == [] and end.outcome.follow_ups == ()
    assert any("Stop was pressed" in r.getMessage() for r in caplog.records)


def test_questions_and_their_cost_are_stored_with_the_answer(
    fake_api: FakeAnthropic, store: Store, store_settings, tmp_path
) -> None:
    settings = make_settings(tmp_path, database_url=store_settings.database_url)
    runner = TurnRunner(
        _client(fake_api), settings, BlobStore(settings.files_dir), retry_policy=FAST_RETRIES
    )
    runner.model_offer()
    row = store.create_conversation(OWNER, "claude-sonnet-5")
    fake_api.enqueue(code_turn())
    fake_api.follow_ups.enqueue(answer(*QUESTIONS, input_tokens=800, output_tokens=25))
    events = read_all(start(runner, Conversation(model=row.model, id=row.id), store=store))
    assert finished(events).stop_reason == StopReason.END_TURN

    reloaded = store.load_conversation(row.id, OWNER)
    assert reloaded is not None and reloaded.follow_ups == {1: QUESTIONS}
    assert 1 not in reloaded.statuses  # complete
    counts = TokenCounts(input=800, output=25)
    assert reloaded.usage[HAIKU].tokens == counts
    assert reloaded.cost_usd == pytest.approx(sum(u.priced_usd for u in of_type(events, Usage)))
    assert store.load_messages(row.id, OWNER)[1].status is MessageStatus.COMPLETE


def _client(fake_api: FakeAnthropic):
    from services.client import build_client

    return build_client(api_key="test-key", base_url=fake_api.base_url)


def test_the_wait_is_on_its_own_thread(fake_api: FakeAnthropic, runner: TurnRunner) -> None:
    """The worker waits for the call on a helper thread, which Stop leaves behind."""
    fake_api.enqueue(code_turn())
    fake_api.follow_ups.enqueue(Turn((Hold("asked"), Text("1. Fine?"))))
    handle = start(runner)
    assert fake_api.wait_held("asked")
    assert any(t.name == "follow-ups" for t in threading.enumerate())
    fake_api.release("asked")
    assert of_type(read_all(handle), FollowUpsReady)[0].questions == ("Fine?",)
