"""Run one turn from the command line and print each event as it arrives.

    python -m services.cli "Chart monthly sales" --file sales.csv [--file more.csv] [--model M]
    python -m services.cli export CONVERSATION_ID --format zip|ipynb|html|md --out PATH

Uses the configured API (ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL, as the SDK reads them)
and stores files under ASSISTANT_DATA_DIR. Files Claude made are saved in the app's file
store and their paths printed; nothing is opened. Ctrl-C stops the turn.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from services.client import build_client, has_credentials
from services.conversation import Attachment, Conversation
from services.conversations import ConversationService, TurnBusy
from services.files.uploads import FileTooLarge
from services.settings import load_settings
from services.store import LOCAL_OWNER, open_store
from services.turn.events import (
    CodeStepFinished,
    CodeStepInput,
    CodeStepStarted,
    ContainerReset,
    Continuing,
    EditorResult,
    ExecutionResult,
    OutputFileFailed,
    OutputFileReady,
    Retrying,
    SaveStatus,
    StepResult,
    StepTool,
    StopReason,
    TextDelta,
    ThinkingDelta,
    ToolError,
    TurnError,
    TurnEvent,
    TurnFinished,
    UnsupportedBlock,
    Usage,
    WebFetchResult,
    WebSearchResult,
)
from services.turn.handle import TurnHandle
from services.turn.runner import TurnRunner
from services.turn.tools import TOOL_NAMES, WEB_STEPS
from services.turn.web_results import fetch_summary, hit_text, web_input_text

STORE_WAIT_SECONDS = 30.0  # for a database that went away in the middle of the turn


class EventPrinter:
    """Writes events as lines; streamed text and thinking are written as they come."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._stream_index: int | None = None  # the text block being written, if any

    def line(self, text: str = "") -> None:
        if self._stream_index is not None:
            self.out.write("\n")
            self._stream_index = None
        self.out.write(text + "\n")
        self.out.flush()

    def streamed(self, index: int, text: str, heading: str = "") -> None:
        if self._stream_index != index:
            if heading or self._stream_index is not None:
                self.line(heading)
            self._stream_index = index
        self.out.write(text)
        self.out.flush()

    def show(self, event: TurnEvent) -> None:
        handler = _HANDLERS.get(type(event))
        if handler is not None:
            handler(self, event)


def _step_input(p: EventPrinter, e: CodeStepInput) -> None:
    if not e.complete:
        return  # the whole input is printed once, when it is complete
    data = e.input
    if e.tool in WEB_STEPS:
        p.line(f"[{TOOL_NAMES[e.tool]}] {web_input_text(TOOL_NAMES[e.tool], data)}")
    elif e.tool == StepTool.BASH:
        p.line(f"$ {data.get('command', '')}")
    elif e.tool == StepTool.PYTHON:
        p.line(str(data.get("code", "")))
    else:
        p.line(f"{data.get('command', '')} {data.get('path', '')}")
        for key in ("file_text", "old_str", "new_str"):
            if key in data:
                p.line(f"--- {key}\n{data[key]}")


def _result_lines(result: StepResult) -> list[str]:
    if isinstance(result, ToolError):
        return [f"[tool error {result.error_code}] {result.message}"]
    if isinstance(result, EditorResult):
        return [f"[{result.kind}] {result.details}"]
    if isinstance(result, WebSearchResult):
        return [hit_text(hit) for hit in result.hits] or ["[no results]"]
    if isinstance(result, WebFetchResult):
        return [fetch_summary(result)]
    lines: list[str] = []
    if isinstance(result, ExecutionResult):
        if result.encrypted:
            lines.append("[output encrypted: readable only by the model]")
        elif result.stdout:
            lines.append(result.stdout.rstrip("\n"))
        if result.stderr:
            lines.append("[stderr] " + result.stderr.rstrip("\n"))
        lines.append(f"[exit code {result.return_code}]")
    return lines


def _step_finished(p: EventPrinter, e: CodeStepFinished) -> None:
    for line in _result_lines(e.result):
        p.line(line)


def _file_ready(p: EventPrinter, e: OutputFileReady) -> None:
    f = e.file
    p.line(f"[saved {f.name} ({f.mime_type}, {f.size} bytes): {f.path}]")


def _usage(p: EventPrinter, e: Usage) -> None:
    cost = "price unknown" if e.cost_usd is None else f"${e.cost_usd:.4f}"
    t = e.counts
    p.line(
        f"[usage {e.model}: {t.input} in, {t.output} out, "
        f"{t.cache_read} cache read, {t.cache_write} cache write; {cost}]"
    )


