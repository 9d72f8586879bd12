"""The entry point serves the page with security headers, and the page never runs model HTML."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import streamlit as st
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route

import app

ROOT = Path(__file__).resolve().parents[1]


def headers_of(asgi_app: Starlette) -> dict[str, str]:
    sent: list[dict] = []
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "raw_path": b"/",
        "headers": [],
        "query_string": b"",
        "server": ("127.0.0.1", 8501),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
        "root_path": "",
        "http_version": "1.1",
    }

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(asgi_app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return {k.decode(): v.decode() for k, v in start["headers"]}


def test_entry_point_is_an_st_app_around_the_page_script() -> None:
    assert isinstance(app.app, st.App)
    assert (ROOT / "app_page.py").is_file()


def test_responses_carry_a_content_security_policy() -> None:
    page = Starlette(
        routes=[Route("/", lambda request: PlainTextResponse("ok"))],
        middleware=[Middleware(app.SecurityHeaders)],
    )
    headers = headers_of(page)
    policy = headers["content-security-policy"]
    # No directive lets the browser fetch from another host (markdown image exfiltration).
    assert not re.search(r"https?:|\*", policy)
    assert "img-src 'self' data: blob:" in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"


def test_page_code_never_allows_raw_html() -> None:
    sources = [p.read_text() for p in (ROOT / "components").glob("*.py")]
    for source in sources:
        assert "unsafe_allow_html=True" not in source
        assert "components.html" not in source and "st.html(" not in source
        assert "st.iframe" not in source
