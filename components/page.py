"""The chat page: the sidebar, the conversation, the live turn, the composer.

A full run draws the sidebar and the open conversation as the store holds it; under it,
the turn fragment draws the composer and, if a turn is live, the events read so far, and
follows the turn until it finishes. Sending a message runs only that fragment, so a long
conversation is not drawn and sent again for each new question. Once the turn is stored,
the page reads the conversation back and runs in full, so the finished turn is drawn from
its stored record like every other. Which conversation is open follows the URL
(components.navigation); everything shown belongs to the person signed in.
"""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from components import app_services, composer, navigation, turns
from components.app_services import Credentials, OwnedFiles
from components.elsewhere import catch_up, follow_other_turn, render_stop_for_other_turn
from components.follow_ups import render_follow_ups
from components.live.view import Prompt, render_live_turn, render_prompt
from components.live.watch import click_waiting, current_fragment_id, watch_live_turn
from components.render.conversation import render_history
from components.render.marks import marks
from components.render.notices import render_no_key, render_notice
from components.session import PageSession, session
from components.sidebar import deletion, panels
from components.sidebar import files as files_panel
from components.sidebar.account import Account, current_account, render_account, render_login
from components.sidebar.conversations import (
    ListActions,
    render_conversation_list,
    render_search,
    search_text,
)
from components.sidebar.document_skills import render_document_skills_switch
from components.sidebar.web_access import render_web_access
from components.style import render_style
from services.conversations import StoreUnavailable

_LOG = logging.getLogger(__name__)

TITLE = "Code Execution Assistant"
ICON = Path(__file__).resolve().parents[1] / "assets" / "icon.png"
DEMO_BANNER = (
    "**Demo server**: you are talking to the app's keyless demo, not to Claude. Its answers "
    "are scripted: it charts month/value pairs and summarises an attached CSV or Excel file. "
    "Point the app at Anthropic's API with a real key for Claude's own answers."
)
DATABASE_DOWN = (
    "The database is unreachable right now, so your conversations cannot be shown. "
    "Nothing stored is lost: reload in a moment."
)
POLL_SECONDS = 1.5  # how often a page checks on an answer not saved yet


def render_page() -> None:
    # A local icon: the CSP blocks the font CDN a ":material/...:" favicon would load from.
    st.set_page_config(page_title=TITLE, page_icon=str(ICON), layout="centered")
    state = session()
    state.runs += 1
    try:
        _render(state)
    except StoreUnavailable:
        st.error(DATABASE_DOWN, icon=":material/cloud_off:")
    except Exception:
        # The person gets plain words; the details go to the server log only.
        _LOG.exception("the chat page failed to draw")
        st.error(
            "Something went wrong while drawing the page. Reload to continue: "
            "the conversation is kept for this session.",
            icon=":material/error:",
        )


def _render(state: PageSession) -> None:
    account = current_account()
    if account.owner is None:
        _render_logged_out()
        render_login(account)
        return
    render_style()
    navigation.switch_owner(state, account.owner)
    state.files = OwnedFiles(app_services.service(), account.owner)
    creds = app_services.credentials()
    if state.live is None:
        navigation.follow_url(state, account.owner)
        catch_up(state)  # an answer this page followed from elsewhere has ended
    with st.sidebar:
        steps_expanded = _render_sidebar(state, creds, account)
    banner = st.empty()  # drawn or not, one element: the turn fragment's place stays put
    if app_services.talking_to_demo(creds):
        banner.info(DEMO_BANNER, icon=":material/science:")
    live = state.live
    conversation = state.conversation
    history = list(conversation.messages[: live.base_len] if live else conversation.messages)
    # Streamlit names a fragment by where it is called. Called in a container of its own,
    # made before the history is drawn, the turn fragment keeps its name however long the
    # history grows; else a message sent from the composer the browser still shows after
    # a turn has finished names a fragment the new full run no longer knows, and is lost.
    history_box, turn_box = st.container(), st.container()
    if history:
        running = turns.turn_running(state)
        shown = marks(history, conversation.statuses, running) if state.stored else {}
        with history_box:
            render_history(conversation, history, steps_expanded, shown)
    with turn_box:
        _render_turn(len(history), steps_expanded)


