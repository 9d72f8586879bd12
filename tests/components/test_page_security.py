"""The entry point serves the page with security headers, and the page never runs model HTML."""

from __future__ import annotations

import ast
import asyncio
import logging
import re
import tomllib
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
import streamlit as st
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route

import app
from fake_anthropic import CodeStep, FakeAnthropic, Fault, OutFile, Text, Turn, sales_chart_png
from tests.browser.harness import AppServer, app_environment
from tests.components.support import page_session

ROOT = Path(__file__).resolve().parents[2]


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


RAW_HTML_APIS = (
    "unsafe_allow_html",  # even =False: a flag that can be flipped is one edit from a hole
    "st.html(",
    "components.html",
    "components.v1",
    "st.components",
    "st.iframe",
)


def test_page_code_never_allows_raw_html() -> None:
    sources = [*(ROOT / "components").rglob("*.py"), ROOT / "app.py", ROOT / "app_page.py"]
    for source in sources:
        if source.name == "style.py":
            continue  # its st.html calls pass its own constants: checked below
        text = source.read_text()
        for api in RAW_HTML_APIS:
            assert api not in text, f"{source.name} uses {api}"


def test_the_one_module_with_st_html_passes_only_its_own_constants() -> None:
    tree = ast.parse((ROOT / "components" / "style.py").read_text())
    constants = {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "st.html"
    ]
    assert calls, "style.py draws its style and its script with st.html"
    for call in calls:
        [argument] = call.args
        assert isinstance(argument, ast.Name) and argument.id in constants, ast.unparse(call)


def test_xsrf_protection_is_on_and_generated_files_are_not_static() -> None:
    server = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]
    assert server["enableXsrfProtection"] is True
    assert server.get("enableStaticServing", False) is False


# --- what the running server sends ----------------------------------------------------


@pytest.fixture(scope="module")
def served_app(tmp_path_factory):
    """`streamlit run app.py`, as the browser tests start it; no API call is ever made."""
    work = tmp_path_factory.mktemp("served-app")
    # Nothing listens on port 9: the page is fetched over HTTP only, no script runs.
    server = AppServer(app_environment("http://127.0.0.1:9", work / "data"), work / "app.log")
    try:
        server.start()
    except (OSError, RuntimeError, TimeoutError) as error:
        server.stop(kill=True)
        pytest.skip(f"streamlit could not start: {error}")
    yield server
    server.stop()


def fetch(url: str, method: str = "GET", headers: dict | None = None, opener=None):
    """(status, headers, body) of a request, whatever its status."""
    request = urllib.request.Request(url, method=method, headers=headers or {})
    if method == "PUT":
        request.data = b"--b\r\nContent-Disposition: form-data; name=f; filename=a\r\n\r\nx\r\n"
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=30) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def assert_security_headers(headers, where: str) -> None:
    for name, value in app.SECURITY_HEADERS.items():
        assert headers.get(name) == value, f"{name} missing or changed on {where}"


def test_the_running_server_sends_the_headers_on_every_route(served_app) -> None:
    status, headers, page = fetch(served_app.url + "/")
    assert status == 200
    assert_security_headers(headers, "the page")
    script = re.search(rb'src="\./(static/js/[^"]+\.js)"', page)
    assert script is not None, "the page names its script"
    for path, expected in [
        ("/" + script.group(1).decode(), 200),  # the app's own JavaScript
        ("/_stcore/health", 200),
        ("/media/0123456789abcdef.png", 404),  # images and downloads are served here
        ("/media/0123456789abcdef.html?title=x", 404),
    ]:
        status, headers, _body = fetch(served_app.url + path)
        assert status == expected, path
        assert_security_headers(headers, path)


def test_the_running_server_refuses_uploads_without_the_xsrf_token(served_app) -> None:
    upload = served_app.url + "/_stcore/upload_file/some-session/some-file"
    form = {"Content-Type": "multipart/form-data; boundary=b"}
    status, headers, body = fetch(upload, "PUT", form)
    assert status == 403 and b"XSRF" in body
    assert_security_headers(headers, "a refused upload")

    # With the token the server handed out, the same request gets past the XSRF check.
    cookies = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
    fetch(served_app.url + "/_stcore/health", opener=opener)
    token = next(c.value for c in cookies if c.name == "_streamlit_xsrf")
    status, _headers, body = fetch(upload, "PUT", {**form, "X-Xsrftoken": token}, opener)
    assert status != 403 and b"XSRF" not in body


# --- a pasted key lives in the session only ---------------------------------------------


def _page_text(node) -> str:
    """Every proto on the page, as text: what the browser is sent."""
    parts = [str(node.proto)] if getattr(node, "proto", None) is not None else []
    for index in sorted(getattr(node, "children", {}) or {}):
        parts.append(_page_text(node.children[index]))
    return "\n".join(parts)


def test_a_pasted_key_is_sent_to_the_api_and_kept_nowhere_else(
    at, env, fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    key = "sk-ant-api03-pasted-QQQQ-never-stored-0123456789"
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    caplog.set_level(logging.DEBUG)
    at.run()
    at.sidebar.text_input(key="api_key_input").input(key).run()
    chart = OutFile("chart.png", sales_chart_png(), "image/png")
    step = CodeStep("python", {"code": "plot()"}, files=(chart,))
    fake_api.enqueue(Turn((Text("Plotting."), step, Text("Here it is."))))
    composer = at.chat_input(key="composer").set_value("Chart these")
    composer.upload("sales.csv", b"month,sales\nJan,1\n", "text/csv").run()
    fake_api.enqueue(Fault(401, "authentication_error", "invalid x-api-key"))
    at.chat_input(key="composer").set_value("And again").run()
    assert not at.exception

    credentials = [
        r.headers.get("x-api-key") or r.headers.get("authorization", "") for r in fake_api.requests
    ]
    assert len(credentials) >= 4 and all(key in value for value in credentials), (
        "every API call (models, upload, messages, download) carried the pasted key"
    )
    written = [p for p in env.rglob("*") if p.is_file()]
    assert any(p.suffix == ".db" for p in written), "the turn was stored"
    for path in written:
        assert key.encode() not in path.read_bytes(), f"the key was written to {path}"
    formatter = logging.Formatter()
    for record in caplog.records:
        assert key not in formatter.format(record), f"the key was logged by {record.name}"
    assert key not in _page_text(at._tree), "the key was sent to the browser"
    assert page_session(at).pasted_key == key


def test_credentials_never_show_the_key_in_their_repr():
    from components.app_services import Credentials

    creds = Credentials("sk-ant-secret-value", None, "sidebar")
    assert "sk-ant-secret-value" not in repr(creds)
    assert "sk-ant-secret-value" not in str(creds)
