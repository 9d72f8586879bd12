"""A stored analysis exported as a notebook zip, then run here with nbclient: it runs
through (past the cell that failed in the sandbox) and makes the same files again."""

from __future__ import annotations

import base64
import io
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from PIL import Image

from services.export.bundle import NOTEBOOK_NAME, notebook_bytes, notebook_zip
from services.store import LOCAL_OWNER, Store
from tests.services.export.analysis import CSV, PYTHON, stored_analysis

TITLE = "Chart sales.csv"


@pytest.fixture
def exported(fake_api, fake_client, store: Store, store_settings) -> tuple[zipfile.ZipFile, Store]:
    conversation = stored_analysis(fake_api, fake_client, store, store_settings)
    read = lambda file_id: store.read_file(file_id, LOCAL_OWNER)  # noqa: E731
    return zipfile.ZipFile(io.BytesIO(notebook_zip(conversation, TITLE, read))), conversation


def test_the_zip_holds_notebook_inputs_outputs_requirements_and_readme(exported) -> None:
    archive, conversation = exported
    names = sorted(archive.namelist())
    assert names == sorted(
        [
            NOTEBOOK_NAME,
            "README.md",
            "requirements.txt",
            "inputs/sales.csv",
            "outputs/doubled.csv",
            "outputs/chart.png",
            "outputs/lines.txt",
            "outputs/report.md",
        ]
    )
    assert archive.read("inputs/sales.csv") == CSV
    for file in conversation.outputs.values():
        assert archive.read(f"outputs/{file.name}") == file.path.read_bytes()
    requirements = archive.read("requirements.txt").decode().split()
    assert requirements == ["ipykernel", "matplotlib", "pandas"]
    readme = archive.read("README.md").decode()
    assert "| `outputs/chart.png` | cell `step-1` (python) | 1 |" in readme


def test_the_notebook_has_one_code_cell_per_step_with_its_real_outputs(exported) -> None:
    archive, conversation = exported
    notebook = nbformat.reads(archive.read(NOTEBOOK_NAME).decode(), as_version=4)
    nbformat.validate(notebook)
    steps = [c for c in notebook.cells if c.id.startswith("step-")]
    assert [c.id for c in steps] == [f"step-{n}" for n in range(1, 7)]
    assert steps[0].source == PYTHON
    assert steps[1].source.startswith("%%bash\n")
    assert steps[2].source.startswith("%%writefile /tmp/export_test_report.md\n")
    assert "_export_old, _export_new = 'one', 'two'" in steps[3].source
    assert steps[5].metadata["tags"] == ["raises-exception"]
    assert [o.output_type for o in steps[5].outputs] == ["stream", "error"]
    chart = next(f for f in conversation.outputs.values() if f.name == "chart.png")
    [image] = [o for o in steps[0].outputs if o.output_type == "display_data"]
    assert base64.b64decode(image.data["image/png"]) == chart.path.read_bytes()
    assert steps[0].metadata["step"]["outputs"] == ["outputs/doubled.csv", "outputs/chart.png"]
    text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert "Made by this cell: `outputs/doubled.csv`, `outputs/chart.png`" in text
    assert "A private plan" not in archive.read(NOTEBOOK_NAME).decode()  # thinking is left out
    assert "<app_note>" not in archive.read(NOTEBOOK_NAME).decode()
    stored_user = conversation.messages[0]["content"]
    assert any("<app_note>" in str(b.get("text", "")) for b in stored_user), stored_user


def test_the_exported_notebook_runs_here_and_makes_the_same_files(exported, tmp_path: Path) -> None:
    archive, _ = exported
    folder = tmp_path / "run"
    archive.extractall(folder)
    stored = {name: (folder / "outputs" / name).read_bytes() for name in ("doubled.csv",
              "lines.txt", "report.md")}  # fmt: skip
    for made in (folder / "outputs").iterdir():
        made.unlink()
    notebook = nbformat.read(folder / NOTEBOOK_NAME, as_version=4)
    NotebookClient(notebook, timeout=120, resources={"metadata": {"path": str(folder)}}).execute()

    for name, data in stored.items():
        assert (folder / "outputs" / name).read_bytes() == data, name
    with Image.open(folder / "outputs" / "chart.png") as image:
        image.verify()
    failed = [c for c in notebook.cells if c.get("outputs") and any(
        o.output_type == "error" for o in c.outputs)]  # fmt: skip
    assert [c.id for c in failed] == ["step-6"]


def test_the_notebook_alone_is_valid_json(fake_api, fake_client, store, store_settings) -> None:
    conversation = stored_analysis(fake_api, fake_client, store, store_settings)
    data = notebook_bytes(conversation, TITLE, lambda fid: store.read_file(fid, LOCAL_OWNER))
    nbformat.validate(nbformat.reads(data.decode(), as_version=4))


def test_the_same_record_exports_the_same_notebook(fake_api, fake_client, store, store_settings):
    conversation = stored_analysis(fake_api, fake_client, store, store_settings)
    read = lambda file_id: store.read_file(file_id, LOCAL_OWNER)  # noqa: E731
    assert notebook_bytes(conversation, TITLE, read) == notebook_bytes(conversation, TITLE, read)
    assert notebook_zip(conversation, TITLE, read) == notebook_zip(conversation, TITLE, read)
