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
