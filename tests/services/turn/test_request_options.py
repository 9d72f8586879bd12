"""A caller's own request options (what the neuro-san tool's `additional_kwargs` carry):
sent as the API takes them, and refused by the fake where the API refuses them."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import anthropic
import pytest

from fake_anthropic import FakeAnthropic, Fault, Reply, Text, Turn
from services.models import refuses_sampling
from services.turn.events import StopReason, TurnError
from tests.support.runner import Followed, finished, make_runner, read_all


def _run(fake_client: anthropic.Anthropic, tmp_path: Path, model: str, **options) -> list:
    runner, _ = make_runner(fake_client, tmp_path, **options)
    conversation = Followed(model=model)
    return read_all(runner.start(conversation.current, "Hi"))


def test_sampling_goes_in_the_body_and_betas_in_the_header(
    fake_api: FakeAnthropic, fake_client: anthropic.Anthropic, tmp_path: Path
) -> None:
    fake_api.enqueue(Turn((Text("Hello."),)))
    sampling = (("temperature", 0.3), ("top_k", 5), ("stop_sequences", ("END",)))
    events = _run(
        fake_client, tmp_path, "claude-haiku-4-5-20251001", sampling=sampling, betas=("a", "b")
    )
    assert finished(events).stop_reason == StopReason.END_TURN
    request = next(r for r in fake_api.requests if r.path == "/v1/messages")
    assert (request.body["temperature"], request.body["top_k"]) == (0.3, 5)
    assert request.body["stop_sequences"] == ["END"]
    assert request.headers["anthropic-beta"] == "a,b"


def test_without_options_the_request_has_no_sampling_and_no_beta_header(
    fake_api: FakeAnthropic, fake_client: anthropic.Anthropic, tmp_path: Path
) -> None:
    fake_api.enqueue(Turn((Text("Hello."),)))
    _run(fake_client, tmp_path, "claude-sonnet-5")
    request = next(r for r in fake_api.requests if r.path == "/v1/messages")
    assert not {"temperature", "top_p", "top_k", "stop_sequences"} & set(request.body)
    assert "anthropic-beta" not in request.headers


@pytest.mark.parametrize("sampling", [("temperature", 0.5), ("top_p", 0.9), ("top_k", 3)])
def test_a_thinking_model_refuses_sampling_and_no_step_is_taken(
    fake_api: FakeAnthropic, fake_client: anthropic.Anthropic, tmp_path: Path, sampling: tuple
) -> None:
    fake_api.enqueue(Turn((Text("never sent"),)))
    events = _run(fake_client, tmp_path, "claude-sonnet-5", sampling=(sampling,))
    errors = [e for e in events if isinstance(e, TurnError)]
    assert errors and sampling[0] in errors[0].message
    assert fake_api.pending == 1
    assert refuses_sampling("claude-sonnet-5") and refuses_sampling("claude-opus-5")
    assert not refuses_sampling("claude-haiku-4-5-20251001")


def test_a_reply_step_answers_from_the_request_it_gets(
    fake_api: FakeAnthropic, fake_client: anthropic.Anthropic, tmp_path: Path
) -> None:
    def echo(body: dict) -> Turn | Fault:
        text = body["messages"][-1]["content"][-1]["text"]
        return Turn((Text(f"You said: {text}"),))

    fake_api.enqueue(Reply(echo))
    events = _run(fake_client, tmp_path, "claude-sonnet-5")
    blocks = finished(events).content
    assert blocks[-1]["text"] == "You said: Hi"


def test_settings_with_options_stay_hashable(tmp_path: Path) -> None:
    from tests.support.runner import make_settings

    settings = make_settings(tmp_path)
    with_options = dataclasses.replace(
        settings, sampling=(("stop_sequences", ("END",)),), betas=("x",)
    )
    assert hash(with_options) != hash(settings)
