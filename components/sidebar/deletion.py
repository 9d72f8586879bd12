"""Deleting a conversation from the sidebar: a dialog asks first, then Undo is offered for
the service's undo window, after which the conversation and its files are purged.

The Undo offer lives in this browser session only: a reload during the window shows the
conversation gone and no Undo (another tab must not undo what this one did unseen).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import streamlit as st

from components import app_services, navigation
from components.render.format import escape_markdown
from components.render.notices import Notice, NoticeLevel
from components.session import session

TOO_LATE = Notice(NoticeLevel.INFO, "Too late to undo: that conversation is deleted.")


@dataclass(frozen=True)
class Deleted:
    conversation_id: str
    title: str
    until: float  # time.monotonic() when Undo is no longer offered


def ask_delete(conversation_id: str, title: str) -> None:
    """The menu's Delete button: the next run opens the dialog."""
    session().delete_asked = (conversation_id, title)


def render_delete_dialog() -> None:
    """The dialog, while a deletion is asked about (Delete, Cancel or closing it ends that)."""
    asked = session().delete_asked
    if asked is not None:
        _confirm_delete(*asked)


def _forget_ask() -> None:
    session().delete_asked = None


@st.dialog("Delete conversation", icon=":material/delete:", on_dismiss=_forget_ask)
def _confirm_delete(conversation_id: str, title: str) -> None:
    st.markdown(f'Delete "{escape_markdown(title)}"? Its files are deleted too.')
    with st.container(horizontal=True, gap="small"):
        if st.button("Delete", key="confirm_delete", type="primary", icon=":material/delete:"):
            _forget_ask()
            if navigation.delete_conversation(conversation_id):
                window = session().settings.delete_undo_seconds
                session().deleted = Deleted(conversation_id, title, time.monotonic() + window)
            st.rerun()
        if st.button("Cancel", key="cancel_delete"):
            _forget_ask()
            st.rerun()


def render_undo() -> None:
    """The Undo offer, until its window ends (a timer fragment then redraws the page)."""
    deleted: Deleted | None = session().deleted
    if deleted is None:
        return
    if time.monotonic() >= deleted.until:
        session().deleted = None
        return
    with st.container(key="undo_delete"):
        st.caption(f':material/delete: Deleted "{escape_markdown(deleted.title)}"')
        st.button("Undo", key="undo_delete_button", icon=":material/undo:", on_click=_undo)
        _end_of_window()


@st.fragment(run_every=1.0)
def _end_of_window() -> None:
    deleted: Deleted | None = session().deleted
    if deleted is None or time.monotonic() >= deleted.until:
        session().deleted = None
        st.rerun(scope="app")  # the offer goes with the window


def _undo() -> None:
    state = session()
    deleted: Deleted | None = state.deleted
    state.deleted = None
    owner = navigation.callback_owner()
    if deleted is None or owner is None:
        return
    if app_services.service().undo_delete(deleted.conversation_id, owner):
        navigation.open_conversation(deleted.conversation_id)
    else:
        state.notices = [TOO_LATE]
