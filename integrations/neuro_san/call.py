"""One call of the tool as it was asked: its arguments read into a `ToolCall`.

The arguments are the original tool's (`query`, `anthropic_model`, `save_file`,
`additional_kwargs`). Nothing odd fails the call: a setting that cannot be applied as
given is left out and named in a note, and the notes go back with the answer. Values are
never echoed in a note, since a caller may put a key or a token there by mistake.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.turn.tools import TOOL_VERSIONS

# neuro-san adds these to a coded tool's arguments.
FRAMEWORK_ARGS = frozenset(
    {"origin", "origin_str", "progress_reporter", "reservationist", "runtime"}
)
TOOL_ARGS = frozenset({"query", "anthropic_model", "save_file", "additional_kwargs"})
# Settings the original passed to its chat model that a code-execution turn has no use
# for, or that the app sets itself.
NOT_APPLIED = {
    "anthropic_api_key": "the tool uses the app's own credentials",
    "api_key": "the tool uses the app's own credentials",
    "anthropic_api_url": "the tool uses the app's API address (ANTHROPIC_BASE_URL)",
    "base_url": "the tool uses the app's API address (ANTHROPIC_BASE_URL)",
    "default_headers": "the app sets the request's headers",
    "max_retries": "the app retries on its own and says so",
    "timeout": "the app bounds its own waits",
    "default_request_timeout": "the app bounds its own waits",
    "streaming": "the tool always streams",
    "model": "name the model in `anthropic_model`",
    "model_name": "name the model in `anthropic_model`",
}


class BadCall(Exception):
    """The call cannot run at all (no request given); the message says why."""


@dataclass
class ToolCall:
    query: str
    model: str | None = None  # as asked; None: the conversation's or the app's default
    save_file: bool = False
    save_dir: Path | None = None
    conversation_id: str | None = None
    files: tuple[Path, ...] = ()
    tool_version: str | None = None
    max_tokens: int | None = None
    sampling: dict[str, Any] = field(default_factory=dict)
    betas: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)


def read_call(args: Mapping[str, Any] | None, sly_data: Mapping[str, Any] | None) -> ToolCall:
    """The call the arguments ask for; raises BadCall when there is no request."""
    args, sly_data = args or {}, sly_data or {}
    query = args.get("query")
    if not isinstance(query, str) or not query.strip():
        raise BadCall("No request was given: pass what to do in `query`.")
    call = ToolCall(query=query, save_file=_flag(args.get("save_file")))
    model = args.get("anthropic_model")
    if isinstance(model, str) and model.strip():
        call.model = model.strip()
    continued = sly_data.get("conversation_id")
    if isinstance(continued, str) and continued:
        call.conversation_id = continued
    for name in sorted(set(args) - TOOL_ARGS - FRAMEWORK_ARGS):
        call.notes.append(f"`{name}` is not an argument of this tool; it was ignored.")
    extra = args.get("additional_kwargs")
    if isinstance(extra, Mapping):
        for name, value in extra.items():
            _read_setting(call, str(name), value)
    elif extra is not None:
        call.notes.append("`additional_kwargs` is not a mapping of settings; it was ignored.")
    return call


def _read_setting(call: ToolCall, name: str, value: Any) -> None:
    reader = _READERS.get(name)
    if reader is not None:
        problem = reader(call, value)
        if problem:
            call.notes.append(f"`{name}` was not applied: {problem}.")
    elif name in NOT_APPLIED:
        call.notes.append(f"`{name}` was not applied: {NOT_APPLIED[name]}.")
    else:
        call.notes.append(f"`{name}` is not a setting this tool knows; it was ignored.")


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1")
    return bool(value)


def _number(value: Any, low: float, high: float, *, whole: bool = False) -> float | None:
    """The value as a number within [low, high] (a whole one if `whole`), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    if not math.isfinite(number) or not low <= number <= high:
        return None
    if whole:
        return int(number) if number.is_integer() else None
    return number


def _max_tokens(call: ToolCall, value: Any) -> str | None:
    number = _number(value, 1, 1_000_000, whole=True)
    if number is None:
        return "it must be a whole number of tokens, at least 1"
    call.max_tokens = int(number)
    return None


def _sampling(name: str, low: float, high: float, whole: bool = False) -> Callable:
    def read(call: ToolCall, value: Any) -> str | None:
        number = _number(value, low, high, whole=whole)
        if number is None:
            kind = "a whole number" if whole else "a number"
            return f"it must be {kind} from {low:g} to {high:g}"
        call.sampling[name] = number
        return None

    return read


def _stop_sequences(call: ToolCall, value: Any) -> str | None:
    sequences = _strings(value)
    if sequences is None:
        return "it must be a list of strings"
    call.sampling["stop_sequences"] = sequences
    return None


def _betas(call: ToolCall, value: Any) -> str | None:
    betas = _strings(value)
    if betas is None:
        return "it must be a list of beta names"
    call.betas = betas
    return None


def _tool_version(call: ToolCall, value: Any) -> str | None:
    if value not in TOOL_VERSIONS:
        return f"the known versions are {', '.join(TOOL_VERSIONS)}; the app's default is used"
    call.tool_version = value
    return None


def _conversation_id(call: ToolCall, value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "it must be the id of a stored conversation"
    call.conversation_id = value.strip()
    return None


def _files(call: ToolCall, value: Any) -> str | None:
    paths = _strings(value)
    if paths is None:
        return "it must be a list of file paths"
    call.files = tuple(Path(p).expanduser() for p in paths)
    return None


def _save_dir(call: ToolCall, value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "it must be a folder path"
    call.save_dir = Path(value).expanduser()
    return None


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        return None
    return tuple(v for v in value if v)


_READERS: dict[str, Callable[[ToolCall, Any], str | None]] = {
    "max_tokens": _max_tokens,
    "temperature": _sampling("temperature", 0.0, 1.0),
    "top_p": _sampling("top_p", 0.0, 1.0),
    "top_k": _sampling("top_k", 1, 1_000_000, whole=True),
    "stop_sequences": _stop_sequences,
    "betas": _betas,
    "tool_version": _tool_version,
    "conversation_id": _conversation_id,
    "files": _files,
    "save_dir": _save_dir,
}
