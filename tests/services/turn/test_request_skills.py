"""The document skills in a turn's requests: `container` as the API expects it, with the
option on or off, with or without a container, after a pause and after a reset."""

from __future__ import annotations

from typing import Any

import pytest

from fake_anthropic import CodeStep, FakeAnthropic, Fault, Text, Turn
from services.turn.events import ContainerReset, StopReason, TurnError
from services.turn.options import TurnOptions
from services.turn.runner import TurnRunner
from services.turn.skills import DocumentSkill, container_param, document_skills
from tests.services.turn.test_runner_turns import paused_turn, resumed_turn
from tests.support.runner import Followed, finished, of_type, read_all

MODEL = "claude-sonnet-5"
SKILLS_ON = TurnOptions(document_skills=True)
SKILLS_OFF = TurnOptions()
EXPECTED_SKILLS = [
    {"type": "anthropic", "skill_id": "xlsx", "version": "latest"},
    {"type": "anthropic", "skill_id": "docx", "version": "latest"},
    {"type": "anthropic", "skill_id": "pptx", "version": "latest"},
    {"type": "anthropic", "skill_id": "pdf", "version": "latest"},
]


def turn(runner: TurnRunner, conversation: Followed, text: str, options: TurnOptions) -> list:
    events = read_all(runner.start(conversation.current, text, options=options))
    conversation.take(events)
    return events


def sent(fake: FakeAnthropic) -> list[dict[str, Any]]:
    return fake.message_requests()


def test_the_four_skills_are_the_documented_ones() -> None:
    assert document_skills() == EXPECTED_SKILLS
    assert {s.value for s in DocumentSkill} == {"xlsx", "docx", "pptx", "pdf"}
    assert container_param(None, SKILLS_OFF) is None
    assert container_param("", SKILLS_OFF) is None
    assert container_param("container_a", SKILLS_OFF) == "container_a"
    assert container_param(None, SKILLS_ON) == {"skills": EXPECTED_SKILLS}
    assert container_param("container_a", SKILLS_ON) == {
        "id": "container_a",
        "skills": EXPECTED_SKILLS,
    }


def test_with_the_option_on_every_request_carries_the_skills_and_no_beta(
    fake_api: FakeAnthropic, runner: TurnRunner
) -> None:
    fake_api.enqueue(Turn((CodeStep("bash", {"command": "ls /skills"}), Text("Ready."))))
    fake_api.enqueue(Turn((Text("Again."),)))
    conversation = Followed(model=MODEL)
    turn(runner, conversation, "Make a deck", SKILLS_ON)
    container_id = conversation.container_id
    assert container_id
    turn(runner, conversation, "And a memo", SKILLS_ON)
    first, second = sent(fake_api)
    assert first["container"] == {"skills": EXPECTED_SKILLS}  # no id before there is one
    assert second["container"] == {"id": container_id, "skills": EXPECTED_SKILLS}
    assert conversation.container_id == container_id  # the fake kept it by the object's id
    requests = [r for r in fake_api.requests if r.path == "/v1/messages"]
    assert all("anthropic-beta" not in r.headers for r in requests)


def test_with_the_option_off_the_container_stays_a_string_or_absent(
    fake_api: FakeAnthropic, runner: TurnRunner
) -> None:
    fake_api.enqueue(Turn((CodeStep("bash", {"command": "ls"}), Text("a"))))
    fake_api.enqueue(Turn((Text("b"),)))
    conversation = Followed(model=MODEL)
    turn(runner, conversation, "one", SKILLS_OFF)
    turn(runner, conversation, "two", SKILLS_OFF)
    first, second = sent(fake_api)
    assert "container" not in first
    assert second["container"] == conversation.container_id


def test_switching_applies_to_the_next_turn_in_the_same_container(
    fake_api: FakeAnthropic, runner: TurnRunner
) -> None:
    fake_api.enqueue(Turn((CodeStep("bash", {"command": "ls"}), Text("a"))))
    fake_api.enqueue(Turn((Text("b"),)), Turn((Text("c"),)))
    conversation = Followed(model=MODEL)
    turn(runner, conversation, "one", SKILLS_OFF)
    container_id = conversation.container_id
    turn(runner, conversation, "two", SKILLS_ON)
    turn(runner, conversation, "three", SKILLS_OFF)
    containers = [r.get("container") for r in sent(fake_api)]
    assert containers == [None, {"id": container_id, "skills": EXPECTED_SKILLS}, container_id]


def test_a_paused_turn_continues_with_the_skills(
    fake_api: FakeAnthropic, runner: TurnRunner
) -> None:
    fake_api.enqueue(paused_turn("s1"), resumed_turn("s1"))
    conversation = Followed(model=MODEL)
    events = turn(runner, conversation, "A long deck", SKILLS_ON)
    assert finished(events).stop_reason == StopReason.END_TURN
    first, second = sent(fake_api)
    assert first["container"] == {"skills": EXPECTED_SKILLS}
    container_id = conversation.container_id
    assert second["container"] == {"id": container_id, "skills": EXPECTED_SKILLS}


@pytest.mark.parametrize(
    "fault",
    [
        Fault(400, "invalid_request_error", "container {cid} has expired"),
        Fault(404, "not_found_error", "Container not found: {cid}"),
    ],
    ids=["400", "404"],
)
def test_a_failed_container_is_replaced_and_the_skills_stay(
    fake_api: FakeAnthropic, runner: TurnRunner, fault: Fault
) -> None:
    fake_api.enqueue(Turn((CodeStep("bash", {"command": "ls"}), Text("a"))))
    conversation = Followed(model=MODEL)
    turn(runner, conversation, "one", SKILLS_ON)
    old = conversation.container_id
    fake_api.enqueue(
        Fault(fault.status, fault.error_type, fault.message.format(cid=old)),
        Turn((Text("fresh start"),), container_id="container_fresh"),
    )
    events = turn(runner, conversation, "two", SKILLS_ON)
    assert [r.old_container_id for r in of_type(events, ContainerReset)] == [old]
    assert of_type(events, TurnError) == []
    failed, fresh = sent(fake_api)[1:]
    assert failed["container"] == {"id": old, "skills": EXPECTED_SKILLS}
    assert fresh["container"] == {"skills": EXPECTED_SKILLS}  # a new container, same skills
    assert conversation.container_id == "container_fresh"
