"""The sidebar's "Web access" switch: off by default, applies from the next turn.

With it on, the turn's requests also carry Anthropic's web search and web fetch tools
(services/turn/web.py). When the configured tool versions cannot carry them, the switch
is disabled and says why.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from components.render.format import escape_markdown
from components.session import WidgetKey, session
from services.settings import Settings
from services.turn.web import web_access_problem

WEB_ACCESS_HELP = (
    "Off by default. When on, Claude may search the web and fetch public pages (for "
    "example a public data set by its URL). What it searches for and fetches leaves "
    "through Anthropic's servers. Applies from your next message."
)


def _take_switch() -> None:
    state = session()
    on = bool(st.session_state.get(WidgetKey.WEB_ACCESS))
    state.options = replace(state.options, web_access=on)


def render_web_access(settings: Settings) -> None:
    state = session()
    problem = web_access_problem(settings)
    if problem is not None and state.options.web_access:
        state.options = replace(state.options, web_access=False)
    st.session_state[WidgetKey.WEB_ACCESS] = state.options.web_access
    st.toggle(
        "Web access",
        key=WidgetKey.WEB_ACCESS,
        on_change=_take_switch,
        help=WEB_ACCESS_HELP if problem is None else f"{WEB_ACCESS_HELP} {problem}",
        disabled=problem is not None,
    )
    if problem is not None:
        st.caption(f":material/public_off: Web access is unavailable: {escape_markdown(problem)}")
    elif state.options.web_access:
        st.caption(
            ":material/public: Claude may search the web and fetch public pages "
            "(from your next message)."
        )
