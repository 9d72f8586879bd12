"""The price table, token counting and the container-time estimate."""

from __future__ import annotations

from datetime import date

import pytest

from services.pricing import (
    PRICE_TABLE,
    PRICES_AS_OF,
    PRICES_SOURCE,
    TokenCounts,
    conversation_container_estimate,
    cost_usd,
    count_code_executions,
    estimate_container_cost,
    price_for,
    token_counts,
)


def test_the_table_is_dated_and_sourced() -> None:
    assert PRICES_AS_OF.year >= 2026
    assert "Anthropic" in PRICES_SOURCE
    assert "claude-sonnet-5" in PRICE_TABLE


def test_sonnet_5_prices_every_kind_of_token() -> None:
    tokens = TokenCounts(
        input=1_000_000,
        output=1_000_000,
        cache_read=1_000_000,
        cache_write_5m=1_000_000,
        cache_write_1h=1_000_000,
    )
    assert cost_usd("claude-sonnet-5", tokens) == pytest.approx(2.00 + 10.00 + 0.20 + 2.50 + 4.00)


def test_dated_model_ids_use_their_family_row() -> None:
    tokens = TokenCounts(input=1_000_000, output=100_000)
    assert cost_usd("claude-sonnet-4-5-20250929", tokens) == pytest.approx(3.00 + 1.50)
    assert cost_usd("claude-haiku-4-5-20251001", tokens) == pytest.approx(1.00 + 0.50)


def test_a_model_not_in_the_table_has_no_price() -> None:
    assert price_for("claude-imaginary-9") is None
    assert cost_usd("claude-imaginary-9", TokenCounts(input=10, output=10)) is None


def test_an_unpublished_rate_makes_the_cost_unknown_only_when_used() -> None:
    assert cost_usd("claude-fable-5-1", TokenCounts(input=1_000_000)) == pytest.approx(10.00)
    assert cost_usd("claude-fable-5-1", TokenCounts(input=10, cache_read=10)) is None


def test_price_changes_apply_from_their_date() -> None:
    tokens = TokenCounts(cache_read=1_000_000)
    assert cost_usd("claude-sonnet-5-5", tokens, on=date(2026, 10, 1)) == pytest.approx(0.20)
    assert cost_usd("claude-sonnet-5-5", tokens, on=date(2026, 10, 7)) == pytest.approx(0.10)


def test_long_prompts_cost_more_on_haiku_5_5() -> None:
    short = TokenCounts(input=100_000, output=1_000_000)
    long = TokenCounts(input=100_001, output=1_000_000)
    assert cost_usd("claude-haiku-5-5", short) == pytest.approx(0.01 + 0.50)
    assert cost_usd("claude-haiku-5-5", long) == pytest.approx(100_001 * 0.50 / 1e6 + 2.50)


def test_token_counts_read_the_api_usage_object() -> None:
    usage = {
        "input_tokens": 12,
        "output_tokens": 34,
        "cache_read_input_tokens": 56,
        "cache_creation_input_tokens": 100,
        "cache_creation": {"ephemeral_5m_input_tokens": 70, "ephemeral_1h_input_tokens": 30},
    }
    counts = token_counts(usage)
    assert counts == TokenCounts(12, 34, 56, 70, 30)
    assert counts.cache_write == 100
    assert (counts + counts).total == 2 * (12 + 34 + 56 + 100)


def test_cache_writes_without_a_breakdown_count_as_five_minute() -> None:
    counts = token_counts({"input_tokens": 1, "cache_creation_input_tokens": 9})
    assert (counts.cache_write_5m, counts.cache_write_1h) == (9, 0)


def test_container_time_is_an_estimate_with_a_five_minute_minimum() -> None:
    estimate = estimate_container_cost(3, seconds_each=[10, 600])
    # 5 min (minimum) + 10 min (measured) + 5 min (unmeasured) = 20 min
    assert estimate.billed_hours == pytest.approx(20 / 60)
    assert estimate.cost_usd == pytest.approx(20 / 60 * 0.05)
    assert "estimate" in estimate.label.lower()
    assert "5-minute minimum" in estimate.label


def test_code_executions_are_counted_from_the_record() -> None:
    content = [
        {"type": "text", "text": "hi"},
        {"type": "server_tool_use", "name": "bash_code_execution", "id": "a", "input": {}},
        {"type": "server_tool_use", "name": "web_search", "id": "b", "input": {}},
        {"type": "server_tool_use", "name": "code_execution", "id": "c", "input": {}},
    ]
    assert count_code_executions(content) == 2


def test_turns_with_web_tools_cost_no_container_time() -> None:
    code = {"type": "server_tool_use", "name": "bash_code_execution", "id": "a", "input": {}}
    search = {"type": "server_tool_use", "name": "web_search", "id": "w", "input": {}}
    fetched = {"type": "web_fetch_tool_result", "tool_use_id": "f", "content": {}}
    messages = [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": [code, code]},  # billed: two executions
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": [search, code]},  # a web turn: free
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": [fetched]},  # a web turn without code
    ]
    estimate = conversation_container_estimate(messages)
    assert (estimate.executions, estimate.web_turns, estimate.free_executions) == (2, 2, 1)
    assert estimate.billed_hours == pytest.approx(10 / 60)
    assert "2 turn(s) with web search or fetch" in estimate.label and "$0" in estimate.label
    only_web = conversation_container_estimate(messages[2:])
    assert only_web.cost_usd == 0 and only_web.executions == 0 and only_web.web_turns == 2
