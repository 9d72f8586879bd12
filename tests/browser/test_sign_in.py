"""Two people sign in through `st.login` against a real OpenID Connect provider on loopback
(oidc-provider-mock, speaking OIDC over HTTP), and neither can list, open, export, delete
or download the other's conversation and files by any URL or id; a media URL without a
sign-in cookie is refused, and without sign-in configured it is served as before."""

from __future__ import annotations

import io
import secrets
import threading
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator

import oidc_provider_mock
import pytest
import werkzeug.serving
from playwright.sync_api import expect

from fake_anthropic import CodeStep, OutFile, Text, Turn, sales_chart_png
from tests.browser.harness import (
    AppServer,
    app_environment,
    assistant_messages,
    attach,
    send,
    user_messages,
    visible_download_buttons,
    wait_ready,
    wait_turn_done,
)
from tests.browser.test_persistence import conversation_in_url, sidebar

pytestmark = pytest.mark.browser

ALICE = oidc_provider_mock.User(sub="alice", claims={"email": "alice@example.com", "name": "Alice"})
BOB = oidc_provider_mock.User(sub="bob", claims={"email": "bob@example.com", "name": "Bob"})
UPLOAD = b"month,total\nJan,12400\nFeb,15100\n"
SUMMARY_CSV = b"month,total,share\nJan,12400,0.45\nFeb,15100,0.55\n"


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """An OpenID Connect provider on a free loopback port; its login form names the user."""
    server = werkzeug.serving.make_server(
        "127.0.0.1", 0, oidc_provider_mock.app(user_claims=(ALICE, BOB)), threaded=True
    )
    thread = threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def auth_secrets(app_url: str, provider_url: str) -> str:
    return "\n".join(
        [
            "[auth]",
            f'redirect_uri = "{app_url}/oauth2callback"',
            f'cookie_secret = "{secrets.token_hex(32)}"',
            'client_id = "code-execution-assistant"',
            'client_secret = "test-client-secret"',
            f'server_metadata_url = "{provider_url}/.well-known/openid-configuration"',
        ]
    )


@pytest.fixture
def signed_in_app(fake_api, provider, tmp_path) -> Iterator[AppServer]:
    secrets_file = tmp_path / "secrets.toml"
    env = app_environment(fake_api.base_url, tmp_path / "data")
    server = AppServer(env, tmp_path / "app.log", ("--secrets.files", str(secrets_file)))
    secrets_file.write_text(auth_secrets(server.url, provider))
    server.start()
    yield server
    server.stop()


def sign_in(browser, app: AppServer, who: oidc_provider_mock.User):
    """A new browser signed in as `who` through the app's Log in button and the provider."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(app.url)
    check_page_icon_is_public(page, app.url)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name=who.sub, exact=True).click()  # the provider's form
    expect(page).to_have_url(f"{app.url}/")
    wait_ready(page)
    expect(sidebar(page)).to_contain_text(f"Signed in as {who.claims['name']}")
    return page


def check_page_icon_is_public(page, app_url: str) -> None:
    """The sign-in page's icon is the app's own image under /media/: served without sign-in."""
    icon = page.locator("link[rel*='icon'][href*='/media/']")
    expect(icon).to_have_count(1)
    href = icon.get_attribute("href")
    assert status_of(href if href.startswith("http") else f"{app_url}{href}") == 200


def status_of(request: str | urllib.request.Request) -> int:
    """The status of a plain request, outside the browser (no cookie unless given)."""
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code


def media_urls(page, app_url: str) -> list[str]:
    """The inline image's URL and every download's URL, as the browser fetched them."""
    src = page.get_by_test_id("stImage").locator("img").first.get_attribute("src")
    urls = [src if src.startswith("http") else f"{app_url}{src}"]
    buttons = visible_download_buttons(page)
    for i in range(buttons.count()):
        with page.expect_download() as download_info:
            buttons.nth(i).click()
        urls.append(download_info.value.url)
    return urls


def export_url(page, cid: str) -> str:
    """The URL of the conversation's Markdown export, from its sidebar menu."""
    page.locator(f".st-key-menu-{cid}").get_by_role("button").click()
    button = page.locator(f".st-key-export-md-{cid}").locator("button").filter(visible=True)
    expect(button).to_have_count(1)
    with page.expect_download() as download_info:
        button.click()
    return download_info.value.url


