"""The HTML report (self-contained, nothing of the model's live) and the Markdown report,
and the command line that writes any export."""

from __future__ import annotations

import base64
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from fake_anthropic import Text, Turn
from services.conversation import Conversation
from services.conversations import ConversationService
from services.export.formats import ExportFormat, export, file_stem
from services.export.report_html import CSP
from services.store import LOCAL_OWNER, Store
from services.turn.runner import TurnRunner
from tests.services.export.analysis import stored_analysis
from tests.support.runner import FAST_RETRIES, read_all

REPO = Path(__file__).resolve().parents[3]
HOSTILE = (
    "Look: ![pixel](https://evil.example/track.png) <script>alert(1)</script> "
    "[click me](javascript:alert(2)) and [docs](https://pandas.pydata.org)."
)


def _read(store: Store):
    return lambda file_id: store.read_file(file_id, LOCAL_OWNER)


def hostile_conversation(fake, client, store: Store, settings) -> Conversation:
    fake.enqueue(Turn((Text(HOSTILE),)))
    runner = TurnRunner(client, settings, store.blobs, retry_policy=FAST_RETRIES)
    service = ConversationService(store, settings)
    started = service.start_turn(
        runner, LOCAL_OWNER, service.new(), "<b>hi</b> there", stored=False
    )
    read_all(started.handle)
    conversation = service.finish(started, LOCAL_OWNER)
    assert conversation is not None
    return conversation


def test_the_html_report_inlines_images_highlights_code_and_runs_nothing(
    fake_api, fake_client, store: Store, store_settings
) -> None:
    conversation = stored_analysis(fake_api, fake_client, store, store_settings)
    html = export(conversation, "Sales", _read(store), ExportFormat.HTML).data.decode()
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in html
    assert "<script" not in html.lower()
    chart = next(f for f in conversation.outputs.values() if f.name == "chart.png")
    data = base64.b64encode(chart.path.read_bytes()).decode()
    assert f'src="data:image/png;base64,{data}"' in html
    assert 'id="step-1"' in html and "<span style=" in html  # highlighted inline
    assert "Exited with code 1." in html


def test_the_model_cannot_put_live_html_links_or_remote_images_in_the_report(
    fake_api, fake_client, store: Store, store_settings
) -> None:
    conversation = hostile_conversation(fake_api, fake_client, store, store_settings)
    html = export(conversation, "<i>t</i>", _read(store), ExportFormat.HTML).data.decode()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "evil.example" not in html
    assert '<img src="https' not in html and "[image not loaded: pixel]" in html
    assert "javascript:" not in html.replace("[click me](javascript:alert(2))", "")
    assert '<a href="https://pandas.pydata.org">docs</a>' in html
    assert "&lt;b&gt;hi&lt;/b&gt; there" in html
    assert "<title>&lt;i&gt;t&lt;/i&gt;</title>" in html


def test_the_markdown_report_links_its_images_from_an_images_folder(
    fake_api, fake_client, store: Store, store_settings
) -> None:
    conversation = stored_analysis(fake_api, fake_client, store, store_settings)
    made = export(conversation, "Sales", _read(store), ExportFormat.MD)
    archive = zipfile.ZipFile(io.BytesIO(made.data))
    assert sorted(archive.namelist()) == ["images/chart.png", "report.md"]
    report = archive.read("report.md").decode()
    assert "![outputs/chart.png](<images/chart.png>)" in report
    assert "```python\nimport os\n" in report and "> Chart sales.csv" in report
    chart = next(f for f in conversation.outputs.values() if f.name == "chart.png")
    assert archive.read("images/chart.png") == chart.path.read_bytes()
    assert made.file_name == "sales-markdown.zip"


def test_file_names_come_from_the_title_and_never_carry_a_path() -> None:
    assert file_stem("Chart: sales / 2026!") == "chart-sales-2026"
    assert file_stem("../../etc") == "etc" and file_stem("???") == "analysis"


def test_the_command_line_writes_each_export(
    fake_api, fake_client, store: Store, store_settings, tmp_path: Path
) -> None:
    conversation = stored_analysis(fake_api, fake_client, store, store_settings)
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(store_settings.data_dir)}
    env.pop("ASSISTANT_DATABASE_URL", None)
    for kind in ExportFormat:
        out = tmp_path / f"export.{kind.value}"
        command = [sys.executable, "-m", "services.cli", "export", conversation.id]
        run = subprocess.run(
            [*command, "--format", kind.value, "--out", str(out)],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        assert out.stat().st_size > 0 and f"exported {kind.value}" in run.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "services.cli", "export", "nope"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert missing.returncode == 2 and "No conversation 'nope'" in missing.stderr
