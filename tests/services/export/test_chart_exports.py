"""Exports carry a step's interactive chart: the notebook a Vega-Lite mime bundle beside the
PNG, the HTML report the spec as data next to the image, the Markdown zip the spec's file."""

from __future__ import annotations

import base64
import html
import io
import json
import zipfile

import nbformat

from fake_anthropic import CodeStep, OutFile, Text, Turn, sales_chart_png
from services.charts.spec import SPEC_MIME_TYPE, load_chart
from services.conversation import Conversation
from services.conversations import ConversationService
from services.export.formats import ExportFormat, export
from services.store import LOCAL_OWNER, Store
from services.turn.runner import TurnRunner
from tests.support.charts import OTHER_HOST, encoded, hostile_spec, invalid_spec
from tests.support.runner import FAST_RETRIES, read_all


def chart_step(stem: str, spec: bytes) -> CodeStep:
    files = (
        OutFile(f"{stem}.png", sales_chart_png(), "image/png"),
        OutFile(f"{stem}.vl.json", spec, "application/json"),
    )
    return CodeStep("python", {"code": f"plot({stem!r})"}, files=files)


def charted(fake, client, store: Store, settings) -> Conversation:
    steps = (
        chart_step("sales", encoded(hostile_spec())),
        chart_step("broken", encoded(invalid_spec())),
    )
    fake.enqueue(Turn((Text("Two charts."), *steps, Text("Done."))))
    runner = TurnRunner(client, settings, store.blobs, retry_policy=FAST_RETRIES)
    service = ConversationService(store, settings)
    started = service.start_turn(runner, LOCAL_OWNER, service.new(), "Chart it", stored=False)
    read_all(started.handle)
    conversation = service.finish(started, LOCAL_OWNER)
    assert conversation is not None
    return conversation


def exported(conversation: Conversation, store: Store, kind: ExportFormat) -> bytes:
    read = lambda file_id: store.read_file(file_id, LOCAL_OWNER)  # noqa: E731
    return export(conversation, "Charts", read, kind).data


def drawn_spec() -> dict:
    chart = load_chart(encoded(hostile_spec()))
    assert chart is not None
    return chart.as_dict()


def test_the_notebook_carries_the_safe_spec_beside_the_png(
    fake_api, fake_client, store: Store, store_settings
) -> None:
    conversation = charted(fake_api, fake_client, store, store_settings)
    notebook = nbformat.reads(exported(conversation, store, ExportFormat.IPYNB), as_version=4)
    nbformat.validate(notebook)
    sales, broken = [c for c in notebook.cells if c.cell_type == "code" and c.outputs]
    (shown,) = [o for o in sales.outputs if o.output_type == "display_data"]
    assert shown.data[SPEC_MIME_TYPE] == drawn_spec()
    assert base64.b64decode(shown.data["image/png"]) == sales_chart_png()
    assert OTHER_HOST not in json.dumps(shown.data[SPEC_MIME_TYPE])
    (png_only,) = [o for o in broken.outputs if o.output_type == "display_data"]
    assert set(png_only.data) == {"image/png"}  # an invalid spec: the PNG alone


def test_the_reports_include_the_spec_and_export_the_same_bytes_twice(
    fake_api, fake_client, store: Store, store_settings
) -> None:
    conversation = charted(fake_api, fake_client, store, store_settings)
    page = exported(conversation, store, ExportFormat.HTML)
    assert page == exported(conversation, store, ExportFormat.HTML)
    text = page.decode()
    assert text.count('<details class="chart">') == 1 and "<script" not in text.lower()
    pre = text.split('<details class="chart">', 1)[1].split("<pre>", 1)[1].split("</pre>", 1)[0]
    assert json.loads(html.unescape(pre)) == drawn_spec()
    assert text.index("data:image/png;base64,") < text.index('<details class="chart">')

    markdown = exported(conversation, store, ExportFormat.MD)
    assert markdown == exported(conversation, store, ExportFormat.MD)
    archive = zipfile.ZipFile(io.BytesIO(markdown))
    assert json.loads(archive.read("charts/sales.vl.json")) == drawn_spec()
    assert "charts/broken.vl.json" not in archive.namelist()
    report = archive.read("report.md").decode()
    assert (
        "Interactive chart (Vega-Lite spec): [charts/sales.vl.json](<charts/sales.vl.json>)"
        in report
    )