@st.fragment(key="turn")
def _render_turn(drawn: int, steps_expanded: bool) -> None:
    """Everything under the history: the composer, then the live turn or what follows the
    last answer (follow-ups, the welcome, notices).

    Sending a message reruns only this fragment: the history drawn by the last full run
    stays on the page as it is, neither redrawn nor sent to the browser again. `drawn` is
    how many stored messages that run drew; once a turn finishes and is stored, the page
    runs in full and draws it from the store with the rest.
    """
    state = session()
    creds = app_services.credentials()
    # A fragment may write into the sidebar and the pinned bottom on its own reruns only
    # if it wrote there in the full run: that reserves its place (the script that follows
    # a new message is mounted in the sidebar).
    st.sidebar.empty()
    turns.start_or_queue(state, creds, _render_composer(state, creds))
    live = state.live
    live_slot = st.container()
    # While a turn streams, the run lasts as long as the turn, and Streamlit would leave
    # the last run's welcome or notices greyed out on the page until it ends; an empty
    # element in their place removes them at once.
    other_slot = st.empty() if live is not None else st.container()
    if live is None:
        with other_slot:
            _render_after_answer(state, creds, drawn)
        return
    watch_live_turn()
    turn_fragment = current_fragment_id()
    with live_slot:
        finished = render_live_turn(
            live,
            steps_expanded,
            state.queued is not None,
            pause=lambda: click_waiting(turn_fragment),
        )
    if finished:
        if turns.finish(state, live):
            st.rerun(scope="app")
        _wait_until_saved()


def _render_composer(state: PageSession, creds: Credentials | None) -> Prompt | None:
    placeholder = (
        "Ask for an analysis or a chart; attach files with +"
        if creds
        else "Add an API key to start"
    )
    # It stays enabled during a turn (a disabled widget's submission would be dropped):
    # what is sent meanwhile waits for the turn to end.
    with st.bottom:
        prompt = composer.render_chat_input(
            creds is None, state.settings.upload_limit_mb, placeholder
        )
    composer.render_upload_limit(panels.limit_text(state.settings.upload_limit_bytes))
    return prompt


def _render_after_answer(state: PageSession, creds: Credentials | None, drawn: int) -> None:
    """Under the last finished answer: its follow-ups, or the welcome, then the notices."""
    conversation = state.conversation
    running = turns.turn_running(state)
    messages = conversation.messages[:drawn]
    if messages and not running:
        render_follow_ups(conversation, list(messages), disabled=creds is None)
    if not messages:
        _render_welcome(creds)
    _render_notices(state, creds)
    if running:  # another tab's, a reloaded page's, or another server's
        render_stop_for_other_turn(conversation.id)
        follow_other_turn(conversation.id)


@st.fragment(run_every=POLL_SECONDS)
def _wait_until_saved() -> None:
    """The turn ended but the store lacks part of it: once its writes are in, the page
    draws it from the store."""
    live = session().live
    if live is None or live.handle.settled:
        st.rerun(scope="app")


def _render_logged_out() -> None:
    with st.sidebar:
        st.title(TITLE)
    st.title(f":material/terminal: {TITLE}")


def _render_sidebar(state: PageSession, creds: Credentials | None, account: Account) -> bool:
    busy = state.live is not None
    conversation = state.conversation
    st.title(TITLE)
    render_account(account)
    panels.render_key_section(creds)
    models = app_services.available_models(creds)
    panels.render_model_picker(models, conversation.model, disabled=busy)
    expanded = panels.render_settings(navigation.new_conversation, busy=busy)
    render_document_skills_switch()
    render_web_access(state.settings)
    _render_conversation_list(state, busy)
    files_panel.render_files(conversation, panels.limit_text(state.settings.upload_limit_bytes))
    panels.render_container(conversation, state.container_notice)
    panels.render_cost(conversation)
    panels.render_run_counter(state.runs)
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


def _render_conversation_list(state: PageSession, busy: bool) -> None:
    st.subheader("Conversations", divider="gray")
    render_search()
    try:
        rows = app_services.service().list(str(state.owner), search_text() or None)
    except StoreUnavailable:
        st.caption(":material/cloud_off: The database is unreachable; the list is back with it.")
        return
    current_id = state.conversation.id if state.stored else None
    actions = ListActions(
        navigation.open_conversation,
        navigation.rename_conversation,
        deletion.ask_delete,
        app_services.exporter(str(state.owner)),
    )
    deletion.render_undo()
    render_conversation_list(rows, current_id, busy, actions)
    deletion.render_delete_dialog()


def _render_notices(state: PageSession, creds: Credentials | None) -> None:
    for notice in state.notices:
        render_notice(notice)
    if state.unsent is not None:
        st.caption("This message was not sent:")
        with st.chat_message("user"):
            render_prompt(state.unsent)
        _send_again_button(state, "unsent", "Send again", creds is None)
    elif state.retry is not None:
        _send_again_button(state, "retry", "Retry", creds is None)


def _send_again_button(state: PageSession, which: str, label: str, no_key: bool) -> None:
    st.button(
        label,
        key="send_again" if which == "unsent" else "retry_turn",
        icon=":material/refresh:",
        on_click=turns.send_again,
        args=(state, which),
        disabled=no_key,
        help="Send the same message (and its files) again",
    )
