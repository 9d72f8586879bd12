"""A web search or web fetch step: the query or URL, and what came back, as plain text.

Queries, URLs and page titles are written by the model or by web pages: they are drawn
with `st.text` (no markdown, no links), so nothing in them can become a live link, an
image or formatting. Page text the API encrypted is said to be so, never shown.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from components.render.step_view import StepView
from services.files.sizes import human_size
from services.turn.results import SearchHit, WebFetchResult, WebSearchResult
from services.turn.tools import StepTool

ENCRYPTED = "encrypted: not shown"


def render_web_input(step: StepView, where: Any = st) -> None:
    """The query searched for, or the URL fetched, as it was asked for."""
    if step.tool is StepTool.WEB_SEARCH:
        where.text(f"Query: {step.input.get('query', '')}")
    else:
        where.text(f"URL: {step.input.get('url', '')}")


def render_web_result(result: WebSearchResult | WebFetchResult) -> None:
    if isinstance(result, WebSearchResult):
        _render_hits(result)
    else:
        st.text(fetch_summary(result))


def _render_hits(result: WebSearchResult) -> None:
    if not result.hits:
        st.caption("No results")
        return
    st.caption(f"{len(result.hits)} result(s)")
    for hit in result.hits:
        st.text(hit_text(hit))


def hit_text(hit: SearchHit) -> str:
    lines = [hit.title or "(no title)", hit.url]
    if hit.page_age:
        lines.append(f"Page age: {hit.page_age}")
    if hit.encrypted:
        lines.append(f"Page text: {ENCRYPTED}")
    return "\n".join(lines)


def fetch_summary(result: WebFetchResult) -> str:
    lines = [f"Fetched: {result.url}"]
    document = result.document
    if document is None:
        lines.append("No document came back.")
        return "\n".join(lines)
    lines.append(f"Document: {document.media_type}, {human_size(document.size_bytes)}")
    if document.title:
        lines.append(f"Title: {document.title}")
    return "\n".join(lines)
