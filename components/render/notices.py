"""Friendly states: no key, errors by kind, retrying, a container reset, a stopped turn.

The runner's messages are already plain words; this module gives each kind a title and
a hint about what to do next. Nothing here shows a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import streamlit as st

from components.render.format import duration, escape_markdown, short_id
from services.turn.events import ContainerReset, ErrorKind, Retrying

ERROR_TITLES = {
    ErrorKind.AUTHENTICATION: "The API key was not accepted (401).",
    ErrorKind.PERMISSION: "This API key is not allowed to do that.",
    ErrorKind.BAD_REQUEST: "The API refused the request.",
    ErrorKind.NOT_FOUND: "Something the request refers to was not found.",
    ErrorKind.RATE_LIMITED: "The API is rate limiting requests.",
    ErrorKind.OVERLOADED: "The API is overloaded right now.",
    ErrorKind.SERVER: "The API had an internal error.",
    ErrorKind.CONNECTION: "The connection to the Anthropic API failed.",
    ErrorKind.STREAM: "The answer was interrupted by an error from the API.",
    ErrorKind.FILE_TOO_LARGE: "A file is too large.",
    ErrorKind.DISK_FULL: "This server's disk is full.",
    ErrorKind.INTERNAL: "Something went wrong in the app.",
}
# What to do next; the runner's message already says what happened (and that what was
# streamed is kept), so a hint never repeats it. Retry is a button under the notice.
ERROR_HINTS = {
    ErrorKind.RATE_LIMITED: "Wait a minute, then retry.",
    ErrorKind.OVERLOADED: "Wait a minute, then retry.",
    ErrorKind.SERVER: "A second try usually works.",
    ErrorKind.CONNECTION: "Check the network connection (or ANTHROPIC_BASE_URL).",
    ErrorKind.FILE_TOO_LARGE: "Remove the file or make it smaller, then send again.",
    ErrorKind.DISK_FULL: "Send again once the server has space; your message is kept below.",
}


class NoticeLevel(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Notice:
    """A message about the last turn, shown under the conversation until the next one."""

    level: NoticeLevel
    title: str
    body: str = ""


def error_notice(kind: ErrorKind, message: str) -> Notice:
    hint = ERROR_HINTS.get(kind, "")
    body = " ".join(part for part in (message, hint) if part)
    return Notice(NoticeLevel.ERROR, ERROR_TITLES.get(kind, "The turn failed."), body)


STOPPED = Notice(NoticeLevel.INFO, "Stopped.", "What was streamed before you pressed Stop is kept.")


def reset_notice(reset: ContainerReset) -> Notice:
    files = len(reset.reattached_file_ids)
    again = f" {files} uploaded file(s) were attached again." if files else ""
    return Notice(
        NoticeLevel.WARNING,
        "The code environment was reset.",
        f"The previous container ({short_id(reset.old_container_id)}) could not be used "
        f"({reset.reason}). A fresh one was started: files and variables created by earlier "
        f"steps are gone.{again}",
    )


def retry_text(retrying: Retrying, waited: float) -> str:
    left = duration(max(retrying.delay_seconds - waited, 0.0) + 0.999)  # count down to 1 s
    reason = escape_markdown(retrying.reason)
    return f"The API did not answer ({reason}). Retrying in {left}, attempt {retrying.attempt + 1}."


def render_notice(notice: Notice) -> None:
    text = f"**{escape_markdown(notice.title)}**"
    if notice.body:
        text += f"  \n{escape_markdown(notice.body)}"
    if notice.level is NoticeLevel.ERROR:
        st.error(text, icon=":material/error:")
    elif notice.level is NoticeLevel.WARNING:
        st.warning(text, icon=":material/warning:")
    else:
        st.info(text, icon=":material/info:")


NO_KEY_TEXT = (
    "**Add an Anthropic API key to start.**  \n"
    "Paste it in the sidebar: it is kept for this browser session only and never written "
    "to disk. Or set `ANTHROPIC_API_KEY` in the environment or in `.streamlit/secrets.toml`, "
    "then reload."
)


def render_no_key() -> None:
    st.info(NO_KEY_TEXT, icon=":material/key:")
