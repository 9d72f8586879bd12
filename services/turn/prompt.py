"""The system prompt and the notes the app adds to a user message.

A note is a text block marked with APP_NOTE_KEY (the page hides it; the mark is not sent)
whose text is wrapped in the app-note tag, which the system prompt tells Claude comes
from the app. A person's own text never carries the tag to Claude: `person_text` escapes
it, so a note cannot be forged by typing one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from services.turn.events import APP_NOTE_KEY, APP_NOTE_PREFIX, is_app_note

APP_NOTE_SUFFIX = "</app_note>"
_TAG = re.compile(r"<(\s*/?\s*app_note)", re.IGNORECASE)

SYSTEM_PROMPT = f"""\
You are a data analysis assistant. You write and run code in a sandboxed container \
(bash and Python with pandas, numpy, scipy, scikit-learn, matplotlib and seaborn; \
no internet access).

Files the person attaches are in the directory $INPUT_DIR; read them from there.

Only files copied into $OUTPUT_DIR reach the person. Each command gets its own empty \
$OUTPUT_DIR, so copy every file meant for the person into it within the same command \
that makes or finishes it, for example `python plot.py && cp chart.png "$OUTPUT_DIR/"`. \
Save charts as PNG and tables as CSV. \
Beside each chart PNG, also save its Vega-Lite v6 spec as JSON with the same stem \
(`sales.png` and `sales.vl.json`) in $OUTPUT_DIR, with the chart's data inline in \
`data.values` and no URLs anywhere in it: the page draws it as an interactive chart. \
Never point the person to a path elsewhere in the container: they cannot open it.

Keep answers short. Show the numbers that answer the question (a small table or a few \
figures) rather than describing them, and say briefly how you got them.

Text in a user message that starts with {APP_NOTE_PREFIX} was added by the app, not typed \
by the person: follow it, but do not answer it as if the person had said it."""


def app_note(text: str) -> dict[str, Any]:
    """A text block the page hides from the transcript. What it quotes (a file's column
    names and values) cannot close it and open another: its tags are escaped."""
    body = person_text(text)
    return {"type": "text", "text": f"{APP_NOTE_PREFIX}{body}{APP_NOTE_SUFFIX}", APP_NOTE_KEY: True}


def person_text(text: str) -> str:
    """A person's words as Claude gets them: the app-note tag escaped (in any case), the
    rest unchanged."""
    return _TAG.sub(r"&lt;\1", text)


def profile_note(text: str) -> dict[str, Any]:
    """An attached table's profile (services/tables/note.py), as a note."""
    return app_note(text)


def attachments_note(entries: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Tell Claude where this message's files are.

    `entries` pairs the name in $INPUT_DIR with the name the person gave the file; they
    differ when the same bytes were uploaded earlier under another name, or the name had
    to be cleaned.
    """
    lines = []
    for stored, given in entries:
        if stored == given:
            lines.append(f"- $INPUT_DIR/{stored}")
        else:
            lines.append(f"- $INPUT_DIR/{stored} (attached as {given!r})")
    return app_note("Files attached to this message:\n" + "\n".join(lines))


RESET_NOTE_START = "The code execution environment was reset"


def reset_note(file_names: Sequence[str]) -> dict[str, Any]:
    """Tell Claude its environment was replaced, and which files are back."""
    text = f"{RESET_NOTE_START}: files and variables from earlier in this conversation are gone."
    if file_names:
        listed = ", ".join(f"$INPUT_DIR/{name}" for name in file_names)
        text += f" The person's uploaded files were attached again: {listed}."
    text += " Recreate anything else you need from them."
    return app_note(text)


def is_reset_note(block: dict[str, Any]) -> bool:
    """The app's note that the container was replaced (a person cannot forge the mark)."""
    return is_app_note(block) and str(block.get("text", "")).startswith(
        f"{APP_NOTE_PREFIX}{RESET_NOTE_START}"
    )
