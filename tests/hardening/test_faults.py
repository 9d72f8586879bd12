"""Every fault kind the API and the network produce, tried on the page: each says what
happened in plain words, keeps every word that streamed, and a reload shows the same."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from streamlit.testing.v1 import AppTest

from fake_anthropic import Drop, FakeAnthropic, Fault, StreamError, Text, Turn
from fake_anthropic.script import Step
from services.store import Store
from tests.components.support import send, texts, user_message
from tests.hardening.support import mentions, no_crash, reload_matches

QUESTION = "How did sales do?"
ANSWER = "Sales rose by a fifth."
PARTIAL = "Sales rose"
NO_ANSWER_MARK = "No answer: the request failed before Claude replied."
FAILED_MARK = "Failed: an error ended this answer."


@dataclass(frozen=True)
class FaultCase:
    """What the API does to the turn, what the page must say, what answer stays."""

    steps: tuple[Step, ...]
    says: str  # words the page shows ("" when the answer itself is all it shows)
    answer: tuple[str, ...]  # the assistant's markdown once the turn ends
    retry_offered: bool = False
    marked: str = ""  # how the turn is marked, on the page and after a reload

    def __post_init__(self) -> None:
        if self.retry_offered and not self.marked:
            mark = FAILED_MARK if self.answer else NO_ANSWER_MARK
            object.__setattr__(self, "marked", mark)


def answered() -> Turn:
    return Turn((Text(ANSWER),))


def partial_then(block: StreamError | Drop) -> Turn:
    return Turn((Text(PARTIAL, chunk_size=4), block))


CASES = {
    "429 with a short retry-after": FaultCase(
        (Fault(429, "rate_limit_error", "Slow down", retry_after=0.2), answered()), "", (ANSWER,)
    ),
    "429 with a long retry-after": FaultCase(
        (Fault(429, "rate_limit_error", "Slow down", retry_after=600),),
        "asked to wait 600 s",
        (),
        retry_offered=True,
    ),
    "529 overloaded once": FaultCase(
        (Fault(529, "overloaded_error", "Overloaded"), answered()), "", (ANSWER,)
    ),
    "500 once": FaultCase((Fault(500, "api_error", "Internal error"), answered()), "", (ANSWER,)),
    "500 that persists": FaultCase(
        (Fault(500, "api_error", "Internal error"),) * 2,
        "Gave up after 2 attempts",
        (),
        retry_offered=True,
    ),
    "event: error mid-stream": FaultCase(
        (partial_then(StreamError("overloaded_error", "Overloaded")),),
        "Overloaded",
        (PARTIAL,),
        retry_offered=True,
    ),
    "a cut connection mid-stream": FaultCase(
        (partial_then(Drop()),), "The connection", (PARTIAL,), retry_offered=True
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_an_api_fault_is_said_kept_and_reloads_the_same(
    quick_retries: AppTest, fake_api: FakeAnthropic, store: Store, case: FaultCase
) -> None:
    at = quick_retries
    fake_api.enqueue(*case.steps)
    at.run()
    send(at, QUESTION)
    no_crash(at)
    assert fake_api.pending == 0  # every scripted answer was asked for: no more, no less
    if case.says:
        assert mentions(at, case.says)
    if case.marked:
        assert mentions(at, case.marked)
    assert user_message(at).markdown[0].value == QUESTION
    answers = [m for m in at.chat_message if m.name == "assistant"]
    assert [texts(m.markdown) for m in answers] == ([list(case.answer)] if case.answer else [])
    assert bool([b for b in at.button if b.key == "retry_turn"]) == case.retry_offered
    reloaded = reload_matches(at, store, [QUESTION, *case.answer])
    assert mentions(reloaded, case.marked) if case.marked else not reloaded.error
