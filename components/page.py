"""The chat page: session state, sidebar, the conversation, the live turn, the composer.

Each script run draws the stored conversation, then, if a turn is live, the events read
so far, and keeps following it until it finishes; then it reruns so the finished turn is
drawn from the stored record like every other.
"""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from components import backend, composer, follow_watch, sidebar
from components.backend import Credentials
from components.history import render_history
from components.live import LIVE_KEY, LiveTurn, Prompt, render_live_turn, render_prompt
from components.notices import (
    STOPPED,
    Notice,
    NoticeLevel,
    error_notice,
    render_no_key,
    render_notice,
    reset_notice,
)
from services.conversation import Conversation
from services.events import ErrorKind, StopReason, TurnFinished
from services.pricing import TokenCounts
from services.uploads import FileTooLarge, check_sizes

_LOG = logging.getLogger(__name__)

TITLE = "Code Execution Assistant"
ICON = Path(__file__).resolve().parents[1] / "assets" / "icon.png"
RUNS_KEY = "_runs"
CONVERSATION_KEY = "conversation"
NOTICES_KEY = "turn_notices"  # about the last turn, shown until the next one starts
CONTAINER_NOTICE_KEY = "container_notice"
TOKENS_KEY = "token_totals"  # conversation id -> TokenCounts
UNSENT_KEY = "unsent_prompt"  # a prompt the API never stored, offered to send again

# How a turn ended, when it was not a plain end: the level of the note shown under it.
_END_LEVELS = {
    StopReason.PAUSE_CAP_REACHED: NoticeLevel.INFO,
    StopReason.MAX_TOKENS: NoticeLevel.WARNING,
    StopReason.CONTEXT_WINDOW_EXCEEDED: NoticeLevel.WARNING,
    StopReason.REFUSAL: NoticeLevel.WARNING,
    StopReason.TOOL_USE: NoticeLevel.WARNING,
}


def render_page() -> None:
    # A local icon: the CSP blocks the font CDN a ":material/...:" favicon would load from.
    st.set_page_config(page_title=TITLE, page_icon=str(ICON), layout="centered")
    runs = int(st.session_state.get(RUNS_KEY, 0)) + 1
    st.session_state[RUNS_KEY] = runs
    try:
        _render(runs)
    except Exception:
        # The person gets plain words; the details go to the server log only.
        _LOG.exception("the chat page failed to draw")
        st.error(
            "Something went wrong while drawing the page. Reload to continue: "
            "the conversation is kept for this session.",
            icon=":material/error:",
        )


def current_conversation() -> Conversation:
    if CONVERSATION_KEY not in st.session_state:
        st.session_state[CONVERSATION_KEY] = Conversation(model=backend.settings().model)
    return st.session_state[CONVERSATION_KEY]


