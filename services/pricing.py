"""What a turn cost: one per-model price table, and an estimate of container time.

Prices are USD per million tokens, copied from the project's price reference
(models-and-prices.md, "Claude models and prices as published by late 2026": Anthropic's
model pages and comparison table; rows marked secondary there came from the release notes
of pricing tools). The newest price change the table lists took effect on PRICES_AS_OF. Update the
rows here, and only here, when Anthropic publishes new prices.

A model that is not in the table is "price unknown": its tokens are still reported, its
cost is None. A price the table leaves blank (for example a cache rate nobody published)
makes the cost unknown only when the turn actually used that kind of token.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.turn.events import TokenCounts

__all__ = ["TokenCounts", "cost_usd", "token_counts"]
from services.turn.tools import CODE_EXECUTION_NAMES, WEB_TOOL_NAMES, WEB_TOOLS

PRICES_AS_OF = date(2026, 10, 7)
PRICES_SOURCE = (
    "Anthropic model pages (sonnet-5, opus-5) and model comparison table; "
    "secondary sources for older and newer models, per the project's price reference"
)
PER_MILLION = 1_000_000


@dataclass(frozen=True)
class ModelPrice:
    """USD per million tokens; None where no price was published."""

    input: float
    output: float
    cache_write_5m: float | None
    cache_write_1h: float | None
    cache_read: float | None
    effective_from: date = date(2025, 1, 1)
    # Haiku 5.5 charges more once the prompt passes a size; None: one flat rate.
    long_prompt_over: int | None = None
    long_input: float | None = None
    long_output: float | None = None


_SONNET_5 = ModelPrice(2.00, 10.00, 2.50, 4.00, 0.20)
_OPUS_5 = ModelPrice(5.00, 25.00, 6.25, 10.00, 0.50)
_OPUS_4 = ModelPrice(5.00, 25.00, 6.25, 10.00, 0.50)
_SONNET_4 = ModelPrice(3.00, 15.00, 3.75, 6.00, 0.30)

# model id -> its prices over time, oldest first.
PRICE_TABLE: dict[str, tuple[ModelPrice, ...]] = {
    "claude-sonnet-5": (_SONNET_5,),
    "claude-sonnet-5-5": (
        ModelPrice(2.00, 10.00, 2.50, 4.00, 0.20),
        ModelPrice(2.00, 10.00, 2.50, 4.00, 0.10, effective_from=date(2026, 10, 7)),
    ),
    "claude-opus-5": (_OPUS_5,),
    # cache read is published as 0.05x input; cache writes were not published.
    "claude-opus-5-5": (ModelPrice(4.00, 20.00, None, None, 0.20),),
    "claude-haiku-5-5": (
        ModelPrice(
            0.10,
            0.50,
            0.125,
            0.20,
            0.01,
            long_prompt_over=100_000,
            long_input=0.50,
            long_output=2.50,
        ),
    ),
    "claude-fable-5-1": (ModelPrice(10.00, 50.00, None, None, None),),
    "claude-opus-4-5": (_OPUS_4,),
    "claude-opus-4-6": (_OPUS_4,),
    "claude-opus-4-7": (_OPUS_4,),
    "claude-opus-4-8": (_OPUS_4,),
    "claude-sonnet-4-5": (_SONNET_4,),
    "claude-sonnet-4-6": (_SONNET_4,),
    "claude-haiku-4-5": (ModelPrice(1.00, 5.00, 1.25, 2.00, 0.10),),
}

_DATE_SUFFIX = re.compile(r"-\d{8}$")


def price_for(model: str, on: date | None = None) -> ModelPrice | None:
    """The row in force on `on` (today by default); dated ids like -20250929 match too."""
    rows = PRICE_TABLE.get(model) or PRICE_TABLE.get(_DATE_SUFFIX.sub("", model))
    if not rows:
        return None
    day = on or date.today()
    in_force = [row for row in rows if row.effective_from <= day]
    return in_force[-1] if in_force else rows[0]


def _part(tokens: int, rate: float | None) -> float | None:
    if tokens == 0:
        return 0.0
    return None if rate is None else tokens * rate / PER_MILLION


def cost_usd(model: str, tokens: TokenCounts, on: date | None = None) -> float | None:
    """The cost of these tokens, or None when the model or a needed rate is not known."""
    price = price_for(model, on)
    if price is None:
        return None
    input_rate, output_rate = price.input, price.output
    if price.long_prompt_over is not None and tokens.prompt > price.long_prompt_over:
        input_rate = price.long_input if price.long_input is not None else input_rate
        output_rate = price.long_output if price.long_output is not None else output_rate
    parts = [
        _part(tokens.input, input_rate),
        _part(tokens.output, output_rate),
        _part(tokens.cache_read, price.cache_read),
        _part(tokens.cache_write_5m, price.cache_write_5m),
        _part(tokens.cache_write_1h, price.cache_write_1h),
    ]
    if any(part is None for part in parts):
        return None
    return sum(part for part in parts if part is not None)


def token_counts(usage: dict[str, Any]) -> TokenCounts:
    """Read the API's usage object; cache writes without a breakdown count as 5-minute."""
    written = int(usage.get("cache_creation_input_tokens") or 0)
    breakdown = usage.get("cache_creation") or {}
    one_hour = int(breakdown.get("ephemeral_1h_input_tokens") or 0)
    one_hour = min(one_hour, written) if written else one_hour
    return TokenCounts(
        input=int(usage.get("input_tokens") or 0),
        output=int(usage.get("output_tokens") or 0),
        cache_read=int(usage.get("cache_read_input_tokens") or 0),
        cache_write_5m=max(written - one_hour, 0),
        cache_write_1h=one_hour,
    )


