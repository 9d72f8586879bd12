"""A turn of the open conversation that this page does not follow: written by another tab,
by a tab that was closed, or by another app server sharing the store.

The page follows it from the store: while the turn runs, the stored record is read again
every few seconds and redrawn when it grew; once the turn ends (its lease is released,
or lapsed with its server), the whole answer is drawn. A turn that runs in this process
can be stopped from here, so a turn left running by a closed tab never locks its
conversation.
"""

from __future__ import annotations

import streamlit as st

from components import app_services, navigation
from components.session import PageSession, session
from services.conversation import Conversation
from services.conversations import StoreUnavailable

POLL_SECONDS = 1.5  # how often a page checks on an answer written elsewhere
_FOLLOWED_KEY = "elsewhere_followed"  # the conversation whose other turn this page follows
STOP_HELP = (
    "Stop the answer that is being written for this conversation (it was started in "
    "another tab); what was written so far is kept."
)


def render_stop_for_other_turn(conversation_id: str) -> None:
    """A Stop for a turn of this conversation that runs on this server but in no page."""
    if not app_services.service().running.running_here(conversation_id):
        return
    st.button(
        "Stop that answer",
        key="stop_other_turn",
        icon=":material/stop_circle:",
        on_click=_stop,
        args=(conversation_id,),
        help=STOP_HELP,
    )


def _stop(conversation_id: str) -> None:
    app_services.service().running.stop(conversation_id)


def catch_up(state: PageSession) -> None:
    """After the other turn ended, read the whole answer once: a run of the whole page
    (a click) may come between its end and the next tick of `follow_other_turn`. Called
    before any widget is drawn (it may switch the model picker)."""
    followed = st.session_state.get(_FOLLOWED_KEY)
    if followed is None or followed != state.conversation.id or state.owner is None:
        st.session_state.pop(_FOLLOWED_KEY, None)
        return
    service = app_services.service()
    if service.running.is_running(followed):
        return  # still being written: `follow_other_turn` goes on following it
    del st.session_state[_FOLLOWED_KEY]
    found = service.open(followed, state.owner)
    if found is not None:
        navigation.show(state, found)


@st.fragment(run_every=POLL_SECONDS)
def follow_other_turn(conversation_id: str) -> None:
    """Redraw the page when the stored record of the other turn grew, and once it ended."""
    st.session_state[_FOLLOWED_KEY] = conversation_id
    state = session()
    if state.conversation.id != conversation_id or state.owner is None:
        return
    service = app_services.service()
    try:
        running = service.running.is_running(conversation_id)
        found = service.open(conversation_id, state.owner)
    except StoreUnavailable:
        return  # the database is down: look again on the next tick
    if running and found is not None:
        if _same_record(found, state.conversation):
            return
        # Not `navigation.show`: the notices of this page (such as why a message was not
        # sent) stay while the answer grows.
        state.conversation = found
    elif found is not None:
        navigation.show(state, found)
        st.session_state.pop(_FOLLOWED_KEY, None)
    st.rerun(scope="app")


def _same_record(found: Conversation, shown: Conversation) -> bool:
    return found.messages == shown.messages and found.statuses == shown.statuses
