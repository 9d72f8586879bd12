"""The sidebar's switch for Anthropic's document skills (Word, Excel, PowerPoint, PDF).

The choice lives in the page session's `TurnOptions`, which every turn is started with:
switching applies from the next turn, and a turn already running keeps what it started
with. It is kept for the browser session, across conversations.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from components.session import session

SWITCH_KEY = "document_skills"
LABEL = "Document files (Word, Excel, PowerPoint, PDF)"
HELP = (
    "Lets Claude use Anthropic's document skills to make .docx, .xlsx, .pptx and .pdf files "
    "you can download. Applies from your next message; an answer already being written "
    "keeps what it started with."
)


def _apply() -> None:
    state = session()
    wanted = bool(st.session_state.get(SWITCH_KEY))
    state.options = dataclasses.replace(state.options, document_skills=wanted)


def render_document_skills_switch() -> None:
    # The session's options are the truth; the widget is given them whenever Streamlit
    # has dropped its value (a run that did not draw it).
    if SWITCH_KEY not in st.session_state:
        st.session_state[SWITCH_KEY] = session().options.document_skills
    st.toggle(LABEL, key=SWITCH_KEY, help=HELP, on_change=_apply)
