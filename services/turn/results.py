"""What a finished code step returned: the command's output, the editor's answer, or the
tool's own failure. Values only, read by the page, the CLI and the stored record's parser."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ExecutionResult:
    """bash or Python: what the command printed and which files it left in $OUTPUT_DIR."""

    stdout: str
    stderr: str
    return_code: int
    file_ids: tuple[str, ...] = ()
    encrypted: bool = False  # stdout came back encrypted (PTC called a web tool)


@dataclass(frozen=True)
class EditorResult:
    """text editor: `kind` is view, create or str_replace; `details` keeps the API fields."""

    kind: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ToolError:
    """The tool itself failed (not the code): an error code and a plain message."""

    error_code: str
    message: str


StepResult = ExecutionResult | EditorResult | ToolError
