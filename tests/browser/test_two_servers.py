"""Two app servers on one store (one SQLite data dir, or one PostgreSQL database): one
writer per conversation. Server 2 shows server 1's answer as being written, refuses a new
message meanwhile, and shows the answer whole when it ends; when server 1 dies mid-answer,
its lease lapses and server 2 takes the next message."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from fake_anthropic import CodeStep, Text, Turn
from services.settings import load_settings
from services.store import LOCAL_OWNER, open_store
from tests.browser.harness import (
    AppServer,
    app_environment,
    assistant_messages,
    send,
    step_boxes,
    user_messages,
    wait_ready,
    wait_turn_done,
)
from tests.browser.test_persistence import GATE_SECONDS, conversation_in_url
from tests.support.store import BACKENDS, fresh_postgres_schema, postgres_base_url

pytestmark = pytest.mark.browser

# Short leases (as every browser test's servers have), so the dead server's lapses soon.
LEASES = {"ASSISTANT_LEASE_RENEW_SECONDS": "1", "ASSISTANT_LEASE_EXPIRE_SECONDS": "5"}
SAID = "Loading the data before the long step."
STILL = re.compile(r"Still being written")
INTERRUPTED = re.compile(r"Interrupted: the app stopped")


@pytest.fixture(params=BACKENDS)
def shared_env(request, fake_api, tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {**app_environment(fake_api.base_url, tmp_path / "data"), **LEASES}
    if request.param == "sqlite":
        yield env
        return
    with fresh_postgres_schema(postgres_base_url()) as url:
        yield {**env, "ASSISTANT_DATABASE_URL": url}


@pytest.fixture
def servers(shared_env, tmp_path: Path) -> Iterator[tuple[AppServer, AppServer]]:
    one = AppServer(shared_env, tmp_path / "app-1.log").start()
    two = AppServer(shared_env, tmp_path / "app-2.log")
    try:
        two.start()
        yield one, two
    finally:
        two.stop()
        one.stop()


def _open(browser, url: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(url)
    wait_ready(page)
    return page


def _stored_text(env: dict[str, str], cid: str) -> str:
    with open_store(load_settings(env)) as store:
        return " ".join(
            block.get("text", "")
            for message in store.load_messages(cid, LOCAL_OWNER)
            for block in message.content
        )


def _answer_held_on_server_one(browser, fake_api, servers, shared_env) -> tuple[str, object]:
    step = CodeStep("python", {"code": "import time\ntime.sleep(600)"}, hold="long-step")
    fake_api.enqueue(Turn((Text(SAID), step, Text("Finished on server one."))))
    first = _open(browser, servers[0].url)
    send(first, "Run the long analysis")
    assert fake_api.wait_held("long-step", timeout=GATE_SECONDS)
    cid = conversation_in_url(first)
    _wait_stored(shared_env, cid)
    return cid, first


def _wait_stored(env: dict[str, str], cid: str) -> None:
    deadline = time.monotonic() + GATE_SECONDS
    while SAID not in _stored_text(env, cid):
        assert time.monotonic() < deadline, "the partial answer was never stored"
        time.sleep(0.1)


def test_server_two_shows_server_ones_answer_being_written_and_refuses_a_message(
    browser, fake_api, servers, shared_env
) -> None:
    cid, first = _answer_held_on_server_one(browser, fake_api, servers, shared_env)
    second = _open(browser, f"{servers[1].url}/?c={cid}")
    answer = assistant_messages(second)
    expect(answer.get_by_text(SAID)).to_be_visible()
    expect(answer.get_by_text(STILL)).to_be_visible()
    expect(second.get_by_text(INTERRUPTED)).to_have_count(0)
    expect(step_boxes(answer).filter(has_text="Running Python…")).to_have_count(1)

    send(second, "Are you done yet?")
    expect(second.get_by_text("still being written in another tab")).to_be_visible()
    expect(user_messages(second)).to_have_count(1)
    assert len(fake_api.message_requests()) == 1

    fake_api.release("long-step")
    # No click on server 2: it follows the stored record and draws the whole answer.
    expect(answer.get_by_text("Finished on server one.")).to_be_visible()
    expect(second.get_by_text(STILL)).to_have_count(0)
    expect(second.get_by_text(INTERRUPTED)).to_have_count(0)
    expect(step_boxes(answer).filter(has_text="Ran Python")).to_have_count(1)
    wait_turn_done(first, "Finished on server one.")

    fake_api.enqueue(Turn((Text("Answered on server two."),)))
    send(second, "Are you done yet?")
    wait_turn_done(second, "Answered on server two.")
    sent = fake_api.message_requests()[-1]["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert any("Finished on server one." in b.get("text", "") for b in sent[1]["content"])
    second.reload()  # what a reload shows: the whole conversation, in order
    wait_ready(second)
    expect(user_messages(second)).to_have_count(2)
    expect(assistant_messages(second).last).to_contain_text("Answered on server two.")
    expect(second.get_by_text(INTERRUPTED)).to_have_count(0)


def test_server_one_killed_mid_answer_lets_server_two_go_on_once_the_lease_lapses(
    browser, fake_api, servers, shared_env
) -> None:
    cid, _first = _answer_held_on_server_one(browser, fake_api, servers, shared_env)
    second = _open(browser, f"{servers[1].url}/?c={cid}")
    answer = assistant_messages(second)
    expect(answer.get_by_text(STILL)).to_be_visible()

    servers[0].stop(kill=True)
    # The heartbeat stopped with its server: the lease lapses and the page says so.
    expect(answer.get_by_text(INTERRUPTED)).to_be_visible()
    expect(second.get_by_text(STILL)).to_have_count(0)
    fake_api.enqueue(Turn((Text("Taken over by server two."),)))
    send(second, "Go on")
    wait_turn_done(second, "Taken over by server two.")
    assert len(fake_api.message_requests()) == 2
    second.reload()
    wait_ready(second)
    expect(user_messages(second)).to_have_count(2)
    expect(assistant_messages(second).first.get_by_text(INTERRUPTED)).to_be_visible()
    expect(assistant_messages(second).last).to_contain_text("Taken over by server two.")
