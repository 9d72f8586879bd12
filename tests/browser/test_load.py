"""A load test in a real browser: rounds of 20 sessions on one app server, arriving two
seconds apart and open together, each running three turns against the fake with
realistic pacing (text streamed over about a second, a code step that prints and makes
a file). The most sessions open at once is printed with the memory table.

Every session asks something only it asks, and checks that only its own words and files
appear on its page, downloads included. Between rounds the sessions are closed and left to
expire (Streamlit's disconnected-session lifetime is set to a few seconds here), and the
server's resident memory is read from /proc: after the last round it must be back within
10% of its level after the first, so what a session leaves behind does not pile up.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import async_playwright
from playwright.async_api import expect as async_expect

from fake_anthropic import CodeStep, FakeAnthropic, OutFile, Reply, Text, Turn
from tests.browser.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    EXPECT_TIMEOUT_MS,
    AppServer,
    app_environment,
    require_chromium,
)

pytestmark = pytest.mark.browser

SESSIONS = 20
TURNS = 3
ROUNDS = 2
SESSION_TTL_SECONDS = 3  # Streamlit's default keeps a closed tab's session for 2 minutes
EVENT_DELAY = 0.03  # seconds between stream events: about 30 text deltas, about 1 s
TEXT_CHUNK = 4
MEMORY_TOLERANCE = 0.10
ARRIVAL_SECONDS = 2.0  # between one session's first page and the next one's
LOAD_TIMEOUT_MS = 4 * EXPECT_TIMEOUT_MS
TOKEN = re.compile(r"LOAD-r(\d+)-s(\d+)-t(\d+)")

async_expect.set_options(timeout=LOAD_TIMEOUT_MS)  # twenty pages on two shared cores


def token(round_no: int, session: int, turn: int) -> str:
    return f"LOAD-r{round_no}-s{session:02d}-t{turn}"


def answer_for(body: dict[str, Any]) -> Turn:
    """The fake's answer to whichever session asked: made from the request's last message,
    so twenty sessions sharing one fake each get the answer to their own question."""
    found = TOKEN.findall(str(body["messages"][-1]["content"]))
    if not found:
        raise AssertionError("a load-test request without its session's token")
    asked = token(*(int(part) for part in found[-1]))
    step = CodeStep(
        "bash",
        {"command": f"python make_report.py --name {asked}"},
        stdout=f"report written for {asked}\n",
        files=(OutFile(f"{asked}.txt", asked.encode() * 64, "text/plain"),),
    )
    opening = Text(f"Working on {asked}: reading the data and writing the report.", TEXT_CHUNK)
    closing = Text(
        f"The report for {asked} is ready, with totals by month. Done {asked}.", TEXT_CHUNK
    )
    return Turn((opening, step, closing))


def rss_kib(pid: int) -> int:
    """The process's resident set size (VmRSS), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


@dataclass
class MemoryTrace:
    """The server's RSS at the points the closing table reports, and the highest seen."""

    pid: int
    points: dict[str, int] = field(default_factory=dict)
    peak: int = 0

    def sample(self) -> int:
        value = rss_kib(self.pid)
        self.peak = max(self.peak, value)
        return value

    def mark(self, name: str) -> int:
        self.points[name] = value = self.sample()
        print(f"memory {name}: {value / 1024:.1f} MB", flush=True)  # a failed run shows its part
        return value

    def table(self) -> str:
        rows = [*self.points.items(), ("peak", self.peak)]
        return "\n".join(f"memory {name:>18}: {kib / 1024:7.1f} MB" for name, kib in rows)


@dataclass
class OpenSessions:
    """How many sessions had a page open at once, at most (the report's figure)."""

    now: int = 0
    most: int = 0

    def opened(self) -> None:
        self.now += 1
        self.most = max(self.most, self.now)

    def closed(self) -> None:
        self.now -= 1


OPEN = OpenSessions()


async def sample_while(trace: MemoryTrace, running: asyncio.Event) -> None:
    while not running.is_set():
        trace.sample()
        await asyncio.sleep(0.5)


# --- one session ------------------------------------------------------------------------


def own_tokens(text: str, round_no: int, session: int) -> tuple[set[str], set[str]]:
    """The tokens in `text` that are this session's, and those that are anyone else's."""
    found = {token(*(int(part) for part in match)) for match in TOKEN.findall(text)}
    mine = {t for t in found if t.startswith(f"LOAD-r{round_no}-s{session:02d}-")}
    return mine, found - mine


async def wait_ready(page) -> None:
    app = page.get_by_test_id("stApp")
    await async_expect(app).to_have_attribute("data-test-connection-state", "CONNECTED")
    await async_expect(app).to_have_attribute("data-test-script-state", "notRunning")
    await async_expect(page.get_by_test_id("stChatInputTextArea")).to_be_enabled()


