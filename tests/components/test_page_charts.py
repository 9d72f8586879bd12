"""A chart's Vega-Lite spec on the page: drawn interactively with a toggle to its PNG, or,
when it does not load, the PNG as usual and the spec as a download, with no error."""

from __future__ import annotations

import json
from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from fake_anthropic import FakeAnthropic
from services.charts.spec import APP_USERMETA
from tests.components.support import assistant, page_failed, send, unescape
from tests.support.charts import bar_spec, chart_turn, encoded, invalid_spec


def charts(node) -> list:
    return node.get("vega_lite_chart")


def toggles(node) -> list:
    return [b for b in node.get("button_group") if b.key and b.key.endswith("-view")]


def download_names(node) -> list[str]:
    return sorted(unescape(b.label).split(" (")[0] for b in node.get("download_button"))


def test_a_valid_spec_is_drawn_and_the_toggle_shows_the_png(
    at: AppTest, fake_api: FakeAnthropic, downloads: dict[str, Callable[[], bytes]]
) -> None:
    fake_api.enqueue(chart_turn(bar_spec()))
    at.run()
    send(at, "Chart the sales")
    assert not at.exception and not page_failed(at)
    answer = assistant(at)
    (chart,) = charts(answer)
    drawn = json.loads(chart.proto.spec)
    assert drawn["mark"] == "bar" and drawn["usermeta"] == APP_USERMETA
    assert "data" not in drawn and chart.proto.data.data  # the rows travel as Arrow
    assert not answer.image
    assert download_names(answer) == ["chart.png", "chart.vl.json"]
    assert downloads["chart.vl.json"]() == encoded(bar_spec())

    (toggle,) = toggles(answer)
    toggle.set_value("Image").run()
    answer = assistant(at)
    assert not charts(answer) and len(answer.image) == 1
    assert download_names(answer) == ["chart.png", "chart.vl.json"]
    toggles(answer)[0].set_value("Interactive").run()
    assert len(charts(assistant(at))) == 1 and not assistant(at).image


def test_an_invalid_spec_shows_the_png_and_no_error(at: AppTest, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(chart_turn(invalid_spec()))
    at.run()
    send(at, "Chart the sales")
    answer = assistant(at)
    assert not at.exception and not at.error and not at.warning
    assert not charts(answer) and not toggles(answer)
    assert len(answer.image) == 1 and not answer.dataframe  # the spec is not previewed
    assert download_names(answer) == ["chart.png", "chart.vl.json"]


def test_a_spec_without_inline_rows_once_cleaned_shows_the_png(
    at: AppTest, fake_api: FakeAnthropic
) -> None:
    remote = {**bar_spec(), "data": {"url": "https://example.com/sales.json"}}
    fake_api.enqueue(chart_turn(remote))
    at.run()
    send(at, "Chart the sales")
    answer = assistant(at)
    assert not at.exception and not at.error
    assert not charts(answer) and len(answer.image) == 1


def test_the_stored_view_draws_the_same_chart(at: AppTest, fake_api: FakeAnthropic) -> None:
    from tests.components.support import conversation_id, restore

    fake_api.enqueue(chart_turn(bar_spec()))
    at.run()
    send(at, "Chart the sales")
    later = restore(conversation_id(at))
    (chart,) = charts(assistant(later))
    assert json.loads(chart.proto.spec)["encoding"] == bar_spec()["encoding"]
