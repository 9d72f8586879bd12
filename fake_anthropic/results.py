"""A `CodeStep` rendered as the API does: a `server_tool_use` call, then its result block.

Output files become Files API files (through `store_output`) whose ids are listed in the
result's `content`. `result_block` and `execution_content` are the single places where
the result shapes are spelled, so a test can alter them and watch conformance fail.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from .blocks import BlockOut, tool_use_block
from .editor import editor_content
from .script import CodeStep, OutFile

TOOL_NAMES = {
    "bash": "bash_code_execution",
    "python": "code_execution",
    "text_editor": "text_editor_code_execution",
}
RESULT_TYPES = {
    "bash": "bash_code_execution_tool_result",
    "python": "code_execution_tool_result",
    "text_editor": "text_editor_code_execution_tool_result",
}
ERROR_TYPES = {
    "bash": "bash_code_execution_tool_result_error",
    "python": "code_execution_tool_result_error",
    "text_editor": "text_editor_code_execution_tool_result_error",
}

StoreOutput = Callable[[OutFile], str]


def tool_use_out(step: CodeStep, tool_use_id: str, streaming: bool) -> BlockOut:
    """Streams carry `caller: {"type": "direct"}`; non-streaming answers omit it (as recorded)."""
    if step.tool not in TOOL_NAMES:
        raise ValueError(f"unknown code step tool {step.tool!r}")
    block: dict[str, Any] = {"type": "server_tool_use", "id": tool_use_id}
    block.update(name=TOOL_NAMES[step.tool], input=step.input)
    if streaming:
        block["caller"] = {"type": "direct"}
    return tool_use_block(block, step.input_chunk_size)


def result_out(
    step: CodeStep, tool_use_id: str, store_output: StoreOutput, editor_files: dict[str, str]
) -> BlockOut:
    block = result_block(
        RESULT_TYPES[step.tool], tool_use_id, _content(step, store_output, editor_files)
    )
    return BlockOut(block, (), block)


def result_block(block_type: str, tool_use_id: str, content: dict[str, Any]) -> dict[str, Any]:
    return {"type": block_type, "tool_use_id": tool_use_id, "content": content}


def execution_content(
    kind: str, step: CodeStep, outputs: list[dict[str, Any]], stdout_key: str = "stdout"
) -> dict[str, Any]:
    stdout = step.stdout
    if stdout_key == "encrypted_stdout":
        stdout = base64.b64encode(step.stdout.encode()).decode()
    return {
        "type": kind,
        stdout_key: stdout,
        "stderr": step.stderr,
        "return_code": step.return_code,
        "content": outputs,
    }


def _content(
    step: CodeStep, store_output: StoreOutput, editor_files: dict[str, str]
) -> dict[str, Any]:
    if step.error_code is not None:
        return _error_content(step)
    if step.tool == "text_editor":
        if step.files:
            raise ValueError("text editor steps cannot produce output files")
        return editor_content(step, editor_files)
    output_type = "bash_code_execution_output" if step.tool == "bash" else "code_execution_output"
    outputs = [{"type": output_type, "file_id": store_output(f)} for f in step.files]
    if step.tool == "bash":
        if step.encrypted or step.legacy:
            raise ValueError("encrypted and legacy results exist only for python steps")
        return execution_content("bash_code_execution_result", step, outputs)
    if step.encrypted:
        return execution_content(
            "encrypted_code_execution_result", step, outputs, "encrypted_stdout"
        )
    content = execution_content("code_execution_result", step, outputs)
    if step.legacy:
        # The 20250522 tool's results carry `abort_reason` (recorded in 2026, not in the SDK types).
        content["abort_reason"] = None
    return content


def _error_content(step: CodeStep) -> dict[str, Any]:
    content: dict[str, Any] = {"type": ERROR_TYPES[step.tool], "error_code": step.error_code}
    if step.tool == "text_editor":
        content["error_message"] = step.error_message
    return content
