"""Follow-up questions: up to three short next questions after a finished answer.

One small, plain call (no tools, not streamed) to the cheapest active model the price
table knows, given only the person's question, Claude's final text and one line per code
step, so the request stays a few thousand characters. The answer's own text is never
changed; the questions are parsed from the reply (numbered or bulleted lines, or JSON)
and checked before anyone sees them. Any failure means no questions: `ask_follow_ups`
raises `FollowUpFailed` saying why, and the turn's job logs it and goes on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import anthropic

from services.pricing import cost_usd, token_counts
from services.turn.events import TokenCounts, Usage
from services.turn.tools import CODE_EXECUTION_NAMES

MAX_FOLLOW_UPS = 3
MAX_QUESTION_CHARS = 120  # a button label, not a paragraph
TIMEOUT_SECONDS = 10.0  # the turn waits this long at most before it ends without them
MAX_TOKENS = 600  # room for a few short lines (and a thinking model's brief thinking)
QUESTION_CHARS = 1_000
ANSWER_CHARS = 2_000  # the end of the answer: where its conclusions are
STEP_CHARS = 120
MAX_STEPS = 8
# What a follow-up request roughly uses: models are compared on what it would cost.
TYPICAL_TOKENS = TokenCounts(input=1_500, output=150)

SYSTEM = (
    "You suggest what a person might ask next in a data-analysis chat where an assistant "
    "writes and runs code. Reply with at most three short follow-up questions, one per "
    "line, numbered, each under 80 characters, written as the person would type them. "
    "No other text."
)


class FollowUpFailed(Exception):
    """No follow-up questions this time; the message says why (for the log)."""


@dataclass(frozen=True)
class FinishedTurn:
    """What the follow-up call is told about the turn that just ended."""

    question: str
    answer: str
    steps: tuple[str, ...] = ()

    @classmethod
    def of(cls, question: str, content: Iterable[dict[str, Any]]) -> FinishedTurn:
        """The turn from the person's text and the answer's API content blocks."""
        blocks = list(content)
        answer = "\n\n".join(
            str(b.get("text") or "").strip() for b in blocks if b.get("type") == "text"
        ).strip()
        steps = tuple(
            summary
            for b in blocks
            if b.get("type") == "server_tool_use" and b.get("name") in CODE_EXECUTION_NAMES
            if (summary := step_summary(b.get("input")))
        )
        return cls(question.strip(), answer, steps)


@dataclass(frozen=True)
class FollowUps:
    questions: tuple[str, ...]
    usage: Usage  # the call's tokens and cost, counted like any other call's


def step_summary(tool_input: Any) -> str:
    """One short line for a code step: its first non-blank line of code or command."""
    if not isinstance(tool_input, dict):
        return ""
    source = tool_input.get("code") or tool_input.get("command") or ""
    lines = [line.strip() for line in str(source).splitlines() if line.strip()]
    line = lines[0] if lines else ""
    path = tool_input.get("path")
    if path and line in ("view", "create", "str_replace"):
        line = f"{line} {path}"
    return _clip(line, STEP_CHARS)


def _clip(text: str, limit: int, keep_end: bool = False) -> str:
    if len(text) <= limit:
        return text
    return "…" + text[-(limit - 1) :] if keep_end else text[: limit - 1] + "…"


# --- which model ------------------------------------------------------------------------


def cheapest_model(candidates: Sequence[str], fallback: str, on: date | None = None) -> str:
    """The candidate a follow-up request costs least on (by the dated price table);
    `fallback` (the conversation's model) when none of them has a known price."""
    priced = []
    for order, model in enumerate(candidates):
        cost = cost_usd(model, TYPICAL_TOKENS, on)
        if cost is not None:
            priced.append((cost, order, model))
    return min(priced)[2] if priced else fallback


# --- the request and its answer ---------------------------------------------------------


def follow_up_prompt(turn: FinishedTurn) -> str:
    steps = "\n".join(f"- {_clip(s, STEP_CHARS)}" for s in turn.steps[:MAX_STEPS]) or "(none)"
    return (
        f"<question>\n{_clip(turn.question, QUESTION_CHARS)}\n</question>\n"
        f"<code_steps>\n{steps}\n</code_steps>\n"
        f"<answer>\n{_clip(turn.answer, ANSWER_CHARS, keep_end=True)}\n</answer>\n"
        "Suggest up to three short questions the person could ask next about this analysis."
    )


def follow_up_params(turn: FinishedTurn, model: str, output_limit: int | None) -> dict[str, Any]:
    """The request: only what every current model accepts (no sampling, no thinking
    budget, no tools or tool choice), max_tokens within the model's own limit."""
    max_tokens = MAX_TOKENS if output_limit is None else max(1, min(MAX_TOKENS, output_limit))
    return {
        "model": model,
        "max_tokens": max_tokens,
        "system": SYSTEM,
        "messages": [{"role": "user", "content": follow_up_prompt(turn)}],
    }


def ask_follow_ups(
    client: anthropic.Anthropic, turn: FinishedTurn, model: str, output_limit: int | None = None
) -> FollowUps:
    """One plain call and its parsed questions; FollowUpFailed when there are none."""
    if not turn.answer:
        raise FollowUpFailed("the answer has no text to follow up on")
    quick = client.with_options(timeout=TIMEOUT_SECONDS, max_retries=0)
    try:
        message = quick.messages.create(**follow_up_params(turn, model, output_limit))
    except Exception as exc:  # API errors, timeouts, an unreadable answer: never the turn's
        raise FollowUpFailed(f"the request failed: {type(exc).__name__}: {exc}") from exc
    counts = token_counts(message.usage.model_dump())
    answered_by = message.model or model
    usage = Usage(answered_by, counts, cost_usd(answered_by, counts))
    text = "\n".join(b.text for b in message.content if getattr(b, "type", None) == "text")
    questions = parse_questions(text)
    if not questions:
        raise FollowUpFailed(f"no usable question in the reply ({len(text)} characters)")
    return FollowUps(questions, usage)


# --- reading the reply ------------------------------------------------------------------

_MARKER = re.compile(r"^\s*(?:[-*•+]|\(?\d{1,2}[.):]|#{1,6})(?=\s|$)\s*")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`|~~)")
_QUOTES = "\"'“”‘’"
_JSON_KEYS = ("questions", "follow_ups", "followups", "follow_up_questions")


def parse_questions(text: str) -> tuple[str, ...]:
    """At most three distinct, short questions from a reply: JSON (a list of strings, or
    an object holding one) or lines, numbered, bulleted or plain; markdown stripped."""
    found = _from_json(text)
    if found is None:
        lines = [line for line in text.splitlines() if line.strip()]
        marked = [line for line in lines if _MARKER.match(line)]
        # Numbered or bulleted lines are the questions; a line around them is a preamble.
        found = marked or lines
    questions: list[str] = []
    seen: set[str] = set()
    for raw in found:
        question = _clean(raw)
        key = question.casefold()
        if not question or len(question) > MAX_QUESTION_CHARS or key in seen:
            continue
        if question.endswith(":"):
            continue  # a heading ("Here are some questions:"), not a question
        seen.add(key)
        questions.append(question)
        if len(questions) == MAX_FOLLOW_UPS:
            break
    return tuple(questions)


def _from_json(text: str) -> list[str] | None:
    body = text.strip().removeprefix("```json").removeprefix("```").removesuffix("```").strip()
    if not body.startswith(("[", "{")):
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None  # not JSON after all: read as lines
    if isinstance(data, dict):
        data = next((data[k] for k in _JSON_KEYS if isinstance(data.get(k), list)), None)
    return [item for item in data if isinstance(item, str)] if isinstance(data, list) else []


def _clean(line: str) -> str:
    text = _MARKER.sub("", line, count=1)
    text = _EMPHASIS.sub("", text)
    text = "".join(ch for ch in text if ch.isprintable())
    text = " ".join(text.split()).strip(_QUOTES).strip()
    return text
