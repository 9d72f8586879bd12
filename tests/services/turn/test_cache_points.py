"""Requests cache well over a conversation: the history goes out byte-identical from turn
to turn, and the breakpoints sit where the next request reads (services/turn/cache_points.py).

The fake API bills by the API's caching rules (fake_anthropic/prompt_cache.py), so its
usage shows whether a turn read what the turn before it wrote.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from typing import Any

import anthropic

from fake_anthropic import CodeStep, FakeAnthropic, OutFile, Text, Thinking, Turn
from services.conversation import Attachment
from services.files.blobs import BlobStore
from services.settings import Settings
from services.store import Store
from services.turn.cache_points import EPHEMERAL, cache_points, with_previous_message_point
from services.turn.events import TokenCounts, Usage
from services.turn.runner import TurnRunner
from tests.support.runner import (
    FAST_RETRIES,
    Followed,
    make_runner,
    of_type,
    read_all,
    run_turn,
    without_cache_points,
)

MODEL = "claude-sonnet-5"
OWNER = "ada@example.com"
CSV = b"month,sales\n" + b"".join(b"2026-%02d,%d\n" % (m, 100 * m) for m in range(1, 13))


def user(*texts: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"type": "text", "text": t} for t in texts]}


def answer(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": [{"type": "text", "text": text}]}


def marked(message: dict[str, Any]) -> list[int]:
    return [i for i, b in enumerate(message["content"]) if b.get("cache_control") == EPHEMERAL]


def test_the_previous_message_of_the_person_gets_the_point() -> None:
    history = [user("a"), answer("b"), user("c", "d"), answer("e"), user("f")]
    sent = with_previous_message_point(history)
    assert [marked(m) for m in sent] == [[], [], [1], [], []]
    assert "cache_control" not in history[2]["content"][1]  # the history itself is untouched


def test_after_pause_turn_the_new_question_gets_the_point() -> None:
    sent = with_previous_message_point([user("a"), answer("b"), user("c"), answer("partial")])
    assert [marked(m) for m in sent] == [[], [], [0], []]


def test_a_first_message_has_only_the_automatic_point() -> None:
    params = cache_points("You analyse data.", [user("a")])
    assert marked(params["messages"][0]) == []
    assert params["cache_control"] == EPHEMERAL
    assert params["system"] == [
        {"type": "text", "text": "You analyse data.", "cache_control": EPHEMERAL}
    ]


def analysis_turn(n: int, steps: int = 1) -> Turn:
    code_steps = tuple(
        CodeStep(
            "bash",
            {"command": f'python step_{n}_{i}.py && cp out_{n}_{i}.csv "$OUTPUT_DIR/"'},
            stdout=f"month total\n{'2026-01 100' * 20}\n",
            files=(OutFile(f"out_{n}_{i}.csv", CSV, "text/csv"),) if i == 0 else (),
        )
        for i in range(steps)
    )
    return Turn((Thinking(f"Plan {n}."), Text(f"Step {n}."), *code_steps, Text(f"Done {n}.")))


def usage_of(events: list[Any]) -> TokenCounts:
    return of_type(events, Usage)[0].counts


def test_the_next_request_starts_with_the_previous_one_byte_for_byte(
    fake_api: FakeAnthropic,
    fake_client: anthropic.Anthropic,
    store: Store,
    store_settings: Settings,
) -> None:
    """Through the store (read back before each turn, as the page does), on every backend."""
    settings = dataclasses.replace(store_settings, follow_ups=False)
    runner = TurnRunner(
        fake_client, settings, BlobStore(settings.files_dir), retry_policy=FAST_RETRIES
    )
    conversation_id = store.create_conversation(OWNER, MODEL).id
    counts = []
    for n, attachments in ((1, [Attachment("sales.csv", CSV, "text/csv")]), (2, []), (3, [])):
        fake_api.enqueue(analysis_turn(n))
        conversation = store.load_conversation(conversation_id, OWNER)
        handle = runner.start(conversation, f"Question {n}", attachments, store=store)
        counts.append(usage_of(read_all(handle)))
    requests = [without_cache_points(body) for body in fake_api.message_requests()]
    for earlier, later in itertools.pairwise(requests):
        assert json.dumps(later["tools"]) == json.dumps(earlier["tools"])
        assert json.dumps(later["system"]) == json.dumps(earlier["system"])
        shared = later["messages"][: len(earlier["messages"])]
        assert json.dumps(shared) == json.dumps(earlier["messages"])
    for before, after in itertools.pairwise(counts):
        assert after.cache_read == before.cache_read + before.cache_write  # all of it read
        assert after.input < 10  # only the start of the answer is uncached


def test_a_long_answer_is_still_read_by_the_next_turn(fake_api: FakeAnthropic, runner) -> None:
    """Twelve steps add 27 blocks: more than the API looks back from the last one."""
    fake_api.enqueue(analysis_turn(1, steps=12), analysis_turn(2))
    conversation = Followed(model=MODEL)
    first = usage_of(run_turn(runner, conversation, "Run the whole pipeline"))
    second = usage_of(run_turn(runner, conversation, "And now the summary"))
    assert second.cache_read >= first.cache_read + first.cache_write


def test_with_caching_off_no_request_carries_a_breakpoint(
    fake_api: FakeAnthropic, fake_client: anthropic.Anthropic, tmp_path
) -> None:
    runner, _ = make_runner(fake_client, tmp_path, prompt_caching=False)
    fake_api.enqueue(analysis_turn(1), analysis_turn(2))
    conversation = Followed(model=MODEL)
    run_turn(runner, conversation, "first")
    events = run_turn(runner, conversation, "second")
    for body in fake_api.message_requests():
        assert "cache_control" not in json.dumps(body)
    counts = usage_of(events)
    assert counts.cache_read == counts.cache_write == 0 and counts.input > 0


def test_every_request_has_three_breakpoints(fake_api: FakeAnthropic, runner) -> None:
    """The system prompt, the previous question and the automatic one: under the API's four
    (the fake refuses a fifth, as the API does)."""
    fake_api.enqueue(*(analysis_turn(n, steps=2) for n in range(3)))
    conversation = Followed(model=MODEL)
    for n in range(3):
        run_turn(runner, conversation, f"question {n}")
    counts = [json.dumps(body).count('"cache_control"') for body in fake_api.message_requests()]
    assert counts == [2, 3, 3]  # the first request has no previous question
