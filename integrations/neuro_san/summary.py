"""What a finished turn comes to, for a text answer: Claude's words, each code step in
short, the files it made, how it ended. Folded from the turn's events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.export.steps import code_of
from services.files.stored import StoredFile
from services.turn.events import (
    CodeStepFinished,
    CodeStepInput,
    CodeStepStarted,
    ContainerReset,
    EditorResult,
    ExecutionResult,
    OutputFileFailed,
    OutputFileReady,
    StepResult,
    StepTool,
    StopReason,
    TextDelta,
    ToolError,
    TurnError,
    TurnEvent,
    TurnFinished,
    Usage,
)

CODE_LINES = 3  # lines of a step's code shown in the answer


@dataclass
class StepSummary:
    tool: StepTool
    code: str = ""
    outcome: str = ""  # "exit 0", "tool error: …", "created", …


@dataclass
class TurnSummary:
    texts: dict[int, str] = field(default_factory=dict)  # by content block index
    steps: dict[str, StepSummary] = field(default_factory=dict)
    files: list[StoredFile] = field(default_factory=list)
    file_failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cost_usd: float = 0.0
    stop_reason: StopReason | None = None
    end_message: str = ""

    @property
    def answer(self) -> str:
        return "\n\n".join(t.strip() for _, t in sorted(self.texts.items()) if t.strip())

    @property
    def failed(self) -> bool:
        return self.stop_reason in (None, StopReason.FAILED)

    def take(self, event: TurnEvent) -> None:
        if isinstance(event, TextDelta):
            self.texts[event.index] = self.texts.get(event.index, "") + event.text
        elif isinstance(event, CodeStepStarted):
            self.steps[event.step_id] = StepSummary(event.tool)
        elif isinstance(event, CodeStepInput) and event.complete:
            self._step(event.step_id, event.tool).code = step_code(event.tool, event.input)
        elif isinstance(event, CodeStepFinished):
            self._step(event.step_id, event.tool).outcome = step_outcome(event.result)
        else:
            self._take_other(event)

    def _take_other(self, event: TurnEvent) -> None:
        if isinstance(event, OutputFileReady):
            self.files.append(event.file)
        elif isinstance(event, OutputFileFailed):
            self.file_failures.append(event.message)
        elif isinstance(event, TurnError):
            self.errors.append(event.message)
        elif isinstance(event, ContainerReset):
            self.notes.append(
                "The sandbox of this conversation had ended, so a new one was started; the "
                "attached files were given to it again, but earlier variables are gone."
            )
        elif isinstance(event, Usage):
            self.cost_usd += event.priced_usd
        elif isinstance(event, TurnFinished):
            self.stop_reason, self.end_message = event.stop_reason, event.message

    def _step(self, step_id: str, tool: StepTool) -> StepSummary:
        return self.steps.setdefault(step_id, StepSummary(tool))


def step_code(tool: StepTool, data: dict[str, Any]) -> str:
    """The step's code or command; for the text editor, what it did to which file."""
    if tool == StepTool.TEXT_EDITOR:
        return f"{data.get('command', '')} {data.get('path', '')}".strip()
    return code_of(tool, data)


def step_outcome(result: StepResult) -> str:
    if isinstance(result, ToolError):
        return f"tool error: {result.error_code}"
    if isinstance(result, ExecutionResult):
        return f"exit {result.return_code}"
    if isinstance(result, EditorResult):
        return result.kind
    return "done"


def first_lines(code: str, count: int = CODE_LINES) -> str:
    """The first lines that say something (blank ones are skipped), and "…" if more."""
    lines = [line for line in code.splitlines() if line.strip()]
    shown = "\n".join(lines[:count])
    return shown + ("\n…" if len(lines) > count else "")
