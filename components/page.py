"""The chat page: session state, sidebar, the conversation, the live turn, the composer.

Each script run draws the stored conversation, then, if a turn is live, the events read
so far, and keeps following it until it finishes; then it reruns so the finished turn is
drawn from the stored record like every other. Which conversation is open follows the
URL (components.conversation_state); everything shown belongs to the person signed in.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import NoReturn

import streamlit as st

from components import backend, composer, conversation_state
from components.backend import Credentials, OwnedFiles
from components.conversation_state import Opened
from components.live import watch as follow_watch
from components.live.view import LIVE_KEY, LiveTurn, Prompt, render_live_turn, render_prompt
from components.render.conversation import WINDOW_KEY, render_history
from components.render.files import FILES_KEY
from components.render.notices import (
    STOPPED,
    Notice,
    NoticeLevel,
    error_notice,
    render_no_key,
    render_notice,
    reset_notice,
)
from components.running_turns import running_turns
from components.sidebar import panels as sidebar
from components.sidebar.account import Account, current_account, render_account, render_login
from components.sidebar.conversations import (
    ListActions,
    render_conversation_list,
    render_search,
    search_text,
    title_key,
)
from services.conversation import Conversation
from services.files.uploads import FileTooLarge, check_sizes
from services.pricing import TokenCounts, usage_counts
from services.store import ConversationNotFound
from services.turn.events import ErrorKind, StopReason, TurnFinished

_LOG = logging.getLogger(__name__)

TITLE = "Code Execution Assistant"
ICON = Path(__file__).resolve().parents[1] / "assets" / "icon.png"
RUNS_KEY = "_runs"
OWNER_KEY = "conversation_owner"  # whose conversation the session has open
NOTICES_KEY = "turn_notices"  # about the last turn, shown until the next one starts
CONTAINER_NOTICE_KEY = "container_notice"
TOKENS_KEY = "token_totals"  # conversation id -> TokenCounts
UNSENT_KEY = "unsent_prompt"  # a prompt the API never stored, offered to send again
RETRY_KEY = "retry_prompt"  # the prompt of a turn that failed, offered to send again
LIST_LIMIT = 50  # conversations listed; search finds older ones
ELSEWHERE_POLL_SECONDS = 1.5  # how often a page checks on an answer written elsewhere

NOT_FOUND = Notice(
    NoticeLevel.WARNING,
    "Conversation not found.",
    "The link names a conversation that does not exist or is not yours. "
    "Here is a new conversation instead.",
)
GONE = Notice(
    NoticeLevel.WARNING,
    "This conversation was deleted.",
    "It was deleted in another tab. Your message is back in the box for a new conversation.",
)
BUSY_DELETE = Notice(
    NoticeLevel.INFO,
    "That conversation is still being answered in another tab.",
    "Delete it when the answer is done.",
)
BUSY_ELSEWHERE = Notice(
    NoticeLevel.INFO,
    "An answer in this conversation is still being written in another tab.",
    "Send your message when it is done (reload to see it).",
)

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
    return conversation_state.current(backend.settings().model)


def _open_for(owner: str, live: LiveTurn | None) -> Conversation:
    """The conversation to show: the one the URL names, for this owner only."""
    model = backend.settings().model
    previous = st.session_state.get(OWNER_KEY)
    if previous != owner:
        if previous is not None:
            # Another person on this session (a new sign-in): nothing of the last one stays.
            conversation_state.forget(model)
            _forget_turn_state()
        st.session_state[OWNER_KEY] = owner
    elif live is not None:
        return current_conversation()
    opened = conversation_state.follow_url(owner, model)
    if opened is not Opened.UNCHANGED:
        _forget_turn_state()
        st.session_state[sidebar.MODEL_KEY] = current_conversation().model
    if opened is Opened.NOT_FOUND:
        st.session_state[NOTICES_KEY] = [NOT_FOUND]
    return current_conversation()


def _render(runs: int) -> None:
    account = current_account()
    if account.owner is None:
        _render_logged_out(account)
        return
    owner = account.owner
    st.session_state[FILES_KEY] = OwnedFiles(backend.store(), owner)
    creds = backend.credentials()
    live: LiveTurn | None = st.session_state.get(LIVE_KEY)
    if live is not None and st.session_state.get(OWNER_KEY) != owner:
        live.handle.stop()  # another person signed in while it ran: not theirs to follow
        live = st.session_state[LIVE_KEY] = None
    conversation = _open_for(owner, live)
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
    live = _start_or_queue(creds, owner, conversation, live, prompt)
    conversation = current_conversation()  # starting a turn may have caught it up
    with st.sidebar:
        steps_expanded = _render_sidebar(creds, account, conversation, live, runs)
    _render_conversation(creds, owner, conversation, live, steps_expanded)


def _render_conversation(
    creds: Credentials | None,
    owner: str,
    conversation: Conversation,
    live: LiveTurn | None,
    steps_expanded: bool,
) -> None:
    """The stored messages, then the live turn (followed to its end) or the notices."""
    messages = list(conversation.messages[: live.base_len] if live else conversation.messages)
    if messages:
        marks = conversation_state.marks(conversation)
        render_history(conversation, messages, steps_expanded, marks)
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
        if conversation_state.busy_elsewhere(conversation):
            _wait_for_other_turn(conversation.id, owner)
    else:
        queued = st.session_state.get(composer.QUEUED_KEY) is not None
        with live_slot:
            finished = render_live_turn(live, steps_expanded, queued)
        if finished:
            _finish(live, conversation, owner)
            st.rerun()


@st.fragment(run_every=ELSEWHERE_POLL_SECONDS)
def _wait_for_other_turn(conversation_id: str, owner: str) -> None:
    """An answer of the open conversation is being written by a page that is gone (a
    reloaded tab) or another tab: once it ends, read it from the store and redraw."""
    if running_turns().is_running(conversation_id):
        return
    if current_conversation().id == conversation_id:
        loaded = conversation_state.load(conversation_id, owner)
        if loaded is not None:
            conversation_state.show(loaded)
    st.rerun(scope="app")


def _render_logged_out(account: Account) -> None:
    with st.sidebar:
        st.title(TITLE)
    st.title(f":material/terminal: {TITLE}")
    render_login(account)


def _start_or_queue(
    creds: Credentials | None,
    owner: str,
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
    if prompt is None:
        return None
    if conversation_state.busy_elsewhere(conversation):
        _give_back(prompt, BUSY_ELSEWHERE)
    return _begin(creds, owner, conversation, prompt)


def _render_sidebar(
    creds: Credentials | None,
    account: Account,
    conversation: Conversation,
    live: LiveTurn | None,
    runs: int,
) -> bool:
    st.title(TITLE)
    render_account(account)
    sidebar.render_key_section(creds)
    models = backend.available_models(creds)
    sidebar.render_model_picker(models, conversation.model, disabled=live is not None)
    expanded = sidebar.render_settings(_new_conversation, busy=live is not None)
    _render_conversation_list(str(account.owner), conversation, busy=live is not None)
    sidebar.render_files(conversation, backend.settings().upload_limit_bytes)
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


def _render_conversation_list(owner: str, conversation: Conversation, busy: bool) -> None:
    st.subheader("Conversations", divider="gray")
    render_search()
    rows = backend.store().list_conversations(owner, search_text() or None, limit=LIST_LIMIT)
    current_id = conversation.id if conversation_state.is_stored(conversation) else None
    actions = ListActions(_open_conversation, _rename_conversation, _delete_conversation)
    render_conversation_list(rows, current_id, busy, actions)


def _begin(creds: Credentials, owner: str, conversation: Conversation, prompt: Prompt) -> LiveTurn:
    st.session_state.pop(RETRY_KEY, None)  # a new message replaces the offer to retry
    try:
        check_sizes(prompt.attachments, backend.settings().upload_limit_bytes)
    except FileTooLarge as exc:
        _give_back(prompt, error_notice(ErrorKind.FILE_TOO_LARGE, str(exc)))
    st.session_state[NOTICES_KEY] = []
    st.session_state.pop(UNSENT_KEY, None)
    try:
        conversation = conversation_state.caught_up(conversation, owner)
        conversation.model = str(st.session_state.get(sidebar.MODEL_KEY) or conversation.model)
        conversation_state.ensure_stored(conversation, owner)
    except ConversationNotFound:
        _start_new_conversation()
        _give_back(prompt, GONE)
    base_len = len(conversation.messages)
    handle = backend.start_turn(creds, conversation, prompt.text, prompt.attachments)
    running_turns().add(conversation.id, handle)
    live = LiveTurn(handle, prompt, base_len)
    st.session_state[LIVE_KEY] = live
    connected = follow_watch.session_connected()
    if connected is not None:
        rerun = follow_watch.session_rerun()
        follow_watch.watch(
            lambda: handle.done, lambda: live.followed, connected, handle.stop, rerun=rerun
        )
    return live


def _give_back(prompt: Prompt, notice: Notice) -> NoReturn:
    """The message is not sent: say why, and put its text back into the box."""
    st.session_state[NOTICES_KEY] = [notice]
    st.session_state[composer.DRAFT_KEY] = prompt.text
    st.rerun()


def _finish(live: LiveTurn, conversation: Conversation, owner: str) -> None:
    """Keep what the person must still see about the turn, then forget the live state."""
    conversation_state.record_turn_end(conversation, owner, live.base_len)
    model = live.model
    notices = [reset_notice(reset) for reset in model.resets]
    if model.error is not None:
        notices.append(error_notice(model.error.kind, model.error.message))
    notices.extend(_end_notices(model.finished))
    if model.resets:
        st.session_state[CONTAINER_NOTICE_KEY] = reset_notice(model.resets[-1])
    totals = st.session_state.setdefault(TOKENS_KEY, {})
    for usage in model.usage:
        totals[conversation.id] = totals.get(conversation.id, TokenCounts()) + usage_counts(usage)
    if len(conversation.messages) <= live.base_len:
        st.session_state[UNSENT_KEY] = live.prompt
    elif model.error is not None:
        st.session_state[RETRY_KEY] = live.prompt
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
    no_key = backend.credentials() is None
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
            args=(UNSENT_KEY,),
            disabled=no_key,
        )
    elif st.session_state.get(RETRY_KEY) is not None:
        st.button(
            "Retry",
            key="retry_turn",
            icon=":material/refresh:",
            on_click=_send_again,
            args=(RETRY_KEY,),
            disabled=no_key,
            help="Send the same message (and its files) again",
        )


def _send_again(key: str) -> None:
    prompt = st.session_state.pop(key, None)
    if prompt is not None:
        st.session_state[composer.QUEUED_KEY] = prompt


def _forget_turn_state() -> None:
    """What the page kept about the last conversation's turns (not the conversation)."""
    for key in (NOTICES_KEY, CONTAINER_NOTICE_KEY, UNSENT_KEY, RETRY_KEY, WINDOW_KEY):
        st.session_state.pop(key, None)


