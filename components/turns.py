"""A turn on the page: start it (or queue it), follow it, and finish it.

Starting goes through the conversation service, which stores the conversation and runs
the turn on its worker; the page follows the turn's events. When the turn has ended
and the store holds it, the page reads the conversation back from the store and draws it
from there, exactly as after a reload. A turn the store could not take yet stays drawn
from its events, with a notice, until its pending writes are in.
"""

from __future__ import annotations

import dataclasses
from typing import NoReturn

import streamlit as st

from components import app_services, composer, navigation
from components.app_services import Credentials
from components.live.view import LiveTurn, Prompt
from components.render.notices import (
    STOPPED,
    Notice,
    NoticeLevel,
    error_notice,
    reset_notice,
)
from components.session import PageSession, WidgetKey
from components.style import follow_the_new_message
from services.conversations import ConversationNotFound, StoreUnavailable, TurnBusy
from services.files.uploads import FileTooLarge
from services.turn.events import ErrorKind, StopReason, TurnFinished

GONE = Notice(
    NoticeLevel.WARNING,
    "This conversation was deleted.",
    "It was deleted in another tab. Your message is back in the box for a new conversation.",
)
BUSY_ELSEWHERE = Notice(
    NoticeLevel.INFO,
    "An answer in this conversation is still being written in another tab or window.",
    "Send your message when it is done; this page shows the answer as it is written.",
)
DELETED_MEANWHILE = Notice(
    NoticeLevel.WARNING,
    "This conversation was deleted while it was being answered.",
    "It was deleted in another tab; its answer was not kept. Here is a new conversation.",
)
STORE_DOWN = Notice(
    NoticeLevel.ERROR,
    "The database is unreachable, so nothing was sent.",
    "Your message is back in the box; send it again in a moment.",
)
# How a turn ended, when it was not a plain end: the level of the note shown under it.
_END_LEVELS = {
    StopReason.PAUSE_CAP_REACHED: NoticeLevel.INFO,
    StopReason.MAX_TOKENS: NoticeLevel.WARNING,
    StopReason.CONTEXT_WINDOW_EXCEEDED: NoticeLevel.WARNING,
    StopReason.REFUSAL: NoticeLevel.WARNING,
    StopReason.TOOL_USE: NoticeLevel.WARNING,
}


def turn_running(state: PageSession) -> bool:
    """A turn of the open conversation runs (when this session follows none, another
    tab's or a reloaded page's in this process, or one on another server)."""
    return state.stored and app_services.service().running.is_running(state.conversation.id)


def start_or_queue(state: PageSession, creds: Credentials | None, prompt: Prompt | None) -> None:
    """Start a turn for what was sent (or queued); while one runs, queue what was sent."""
    if state.live is not None:
        if prompt is not None:
            state.queued = prompt
        return
    if creds is None:
        return
    prompt = prompt or composer.take_queued()
    if prompt is None:
        return
    if turn_running(state):
        give_back(state, prompt, BUSY_ELSEWHERE)
    begin(state, creds, prompt)


def begin(state: PageSession, creds: Credentials, prompt: Prompt) -> None:
    state.retry = None  # a new message replaces the offer to retry
    model = str(st.session_state.get(WidgetKey.MODEL) or state.conversation.model)
    conversation = dataclasses.replace(state.conversation, model=model)
    service = app_services.service()
    try:
        started = service.start_turn(
            app_services.runner(creds),
            str(state.owner),
            conversation,
            prompt.text,
            prompt.attachments,
            stored=state.stored,
            # Follow-up questions are the page's: asked when the settings allow them.
            options=dataclasses.replace(state.options, follow_ups=state.settings.follow_ups),
        )
    except FileTooLarge as exc:
        give_back(state, prompt, error_notice(ErrorKind.FILE_TOO_LARGE, str(exc)))
    except TurnBusy:
        give_back(state, prompt, BUSY_ELSEWHERE)
    except ConversationNotFound:
        navigation.start_new(state)
        give_back(state, prompt, GONE)
    except StoreUnavailable:
        give_back(state, prompt, STORE_DOWN)
    state.notices, state.unsent = [], None
    state.conversation, state.stored = started.conversation, True
    navigation.set_url(started.conversation.id)
    state.live = LiveTurn(started.handle, prompt, started.base_len, turn=started)
    follow_the_new_message()
    if prompt.attachments:
        # Streamlit keeps a second copy of a file the browser sent for as long as the
        # script run that received it lasts, and a live turn's run lasts as long as the
        # turn: the turn is followed from a new run, so a large file is held once.
        st.rerun()


def give_back(state: PageSession, prompt: Prompt, notice: Notice) -> NoReturn:
    """The message is not sent: say why, and put its text back into the box."""
    state.notices = [notice]
    state.draft = prompt.text
    st.rerun()


def finish(state: PageSession, live: LiveTurn) -> bool:
    """Read the finished turn back from the store; False while the store lacks part of it."""
    if not live.handle.settled or live.turn is None:
        return False
    try:
        stored = app_services.service().finish(live.turn, str(state.owner))
    except ConversationNotFound:
        navigation.start_new(state)  # deleted in another tab while it was answered
        _keep_notes(state, live)
        state.notices.append(DELETED_MEANWHILE)
        state.live = None
        return True
    except StoreUnavailable:
        return False  # the store went away again: keep showing the turn as it streamed
    if stored is None:
        navigation.start_new(state)  # the empty conversation it made is gone
    else:
        state.conversation = stored
    _keep_notes(state, live)
    if live.model.unsaved is not None:  # the store refused part of it for good
        state.notices.append(Notice(NoticeLevel.ERROR, "Not saved.", live.model.unsaved.message))
    if stored is None or len(stored.messages) <= live.base_len:
        state.unsent = live.prompt
    elif live.model.error is not None:
        state.retry = live.prompt
    state.live = None
    return True


def _keep_notes(state: PageSession, live: LiveTurn) -> None:
    """What the person must still see about the turn once it is drawn from the store."""
    model = live.model
    notices = [reset_notice(reset) for reset in model.resets]
    if model.error is not None:
        notices.append(error_notice(model.error.kind, model.error.message))
    notices.extend(end_notices(model.finished))
    if model.resets:
        state.container_notice = reset_notice(model.resets[-1])
    state.notices = notices
    state.unsent = state.retry = None


def end_notices(finished: TurnFinished | None) -> list[Notice]:
    if finished is None:
        return []
    if finished.stop_reason is StopReason.STOPPED:
        return [STOPPED]
    if finished.message:
        level = _END_LEVELS.get(finished.stop_reason, NoticeLevel.INFO)
        return [Notice(level, "About this answer:", finished.message)]
    return []


def send_again(state: PageSession, which: str) -> None:
    """Callback of "Send again" and "Retry": the prompt goes out on the next run."""
    prompt = state.unsent if which == "unsent" else state.retry
    state.unsent = state.retry = None
    if prompt is not None:
        state.queued = prompt
