"""The models to offer: those that support code execution and are active.

The listing also tells whether the server is the keyless demo (`fake_anthropic --demo`):
it says so in a response header, so the page can say it plainly whatever the URL is.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import anthropic

log = logging.getLogger(__name__)

# Sent by the demo server on every answer; Anthropic's API never sends it.
DEMO_HEADER = "x-demo-server"
# The 5-generation models think by default; the request never turns thinking off, and a
# thinking model refuses a non-default temperature, top_p or top_k with a 400.
SAMPLING_PARAMS = ("temperature", "top_p", "top_k")
_THINKS_BY_DEFAULT = re.compile(r"claude-(opus|sonnet|haiku|fable|mythos)-5")


def refuses_sampling(model: str) -> bool:
    return bool(_THINKS_BY_DEFAULT.match(model))


@dataclass(frozen=True)
class ModelOffer:
    models: tuple[str, ...]
    demo: bool = False  # the server is the demo: its answers are scripted, not Claude's
    listed: bool = True  # False: the list could not be read, `models` is the fallback


def supports_code_execution(model: Any) -> bool:
    """capabilities.server_tools.code_execution.supported, read defensively."""
    capabilities = getattr(model, "capabilities", None)
    server_tools = getattr(capabilities, "server_tools", None)
    code_execution = getattr(server_tools, "code_execution", None)
    return bool(getattr(code_execution, "supported", False))


def code_execution_models(client: anthropic.Anthropic, fallback: str) -> ModelOffer:
    """Model ids in the API's order; `[fallback]` if the list cannot be read or is empty."""
    try:
        raw = client.models.with_raw_response.list(limit=100)
        demo = bool(raw.headers.get(DEMO_HEADER))
        models = list(raw.parse())
    except Exception:  # API errors, and the SDK's TypeError when no credentials are set
        log.warning("could not list the models; offering %s alone", fallback, exc_info=True)
        return ModelOffer((fallback,), listed=False)
    ids = tuple(
        model.id
        for model in models
        if getattr(model, "lifecycle", None) == "active" and supports_code_execution(model)
    )
    return ModelOffer(ids or (fallback,), demo)
