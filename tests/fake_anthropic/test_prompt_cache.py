"""The fake's usage follows the API's prompt caching rules (fake_anthropic/prompt_cache.py).

The recorded conversation in `uploaded_file_not_downloadable_400.yml` is the model: a
breakpoint on the last block of each request; the second request reads exactly what the
first wrote, and writes only its new blocks; the third reads both; each reports 2
uncached input tokens, the start of the answer.
"""

from __future__ import annotations

import copy
from typing import Any

import anthropic
import pytest

from fake_anthropic import FakeAnthropic, Text, Turn
from fake_anthropic.prompt_cache import (
    LOOKBACK_BLOCKS,
    InputUsage,
    PromptCache,
    min_cacheable_tokens,
)
from fake_anthropic.prompt_tokens import ANSWER_START_TOKENS, breakpoint_count, prompt_blocks

MODEL = "claude-sonnet-5"
EPHEMERAL = {"type": "ephemeral"}
# About 1,500 tokens by the fake's estimate: above Sonnet 5's minimum of 1,024.
DOCUMENT = "Apples are tasty. " * 330


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def text(value: str, cached: bool = False) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "text", "text": value}
    if cached:
        block["cache_control"] = dict(EPHEMERAL)
    return block


def request(*messages: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"model": MODEL, "max_tokens": 100, "messages": list(messages), **extra}


def user(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"role": "user", "content": list(blocks)}


def assistant(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"role": "assistant", "content": list(blocks)}


def total_tokens(body: dict[str, Any]) -> int:
    return sum(block.tokens for block in prompt_blocks(body)) + ANSWER_START_TOKENS


def recorded_conversation() -> list[dict[str, Any]]:
    """The recording's three requests, with the document's text inline."""
    question = "What apple is not tasty? State only the name"
    first = user(text("What's the title of this document?"), text(DOCUMENT, cached=True))
    answer = assistant(text('The title of this document is **"Apples are tasty"**.'))
    plain_first = user(text("What's the title of this document?"), text(DOCUMENT))
    return [
        request(first),
        request(plain_first, answer, user(text(question, cached=True))),
        request(
            plain_first,
            answer,
            user(text(question)),
            assistant(text("Red delicious")),
            user(text(question, cached=True)),
        ),
    ]


def test_each_request_reads_what_the_ones_before_it_wrote() -> None:
    cache = PromptCache(Clock())
    first, second, third = (cache.account(body) for body in recorded_conversation())
    assert first.cache_read == 0 and first.input_tokens == ANSWER_START_TOKENS
    assert first.cache_write == total_tokens(recorded_conversation()[0]) - ANSWER_START_TOKENS
    assert second.cache_read == first.cache_write and second.input_tokens == ANSWER_START_TOKENS
    assert 0 < second.cache_write < first.cache_write
    assert third.cache_read == first.cache_write + second.cache_write
    assert third.input_tokens == ANSWER_START_TOKENS


def test_without_a_breakpoint_nothing_is_cached() -> None:
    cache = PromptCache(Clock())
    body = request(user(text(DOCUMENT)))
    for _ in range(2):
        assert cache.account(body) == InputUsage(total_tokens(body))


def test_a_prefix_below_the_minimum_is_neither_written_nor_read() -> None:
    cache = PromptCache(Clock())
    short = request(user(text("What is 6 x 7?", cached=True)))
    assert total_tokens(short) < min_cacheable_tokens(MODEL)
    for _ in range(2):
        assert cache.account(short) == InputUsage(total_tokens(short))


def test_the_minimum_depends_on_the_model() -> None:
    assert min_cacheable_tokens("claude-sonnet-5") == 1_024
    assert min_cacheable_tokens("claude-opus-5") == 512
    assert min_cacheable_tokens("claude-haiku-4-5-20251001") == 4_096
    cache = PromptCache(Clock())
    body = request(user(text(DOCUMENT, cached=True)), model="claude-haiku-4-5-20251001")
    assert total_tokens(body) < 4_096
    assert cache.account(body).cache_write == 0


def test_a_changed_early_byte_breaks_the_read() -> None:
    cache = PromptCache(Clock())
    body = request(user(text(DOCUMENT, cached=True)))
    cache.account(body)
    changed = copy.deepcopy(body)
    changed["messages"][0]["content"][0]["text"] = "a" + DOCUMENT[1:]
    usage = cache.account(changed)
    assert usage.cache_read == 0 and usage.cache_write == total_tokens(changed) - 2
    assert cache.account(body).cache_read == total_tokens(body) - 2  # the first is still there


def test_the_read_stops_at_the_breakpoint() -> None:
    cache = PromptCache(Clock())
    tail = text("A question asked after the cached part " * 20)
    body = request(user(text(DOCUMENT, cached=True), tail))
    first = cache.account(body)
    uncached_tail = total_tokens(body) - first.cache_write
    assert uncached_tail > ANSWER_START_TOKENS  # the block after the breakpoint is input
    second = cache.account(body)
    assert second.cache_read == first.cache_write
    assert second.input_tokens == uncached_tail and second.cache_write == 0


