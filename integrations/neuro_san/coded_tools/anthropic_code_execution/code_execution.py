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
from typing import Any

from neuro_san.interfaces.coded_tool import CodedTool

from integrations.neuro_san.backend import Progress, backend_for
from integrations.neuro_san.call import BadCall, read_call
from integrations.neuro_san.report import render
from services.settings import load_settings
from services.store import LOCAL_OWNER

log = logging.getLogger(__name__)


class AnthropicCodeExecution(CodedTool):
    async def async_invoke(self, args: dict[str, Any], sly_data: dict[str, Any]) -> Any:
        """Runs the turn on the runner's worker thread and waits for it off the event loop;
        every problem comes back as words in the answer, never as an exception."""
        try:
            call = read_call(args, sly_data)
        except BadCall as bad:
            return str(bad)
        owner = sly_data.get("owner")
        owner = owner if isinstance(owner, str) and owner else LOCAL_OWNER
        progress = _reporter(args.get("progress_reporter"), asyncio.get_running_loop())
        try:
            backend = backend_for(load_settings())
            result = await asyncio.to_thread(backend.run, call, owner, progress)
        except Exception:  # a bug or a broken setup: said plainly, logged in full
            log.exception("the code execution tool failed")
            return "The request could not be run: the tool hit an internal error (see its log)."
        if result.conversation_id:
            sly_data["conversation_id"] = result.conversation_id
        return render(result)


def _reporter(reporter: Any, loop: asyncio.AbstractEventLoop) -> Progress | None:
    """Progress from the turn's thread, handed to the event loop without waiting on it."""
    report = getattr(reporter, "async_report_progress", None)
    if report is None:
        return None

    def send(structure: dict[str, Any]) -> None:
        future = asyncio.run_coroutine_threadsafe(report(structure), loop)
        future.add_done_callback(_log_failure)

    return send


def _log_failure(future: Any) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("a progress report failed", exc_info=future.exception())
