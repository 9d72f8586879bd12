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
    output_limits: tuple[tuple[str, int], ...] = ()  # each listed model's max output tokens

    def output_limit(self, model: str) -> int | None:
        return dict(self.output_limits).get(model)


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
    offered = [model for model in models if _usable(model)]
    ids = tuple(model.id for model in offered)
    return ModelOffer(ids or (fallback,), demo, output_limits=_limits(offered))


def find_code_execution_model(
    client: anthropic.Anthropic, model_id: str
) -> tuple[str, int | None] | None:
    """The id the API gives `model_id` (an alias resolves to its model) and its output
    limit, if it is active and runs code; None if not, or if it cannot be looked up."""
    try:
        model = client.models.retrieve(model_id)
    except Exception:  # not found, or the API cannot be reached: not usable as far as known
        log.info("could not look up model %s", model_id, exc_info=True)
        return None
    if not _usable(model):
        return None
    limit = getattr(model, "max_tokens", None)
    return model.id, limit if isinstance(limit, int) else None


def _usable(model: Any) -> bool:
    return getattr(model, "lifecycle", None) == "active" and supports_code_execution(model)


def _limits(models: list[Any]) -> tuple[tuple[str, int], ...]:
    limits = ((model.id, getattr(model, "max_tokens", None)) for model in models)
    return tuple((model_id, limit) for model_id, limit in limits if isinstance(limit, int))