# --- container time ---------------------------------------------------------------------

CONTAINER_USD_PER_HOUR = 0.05
CONTAINER_MINIMUM_SECONDS = 5 * 60


@dataclass(frozen=True)
class ContainerTimeEstimate:
    """An estimate only: the API does not report container time per message."""

    executions: int
    billed_hours: float
    cost_usd: float
    label: str
    web_turns: int = 0  # turns with a web tool: their executions are not billed
    free_executions: int = 0  # code executions in those turns, at $0


def count_code_executions(content: Iterable[dict[str, Any]]) -> int:
    """Code-execution calls in an assistant message's content blocks."""
    return sum(
        1
        for block in content
        if block.get("type") == "server_tool_use" and block.get("name") in CODE_EXECUTION_NAMES
    )


_WEB_RESULTS = frozenset(tool.result_type for tool in WEB_TOOLS)


def used_web_tools(content: Iterable[dict[str, Any]]) -> bool:
    """Whether an assistant message shows a web search or fetch. The app sends only web
    tools of `_20260209` or later (services/turn/web.py), and with those in the request
    code execution is not billed separately."""
    return any(
        (block.get("type") == "server_tool_use" and block.get("name") in WEB_TOOL_NAMES)
        or block.get("type") in _WEB_RESULTS
        for block in content
    )


def conversation_container_estimate(
    messages: Iterable[dict[str, Any]],
) -> ContainerTimeEstimate:
    """The container-time estimate of a conversation's stored turns: executions in turns
    that used a web tool cost $0, the others the five-minute minimum each."""
    billed = free = web_turns = 0
    for message in messages:
        content = message.get("content")
        if message.get("role") != "assistant" or not isinstance(content, list):
            continue
        executions = count_code_executions(content)
        if used_web_tools(content):
            web_turns, free = web_turns + 1, free + executions
        else:
            billed += executions
    return estimate_container_cost(billed, free_executions=free, web_turns=web_turns)


def estimate_container_cost(
    executions: int,
    seconds_each: Iterable[float] = (),
    free_executions: int = 0,
    web_turns: int = 0,
) -> ContainerTimeEstimate:
    """Bill each execution for at least five minutes at $0.05 per container-hour.

    `seconds_each` gives measured durations when known; executions without one count the
    minimum. The organisation's monthly free hours are ignored, so this is an upper bound.
    """
    measured = [max(float(s), CONTAINER_MINIMUM_SECONDS) for s in seconds_each][:executions]
    unmeasured = executions - len(measured)
    seconds = sum(measured) + unmeasured * CONTAINER_MINIMUM_SECONDS
    hours = seconds / 3600
    cost = hours * CONTAINER_USD_PER_HOUR
    label = (
        f"Estimated container time: {executions} execution(s), about {hours * 60:.0f} min, "
        f"≈ ${cost:.4f} (estimate: 5-minute minimum per execution at "
        f"${CONTAINER_USD_PER_HOUR:.2f}/hour, before the monthly free hours; "
        "the API does not report container time per message)"
    )
    if web_turns:
        label += (
            f"; {web_turns} turn(s) with web search or fetch, {free_executions} execution(s) "
            "in them: $0 (code execution is not billed when a web tool is in the request)"
        )
    return ContainerTimeEstimate(executions, hours, cost, label, web_turns, free_executions)
