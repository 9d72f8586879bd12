"""The demo's answer to an attached table: pandas run locally on the uploaded bytes.

What the person sees is a code step whose code reads their file and whose output is what
that code prints for it, computed here on the bytes the app uploaded, so two different
files get two different summaries. The answer says that it comes from the demo.
"""

from __future__ import annotations

import io
from pathlib import PurePath
from typing import Any

import pandas as pd

from .files import FileStore, StoredFile
from .script import CodeStep, Text, Turn

READERS = {
    ".csv": ("pd.read_csv(path)", lambda data: pd.read_csv(io.BytesIO(data))),
    ".tsv": ('pd.read_csv(path, sep="\\t")', lambda data: pd.read_csv(io.BytesIO(data), sep="\t")),
    ".xlsx": ("pd.read_excel(path)", lambda data: pd.read_excel(io.BytesIO(data))),
}
DEMO_NOTE = (
    "This is the **demo server**, not Claude: it runs a fixed pandas summary on your file "
    "to show how an answer looks. Add an Anthropic API key for Claude's own analysis."
)


def _suffix(file: StoredFile) -> str:
    return PurePath(str(file.meta.get("filename") or "")).suffix.lower()


def attached_tables(body: dict[str, Any], files: FileStore) -> list[StoredFile]:
    """The tables attached to the last message of the person, in the order attached."""
    for message in reversed(body.get("messages", [])):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        blocks = content if isinstance(content, list) else []
        ids = [b.get("file_id") for b in blocks if b.get("type") == "container_upload"]
        found = [files.get(str(i)) for i in ids]
        return [f for f in found if f is not None and _suffix(f) in READERS]
    return []


def _code(name: str, reader: str) -> str:
    return f"""import os
import pandas as pd

path = os.path.join(os.environ["INPUT_DIR"], {name!r})
df = {reader}
print(f"{{len(df)}} rows x {{len(df.columns)}} columns")
print(df.dtypes.to_string())
print()
print(df.describe(include="all").to_string())
"""


def _summary(file: StoredFile) -> tuple[str, str, int, str]:
    """What the code prints for this file: (stdout, stderr, return code, a closing line)."""
    name = str(file.meta.get("filename"))
    try:
        df = READERS[_suffix(file)][1](file.data)
    except Exception as exc:  # what pandas says about a file it cannot read
        return "", f"{type(exc).__name__}: {exc}\n", 1, f"pandas could not read **{name}**."
    stdout = (
        f"{len(df)} rows x {len(df.columns)} columns\n{df.dtypes.to_string()}\n\n"
        f"{df.describe(include='all').to_string()}\n"
    )
    closing = (
        f"**{name}** has {len(df):,} rows and {len(df.columns)} columns; above is its summary."
    )
    return stdout, "", 0, closing


def table_turn(tables: list[StoredFile]) -> Turn:
    blocks: list[Any] = [Text(DEMO_NOTE)]
    closings = []
    for file in tables:
        name = str(file.meta.get("filename"))
        stdout, stderr, code, closing = _summary(file)
        step_input = {"code": _code(name, READERS[_suffix(file)][0])}
        blocks.append(
            CodeStep("python", step_input, stdout=stdout, stderr=stderr, return_code=code)
        )
        closings.append(closing)
    blocks.append(Text(" ".join(closings)))
    return Turn(blocks=tuple(blocks))
