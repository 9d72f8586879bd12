"""The captions under answers that did not end normally, and under unanswered messages.

Each stored message has a status; an answer stopped, failed, or still in progress when
its server went away is marked when drawn. An answer in progress whose turn still runs (in
this process, or on another server holding its lease) is being written, not interrupted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.conversation import MessageStatus

STATUS_MARKS = {
    MessageStatus.STOPPED: ":material/stop_circle: Stopped: this answer was cut short.",
    MessageStatus.FAILED: ":material/error: Failed: an error ended this answer.",
    MessageStatus.IN_PROGRESS: (
        ":material/warning: Interrupted: the app stopped before this answer was finished."
    ),
}
STILL_RUNNING_MARK = (
    ":material/progress_activity: Still being written; this page updates when it is done."
)
NO_ANSWER_MARK = ":material/error: No answer: the request failed before Claude replied."


def marks(
    messages: Sequence[dict[str, Any]], statuses: Mapping[int, MessageStatus], running: bool
) -> dict[int, str]:
    """Captions by message position; `running`: a turn of this conversation runs."""
    shown = dict.fromkeys(unanswered(messages, running), NO_ANSWER_MARK)
    for position, status in statuses.items():
        if status is MessageStatus.IN_PROGRESS and running:
            shown[position] = STILL_RUNNING_MARK
        elif status in STATUS_MARKS:
            shown[position] = STATUS_MARKS[status]
    return shown


def unanswered(messages: Sequence[dict[str, Any]], running: bool) -> list[int]:
    """Positions of the person's messages that no answer follows; the last one counts
    only when no turn is running (its answer may still be on its way)."""
    roles = [m.get("role") for m in list(messages)]
    found = [i for i in range(len(roles) - 1) if roles[i] == roles[i + 1] == "user"]
    if roles and roles[-1] == "user" and not running:
        found.append(len(roles) - 1)
    return found
