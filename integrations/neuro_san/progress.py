"""What the tool reports while a turn runs, as neuro-san progress structures.

neuro-san streams a coded tool's progress reports to its client, so the person sees each
code step and file as it happens instead of waiting for the whole answer.
"""

from __future__ import annotations

from typing import Any

from integrations.neuro_san.summary import first_lines, step_code, step_outcome
from services.turn.events import (
    CodeStepFinished,
    CodeStepInput,
    OutputFileReady,
    Retrying,
    TurnEvent,
)


def progress_of(event: TurnEvent) -> dict[str, Any] | None:
    """A JSON-ready report of the event, or None for events not worth one."""
    if isinstance(event, CodeStepInput) and event.complete:
        code = first_lines(step_code(event.tool, event.input))
        return {"event": "code_step", "tool": event.tool.value, "code": code}
    if isinstance(event, CodeStepFinished):
        outcome = step_outcome(event.result)
        return {"event": "code_step_finished", "tool": event.tool.value, "outcome": outcome}
    if isinstance(event, OutputFileReady):
        f = event.file
        return {"event": "file", "name": f.name, "size": f.size, "mime_type": f.mime_type}
    if isinstance(event, Retrying):
        return {"event": "retrying", "reason": event.reason, "seconds": event.delay_seconds}
    return None
