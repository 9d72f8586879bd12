"""A finished turn's follow-up questions, asked on a thread of their own.

The turn's worker waits for them before it ends the turn, at most the call's short
timeout, and Stop ends the wait at once. Whatever goes wrong, the answer is no
questions and a log line saying why; the turn itself never fails for them.
"""

from __future__ import annotations

import logging
import threading

import anthropic

from services.followups import (
    TIMEOUT_SECONDS,
    FinishedTurn,
    FollowUpFailed,
    FollowUps,
    ask_follow_ups,
    cheapest_model,
)
from services.models import ModelOffer
from services.turn.handle import TurnHandle

log = logging.getLogger(__name__)
Answer = list[FollowUps | Exception]


def ask_until_stopped(
    client: anthropic.Anthropic,
    handle: TurnHandle,
    turn: FinishedTurn,
    offer: ModelOffer | None,
    fallback_model: str,
) -> FollowUps | None:
    """The questions from the cheapest listed model (else `fallback_model`), or None."""
    model = cheapest_model(offer.models if offer is not None else (), fallback_model)
    limit = offer.output_limit(model) if offer is not None else None
    done = threading.Event()
    answer: Answer = []

    def call() -> None:
        try:
            answer.append(ask_follow_ups(client, turn, model, limit))
        except Exception as exc:  # handed to the worker, which says why
            answer.append(exc)
        finally:
            done.set()

    if not handle.set_abort(done.set):
        log.info("no follow-up questions: Stop was pressed")
        return None
    threading.Thread(target=call, name="follow-ups", daemon=True).start()
    try:
        done.wait(TIMEOUT_SECONDS + 1)
    finally:
        handle.set_abort(None)
    return _answered(handle, answer, model)


def _answered(handle: TurnHandle, answer: Answer, model: str) -> FollowUps | None:
    if handle.stop_requested:
        log.info("no follow-up questions: Stop was pressed")
    elif not answer:
        log.warning("no follow-up questions: %s did not answer in time", model)
    elif isinstance(answer[0], FollowUpFailed):
        log.warning("no follow-up questions from %s: %s", model, answer[0])
    elif isinstance(answer[0], Exception):
        log.error("no follow-up questions from %s", model, exc_info=answer[0])
    else:
        return answer[0]
    return None
