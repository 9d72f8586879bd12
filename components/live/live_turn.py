"""A running turn as the page session keeps it: the handle, what was sent, the events
read so far and the model they make."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from components.live.model import LiveModel
from services.conversation import Attachment
from services.conversations import StartedTurn
from services.turn.events import TurnEvent, TurnFinished
from services.turn.handle import TurnHandle

REDRAW_SECONDS = 0.05


@dataclass(frozen=True)
class Prompt:
    """What the person sent, kept to show it (and to send it again) while the turn runs."""

    text: str
    attachments: tuple[Attachment, ...] = ()


@dataclass
class LiveTurn:
    handle: TurnHandle
    prompt: Prompt
    base_len: int  # messages in the conversation before this turn
    started: float = field(default_factory=time.monotonic)
    events: list[TurnEvent] = field(default_factory=list)
    model: LiveModel = field(default_factory=LiveModel)
    followed: float = field(default_factory=time.monotonic)  # a page last read events
    turn: StartedTurn | None = None  # the service's record of the start, to finish it

    def pull(self, wait: float = REDRAW_SECONDS, gather_until: float = 0.0) -> set[int]:
        """Wait up to `wait` seconds for an event, then apply it, those already waiting and
        those that arrive before `gather_until` (a monotonic time: until then nothing could
        be drawn anyway, and one wake-up takes them all), for at most `wait` or REDRAW_SECONDS
        (the longer), so a fast stream is still drawn; return what changed."""
        dirty: set[int] = set()
        event = self.handle.get(timeout=wait)
        deadline = time.monotonic() + max(wait, REDRAW_SECONDS)
        while event is not None:
            self.events.append(event)
            dirty |= self.model.apply(event)
            now = time.monotonic()
            if isinstance(event, TurnFinished) or now >= deadline:
                break
            event = self.handle.get(timeout=max(0.0, min(gather_until, deadline) - now))
        return dirty
