"""Vega-Lite specs for the chart tests: a valid bar chart of the demo's sales, an invalid
one, and hostile ones that try to reach another host."""

from __future__ import annotations

import json
from typing import Any

from fake_anthropic import CodeStep, OutFile, Text, Turn, sales_chart_png
from fake_anthropic.demo import MONTHS, SALES

SPEC_MIME = "application/json"
OTHER_HOST = "http://charts.example.invalid"


def sales_rows() -> list[dict[str, Any]]:
    return [{"month": m, "sales": s} for m, s in zip(MONTHS, SALES, strict=True)]


def bar_spec(**extra: Any) -> dict[str, Any]:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "title": "Monthly sales",
        "data": {"values": sales_rows()},
        "mark": "bar",
        "encoding": {
            "x": {"field": "month", "type": "nominal", "sort": None},
            "y": {"field": "sales", "type": "quantitative"},
        },
        **extra,
    }


def invalid_spec() -> dict[str, Any]:
    return {**bar_spec(), "mark": "no-such-mark"}


def hostile_spec() -> dict[str, Any]:
    """Valid, with inline rows, and every way it could call OTHER_HOST: a layer loading its
    rows from there, links on the marks, an image mark, the model's own embed options."""
    bars = {
        "mark": {"type": "bar", "href": f"{OTHER_HOST}/mark"},
        "encoding": {
            "x": {"field": "month", "type": "nominal", "sort": None},
            "y": {"field": "sales", "type": "quantitative"},
            "href": {"value": f"{OTHER_HOST}/click"},
        },
    }
    rule = {
        "data": {"url": f"{OTHER_HOST}/rows.json"},
        "mark": "rule",
        "encoding": {"y": {"field": "sales", "type": "quantitative"}},
    }
    logo = {
        "mark": {"type": "image", "url": f"{OTHER_HOST}/logo.png", "width": 20, "height": 20},
        "encoding": {"x": {"field": "month", "type": "nominal", "sort": None}},
    }
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "data": {"values": sales_rows()},
        "usermeta": {"embedOptions": {"renderer": "canvas", "loader": {"baseURL": OTHER_HOST}}},
        "layer": [bars, rule, logo],
    }


def encoded(spec: dict[str, Any]) -> bytes:
    return json.dumps(spec).encode()


def chart_turn(spec: dict[str, Any] | bytes, words: str = "Here is the chart.") -> Turn:
    data = spec if isinstance(spec, bytes) else encoded(spec)
    files = (
        OutFile("chart.png", sales_chart_png(), "image/png"),
        OutFile("chart.vl.json", data, SPEC_MIME),
    )
    step = CodeStep("python", {"code": "plot()"}, stdout="saved\n", files=files)
    return Turn((Text("Drawing the chart."), step, Text(words)))
