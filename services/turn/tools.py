"""The catalogue of the server tools a step can use: code execution's sub-tools and the
web tools, their names and result blocks.

Every module that needs to know a code-execution name (the block parser, history repair,
the price table's container estimate, the request) reads it from here. The web tools
(services/turn/web.py sends them) are steps too, but never code execution.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# The name the request gives the tool; its version is a setting.
TOOL_NAME = "code_execution"
# The versions the installed SDK's tool types define, oldest first.
TOOL_VERSIONS = (
    "code_execution_20250522",
    "code_execution_20250825",
    "code_execution_20260120",
    "code_execution_20260521",
)


class StepTool(StrEnum):
    """Which code-execution sub-tool a step used."""

    BASH = "bash"
    PYTHON = "python"  # server_tool_use name "code_execution" (legacy tool and REPL cells)
    TEXT_EDITOR = "text_editor"
    WEB_SEARCH = "web_search"
    WEB_FETCH = "web_fetch"


@dataclass(frozen=True)
class ServerTool:
    """A server tool a step uses: the call's name, its result block and error form."""

    name: str  # the server_tool_use block's name
    step: StepTool
    result_type: str  # the block that carries its result
    error_type: str  # the content type of its error result, as the SDK's params name it


CODE_TOOLS = (
    ServerTool(
        "bash_code_execution",
        StepTool.BASH,
        "bash_code_execution_tool_result",
        "bash_code_execution_tool_result_error",
    ),
    ServerTool(
        "code_execution",
        StepTool.PYTHON,
        "code_execution_tool_result",
        "code_execution_tool_result_error",
    ),
    ServerTool(
        "text_editor_code_execution",
        StepTool.TEXT_EDITOR,
        "text_editor_code_execution_tool_result",
        "text_editor_code_execution_tool_result_error",
    ),
)

WEB_TOOLS = (
    ServerTool(
        "web_search", StepTool.WEB_SEARCH, "web_search_tool_result", "web_search_tool_result_error"
    ),
    ServerTool(
        "web_fetch", StepTool.WEB_FETCH, "web_fetch_tool_result", "web_fetch_tool_result_error"
    ),
)
STEP_TOOLS = {tool.name: tool.step for tool in (*CODE_TOOLS, *WEB_TOOLS)}
RESULT_TOOLS = {tool.result_type: tool.step for tool in (*CODE_TOOLS, *WEB_TOOLS)}
TOOL_NAMES = {tool.step: tool.name for tool in (*CODE_TOOLS, *WEB_TOOLS)}
CODE_EXECUTION_NAMES = frozenset(tool.name for tool in CODE_TOOLS)
WEB_TOOL_NAMES = frozenset(tool.name for tool in WEB_TOOLS)
WEB_STEPS = frozenset({StepTool.WEB_SEARCH, StepTool.WEB_FETCH})
