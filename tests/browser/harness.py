"""Start `streamlit run app.py` and a headless Chromium for the browser tests, and read and
drive the chat page (its messages, code steps, downloads and run counter) through Playwright."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> None:
    """Skip on a laptop without Chromium; in CI a missing browser is a failure."""
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"Chromium is required in CI but {CHROMIUM} is missing")
    pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"app server at {url} did not become healthy")


class AppServer:
    """One `streamlit run app.py` process; can be stopped and started again on the same port."""

    def __init__(
        self,
        env: dict[str, str],
        log_path: Path,
        extra_args: tuple[str, ...] = (),
        script: str = "app.py",
    ) -> None:
        self.port = free_port()
        self.extra_args = extra_args  # more `streamlit run` options, e.g. a secrets file
        self.script = script  # another page script, e.g. a benchmark's baseline page
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> AppServer:
        command = [
            sys.executable, "-m", "streamlit", "run", self.script,
            "--server.port", str(self.port), "--server.address", "127.0.0.1",
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
            *self.extra_args,
        ]  # fmt: skip
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        wait_healthy(self.url, self.process)
        return self

    def stop(self, kill: bool = False) -> None:
        if self.process is None:
            return
        if kill:
            self.process.kill()
        else:
            self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.process = None


def app_environment(base_url: str, data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ANTHROPIC_BASE_URL=base_url,
        ANTHROPIC_API_KEY="test-key",
        ASSISTANT_DATA_DIR=str(data_dir),
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
        # Off, so each scripted turn makes one request; test_follow_ups.py turns them on.
        ASSISTANT_FOLLOW_UPS="0",
        # A killed server's turn leases lapse in seconds, not the default 15 (a restarted
        # server is a new lease holder and waits them out before calling a turn interrupted).
        ASSISTANT_LEASE_RENEW_SECONDS="1",
        ASSISTANT_LEASE_EXPIRE_SECONDS="5",
    )
    env.pop("ASSISTANT_DATABASE_URL", None)
    env.pop("ASSISTANT_FILES_DIR", None)
    return env


@contextmanager
def chromium_browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


# --- reading and driving the chat page ------------------------------------------------------

RUN_COUNTER = re.compile(r"^run (\d+)$")
EXPECT_TIMEOUT_MS = 30_000


def wait_ready(page) -> None:
    """The page is connected, idle, and its chat input takes text."""
    expect(page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-connection-state", "CONNECTED", timeout=EXPECT_TIMEOUT_MS
    )
    wait_idle(page)
    expect(page.get_by_test_id("stChatInputTextArea")).to_be_enabled(timeout=EXPECT_TIMEOUT_MS)


def wait_idle(page) -> None:
    """No script run is in progress (a live turn keeps its run going until it ends)."""
    expect(page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=EXPECT_TIMEOUT_MS
    )


def wait_turn_done(page, last_words: str) -> None:
    """The answer ending with `last_words` has finished and is drawn from the stored record.

    The live view (the only one with a Stop button) gives way to the stored turn in a new
    script run; waiting for both keeps a test from reading the live view's last frame.
    """
    expect(assistant_messages(page).last).to_contain_text(last_words, timeout=EXPECT_TIMEOUT_MS)
    expect(stop_button(page)).to_have_count(0, timeout=EXPECT_TIMEOUT_MS)
    wait_idle(page)
    expect(page.get_by_test_id("stChatInputTextArea")).to_be_enabled(timeout=EXPECT_TIMEOUT_MS)


def send(page, text: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    expect(box).to_be_enabled(timeout=EXPECT_TIMEOUT_MS)
    box.fill(text)
    box.press("Enter")


def attach(page, name: str, data: bytes, mime_type: str) -> None:
    """Put a file in the chat input through its hidden file <input>, and wait until it is up."""
    chat_input = page.get_by_test_id("stChatInput")
    chat_input.locator("input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": mime_type, "buffer": data}]
    )
    chip = chat_input.get_by_test_id("stFileChip").filter(has_text=name)
    expect(chip).to_be_visible(timeout=EXPECT_TIMEOUT_MS)
    expect(chat_input.get_by_test_id("stChatInputSubmitButton")).to_be_enabled(
        timeout=EXPECT_TIMEOUT_MS
    )


def user_messages(page):
    return page.get_by_test_id("stChatMessage").filter(
        has=page.get_by_test_id("stChatMessageAvatarUser")
    )


def assistant_messages(page):
    return page.get_by_test_id("stChatMessage").filter(
        has=page.get_by_test_id("stChatMessageAvatarAssistant")
    )


def step_boxes(scope):
    """The code steps inside `scope`: expanders drawn as timeline steps, not other expanders."""
    return scope.locator("[data-step='true'] > [data-testid='stExpander']")


def stop_button(page):
    return page.locator(".st-key-stop_turn").get_by_role("button", name="Stop")


def run_count(page) -> int:
    """The page's own run counter, shown in the sidebar ("run N")."""
    caption = page.get_by_test_id("stSidebar").get_by_text(RUN_COUNTER)
    expect(caption).to_have_count(1, timeout=EXPECT_TIMEOUT_MS)
    match = RUN_COUNTER.match(caption.inner_text().strip())
    assert match is not None
    return int(match.group(1))


def visible_download_buttons(page):
    """One clickable button per st.download_button (each draws a hidden twin for layout)."""
    return page.get_by_test_id("stDownloadButton").locator("button").filter(visible=True)