def test_a_read_reaches_back_at_most_twenty_blocks_from_a_breakpoint() -> None:
    def conversation(extra_blocks: int) -> dict[str, Any]:
        more = [text(f"step {i}") for i in range(extra_blocks)]
        return request(user(text(DOCUMENT)), assistant(*more), user(text("next")), **auto())

    for extra, reads in ((LOOKBACK_BLOCKS - 2, True), (LOOKBACK_BLOCKS + 1, False)):
        cache = PromptCache(Clock())
        cache.account(request(user(text(DOCUMENT)), **auto()))
        assert (cache.account(conversation(extra)).cache_read > 0) is reads


def auto() -> dict[str, Any]:
    return {"cache_control": dict(EPHEMERAL)}


def test_automatic_caching_marks_the_last_cacheable_block() -> None:
    thinking = {"type": "thinking", "thinking": "hm", "signature": "sig"}
    body = request(user(text(DOCUMENT)), assistant(text("ok"), thinking), **auto())
    marked = [i for i, block in enumerate(prompt_blocks(body)) if block.breakpoint_ttl]
    assert marked == [len(prompt_blocks(body)) - 2]  # the text before the thinking block


def test_moving_a_breakpoint_keeps_the_prefix() -> None:
    cache = PromptCache(Clock())
    written = cache.account(request(user(text(DOCUMENT, cached=True)))).cache_write
    later = request(user(text(DOCUMENT)), assistant(text("ok")), user(text("more")), **auto())
    assert cache.account(later).cache_read == written


def test_entries_expire_five_minutes_after_their_last_use() -> None:
    clock = Clock()
    cache = PromptCache(clock)
    body = request(user(text(DOCUMENT, cached=True)))
    cache.account(body)
    clock.now += 4 * 60
    assert cache.account(body).cache_read > 0  # used again: five more minutes
    clock.now += 4 * 60
    assert cache.account(body).cache_read > 0
    clock.now += 5 * 60 + 1
    usage = cache.account(body)
    assert usage.cache_read == 0 and usage.cache_write_5m > 0


def test_an_hour_long_breakpoint_is_written_as_such() -> None:
    clock = Clock()
    cache = PromptCache(clock)
    block = {**text(DOCUMENT), "cache_control": {"type": "ephemeral", "ttl": "1h"}}
    usage = cache.account(request(user(block)))
    assert usage.cache_write_1h > 0 and usage.cache_write_5m == 0
    clock.now += 30 * 60
    assert cache.account(request(user(block))).cache_read == usage.cache_write_1h


def test_another_model_does_not_read_the_cache() -> None:
    cache = PromptCache(Clock())
    cache.account(request(user(text(DOCUMENT, cached=True))))
    other = request(user(text(DOCUMENT, cached=True)), model="claude-opus-5")
    assert cache.account(other).cache_read == 0


def test_tools_and_system_come_first_and_a_changed_tool_misses_all() -> None:
    cache = PromptCache(Clock())
    tools = [{"type": "code_execution_20260521", "name": "code_execution"}]
    system = [text("You analyse data.", cached=True)]
    body = request(user(text("hello")), tools=tools, system=system)
    written = cache.account(body).cache_write
    assert written > 2_000  # the server tool's own definition is counted
    assert cache.account(body).cache_read == written
    other_tools = [{"type": "code_execution_20250825", "name": "code_execution"}]
    assert cache.account({**body, "tools": other_tools}).cache_read == 0


def test_a_breakpoint_is_counted_once_and_at_most_four_are_allowed() -> None:
    body = request(user(*(text(f"part {i}", cached=True) for i in range(4))), **auto())
    assert breakpoint_count(body) == 4  # the automatic one falls on a marked block
    body["messages"].append(assistant(text("ok")))
    assert breakpoint_count(body) == 5


@pytest.fixture
def client(fake_api: FakeAnthropic) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key="k", base_url=fake_api.base_url, max_retries=0)


def test_the_server_reports_the_usage_in_the_api_fields(
    fake_api: FakeAnthropic, client: anthropic.Anthropic
) -> None:
    first, second, _ = recorded_conversation()
    fake_api.enqueue(Turn((Text("Apples are tasty"),)), Turn((Text("Red delicious"),)))
    with client.messages.stream(**first) as stream:
        started = next(iter(stream)).message.usage
        written = stream.get_final_message().usage
    assert started.cache_creation_input_tokens == written.cache_creation_input_tokens > 0
    assert written.cache_creation.ephemeral_5m_input_tokens == written.cache_creation_input_tokens
    assert written.input_tokens == ANSWER_START_TOKENS and written.cache_read_input_tokens == 0
    read = client.messages.create(**second).usage
    assert read.cache_read_input_tokens == written.cache_creation_input_tokens


def test_the_server_refuses_a_fifth_breakpoint(
    fake_api: FakeAnthropic, client: anthropic.Anthropic
) -> None:
    body = request(user(*(text(f"part {i}", cached=True) for i in range(5))))
    with pytest.raises(anthropic.BadRequestError, match="maximum of 4 blocks"):
        client.messages.create(**body)
    assert fake_api.pending == 0  # nothing was queued, and nothing was taken


def test_a_scripted_usage_is_reported_as_scripted(
    fake_api: FakeAnthropic, client: anthropic.Anthropic
) -> None:
    fake_api.enqueue(Turn((Text("hi"),), input_tokens=5, cache_read_tokens=7))
    usage = client.messages.create(**recorded_conversation()[0]).usage
    assert (usage.input_tokens, usage.cache_read_input_tokens) == (5, 7)
