"""Answers to requests without tools: the app's follow-up questions call.

The app asks for next questions with a small, plain request (no tools, not streamed)
after an answer ends. Such a request takes the next answer scripted here, so the turns a
test scripts stay in order; with nothing scripted here or in the turn queue, it gets
`DEFAULT_ANSWER` (the keyless demo too). Each request answered here is also kept in
`requests`, and `FakeAnthropic.message_requests()` leaves it out.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

from .script import Fault, RecordedRequest, Reply, Step, Text, Turn

DEFAULT_QUESTIONS = (
    "Show the same numbers as a bar chart",
    "Which month changed the most, and by how much?",
    "Add a three-month moving average",
)
DEFAULT_ANSWER = Turn(
    (Text("\n".join(f"{i}. {q}" for i, q in enumerate(DEFAULT_QUESTIONS, start=1))),),
    input_tokens=700,
    output_tokens=40,
)


def answer(*questions: str, input_tokens: int = 700, output_tokens: int = 40) -> Turn:
    """A follow-up reply as a model writes it: numbered lines."""
    text = "\n".join(f"{i}. {q}" for i, q in enumerate(questions, start=1))
    return Turn((Text(text),), input_tokens=input_tokens, output_tokens=output_tokens)


def is_turn_request(record: RecordedRequest) -> bool:
    """A Messages API request that a turn sent (not a follow-up questions call)."""
    messages = record.method == "POST" and record.path == "/v1/messages"
    return messages and not record.extra.get("follow_up")


class FollowUpScript:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[Step] = deque()
        self.requests: list[dict[str, Any]] = []  # the bodies answered from here

    def enqueue(self, *steps: Step) -> None:
        with self._lock:
            self._queue.extend(steps)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def take(self, body: dict[str, Any], turns_pending: int) -> Turn | Fault | None:
        """The answer for a request without tools, or None: the turn queue answers it."""
        if body.get("tools"):
            return None
        with self._lock:
            step = self._queue.popleft() if self._queue else None
            if step is None and turns_pending:
                return None  # a test scripted this plain request as a turn
            self.requests.append(body)
        if step is None:
            return DEFAULT_ANSWER
        return step.make(body) if isinstance(step, Reply) else step
