"""The result blocks of the web tools, read into step results.

A `web_search_tool_result` holds a list of hits (each with its page text encrypted for
the model) or an error object; a `web_fetch_tool_result` holds the fetched document or an
error object. Shapes as the SDK types them (`types/web_search_tool_result_block.py`,
`types/web_fetch_tool_result_block.py`).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
from typing import Any

from services.files.sizes import human_size
from services.turn.results import (
    FetchedDocument,
    SearchHit,
    StepResult,
    ToolError,
    WebFetchResult,
    WebSearchResult,
)

WEB_RESULT_TYPES = frozenset({"web_search_tool_result", "web_fetch_tool_result"})

WEB_ERROR_MESSAGES = {
    "invalid_tool_input": "The web tool was called with input it could not use.",
    "unavailable": "The web tool was unavailable.",
    "max_uses_exceeded": "The web tool was used as often as one request allows.",
    "too_many_requests": "Too many web requests at once; the tool refused this one.",
    "query_too_long": "The search query was too long.",
    "request_too_large": "The search request was too large.",
    "url_too_long": "The URL was too long.",
    "url_not_allowed": "Fetching that URL is not allowed.",
    "url_not_in_prior_context": "Only URLs seen earlier in the conversation may be fetched.",
    "url_not_accessible": "The page could not be reached.",
    "unsupported_content_type": "The page's content type cannot be fetched.",
    "content_too_large": "The page was too large to fetch.",
}


def web_error(content: dict[str, Any]) -> ToolError:
    code = str(content.get("error_code") or "unknown_error")
    return ToolError(code, WEB_ERROR_MESSAGES.get(code, f"The web tool failed ({code})."))


def web_result(block: dict[str, Any]) -> StepResult | None:
    """The typed result of a web tool's result block, None for an unknown shape."""
    content = block.get("content")
    if isinstance(content, dict) and "error_code" in content:
        return web_error(content)
    if block.get("type") == "web_search_tool_result" and isinstance(content, list):
        hits = tuple(_hit(item) for item in content if isinstance(item, dict))
        return WebSearchResult(hits)
    if block.get("type") == "web_fetch_tool_result" and isinstance(content, dict):
        if content.get("type") != "web_fetch_result":
            return None
        document = content.get("content")
        return WebFetchResult(
            url=str(content.get("url") or ""),
            document=_document(document) if isinstance(document, dict) else None,
            retrieved_at=_text_or_none(content.get("retrieved_at")),
        )
    return None


def _hit(item: dict[str, Any]) -> SearchHit:
    return SearchHit(
        title=str(item.get("title") or ""),
        url=str(item.get("url") or ""),
        page_age=_text_or_none(item.get("page_age")),
        encrypted=bool(item.get("encrypted_content")),
    )


def _document(document: dict[str, Any]) -> FetchedDocument:
    source = document.get("source") if isinstance(document.get("source"), dict) else {}
    data = str(source.get("data") or "")
    size = len(data.encode())
    if source.get("type") == "base64":
        # A damaged payload keeps its encoded length: the best there is.
        with contextlib.suppress(binascii.Error, ValueError):
            size = len(base64.b64decode(data, validate=False))
    return FetchedDocument(
        media_type=str(source.get("media_type") or "unknown"),
        size_bytes=size,
        title=_text_or_none(document.get("title")),
    )


def _text_or_none(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


# --- in words: the page, the CLI and the exports say the same --------------------------

ENCRYPTED = "encrypted: not shown"


def hit_text(hit: SearchHit) -> str:
    """A search hit as plain lines: title, URL, age, and that its page text is encrypted."""
    lines = [hit.title or "(no title)", hit.url]
    if hit.page_age:
        lines.append(f"Page age: {hit.page_age}")
    if hit.encrypted:
        lines.append(f"Page text: {ENCRYPTED}")
    return "\n".join(lines)


def fetch_summary(result: WebFetchResult) -> str:
    """What a fetch brought back, summarised: the URL, the document's type, size, title."""
    lines = [f"Fetched: {result.url}"]
    document = result.document
    if document is None:
        lines.append("No document came back.")
        return "\n".join(lines)
    lines.append(f"Document: {document.media_type}, {human_size(document.size_bytes)}")
    if document.title:
        lines.append(f"Title: {document.title}")
    return "\n".join(lines)


def web_input_text(name: str, data: dict[str, Any]) -> str:
    """The query searched for or the URL fetched, as asked for."""
    if name == "web_search":
        return f"Query: {data.get('query', '')}"
    return f"URL: {data.get('url', '')}"