def _render(runs: int) -> None:
    creds = backend.credentials()
    conversation = current_conversation()
    live: LiveTurn | None = st.session_state.get(LIVE_KEY)
    limit_mb = max(backend.settings().upload_limit_bytes // (1024 * 1024), 1)
    placeholder = (
        "Ask for an analysis or a chart; attach files with +"
        if creds
        else "Add an API key to start"
    )
    # The chat input is pinned to the bottom wherever it is called; calling it first lets
    # the turn start before the sidebar is drawn, so the sidebar knows a turn is running.
    # It stays enabled during a turn (a disabled widget's submission would be dropped):
    # what is sent meanwhile waits for the turn to end.
    prompt = composer.render_chat_input(creds is None, limit_mb, placeholder)
    live = _start_or_queue(creds, conversation, live, prompt)
    with st.sidebar:
        steps_expanded = _render_sidebar(creds, conversation, live, runs)
    messages = list(conversation.messages[: live.base_len] if live else conversation.messages)
    if messages:
        render_history(conversation, messages, steps_expanded)
    live_slot = st.container()
    # While a turn streams, the run lasts as long as the turn, and Streamlit would leave
    # the last run's welcome or notices greyed out on the page until it ends; an empty
    # element in their place removes them at once.
    other_slot = st.empty() if live is not None else st.container()
    if live is None:
        with other_slot:
            if not messages:
                _render_welcome(creds)
            _render_notices()
    else:
        queued = st.session_state.get(composer.QUEUED_KEY) is not None
        with live_slot:
            finished = render_live_turn(live, steps_expanded, queued)
        if finished:
            _finish(live, conversation)
            st.rerun()


def _start_or_queue(
    creds: Credentials | None,
    conversation: Conversation,
    live: LiveTurn | None,
    prompt: Prompt | None,
) -> LiveTurn | None:
    """Start a turn for what was sent (or queued); while one runs, queue what was sent."""
    if live is not None:
        if prompt is not None:
            st.session_state[composer.QUEUED_KEY] = prompt
        return live
    if creds is None:
        return None
    prompt = prompt or composer.take_queued()
    return _begin(creds, conversation, prompt) if prompt is not None else None


def _render_sidebar(
    creds: Credentials | None, conversation: Conversation, live: LiveTurn | None, runs: int
) -> bool:
    st.title(TITLE)
    sidebar.render_key_section(creds)
    models = backend.available_models(creds)
    sidebar.render_model_picker(models, conversation.model, disabled=live is not None)
    expanded = sidebar.render_settings(_new_conversation, busy=live is not None)
    sidebar.render_size_note(backend.settings().upload_limit_bytes)
    sidebar.render_files(conversation)
    sidebar.render_container(conversation, st.session_state.get(CONTAINER_NOTICE_KEY))
    tokens = st.session_state.get(TOKENS_KEY, {}).get(conversation.id, TokenCounts())
    sidebar.render_cost(conversation, tokens)
    sidebar.render_run_counter(runs)
    return expanded


def _render_welcome(creds: Credentials | None) -> None:
    st.title(f":material/terminal: {TITLE}")
    st.markdown(
        "Ask for an analysis, a chart or a file. Claude writes Python or shell code, runs it "
        "in a sandbox, and you see the code, what it printed, the charts, and a download for "
        "every file it makes. Attach CSV, Excel, JSON, Parquet or other files to a message."
    )
    if creds is None:
        render_no_key()
    composer.render_examples(disabled=creds is None)


def _begin(creds: Credentials, conversation: Conversation, prompt: Prompt) -> LiveTurn:
    try:
        check_sizes(prompt.attachments, backend.settings().upload_limit_bytes)
    except FileTooLarge as exc:
        st.session_state[NOTICES_KEY] = [error_notice(ErrorKind.FILE_TOO_LARGE, str(exc))]
        st.session_state[composer.DRAFT_KEY] = prompt.text
        st.rerun()
    st.session_state[NOTICES_KEY] = []
    st.session_state.pop(UNSENT_KEY, None)
    conversation.model = str(st.session_state.get(sidebar.MODEL_KEY) or conversation.model)
    base_len = len(conversation.messages)
    handle = backend.start_turn(creds, conversation, prompt.text, prompt.attachments)
    live = LiveTurn(handle, prompt, base_len)
    st.session_state[LIVE_KEY] = live
    connected = follow_watch.session_connected()
    if connected is not None:
        follow_watch.watch(lambda: handle.done, lambda: live.followed, connected, handle.stop)
    return live


def _finish(live: LiveTurn, conversation: Conversation) -> None:
    """Keep what the person must still see about the turn, then forget the live state."""
    model = live.model
    notices = [reset_notice(reset) for reset in model.resets]
    if model.error is not None:
        notices.append(error_notice(model.error.kind, model.error.message))
    notices.extend(_end_notices(model.finished))
    if model.resets:
        st.session_state[CONTAINER_NOTICE_KEY] = reset_notice(model.resets[-1])
    totals = st.session_state.setdefault(TOKENS_KEY, {})
    for usage in model.usage:
        used = TokenCounts(
            usage.input_tokens,
            usage.output_tokens,
            usage.cache_read_tokens,
            usage.cache_write_tokens,
        )
        totals[conversation.id] = totals.get(conversation.id, TokenCounts()) + used
    if len(conversation.messages) <= live.base_len:
        st.session_state[UNSENT_KEY] = live.prompt
    st.session_state[NOTICES_KEY] = notices
    st.session_state[LIVE_KEY] = None


def _end_notices(finished: TurnFinished | None) -> list[Notice]:
    if finished is None:
        return []
    if finished.stop_reason is StopReason.STOPPED:
        return [STOPPED]
    if finished.message:
        level = _END_LEVELS.get(finished.stop_reason, NoticeLevel.INFO)
        return [Notice(level, "About this answer:", finished.message)]
    return []


def _render_notices() -> None:
    for notice in st.session_state.get(NOTICES_KEY, []):
        render_notice(notice)
    unsent: Prompt | None = st.session_state.get(UNSENT_KEY)
    if unsent is not None:
        st.caption("This message was not sent:")
        with st.chat_message("user"):
            render_prompt(unsent, key="unsent")
        st.button(
            "Send again",
            key="send_again",
            icon=":material/refresh:",
            on_click=_send_again,
            disabled=backend.credentials() is None,
        )


def _send_again() -> None:
    unsent = st.session_state.pop(UNSENT_KEY, None)
    if unsent is not None:
        st.session_state[composer.QUEUED_KEY] = unsent


def _new_conversation() -> None:
    if st.session_state.get(LIVE_KEY) is not None:
        return
    model = str(st.session_state.get(sidebar.MODEL_KEY) or backend.settings().model)
    st.session_state[CONVERSATION_KEY] = Conversation(model=model)
    for key in (NOTICES_KEY, CONTAINER_NOTICE_KEY, UNSENT_KEY, "history_window"):
        st.session_state.pop(key, None)