def _finished(p: EventPrinter, e: TurnFinished) -> None:
    p.line(f"[finished: {e.stop_reason.value}]")
    if e.message:
        p.line(e.message)


_HANDLERS: dict[type, Callable[[EventPrinter, Any], None]] = {
    TextDelta: lambda p, e: p.streamed(e.index, e.text),
    ThinkingDelta: lambda p, e: p.streamed(e.index, e.text, "[thinking]"),
    CodeStepStarted: lambda p, e: p.line(f"[{e.tool.value} step {e.step_id}]"),
    CodeStepInput: _step_input,
    CodeStepFinished: _step_finished,
    OutputFileReady: _file_ready,
    OutputFileFailed: lambda p, e: p.line(f"[file {e.file_id} failed: {e.message}]"),
    UnsupportedBlock: lambda p, e: p.line(f"[unsupported block: {e.block_type}]"),
    Retrying: lambda p, e: p.line(f"[retrying in {e.delay_seconds:.1f} s: {e.reason}]"),
    Continuing: lambda p, e: p.line(f"[continuing ({e.continuation}/{e.cap})]"),
    ContainerReset: lambda p, e: p.line(f"[container reset: {e.reason}]"),
    Usage: _usage,
    TurnError: lambda p, e: p.line(f"[error: {e.message}]"),
    TurnFinished: _finished,
    SaveStatus: lambda p, e: p.line("[stored again]" if e.saved else f"[{e.message}]"),
}


def main(argv: list[str] | None = None, out: TextIO = sys.stdout) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["export"]:
        from services.export.command import export_main  # only the export needs it

        return export_main(argv[1:], out)
    parser = argparse.ArgumentParser(prog="python -m services.cli", description=__doc__)
    parser.add_argument("prompt")
    parser.add_argument("--file", action="append", default=[], type=Path, help="attach a file")
    parser.add_argument("--model", help="model id (default: ASSISTANT_MODEL or claude-sonnet-5)")
    parser.add_argument("--conversation", help="continue this stored conversation")
    args = parser.parse_args(argv)
    if not has_credentials():
        print("No API key: set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN).", file=sys.stderr)
        return 2
    missing = [str(p) for p in args.file if not p.is_file()]
    if missing:  # said before anything is stored
        print(f"No such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    settings = load_settings()
    with open_store(settings) as store:
        return _run_turn(ConversationService(store, settings), args, out)


def _run_turn(service: ConversationService, args: argparse.Namespace, out: TextIO) -> int:
    conversation = _conversation(service, args.conversation, args.model)
    if conversation is None:
        print(f"No conversation {args.conversation!r} in the store.", file=sys.stderr)
        return 2
    runner = TurnRunner(build_client(), service.settings, service.store.blobs)
    attachments = [Attachment.read(p) for p in args.file]
    stored = args.conversation is not None
    try:
        started = service.start_turn(
            runner, LOCAL_OWNER, conversation, args.prompt, attachments, stored=stored
        )
    except FileTooLarge as too_large:
        print(str(too_large), file=sys.stderr)
        return 2
    except TurnBusy:
        print(
            "An answer in this conversation is still being written; try again when it is done.",
            file=sys.stderr,
        )
        return 2
    finished = _follow(started.handle, EventPrinter(out))
    saved = started.handle.wait_saved(STORE_WAIT_SECONDS)
    service.running.release_settled()  # its lease, before the process exits
    if not saved:
        print("The turn could not be stored: the database is unreachable.", file=sys.stderr)
        return 1
    print(f"\n[saved as conversation {started.conversation.id}]", file=out)
    failed = finished is None or finished.stop_reason == StopReason.FAILED
    return 1 if failed else 0


def _conversation(
    service: ConversationService, conversation_id: str | None, model: str | None
) -> Conversation | None:
    if not conversation_id:
        return service.new(model)
    found = service.open(conversation_id, LOCAL_OWNER)
    if found is None or model is None:
        return found
    return dataclasses.replace(found, model=model)


def _follow(handle: TurnHandle, printer: EventPrinter) -> TurnFinished | None:
    """Print events as they come; Ctrl-C stops the turn and prints how it ended."""
    try:
        return _print_events(handle, printer)
    except KeyboardInterrupt:
        handle.stop()
        return _print_events(handle, printer)


def _print_events(handle: TurnHandle, printer: EventPrinter) -> TurnFinished | None:
    finished: TurnFinished | None = None
    for event in handle.events():
        printer.show(event)
        finished = event if isinstance(event, TurnFinished) else finished
    return finished


if __name__ == "__main__":
    sys.exit(main())
