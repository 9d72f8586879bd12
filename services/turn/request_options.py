"""What a request takes from settings beyond the conversation: a caller's own options, and
the bound on a silent stream."""

from __future__ import annotations

from typing import Any

import anthropic
import httpx2

from services.settings import Settings


def silence_message(seconds: float) -> str:
    return (
        f"The API sent nothing for {seconds:g} s, not even a keep-alive, so the app ended "
        "this answer; what arrived before is kept. It was not sent again, since code may "
        "have run meanwhile: send a message to continue."
    )


def is_silence(exc: BaseException | None) -> bool:
    """A read that waited out the silence bound (the SDK wraps it before the headers)."""
    if isinstance(exc, anthropic.APITimeoutError):
        exc = exc.__cause__
    return isinstance(exc, httpx2.ReadTimeout)


def with_options(params: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """A caller's own request options. The SDK takes stop sequences as an argument but no
    longer has temperature, top_p or top_k (the current models refuse them); the older
    models that take them get them in the body."""
    for name, value in settings.sampling:
        if name == "stop_sequences":
            params[name] = list(value)
        else:
            params.setdefault("extra_body", {})[name] = value
    if settings.betas:
        params["extra_headers"] = {"anthropic-beta": ",".join(settings.betas)}
    return params
