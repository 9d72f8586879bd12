"""`AnthropicCodeExecution`: the neuro-san coded tool that runs a request in Claude's
code-execution sandbox through the assistant's own turn runner and store.

Its arguments are those of the tool it replaces: `query`, `anthropic_model`, `save_file`
and `additional_kwargs`. The conversation's id goes into `sly_data["conversation_id"]`;
passed back on the next call, it continues the same conversation and sandbox. The turn is
stored as it streams, like the web app's, and the answer links to it there.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from neuro_san.interfaces.coded_tool import CodedTool

from integrations.neuro_san.backend import CallControl, Progress, ToolResult, backend_for
from integrations.neuro_san.call import BadCall, ToolCall, read_call
from integrations.neuro_san.report import render
from services.settings import load_settings
from services.store import LOCAL_OWNER

log = logging.getLogger(__name__)
INTERNAL_ERROR = "The request could not be run: the tool hit an internal error (see its log)."
# Calls wait for their turns here, not in the loop's default executor, which a few
# minutes-long turns would fill for every other tool of the server.
_CALLS = ThreadPoolExecutor(max_workers=16, thread_name_prefix="code-execution-call")


class AnthropicCodeExecution(CodedTool):
    async def async_invoke(self, args: dict[str, Any], sly_data: dict[str, Any]) -> Any:
        """Runs the turn on the runner's worker thread and waits for it off the event loop;
        every problem comes back as words in the answer, never as an exception. A
        cancelled call stops its turn."""
        sly = sly_data if isinstance(sly_data, dict) else {}
        try:
            call = read_call(args, sly)
        except BadCall as bad:
            return str(bad)
        except Exception:
            log.exception("the code execution tool could not read its arguments")
            return INTERNAL_ERROR
        loop = asyncio.get_running_loop()
        control = CallControl()
        progress = _reporter((args or {}).get("progress_reporter"), loop)
        try:
            result = await loop.run_in_executor(_CALLS, _run, call, _owner(sly), progress, control)
        except asyncio.CancelledError:
            control.cancel()
            raise
        except Exception:  # a bug or a broken setup: said plainly, logged in full
            log.exception("the code execution tool failed")
            return INTERNAL_ERROR
        if result.conversation_id:
            sly["conversation_id"] = result.conversation_id
        return render(result)


def _run(call: ToolCall, owner: str, progress: Progress | None, control: CallControl) -> ToolResult:
    # Opening the store (and migrating it, the first time) blocks: it happens here too.
    return backend_for(load_settings()).run(call, owner, progress, control)


def _owner(sly_data: dict[str, Any]) -> str:
    owner = sly_data.get("owner")
    return owner if isinstance(owner, str) and owner.strip() else LOCAL_OWNER


def _reporter(reporter: Any, loop: asyncio.AbstractEventLoop) -> Progress | None:
    """Progress from the turn's thread, handed to the event loop without waiting on it."""
    report = getattr(reporter, "async_report_progress", None)
    if report is None:
        return None

    def send(structure: dict[str, Any]) -> None:
        if loop.is_closed():
            return  # the call was cancelled and its loop is gone: nobody to tell
        try:
            future = asyncio.run_coroutine_threadsafe(report(structure), loop)
        except RuntimeError:
            return
        future.add_done_callback(_log_failure)

    return send


def _log_failure(future: Any) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("a progress report failed", exc_info=future.exception())