async def run_turn(page, asked: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    await async_expect(box).to_be_enabled()
    await box.fill(f"Write the report named {asked}")
    await box.press("Enter")
    answers = page.get_by_test_id("stChatMessage").filter(
        has=page.get_by_test_id("stChatMessageAvatarAssistant")
    )
    await async_expect(answers.last).to_contain_text(f"Done {asked}.")
    stop = page.locator(".st-key-stop_turn").get_by_role("button", name="Stop")
    await async_expect(stop).to_have_count(0)  # drawn from the stored record now
    await wait_ready(page)


async def download_own_file(page, asked: str) -> bytes:
    buttons = page.get_by_test_id("stDownloadButton").locator("button").filter(visible=True)
    button = buttons.filter(has_text=f"{asked}.txt").first
    async with page.expect_download() as download_info:
        await button.click()
    download = await download_info.value
    # One click must do: a busy server once deleted the bytes before the browser fetched
    # them (components/download_grace.py).
    assert await download.failure() is None, f"{asked}.txt: {await download.failure()}"
    return Path(await download.path()).read_bytes()


def report_troubles(page, who: str) -> None:
    """A failed run says why: requests the browser could not complete, and page errors
    (a script chunk that did not load leaves its widgets undrawn)."""
    page.on("requestfailed", lambda r: print(f"{who}: request failed: {r.url} {r.failure}"))
    page.on("pageerror", lambda error: print(f"{who}: page error: {error}"))


async def run_session(browser, url: str, round_no: int, session: int) -> None:
    await asyncio.sleep(session * ARRIVAL_SECONDS)  # people arrive one after another
    context = await browser.new_context(
        accept_downloads=True, viewport={"width": 1280, "height": 900}
    )
    OPEN.opened()
    try:
        page = await context.new_page()
        page.set_default_timeout(LOAD_TIMEOUT_MS)
        report_troubles(page, f"r{round_no}-s{session:02d}")
        await page.goto(url)
        await wait_ready(page)
        asked = [token(round_no, session, turn) for turn in range(TURNS)]
        for one in asked:
            await run_turn(page, one)
        # The sidebar lists every conversation of the (one, local) person; the open
        # conversation, its messages and its files, is what must be this session's own.
        shown = await page.locator(".stMain").inner_text()
        mine, others = own_tokens(shown, round_no, session)
        assert others == set(), f"session {session} sees another session's text: {others}"
        assert mine == set(asked), f"session {session} is missing its own text"
        labels = await page.get_by_test_id("stDownloadButton").all_inner_texts()
        _, foreign_files = own_tokens(" ".join(labels), round_no, session)
        assert foreign_files == set(), f"session {session} is offered {foreign_files}"
        assert await download_own_file(page, asked[-1]) == asked[-1].encode() * 64
    finally:
        OPEN.closed()
        await context.close()


# --- the rounds ---------------------------------------------------------------------------


async def settle(browser, server: AppServer) -> None:
    """Let every closed session expire, then open and close one more: Streamlit removes
    expired sessions only when its session storage is next written (a disconnect)."""
    await asyncio.sleep(SESSION_TTL_SECONDS + 1)
    for _ in range(2):  # the first probe reaps the rounds' sessions, the second the probe
        context = await browser.new_context()
        page = await context.new_page()
        page.set_default_timeout(LOAD_TIMEOUT_MS)
        await page.goto(server.url)
        await wait_ready(page)
        await context.close()
        await asyncio.sleep(SESSION_TTL_SECONDS + 1)


async def load(server: AppServer, trace: MemoryTrace) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            await settle(browser, server)  # imports and caches warmed by one session
            trace.mark("before")
            for round_no in range(1, ROUNDS + 1):
                done = asyncio.Event()
                sampler = asyncio.create_task(sample_while(trace, done))
                sessions = [run_session(browser, server.url, round_no, s) for s in range(SESSIONS)]
                results = await asyncio.gather(*sessions, return_exceptions=True)
                done.set()
                await sampler
                failures = [r for r in results if isinstance(r, BaseException)]
                if failures:
                    raise failures[0]
                await settle(browser, server)
                trace.mark(f"after round {round_no}")
        finally:
            await browser.close()


def test_twenty_sessions_at_once_stay_apart_and_leave_no_memory_behind(tmp_path):
    require_chromium()
    fake = FakeAnthropic(event_delay=EVENT_DELAY).start()
    try:
        # Round r's answers are made from each request, whichever session sent it.
        fake.enqueue(*[Reply(answer_for) for _ in range(ROUNDS * SESSIONS * TURNS)])
        env = app_environment(fake.base_url, tmp_path / "data")
        env["STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL"] = str(SESSION_TTL_SECONDS)
        server = AppServer(env, tmp_path / "app.log").start()
        try:
            assert server.process is not None
            trace = MemoryTrace(server.process.pid)
            started = time.monotonic()
            asyncio.run(load(server, trace))
            print(f"\n{ROUNDS} rounds of {SESSIONS} sessions x {TURNS} turns in "
                  f"{time.monotonic() - started:.0f} s, at most {OPEN.most} open at once"
                  f"\n{trace.table()}")  # fmt: skip
        finally:
            server.stop()
    finally:
        fake.stop()
        for error in fake.server_errors:  # why a turn got no answer, if one did not
            print(f"fake API server error: {error}")
    assert fake.server_errors == []
    first, last = trace.points["after round 1"], trace.points[f"after round {ROUNDS}"]
    assert last <= first * (1 + MEMORY_TOLERANCE), trace.table()
