"""The keyless demo: the page says plainly that it talks to the demo server (because the
server says so, not because of its URL), and the demo answers an attached table with what
pandas computes for that very file."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from components.page import DEMO_BANNER
from fake_anthropic import FakeAnthropic
from tests.components.support import assistant, rerun_until, step_boxes

PEOPLE = b"name,age,plan\nAda,36,pro\nBo,41,free\nCy,29,pro\nDi,52,team\n"
PRICES = b"item,price,stock\npen,1.5,120\nink,7.25,8\npad,3.0,44\n"


@pytest.fixture
def demo(monkeypatch: pytest.MonkeyPatch, at: AppTest) -> Iterator[FakeAnthropic]:
    with FakeAnthropic(demo=True) as server:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base_url)
        yield server


def banner_shown(app: AppTest) -> bool:
    return any(DEMO_BANNER in i.value for i in app.info)


def attach_and_ask(app: AppTest, name: str, data: bytes) -> None:
    composer = app.chat_input(key="composer").set_value("What is the mean of each column?")
    composer.upload(name, data, "text/csv").run()
    assert not app.exception


def test_the_page_says_it_talks_to_the_demo(at: AppTest, demo: FakeAnthropic) -> None:
    at.run()
    rerun_until(at, banner_shown)


def test_the_real_api_gets_no_demo_banner(at: AppTest, fake_api: FakeAnthropic) -> None:
    at.run()
    rerun_until(at, lambda app: "claude-opus-5" in app.sidebar.selectbox[0].options)
    assert not banner_shown(at)


@pytest.mark.parametrize(("name", "data"), [("people.csv", PEOPLE), ("prices.csv", PRICES)])
def test_the_demo_summarises_the_attached_csv(
    at: AppTest, demo: FakeAnthropic, name: str, data: bytes
) -> None:
    at.run()
    attach_and_ask(at, name, data)
    answer = assistant(at)
    [step] = step_boxes(answer)
    shown = " ".join(str(c.value) for c in step.code)
    frame = pd.read_csv(io.BytesIO(data))
    assert frame.describe(include="all").to_string() in shown
    assert f"{len(frame)} rows x {len(frame.columns)} columns" in shown
    assert any("demo server" in m.value for m in answer.markdown)
