"""Vega-Lite specs: validated against Altair's v6 schema, stripped of anything that reaches
outside the page, bounded in size, and paired with their PNGs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.charts import schema
from services.charts.pairs import chart_images, paired_image_ids
from services.charts.sanitize import MAX_DEPTH, names_url, sanitize
from services.charts.spec import (
    APP_USERMETA,
    MAX_ROWS,
    MAX_SPEC_BYTES,
    image_name_for,
    is_spec_name,
    load_chart,
)
from services.files.stored import FileDirection, StoredFile
from tests.support.charts import OTHER_HOST, bar_spec, encoded, hostile_spec, invalid_spec


def every_string(value) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *every_string(v))]
    if isinstance(value, list):
        return [s for item in value for s in every_string(item)]
    return [value] if isinstance(value, str) else []


def every_key(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in every_key(v)}
    if isinstance(value, list):
        return {k for item in value for k in every_key(item)}
    return set()


def test_the_schema_is_altairs_vega_lite_v6_and_validates_once_built():
    path = schema.schema_path()
    assert path.parts[-4:] == ("vegalite", "v6", "schema", "vega-lite-schema.json")
    assert schema.validator() is schema.validator()
    assert schema.is_valid(bar_spec())
    assert not schema.is_valid(invalid_spec())


def test_a_valid_spec_loads_with_its_rows_and_the_apps_svg_renderer():
    chart = load_chart(encoded(bar_spec()))
    assert chart is not None and chart.rows == 6
    drawn = chart.as_dict()
    assert drawn["data"] == bar_spec()["data"] and drawn["mark"] == "bar"
    assert drawn["usermeta"] == APP_USERMETA
    assert drawn["$schema"] == "https://vega.github.io/schema/vega-lite/v6.json"
    assert chart.as_dict() is not drawn  # each draw gets its own dict


@pytest.mark.parametrize(
    "data",
    [
        encoded(invalid_spec()),
        b"{not json",
        b"\xff\xfe\x00binary",
        b'"a string"',
        b"[1, 2, 3]",
        encoded({"mark": "bar", "data": {"url": "https://example.com/rows.csv"}}),  # no rows left
        encoded({**bar_spec(), "data": {"values": []}}),
        b"[" * 100_000 + b"]" * 100_000,
    ],
    ids=["invalid", "not-json", "not-utf8", "not-object", "list", "url-only", "empty", "deep"],
)
def test_a_spec_that_cannot_be_drawn_gives_none(data):
    assert load_chart(data) is None


def test_a_spec_too_large_or_with_too_many_rows_gives_none():
    many = [{"month": str(i), "sales": i} for i in range(MAX_ROWS + 1)]
    assert load_chart(encoded({**bar_spec(), "data": {"values": many}})) is None
    assert load_chart(encoded({**bar_spec(), "data": {"values": many[:MAX_ROWS]}})) is not None
    padded = encoded({**bar_spec(), "description": "x" * MAX_SPEC_BYTES})
    assert load_chart(padded) is None


def test_data_urls_hrefs_images_and_usermeta_are_removed_at_any_depth():
    chart = load_chart(encoded(hostile_spec()))
    assert chart is not None and chart.rows == 6
    drawn = chart.as_dict()
    assert not {"url", "href"} & every_key(drawn)
    assert drawn["usermeta"] == APP_USERMETA  # the model's renderer and loader are gone
    assert not [s for s in every_string(drawn) if OTHER_HOST in s]
    bars, rule, logo = drawn["layer"]
    assert "data" not in rule  # its url was all it had: it draws the parent's rows
    assert logo["mark"] == {"type": "image", "width": 20, "height": 20}
    assert bars["encoding"].keys() == {"x", "y"}


def test_nested_lookups_datasets_and_config_lose_their_urls():
    spec = {
        "datasets": {"local": [{"a": 1}]},
        "data": {"name": "local"},
        "transform": [
            {
                "lookup": "a",
                "from": {"data": {"url": "//elsewhere/x.json"}, "key": "a", "fields": ["b"]},
            }
        ],
        "config": {
            "mark": {"href": "https://example.com", "color": "red"},
            "image": {"url": "x.png"},
        },
        "mark": "point",
    }
    cleaned = sanitize(spec)
    assert cleaned["transform"][0]["from"] == {"key": "a", "fields": ["b"]}
    assert cleaned["config"] == {"mark": {"color": "red"}}  # the emptied image config goes
    assert cleaned["datasets"] == {"local": [{"a": 1}]}


@pytest.mark.parametrize(
    "text",
    [
        "https://example.com/a",
        "HTTP://EXAMPLE.COM",
        "//example.com/a.png",
        "url(https://example.com/paint.svg#g)",
        "data:image/png;base64,AAAA",
        "javascript:alert(1)",
        "'ht' + 'tp://' + 'example.com'",
        "mailto:someone@example.com",
    ],
)
def test_strings_naming_a_url_are_removed_wherever_they_are(text):
    spec = {"title": text, "encoding": {"tooltip": [{"value": text}, "kept"]}, "mark": "bar"}
    cleaned = sanitize(spec)
    assert names_url(text)
    assert cleaned == {"encoding": {"tooltip": ["kept"]}, "mark": "bar"}


@pytest.mark.parametrize("text", ["Sales data: 2024", "Ratio: 3:2", "a/b", "12:30", "%Y/%m/%d"])
def test_ordinary_text_is_kept(text):
    assert not names_url(text)
    assert sanitize({"title": text}) == {"title": text}


def test_a_spec_nested_deeper_than_the_bound_gives_none():
    deep: dict = {"mark": "bar", "data": {"values": [{"a": 1}]}}
    node = deep
    for _ in range(MAX_DEPTH + 1):
        node["description"] = {}
        node = node["description"]
    assert load_chart(encoded(deep)) is None


def stored(file_id: str, name: str) -> StoredFile:
    return StoredFile(file_id, name, "", 1, "0" * 64, Path(name), FileDirection.PRODUCED)


def test_a_spec_pairs_with_the_png_of_its_stem_only():
    files = [
        stored("f1", "Sales.PNG"),
        stored("f2", "sales.vl.json"),
        stored("f3", "other.vl.json"),
        stored("f4", "other.jpg"),
        stored("f5", "table.json"),
    ]
    images = chart_images(files)
    assert images == {"f2": files[0], "f3": None}
    assert paired_image_ids(images) == {"f1"}
    assert is_spec_name("a.VL.JSON") and not is_spec_name(".vl.json")
    assert not is_spec_name("a.json") and image_name_for("a.vl.json") == "a.png"


def test_the_spec_text_is_json_that_round_trips():
    chart = load_chart(encoded(bar_spec()))
    assert chart is not None
    assert json.loads(chart.pretty()) == chart.as_dict()


def test_the_system_prompt_asks_for_a_spec_beside_each_chart_png():
    from services.turn.prompt import SYSTEM_PROMPT

    asked = SYSTEM_PROMPT.split("Save charts as PNG and tables as CSV.", 1)[1]
    first = " ".join(asked.split(".")[0:3])
    assert "Vega-Lite v6" in first and ".vl.json" in asked and "data.values" in asked
    assert "no URLs" in asked


def test_a_url_inside_the_charts_own_rows_leaves_the_png() -> None:
    """Removing it would change the data drawn: the chart would not be the PNG's."""
    spec = {
        "mark": "bar",
        "data": {"values": [{"site": "https://a.example", "n": 5}, {"site": "x // y", "n": 2}]},
        "encoding": {"x": {"field": "site"}, "y": {"field": "n", "type": "quantitative"}},
    }
    assert load_chart(json.dumps(spec).encode()) is None