def make_chart_conversation(page, fake_api) -> str:
    chart = OutFile("sales_chart.png", sales_chart_png(), "image/png")
    table = OutFile("summary.csv", SUMMARY_CSV, "text/csv")
    step = CodeStep("python", {"code": "plot()"}, stdout="saved\n", files=(chart, table))
    fake_api.enqueue(Turn((Text("Drawing the chart."), step, Text("Here is the chart."))))
    attach(page, "sales.csv", UPLOAD, "text/csv")
    send(page, "Chart the sales")
    wait_turn_done(page, "Here is the chart.")
    return conversation_in_url(page)


def check_owner_sees_it(page, app_url: str, cid: str) -> None:
    """The owner, after a reload: the conversation, its inline image, working downloads."""
    page.goto(f"{app_url}/?c={cid}")
    wait_ready(page)
    expect(assistant_messages(page)).to_contain_text("Here is the chart.")
    image = page.get_by_test_id("stImage").locator("img")
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") > 0


def test_two_people_cannot_reach_each_others_conversations_or_files(
    browser, fake_api, signed_in_app
):
    app_url = signed_in_app.url
    alice = sign_in(browser, signed_in_app, ALICE)
    cid = make_chart_conversation(alice, fake_api)
    urls = [*media_urls(alice, app_url), export_url(alice, cid)]
    assert len(urls) >= 5 and all("/media/" in url for url in urls)  # image, files, export
    for url in urls:
        answer = alice.context.request.get(url)
        assert answer.status == 200, url
    export = zipfile.ZipFile(io.BytesIO(alice.context.request.get(urls[-1]).body()))
    assert "Chart the sales" in export.read("report.md").decode()  # with its images: a zip
    for url in urls:
        assert status_of(url) == 401, url  # no sign-in cookie

    bob = sign_in(browser, signed_in_app, BOB)
    expect(sidebar(bob)).not_to_contain_text("Chart the sales")
    assert bob.locator(f".st-key-menu-{cid}").count() == 0  # no rename/export/delete for it
    for url in urls:
        assert bob.context.request.get(url).status == 403, url

    bob.goto(f"{app_url}/?c={cid}")
    wait_ready(bob)
    expect(bob.get_by_text("Conversation not found.")).to_be_visible()
    expect(user_messages(bob)).to_have_count(0)
    expect(bob.get_by_text("Here is the chart.")).to_have_count(0)
    expect(bob.get_by_test_id("stImage")).to_have_count(0)
    expect(visible_download_buttons(bob)).to_have_count(0)
    assert bob.locator(f"[class*='st-key-export-'][class*='{cid}']").count() == 0
    bob.reload()
    wait_ready(bob)
    expect(bob.get_by_text("Here is the chart.")).to_have_count(0)
    for url in urls:
        assert bob.context.request.get(url).status == 403, url

    check_owner_sees_it(alice, app_url, cid)  # nothing Bob did removed or changed it
    expect(sidebar(alice)).to_contain_text("Chart the sales")
    bob.context.close()
    alice.context.close()


def test_without_sign_in_configured_media_is_served_as_before(page, fake_api, app_server):
    wait_ready(page)
    cid = make_chart_conversation(page, fake_api)
    urls = media_urls(page, app_server.url)
    for url in urls:
        assert status_of(url) == 200, url
    check_owner_sees_it(page, app_server.url, cid)


def test_a_forged_or_foreign_sign_in_cookie_is_refused(browser, fake_api, signed_in_app):
    alice = sign_in(browser, signed_in_app, ALICE)
    make_chart_conversation(alice, fake_api)
    url = media_urls(alice, signed_in_app.url)[0]
    cookie = next(c for c in alice.context.cookies() if c["name"] == "_streamlit_user")
    forged = cookie["value"][:-4] + ("AAAA" if not cookie["value"].endswith("AAAA") else "BBBB")
    request = urllib.request.Request(url, headers={"Cookie": f"_streamlit_user={forged}"})
    assert status_of(request) == 401
    request = urllib.request.Request(url, headers={"Cookie": f"_streamlit_user={cookie['value']}"})
    assert status_of(request) == 200
    alice.context.close()
