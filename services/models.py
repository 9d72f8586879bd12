"""The models to offer: those that support code execution and are active."""

from __future__ import annotations

import logging
from typing import Any

import anthropic

log = logging.getLogger(__name__)


def supports_code_execution(model: Any) -> bool:
    """capabilities.server_tools.code_execution.supported, read defensively."""
    capabilities = getattr(model, "capabilities", None)
    server_tools = getattr(capabilities, "server_tools", None)
    code_execution = getattr(server_tools, "code_execution", None)
    return bool(getattr(code_execution, "supported", False))


def code_execution_models(client: anthropic.Anthropic, fallback: str) -> list[str]:
    """Model ids in the API's order; `[fallback]` if the list cannot be read or is empty."""
    try:
        models = list(client.models.list(limit=100))
    except Exception:  # API errors, and the SDK's TypeError when no credentials are set
        log.warning("could not list the models; offering %s alone", fallback, exc_info=True)
        return [fallback]
    ids = [
        model.id
        for model in models
        if getattr(model, "lifecycle", None) == "active" and supports_code_execution(model)
    ]
    return ids or [fallback]
