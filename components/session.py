"""What one browser session keeps between script runs: one typed object, made here.

Streamlit reruns the page script on every interaction; everything the page must remember
lives in `PageSession`, under one session-state key. The conversation in it is an
immutable snapshot read from the store; nothing another thread changes. Widgets keep
their own values under the keys `WidgetKey` names (Streamlit binds a widget to its key).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import streamlit as st

from services.conversation import Conversation
from services.settings import Settings, load_settings
from services.turn.options import DEFAULT_OPTIONS, TurnOptions

if TYPE_CHECKING:
    from components.live.view import LiveTurn, Prompt
    from components.render.notices import Notice

SESSION_KEY = "page_session"
HISTORY_WINDOW = 20  # exchanges drawn at first; older ones on demand


class WidgetKey(StrEnum):
    COMPOSER = "composer"
    MODEL = "model"
    STEPS_EXPANDED = "steps_expanded"
    API_KEY_INPUT = "api_key_input"
    SEARCH = "history_search"
    WEB_ACCESS = "web_access"


@dataclass
class PageSession:
    settings: Settings
    conversation: Conversation
    stored: bool = False  # the open conversation is in the store (it has had a message)
    owner: str | None = None  # whose conversation is open
    live: LiveTurn | None = None  # the turn this session follows
    notices: list[Notice] = field(default_factory=list)  # about the last turn
    container_notice: Notice | None = None
    unsent: Prompt | None = None  # a prompt the API never got, offered to send again
    retry: Prompt | None = None  # the prompt of a turn that failed, offered to retry
    queued: Prompt | None = None  # sent during a turn, or by an example button
    draft: str | None = None  # text given back to the composer (a refused message)
    window: int = HISTORY_WINDOW
    shown_step: str | None = None  # a code step "Show the code" asked for, drawn open once
    shown_count: int = 0  # how many times: each one scrolls anew
    runs: int = 0
    pasted_key: str | None = field(default=None, repr=False)  # never logged or stored
    runner: tuple[str, Any] | None = None  # (credentials fingerprint, TurnRunner)
    models: tuple[str, Any] | None = None  # (credentials fingerprint, model query)
    follow_idle_seconds: float | None = None  # tests: stop following an idle turn
    files: Any = None  # the owner-checked reader of stored files (app_services.OwnedFiles)
    options: TurnOptions = DEFAULT_OPTIONS  # switched in the sidebar; sent with every turn
    delete_asked: tuple[str, str] | None = None  # (id, title) the delete dialog asks about
    deleted: Any = None  # the last deletion, undoable for a while (sidebar.deletion)

    def open(self, conversation: Conversation, stored: bool) -> None:
        """Make `conversation` the open one; what was kept about the last one goes."""
        self.conversation = conversation
        self.stored = stored
        self.forget_turn_notes()

    def forget_turn_notes(self) -> None:
        self.notices = []
        self.container_notice = None
        self.unsent = None
        self.retry = None
        self.window = HISTORY_WINDOW
        self.shown_step = None


def session() -> PageSession:
    """This browser session's state, created on its first run."""
    found = st.session_state.get(SESSION_KEY)
    if found is None:
        # The limit the browser enforces before the page sees a file: the page's one limit.
        settings = load_settings(server_upload_mb=st.get_option("server.maxUploadSize"))
        found = PageSession(settings, Conversation(model=settings.model))
        st.session_state[SESSION_KEY] = found
    return found
