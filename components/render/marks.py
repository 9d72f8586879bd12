"""The captions under answers that did not end normally, under unanswered messages, and
under a message the code environment was reset for.

Each stored message has a status; an answer stopped, failed, or still in progress when
its server went away is marked when drawn. An answer in progress whose turn still runs (in
this process, or on another server holding its lease) is being written, not interrupted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.conversation import MessageStatus
from services.turn.prompt import is_reset_note

STATUS_MARKS = {
    MessageStatus.STOPPED: ":material/stop_circle: Stopped: this answer was cut short.",
    MessageStatus.FAILED: ":material/error: Failed: an error ended this answer.",
    MessageStatus.IN_PROGRESS: (
        ":material/warning: Interrupted: the app stopped before this answer was finished."
    ),
    MessageStatus.SERVER_ERROR: (
        ":material/error: Failed: the API kept answering with a server error. The code "
        "environment was kept with its files; send the message again to continue in it."
    ),
}
STILL_RUNNING_MARK = (
    ":material/progress_activity: Still being written; this page updates when it is done."
)
NO_ANSWER_MARK = ":material/error: No answer: the request failed before Claude replied."
RESET_MARK = (
    ":material/restart_alt: The code environment was reset for this message: files and "
    "variables made earlier were gone, and your uploaded files were attached again."
)


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
    for position in reset_before(messages):
        shown[position] = "  \n".join(m for m in (RESET_MARK, shown.get(position)) if m)
    return shown


def reset_before(messages: Sequence[dict[str, Any]]) -> list[int]:
    """Positions of the person's messages the container was replaced for (they carry the
    app's reset note), so that a reload still says what the live turn said."""
    return [
        position
        for position, message in enumerate(messages)
        if message.get("role") == "user" and _has_reset_note(message.get("content"))
    ]


def _has_reset_note(content: Any) -> bool:
    blocks = content if isinstance(content, list) else []
    return any(isinstance(b, dict) and is_reset_note(b) for b in blocks)


def unanswered(messages: Sequence[dict[str, Any]], running: bool) -> list[int]:
    """Positions of the person's messages that no answer follows; the last one counts
    only when no turn is running (its answer may still be on its way)."""
    roles = [m.get("role") for m in list(messages)]
    found = [i for i in range(len(roles) - 1) if roles[i] == roles[i + 1] == "user"]
    if roles and roles[-1] == "user" and not running:
        found.append(len(roles) - 1)
    return found
