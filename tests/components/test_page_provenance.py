"""Where each produced file came from, in the sidebar: grouped by turn, the step that made
it and the attached files of that time, and "Show the code" opening that step."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from fake_anthropic import CodeStep, FakeAnthropic, OutFile, Text, Turn, sales_chart_png
from tests.components.support import chart_turn_with_upload, send, step_boxes, unescape


def second_chart() -> Turn:
    chart = OutFile("sales_chart.png", sales_chart_png(width=200, height=120), "image/png")
    return Turn((CodeStep("bash", {"command": "plot"}, files=(chart,)), Text("A smaller one.")))


def captions(app: AppTest) -> list[str]:
    return [c.value for c in app.sidebar.caption]


def test_files_are_grouped_by_turn_and_told_apart_by_their_step(
    at: AppTest, fake_api: FakeAnthropic
) -> None:
    chart_turn_with_upload(at, fake_api)
    fake_api.enqueue(second_chart())
    send(at, "Now a smaller chart")
    assert not at.exception
    shown = captions(at)
    assert shown.index("Turn 1") < shown.index("Turn 2")
    made = [unescape(c) for c in shown if c.startswith("Step ")]
    first = "Step 1 (python) · inputs then: sales.csv"
    assert made == [first, first, first, "Step 3 (bash) · inputs then: sales.csv"]
    charts = [b for b in at.sidebar.get("download_button") if "sales\\_chart" in b.proto.label]
    assert len(charts) == 2


def test_show_the_code_opens_the_step_that_made_the_file(
    at: AppTest, fake_api: FakeAnthropic
) -> None:
    chart_turn_with_upload(at, fake_api)
    fake_api.enqueue(second_chart())
    send(at, "Now a smaller chart")
    assert [box.proto.expanded for box in step_boxes(at.main)] == [False] * 3
    buttons = [b for b in at.sidebar.button if b.key and b.key.startswith("show-code-")]
    buttons[-1].click().run()
    assert not at.exception
    assert [box.proto.expanded for box in step_boxes(at.main)] == [False, False, True]
    at.run()  # drawn open once; the next run draws the page as before
    assert [box.proto.expanded for box in step_boxes(at.main)] == [False] * 3
