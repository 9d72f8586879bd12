"""With sign-in configured, `/media/…` is served only to the signed-in person it belongs to.

Streamlit serves a media file (an inline image, a download's bytes) to anyone who has
its URL. When the secrets have an [auth] section this ASGI middleware answers a media
request 401 unless it carries a valid sign-in cookie (Streamlit's `_streamlit_user`,
checked as Streamlit checks it: signed with the auth cookie secret, from this app's
origin, logged in), and 403 unless the file is that person's (components/media_access);
the app's own page icon is served to everyone, as the sign-in page needs it.
Deferred `st.download_button` data is fetched over the websocket and then served from
`/media/` too, so this one prefix covers every file. Pages, static files, the websocket
and the login routes pass untouched; without [auth] nothing changes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from http.cookies import CookieError, SimpleCookie
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from components.media_access import is_page_icon, may_read
from components.sidebar.account import owner_id

MEDIA_PREFIX = "media/"
USER_COOKIE = "_streamlit_user"


def auth_configured() -> bool:
    from streamlit.runtime.secrets import secrets_singleton

    return secrets_singleton.load_if_toml_exists() and bool(secrets_singleton.get("auth"))


def media_file_name(path: str) -> str | None:
    """The file name of a `/media/<name>` path under the server's base URL, else None."""
    from streamlit import config

    base = str(config.get_option("server.baseUrlPath") or "").strip("/")
    prefix = f"/{base}/{MEDIA_PREFIX}" if base else f"/{MEDIA_PREFIX}"
    return path[len(prefix) :] if path.startswith(prefix) else None


def parse_cookies(header: str) -> dict[str, str]:
    jar = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def signed_in_claims(cookies: Mapping[str, str]) -> dict[str, Any] | None:
    """The claims of a valid sign-in cookie, or None (missing, forged, expired, foreign)."""
    from streamlit.auth_util import get_cookie_with_chunks, get_origin_from_redirect_uri
    from streamlit.web.server.server_util import get_cookie_secret
    from streamlit.web.server.starlette.starlette_app_utils import decode_signed_value

    secret = get_cookie_secret()

    def one_cookie(name: str) -> bytes | None:
        raw = cookies.get(name)
        # HTTP cookies are latin-1 text: the signed bytes come back that way.
        return None if raw is None else decode_signed_value(secret, name, raw.encode("latin-1"))

    decoded = get_cookie_with_chunks(one_cookie, USER_COOKIE)
    if decoded is None:
        return None
    try:
        claims = json.loads(decoded.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(claims, dict) or claims.get("is_logged_in") is not True:
        return None
    if claims.get("origin") != get_origin_from_redirect_uri():
        return None
    return claims


class MediaSignIn:
    """ASGI middleware: a media request without the owner's sign-in is refused."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        file_name = media_file_name(scope.get("path", "")) if scope["type"] == "http" else None
        if file_name is None or not auth_configured():
            await self.app(scope, receive, send)
            return
        refusal = await run_in_threadpool(_refusal, scope, file_name)
        if refusal is None:
            await self.app(scope, receive, send)
        else:
            await refusal(scope, receive, send)


def _refusal(scope: Scope, file_name: str) -> PlainTextResponse | None:
    """401 without a valid sign-in, 403 for another person's file, None to serve it."""
    if is_page_icon(os.path.splitext(file_name)[0]):
        return None
    header = b"; ".join(value for name, value in scope.get("headers", []) if name == b"cookie")
    claims = signed_in_claims(parse_cookies(header.decode("latin-1")))
    owner = owner_id(claims) if claims is not None else None
    if owner is None:
        return PlainTextResponse("Sign in to see this file.", status_code=401)
    if not may_read(owner, file_name):
        return PlainTextResponse("This file is not yours.", status_code=403)
    return None
