"""Results of the text editor sub-tool (view, create, str_replace), built from the input.

The fake keeps the text of every file the editor created per container, so a later
`view` or `str_replace` in the same container answers from it, as the sandbox would.
"""

from __future__ import annotations

from typing import Any

from .script import CodeStep

_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")


def editor_content(step: CodeStep, files: dict[str, str]) -> dict[str, Any]:
    """The result `content` object for a text editor step (scripted or derived)."""
    if step.editor_result is not None:
        return step.editor_result
    command = step.input.get("command")
    path = str(step.input.get("path", ""))
    if command == "create":
        return _create(path, str(step.input.get("file_text", "")), files)
    if command == "view":
        return _view(path, files.get(path, step.stdout))
    if command == "str_replace":
        return _str_replace(step, path, files)
    return {
        "type": "text_editor_code_execution_tool_result_error",
        "error_code": "invalid_tool_input",
        "error_message": f"Unknown command: {command}",
    }


def _create(path: str, text: str, files: dict[str, str]) -> dict[str, Any]:
    existed = path in files
    files[path] = text
    return {"type": "text_editor_code_execution_create_result", "is_file_update": existed}


def _view(path: str, text: str) -> dict[str, Any]:
    lower = path.lower()
    if lower.endswith(_IMAGE_SUFFIXES):
        return {
            "type": "text_editor_code_execution_view_result",
            "file_type": "image",
            "content": "",
        }
    file_type = "pdf" if lower.endswith(".pdf") else "text"
    lines = text.splitlines()
    return {
        "type": "text_editor_code_execution_view_result",
        "file_type": file_type,
        "content": text,
        "num_lines": len(lines),
        "start_line": 1,
        "total_lines": len(lines),
    }


def _str_replace(step: CodeStep, path: str, files: dict[str, str]) -> dict[str, Any]:
    old = str(step.input.get("old_str", ""))
    new = str(step.input.get("new_str", ""))
    text = files.get(path, old)
    at = text.find(old)
    old_start = text[: max(at, 0)].count("\n") + 1
    files[path] = text.replace(old, new, 1)
    old_lines, new_lines = old.splitlines() or [""], new.splitlines() or [""]
    return {
        "type": "text_editor_code_execution_str_replace_result",
        "old_start": old_start,
        "old_lines": len(old_lines),
        "new_start": old_start,
        "new_lines": len(new_lines),
        "lines": [f"-{line}" for line in old_lines] + [f"+{line}" for line in new_lines],
    }
