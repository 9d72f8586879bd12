"""Which model a call runs on, and the settings of its request.

A model that is retired, unknown or cannot run code is replaced by the app's default, and
so is a setting the model does not take: each with a note, never a failed call.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

from integrations.neuro_san.call import ToolCall
from services.client import build_client
from services.models import (
    SAMPLING_PARAMS,
    ModelOffer,
    code_execution_models,
    find_code_execution_model,
    refuses_sampling,
)
from services.settings import Settings

OFFER_SECONDS = 600.0  # how long a read model list is trusted


@dataclass(frozen=True)
class ModelChoice:
    model: str
    output_limit: int | None = None  # the model's max output tokens, when known


class ModelChooser:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._offer: tuple[float, ModelOffer] | None = None

    def choose(self, wanted: str, notes: list[str]) -> ModelChoice:
        offer = self._models()
        if wanted in offer.models or not offer.listed:
            return ModelChoice(wanted, offer.output_limit(wanted))
        found = find_code_execution_model(build_client(), wanted)  # an alias, say
        if found is not None:
            return ModelChoice(*found)
        default = self.settings.model
        chosen = default if default in offer.models else offer.models[0]
        notes.append(
            f"`{wanted}` is retired, unknown or cannot run code; `{chosen}` was used instead."
        )
        return ModelChoice(chosen, offer.output_limit(chosen))

    def _models(self) -> ModelOffer:
        now = time.monotonic()
        if self._offer is None or now - self._offer[0] > OFFER_SECONDS:
            offer = code_execution_models(build_client(max_retries=2), self.settings.model)
            if not offer.listed:
                return offer  # read again next time
            self._offer = (now, offer)
        return self._offer[1]


def call_settings(base: Settings, call: ToolCall, choice: ModelChoice, notes: list[str]):
    """The app's settings with what this call asks for that its model takes."""
    model = choice.model
    sampling = dict(call.sampling)
    if refuses_sampling(model):
        for name in [n for n in SAMPLING_PARAMS if n in sampling]:
            del sampling[name]
            notes.append(
                f"`{name}` was not applied: `{model}` thinks before answering and "
                f"accepts only its default {name}."
            )
    max_tokens = call.max_tokens or base.max_tokens
    if choice.output_limit is not None and max_tokens > choice.output_limit:
        if call.max_tokens:
            notes.append(
                f"`max_tokens` was lowered to {choice.output_limit}, the most `{model}` can write."
            )
        max_tokens = choice.output_limit
    return dataclasses.replace(
        base,
        model=model,
        max_tokens=max_tokens,
        tool_version=call.tool_version or base.tool_version,
        sampling=tuple(sampling.items()),
        betas=call.betas,
    )