def _start_new_conversation() -> None:
    model = str(st.session_state.get(sidebar.MODEL_KEY) or backend.settings().model)
    conversation_state.start_new(model)
    _forget_turn_state()


def _new_conversation() -> None:
    if st.session_state.get(LIVE_KEY) is not None:
        return
    _start_new_conversation()


def _callback_owner() -> str | None:
    """The owner a sidebar button acts for: the person signed in now, never a remembered one."""
    owner = current_account().owner
    return owner if owner is not None and owner == st.session_state.get(OWNER_KEY) else None


def _open_conversation(conversation_id: str) -> None:
    owner = _callback_owner()
    if owner is None or st.session_state.get(LIVE_KEY) is not None:
        return
    loaded = conversation_state.load(conversation_id, owner)
    if loaded is None:
        _start_new_conversation()
        st.session_state[NOTICES_KEY] = [NOT_FOUND]
        return
    _forget_turn_state()
    conversation_state.show(loaded)
    st.session_state[sidebar.MODEL_KEY] = loaded.conversation.model


def _rename_conversation(conversation_id: str) -> None:
    owner = _callback_owner()
    title = str(st.session_state.get(title_key(conversation_id)) or "").strip()
    if owner is None or not title:
        return
    # Deleted in another tab meanwhile: the list drops it on this rerun.
    with contextlib.suppress(ConversationNotFound):
        backend.store().rename(conversation_id, owner, title)


def _delete_conversation(conversation_id: str) -> None:
    owner = _callback_owner()
    if owner is None:
        return
    conversation = current_conversation()
    is_open = conversation_state.is_stored(conversation) and conversation.id == conversation_id
    if is_open and st.session_state.get(LIVE_KEY) is not None:
        return  # its answer is still streaming
    if running_turns().is_running(conversation_id):
        st.session_state[NOTICES_KEY] = [BUSY_DELETE]
        return
    try:
        file_ids = backend.store().delete(conversation_id, owner)
    except ConversationNotFound:
        file_ids = []
    backend.delete_api_files(backend.credentials(), file_ids)
    if is_open:
        _start_new_conversation()
