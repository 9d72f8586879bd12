"""The export's parts on their own: the packages read from imports, the sandbox paths
rewritten (and listed), and the cells that repeat text-editor steps."""

from __future__ import annotations

from pathlib import Path

from services.export.cells import step_source
from services.export.imports import requirements
from services.export.record import Step
from services.export.rewrites import Rewriter
from services.turn.results import EditorResult
from services.turn.tools import StepTool


def test_requirements_map_import_names_and_leave_out_the_stdlib_and_own_modules() -> None:
    code = [
        "import os, json\nfrom sklearn.linear_model import LinearRegression\nimport PIL.Image",
        "import numpy as np\nfrom . import local\nimport helpers\nfrom cv2 import imread",
        "import pandas as pd\nthis is not python(",  # still read, by a regex
    ]
    wanted = requirements(code, own_modules={"helpers"})
    assert wanted == ["numpy", "opencv-python", "pandas", "pillow", "scikit-learn"]


def test_literal_sandbox_paths_are_rewritten_and_each_rewrite_is_listed() -> None:
    rewrite = Rewriter()
    code = "df.to_csv('/tmp/outputs/a.csv')\nopen('/files/input/0123456789abcdef/x.csv')"
    assert rewrite(code) == "df.to_csv('outputs/a.csv')\nopen('inputs/x.csv')"
    assert rewrite("print(os.environ['OUTPUT_DIR'])") == "print(os.environ['OUTPUT_DIR'])"
    lines = rewrite.lines()
    assert "`/tmp/outputs` → `outputs` (1 place in the code)" in lines
    assert "`/files/input/0123456789abcdef` → `inputs` (1 place in the code)" in lines


def editor(command: str, **data: str) -> Step:
    done = EditorResult(command, {})
    return Step("s", StepTool.TEXT_EDITOR, {"command": command, **data}, done, 1, 1)


def test_the_edit_cell_applies_the_edit_and_leaves_no_names_behind(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    target.write_text("Total: one\nTotal: one\n")
    source = step_source(editor("str_replace", path=str(target), old_str="one", new_str="two"), str)
    assert source is not None
    names: dict = {}
    exec(source, names)  # what the notebook's kernel runs
    assert target.read_text() == "Total: two\nTotal: one\n"
    assert not [n for n in names if n.startswith("_export")]


def test_create_writes_through_writefile_quoting_a_path_with_spaces() -> None:
    step = editor("create", path="/tmp/my notes.md", file_text="hello\n")
    assert step_source(step, str) == '%%writefile "/tmp/my notes.md"\nhello\n'
    assert step_source(editor("undo_edit", path="/tmp/x"), str) is None


def test_odd_records_missing_bytes_and_hostile_names_still_export(tmp_path: Path) -> None:
    import io
    import json
    import zipfile

    from services.conversation import Conversation
    from services.export.formats import ExportFormat, export
    from services.files.stored import FileDirection, StoredFile

    def produced(file_id: str, name: str, step_id: str | None) -> StoredFile:
        path = tmp_path / file_id
        if file_id != "gone":
            path.write_bytes(file_id.encode())
        return StoredFile(
            file_id, name, "text/csv", 2, "0" * 64, path, FileDirection.PRODUCED, step_id
        )

    listed = {"type": "bash_code_execution_output", "file_id": "gone"}
    result = {"type": "bash_code_execution_result", "stdout": "ok\n", "stderr": "",
              "return_code": 0, "content": [listed, {"type": "x", "file_id": "evil"}]}  # fmt: skip
    answer = [
        "not a block",
        {"type": "text", "text": None},
        {"type": "thinking", "thinking": "a private plan", "signature": "sig"},
        {"type": "server_tool_use", "id": "s1", "name": "bash_code_execution",
         "input": '{"command": "ls"}'},
        {"type": "bash_code_execution_tool_result", "tool_use_id": "s1", "content": result},
        {"type": "server_tool_use", "id": "s2", "name": "code_execution",
         "input": {"code": "while True: pass"}},  # stopped: no result
        {"type": "server_tool_use", "id": "w", "name": "web_search", "input": {"query": "q"}},
        {"type": "web_search_tool_result", "tool_use_id": "w", "content": []},
    ]  # fmt: skip
    conversation = Conversation(
        model="m",
        messages=(
            {"role": "user", "content": "a plain question"},
            {"role": "assistant", "content": answer},
        ),
        outputs={
            "gone": produced("gone", "table.csv", None),  # no step id, and no bytes left
            "evil": produced("evil", "../../evil.csv", "s1"),
        },
    )
    read = lambda file_id: conversation.outputs[file_id].path.read_bytes()  # noqa: E731
    made = {kind: export(conversation, "Odd", read, kind).data for kind in ExportFormat}

    archive = zipfile.ZipFile(io.BytesIO(made[ExportFormat.ZIP]))
    assert sorted(archive.namelist()) == [
        "README.md", "analysis.ipynb", "outputs/evil.csv", "requirements.txt",
    ]  # fmt: skip
    readme = archive.read("README.md").decode()
    assert "Not included: the app no longer holds these files' bytes:\n- `outputs/table.csv`" in (
        readme
    )
    cells = {c["id"]: "".join(c["source"]) for c in json.loads(made[ExportFormat.IPYNB])["cells"]}
    assert cells["step-1"] == "%%bash\nls"
    assert (
        cells["step-2"].startswith("# This step did not finish")
        and "# while True" in (cells["step-2"])
    )
    report = zipfile.ZipFile(io.BytesIO(made[ExportFormat.MD])).read("report.md")
    for data in (made[ExportFormat.IPYNB], made[ExportFormat.HTML], report):
        assert b"a private plan" not in data and b"None" not in data
