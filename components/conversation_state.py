"""The conversation a browser session has open, and its place in the store and the URL.

A new conversation lives only in the session until its first message is sent; then it is
created in the store (so an empty "New conversation" never shows up in the list) and its
id goes into the URL (`?c=<id>`). A fresh session (a reload, a link opened later, a
restarted server) reads that id and loads the conversation from the store, for its owner
only: an unknown id and another person's id look the same, "not found".

Each stored message has a status; answers that did not end normally (stopped, failed,
or still in progress when their server went away) are marked when drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import streamlit as st

from components import backend
from components.running_turns import running_turns
from services.conversation import Conversation
from services.store import ConversationNotFound, MessageRow, MessageStatus

CONVERSATION_KEY = "conversation"
STORED_KEY = "conversation_stored"  # the id of the open conversation once it is stored
STATUS_KEY = "message_status"  # position -> status, for messages that did not complete
QUERY_PARAM = "c"

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


class Opened(StrEnum):
    """What reading the URL did."""

    UNCHANGED = "unchanged"
    LOADED = "loaded"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class Loaded:
    conversation: Conversation
    statuses: dict[int, MessageStatus]


def current(model: str) -> Conversation:
    if CONVERSATION_KEY not in st.session_state:
        st.session_state[CONVERSATION_KEY] = Conversation(model=model)
    return st.session_state[CONVERSATION_KEY]


def is_stored(conversation: Conversation) -> bool:
    return st.session_state.get(STORED_KEY) == conversation.id


def _set_url(conversation_id: str | None) -> None:
    if conversation_id is None:
        if QUERY_PARAM in st.query_params:
            del st.query_params[QUERY_PARAM]
    elif st.query_params.get(QUERY_PARAM) != conversation_id:
        st.query_params[QUERY_PARAM] = conversation_id


def load(conversation_id: str, owner: str) -> Loaded | None:
    """The owner's stored conversation and its messages' statuses; None if not theirs."""
    found = backend.store().load_with_messages(conversation_id, owner)
    if found is None:
        return None
    conversation, messages = found
    return Loaded(conversation, statuses(messages))


def statuses(messages: list[MessageRow]) -> dict[int, MessageStatus]:
    return {m.position: m.status for m in messages if m.status is not MessageStatus.COMPLETE}


def show(loaded: Loaded) -> None:
    """Make `loaded` the open conversation, in the session and in the URL."""
    st.session_state[CONVERSATION_KEY] = loaded.conversation
    st.session_state[STORED_KEY] = loaded.conversation.id
    st.session_state[STATUS_KEY] = loaded.statuses
    _set_url(loaded.conversation.id)


def forget(model: str) -> None:
    """A new, empty conversation in the session; the URL is left as it is."""
    st.session_state[CONVERSATION_KEY] = Conversation(model=model)
    st.session_state.pop(STORED_KEY, None)
    st.session_state.pop(STATUS_KEY, None)


def start_new(model: str) -> None:
    forget(model)
    _set_url(None)


def follow_url(owner: str, model: str) -> Opened:
    """Open the conversation the URL names, if it is not the open one already."""
    wanted = st.query_params.get(QUERY_PARAM)
    conversation = current(model)
    stored = is_stored(conversation)
    if not wanted:
        if stored:
            _set_url(conversation.id)  # keep the link to the open conversation
        return Opened.UNCHANGED
    if stored and wanted == conversation.id:
        return Opened.UNCHANGED
    loaded = load(wanted, owner)
    if loaded is None:
        start_new(model)
        return Opened.NOT_FOUND
    show(loaded)
    return Opened.LOADED


def ensure_stored(conversation: Conversation, owner: str) -> None:
    """Create the conversation in the store on its first message; keep its model current."""
    store = backend.store()
    if not is_stored(conversation):
        row = store.create_conversation(owner, conversation.model)
        conversation.id = row.id  # nothing refers to the session-only id yet
        st.session_state[STORED_KEY] = row.id
        st.session_state[STATUS_KEY] = {}
        _set_url(row.id)
        return
    row = store.get_conversation(conversation.id, owner)
    if row is None:
        raise ConversationNotFound(conversation.id)
    if row.model != conversation.model:
        store.set_model(conversation.id, owner, conversation.model)


def caught_up(conversation: Conversation, owner: str) -> Conversation:
    """The conversation with what another tab or server added since it was loaded.

    An answer that was still being written when it was loaded (a reload, a second tab)
    went on in the store without this copy: it is read again too, or the next turn would
    send its half as history.
    """
    if not is_stored(conversation):
        return conversation
    known: dict[int, MessageStatus] = st.session_state.get(STATUS_KEY) or {}
    writing = [p for p, status in known.items() if status is MessageStatus.IN_PROGRESS]
    start = min([*writing, len(conversation.messages)])
    rows = backend.store().load_messages(conversation.id, owner, start=start)
    newer = start + len(rows) > len(conversation.messages)
    ended = any(r.status is not MessageStatus.IN_PROGRESS for r in rows if r.position in writing)
    if not (newer or ended):
        return conversation
    loaded = load(conversation.id, owner)
    if loaded is None:
        raise ConversationNotFound(conversation.id)
    loaded.conversation.model = conversation.model
    show(loaded)
    return loaded.conversation


def record_turn_end(conversation: Conversation, owner: str, base_len: int) -> None:
    """Read back how the turn's messages were stored; drop a conversation left empty."""
    if not is_stored(conversation):
        return
    store = backend.store()
    if not conversation.messages:
        # Nothing reached the API (an upload failed): no empty entry in the list.
        store.delete(conversation.id, owner)
        st.session_state.pop(STORED_KEY, None)
        _set_url(None)
        return
    try:
        messages = store.load_messages(conversation.id, owner, start=base_len)
    except ConversationNotFound:
        return  # deleted from another tab while the turn ran
    marks = st.session_state.setdefault(STATUS_KEY, {})
    for position in range(base_len, len(conversation.messages)):
        marks.pop(position, None)
    marks.update(statuses(messages))


def marks(conversation: Conversation) -> dict[int, str]:
    """Captions for the open conversation's answers that did not end normally, and for
    the person's messages that got no answer at all (their request failed)."""
    if not is_stored(conversation):
        return {}
    found: dict[int, MessageStatus] = st.session_state.get(STATUS_KEY) or {}
    running_here = running_turns().is_running(conversation.id)
    shown = dict.fromkeys(unanswered(conversation.messages, running_here), NO_ANSWER_MARK)
    for position, status in found.items():
        if status is MessageStatus.IN_PROGRESS and running_here:
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


def busy_elsewhere(conversation: Conversation) -> bool:
    """A turn of this conversation runs in this process but not for this session."""
    return is_stored(conversation) and running_turns().is_running(conversation.id)
