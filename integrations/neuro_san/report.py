"""The tool's answer for the chat stream: Claude's words, the code steps in short, the
files, the link to the conversation in the web app, and every note about the call."""

from __future__ import annotations

import os
from urllib.parse import quote

from integrations.neuro_san.backend import ToolResult
from integrations.neuro_san.summary import TurnSummary, first_lines
from services.files.sizes import human_size

PUBLIC_URL_ENV = "ASSISTANT_PUBLIC_URL"
DEFAULT_PUBLIC_URL = "http://localhost:8501"


def conversation_link(conversation_id: str, environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    base = (env.get(PUBLIC_URL_ENV) or DEFAULT_PUBLIC_URL).rstrip("/")
    return f"{base}/?c={quote(conversation_id, safe='')}"


def render(result: ToolResult, environ: dict[str, str] | None = None) -> str:
    parts: list[str] = []
    if result.error:
        parts.append(f"The request was not run: {result.error}")
    summary = result.summary
    if summary is not None:
        parts.extend(_turn(summary, result))
    if result.conversation_id:
        link = conversation_link(result.conversation_id, environ)
        parts.append(f"See the conversation in the web app: {link}")
    if result.notes:
        parts.append("Notes:\n" + "\n".join(f"- {note}" for note in result.notes))
    return "\n\n".join(parts)


def _turn(summary: TurnSummary, result: ToolResult) -> list[str]:
    parts = []
    if summary.failed:
        why = " ".join(summary.errors) or summary.end_message or "the turn did not finish."
        parts.append(f"The turn failed: {why}")
    elif summary.end_message:
        parts.append(summary.end_message)
    if summary.answer:
        parts.append(summary.answer)
    if summary.steps:
        parts.append(_steps(summary))
    if summary.files or summary.file_failures:
        parts.append(_files(summary, result))
    parts.extend(summary.notes)
    return parts


def _steps(summary: TurnSummary) -> str:
    lines = [f"Code run ({len(summary.steps)} step{'s' if len(summary.steps) != 1 else ''}):"]
    for n, step in enumerate(summary.steps.values(), start=1):
        lines.append(f"{n}. {step.tool.value}: {step.outcome or 'no result'}")
        code = first_lines(step.code)
        if code:
            lines.extend("   " + line for line in code.splitlines())
    return "\n".join(lines)


def _files(summary: TurnSummary, result: ToolResult) -> str:
    lines = ["Files made:"]
    for f in summary.files:
        line = f"- {f.name} ({f.mime_type}, {human_size(f.size)})"
        saved = result.saved.get(f.file_id)
        lines.append(line + (f", saved to {saved}" if saved else ""))
    for message in summary.file_failures:
        lines.append(f"- a file could not be downloaded: {message}")
    if summary.files and result.conversation_id and not result.saved:
        lines.append("Each file can be downloaded from the conversation in the web app.")
    return "\n".join(lines)
