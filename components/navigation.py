"""Which conversation is open: the URL's `?c=<id>`, the sidebar's buttons, a new one.

The open conversation's id is in the URL, so a reload, a second tab or a link opened
later (even on a restarted server) reads that id and loads the conversation from the
store, for its owner only: an unknown id and another person's id look the same.
"""

from __future__ import annotations

import contextlib
from enum import StrEnum

import streamlit as st

from components import app_services
from components.render.notices import Notice, NoticeLevel
from components.session import PageSession, WidgetKey, session
from components.sidebar.account import current_account
from components.sidebar.conversations import title_key
from services.conversation import Conversation
from services.conversations import ConversationNotFound, TurnBusy

QUERY_PARAM = "c"

NOT_FOUND = Notice(
    NoticeLevel.WARNING,
    "Conversation not found.",
    "The link names a conversation that does not exist or is not yours. "
    "Here is a new conversation instead.",
)
BUSY_DELETE = Notice(
    NoticeLevel.INFO,
    "That conversation is still being answered in another tab.",
    "Delete it when the answer is done.",
)


class Opened(StrEnum):
    """What reading the URL did."""

    UNCHANGED = "unchanged"
    LOADED = "loaded"
    NOT_FOUND = "not_found"


def set_url(conversation_id: str | None) -> None:
    if conversation_id is None:
        if QUERY_PARAM in st.query_params:
            del st.query_params[QUERY_PARAM]
    elif st.query_params.get(QUERY_PARAM) != conversation_id:
        st.query_params[QUERY_PARAM] = conversation_id


def show(state: PageSession, conversation: Conversation) -> None:
    """Make a stored conversation the open one, in the session, the URL and the picker."""
    state.open(conversation, stored=True)
    st.session_state[WidgetKey.MODEL] = conversation.model
    set_url(conversation.id)


def start_new(state: PageSession) -> None:
    model = str(st.session_state.get(WidgetKey.MODEL) or state.settings.model)
    state.open(app_services.service().new(model), stored=False)
    set_url(None)


def follow_url(state: PageSession, owner: str) -> Opened:
    """Open the conversation the URL names, if it is not the open one already."""
    wanted = st.query_params.get(QUERY_PARAM)
    if not wanted:
        if state.stored:
            set_url(state.conversation.id)  # keep the link to the open conversation
        return Opened.UNCHANGED
    if state.stored and wanted == state.conversation.id:
        return Opened.UNCHANGED
    found = app_services.service().open(wanted, owner)
    if found is None:
        start_new(state)
        state.notices = [NOT_FOUND]
        return Opened.NOT_FOUND
    show(state, found)
    return Opened.LOADED


def switch_owner(state: PageSession, owner: str) -> None:
    """Another person on this session (a new sign-in): nothing of the last one stays."""
    if state.owner is not None and state.owner != owner:
        if state.live is not None:
            state.live.handle.stop()  # not theirs to follow
            state.live = None
        state.open(app_services.service().new(state.settings.model), stored=False)
    state.owner = owner


def callback_owner() -> str | None:
    """The owner a sidebar button acts for: the person signed in now, never a remembered one."""
    owner = current_account().owner
    return owner if owner is not None and owner == session().owner else None


def new_conversation() -> None:
    state = session()
    if state.live is None:
        start_new(state)


def open_conversation(conversation_id: str) -> None:
    state = session()
    owner = callback_owner()
    if owner is None or state.live is not None:
        return
    found = app_services.service().open(conversation_id, owner)
    if found is None:
        start_new(state)
        state.notices = [NOT_FOUND]
        return
    show(state, found)


def rename_conversation(conversation_id: str) -> None:
    owner = callback_owner()
    title = str(st.session_state.get(title_key(conversation_id)) or "").strip()
    if owner is None or not title:
        return
    # Deleted in another tab meanwhile: the list drops it on this rerun.
    with contextlib.suppress(ConversationNotFound):
        app_services.service().rename(conversation_id, owner, title)


def delete_conversation(conversation_id: str) -> bool:
    """Delete it (undoable for a few seconds, see services/deletion.py); True if it was."""
    state = session()
    owner = callback_owner()
    if owner is None:
        return False
    is_open = state.stored and state.conversation.id == conversation_id
    if is_open and state.live is not None:
        return False  # its answer is still streaming
    try:
        deleted = app_services.service().delete(
            conversation_id, owner, app_services.delete_api_files
        )
    except TurnBusy:
        state.notices = [BUSY_DELETE]
        return False
    if is_open:
        start_new(state)
    return deleted
