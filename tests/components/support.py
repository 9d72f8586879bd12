"""Helpers for the page's AppTest tests: starting the page, sending, reading what it drew."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from streamlit.proto.Block_pb2 import Block
from streamlit.testing.v1 import AppTest

from components.render.format import JOINER
from components.session import SESSION_KEY, PageSession
from components.sidebar.conversations import menu_key
from fake_anthropic import (
    CodeStep,
    FakeAnthropic,
    OutFile,
    Text,
    Thinking,
    Turn,
    sales_chart_png,
    sales_csv,
)
from services.conversation import Conversation
from services.settings import load_settings

STEP = Block.Expandable.STEP


def step_boxes(node: Any) -> list[Any]:
    """The code steps under `node`, in page order.

    A step is an st.expander drawn as a timeline step (a running one with a spinner);
    other expanders (thinking, "show earlier") are not steps.
    """
    found: list[Any] = []
    _collect(getattr(node, "_tree", node), found)
    return found


def _collect(node: Any, found: list[Any]) -> None:
    for index in sorted(getattr(node, "children", {})):
        child = node.children[index]
        if getattr(child, "type", None) == "expander" and child.proto.type == STEP:
            found.append(child)
        _collect(child, found)


PAGE = str(Path(__file__).resolve().parents[2] / "app_page.py")
RUN_TIMEOUT = 30  # seconds; generous, a turn against the local fake takes well under one
SALES_PROMPT = "Can you create a visualization showing the trend of monthly sales data"


def new_app() -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=RUN_TIMEOUT)
    # Any secrets given replace .streamlit/secrets.toml, so a developer's own key there
    # does not leak into the tests.
    app.secrets["TEST_SECRETS"] = "isolated"
    return app


def page_session(app: AppTest) -> PageSession:
    """The page's session object; made here as the page makes it when there is none yet."""
    try:
        return app.session_state[SESSION_KEY]
    except KeyError:
        settings = load_settings()
        made = PageSession(settings, Conversation(model=settings.model))
        app.session_state[SESSION_KEY] = made
        return made


def follow_briefly(app: AppTest, seconds: float = 0.5) -> None:
    """Let a run return while the turn waits (a held step, a retry) instead of following on."""
    page_session(app).follow_idle_seconds = seconds


def rerun_until(app: AppTest, shown, tries: int = 100) -> None:
    """Rerun (each run follows the turn until it idles) until `shown(app)` holds."""
    for _ in range(tries):
        if shown(app):
            return
        time.sleep(0.05)
        app.run()
    raise AssertionError("the page never showed what was expected")


def running_step(app: AppTest):
    steps = [s for m in app.chat_message if m.name == "assistant" for s in step_boxes(m)]
    return next((s for s in steps if s.label.startswith("Running ")), None)


def send(app: AppTest, text: str) -> AppTest:
    return app.chat_input(key="composer").set_value(text).run()


def unescape(markdown: str) -> str:
    """Markdown source as read: names are escaped so that they show literally (backslashes,
    and invisible joiners that keep links, emoji and icons from forming)."""
    return markdown.replace("\\", "").replace(JOINER, "")


def texts(elements) -> list[str]:
    return [str(e.value) for e in elements]


def assistant(app: AppTest):
    return [m for m in app.chat_message if m.name == "assistant"][-1]


def user_message(app: AppTest, index: int = 0):
    return [m for m in app.chat_message if m.name == "user"][index]


def own_markdown(message) -> list[str]:
    """The markdown drawn directly in a message (not inside a step or an expander)."""
    return [c.value for c in message.children.values() if type(c).__name__ == "Markdown"]


def sales_turn() -> Turn:
    chart = OutFile("sales_chart.png", sales_chart_png(), "image/png")
    table = OutFile("monthly_sales.csv", sales_csv(), "text/csv")
    report = OutFile("report.pdf", b"%PDF-1.4 fake", "application/pdf")
    return Turn(
        (
            Thinking("Plot the five months as a line."),
            Text("I'll chart the monthly sales."),
            CodeStep(
                "python",
                {"code": "import matplotlib\nprint('saved')"},
                stdout="saved\n",
                stderr="UserWarning: tight layout\n",
                files=(chart, table, report),
            ),
            CodeStep("bash", {"command": "ls $OUTPUT_DIR"}, stdout="", return_code=2),
            Text("Sales rose from **$50K** to $80K."),
        ),
        input_tokens=2000,  # stated, so the cost panel's figures are fixed
    )


# --- empty page, keys ---------------------------------------------------------------------


WAIT_SECONDS = 15


def stop_live(app: AppTest) -> None:
    live = page_session(app).live
    if live is not None:
        live.handle.stop()  # never leave a worker streaming after the test


def conversation_id(app: AppTest) -> str:
    return str(app.query_params["c"])


def listed(app: AppTest) -> list[str]:
    """The titles in the sidebar's conversation list, top to bottom."""
    return [b.label for b in app.sidebar.button if b.key and b.key.startswith("open-")]


def open_menu(app: AppTest, cid: str) -> AppTest:
    app.session_state[menu_key(cid)] = True
    return app.run()


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.05)


def deleted_file_ids(fake: FakeAnthropic) -> set[str]:
    return {
        r.path.rsplit("/", 1)[-1]
        for r in fake.requests
        if r.method == "DELETE" and r.path.startswith("/v1/files/")
    }


def restore(cid: str) -> AppTest:
    """A fresh browser session opening the conversation's link."""
    app = new_app()
    app.query_params["c"] = cid
    return app.run()


def chart_turn_with_upload(app: AppTest, fake: FakeAnthropic) -> str:
    fake.enqueue(sales_turn())
    app.run()
    composer = app.chat_input(key="composer").set_value("Chart the attached sales")
    composer.upload("sales.csv", sales_csv(), "text/csv").run()
    assert not app.exception and not page_failed(app)
    return conversation_id(app)


def page_failed(app: AppTest) -> bool:
    return any("Something went wrong" in e.value for e in app.error)


# --- new, list, open -------------------------------------------------------------------------
