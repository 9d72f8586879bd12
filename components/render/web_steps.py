"""A web search or web fetch step: the query or URL, and what came back, as plain text.

Queries, URLs and page titles are written by the model or by web pages: they are drawn
with `st.text` (no markdown, no links), so nothing in them can become a live link, an
image or formatting. Page text the API encrypted is said to be so, never shown.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from components.render.step_view import StepView
from services.turn.results import WebFetchResult, WebSearchResult
from services.turn.tools import TOOL_NAMES
from services.turn.web_results import fetch_summary, hit_text, web_input_text


def render_web_input(step: StepView, where: Any = st) -> None:
    """The query searched for, or the URL fetched, as it was asked for."""
    where.text(web_input_text(TOOL_NAMES[step.tool], step.input) if step.tool else "")


def render_web_result(result: WebSearchResult | WebFetchResult) -> None:
    if isinstance(result, WebFetchResult):
        st.text(fetch_summary(result))
        return
    if not result.hits:
        st.caption("No results")
        return
    st.caption(f"{len(result.hits)} result(s)")
    for hit in result.hits:
        st.text(hit_text(hit))
