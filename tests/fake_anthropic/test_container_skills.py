"""The fake's `container` parameter with skills: the object form the SDK types as
`ContainerParams`, checked strictly, and kept across turns by its id."""

from __future__ import annotations

from typing import Any

import anthropic
import pytest

from fake_anthropic import CodeStep, FakeAnthropic, Text, Turn
from fake_anthropic.container_param import CONTAINER_NOT_STRING, check_container

TOOLS = [{"type": "code_execution_20260521", "name": "code_execution"}]
USER = [{"role": "user", "content": "Make a slide deck."}]
PPTX = {"type": "anthropic", "skill_id": "pptx", "version": "latest"}
DOCUMENT_SKILLS = [
    {"type": "anthropic", "skill_id": skill, "version": "latest"}
    for skill in ("xlsx", "docx", "pptx", "pdf")
]


def ask(container: Any) -> dict[str, Any]:
    return {
        "model": "claude-sonnet-5",
        "max_tokens": 1024,
        "messages": USER,
        "tools": TOOLS,
        "container": container,
    }


def test_the_document_skills_load_and_the_container_is_kept_by_its_id(
    fake_client: anthropic.Anthropic, fake_api: FakeAnthropic
) -> None:
    fake_api.enqueue(Turn((CodeStep("bash", {"command": "ls /skills"}), Text("a"))))
    fake_api.enqueue(Turn((Text("b"),)))
    first = fake_client.messages.create(**ask({"skills": DOCUMENT_SKILLS}))
    assert first.container is not None
    assert [s.skill_id for s in first.container.skills] == ["xlsx", "docx", "pptx", "pdf"]
    again = fake_client.messages.create(
        **ask({"id": first.container.id, "skills": DOCUMENT_SKILLS})
    )
    assert again.container.id == first.container.id
    assert [body["container"] for body in fake_api.message_requests()] == [
        {"skills": DOCUMENT_SKILLS},
        {"id": first.container.id, "skills": DOCUMENT_SKILLS},
    ]


@pytest.mark.parametrize(
    "container",
    [
        {"id": "container_x"},
        {"id": None},
        {"skills": []},
        {"id": "container_x", "skills": None},
        {"skills": [{"skill_id": "pptx", "version": "latest"}]},  # no type
        {"skills": [{"type": "builtin", "skill_id": "pptx"}]},
        {"skills": [{"type": "anthropic"}]},  # no skill_id
        {"skills": [{"type": "anthropic", "skill_id": "pptx", "version": 1}]},
        {"skills": [{**PPTX, "name": "slides"}]},  # a key SkillParams does not have
        {"skills": [PPTX], "tools": []},  # a key ContainerParams does not have
        {"id": 7, "skills": [PPTX]},
        {"skills": PPTX},  # one skill, not a list
        ["container_x"],
    ],
)
def test_a_malformed_container_object_gets_the_recorded_400(
    fake_client: anthropic.Anthropic, fake_api: FakeAnthropic, container: Any
) -> None:
    fake_api.enqueue(Turn((Text("kept for a valid request"),)))
    with pytest.raises(anthropic.BadRequestError) as caught:
        fake_client.messages.create(**ask(container))
    assert caught.value.body["error"] == {
        "type": "invalid_request_error",
        "message": CONTAINER_NOT_STRING,
    }
    assert fake_api.pending == 1  # a refused request takes no scripted step


@pytest.mark.parametrize(
    ("skills", "named"),
    [
        ([{"type": "anthropic", "skill_id": "csv", "version": "latest"}], "'csv'"),
        ([{"type": "custom", "skill_id": "skill_01abc", "version": "latest"}], "skill_01abc"),
        ([{"type": "anthropic", "skill_id": "pdf", "version": "newest"}], "'newest'"),
        ([PPTX, PPTX], "only once"),
        ([PPTX] * 21, "at most 20"),
    ],
)
def test_skills_the_api_does_not_have_get_a_400_naming_them(
    fake_client: anthropic.Anthropic, fake_api: FakeAnthropic, skills: list, named: str
) -> None:
    fake_api.enqueue(Turn((Text("kept"),)))
    with pytest.raises(anthropic.BadRequestError) as caught:
        fake_client.messages.create(**ask({"skills": skills}))
    error = caught.value.body["error"]
    assert error["type"] == "invalid_request_error" and named in error["message"]
    assert fake_api.pending == 1


def test_well_formed_containers_pass_the_check() -> None:
    dated = {"type": "anthropic", "skill_id": "xlsx", "version": "20251013"}
    no_version = {"type": "anthropic", "skill_id": "docx"}  # the SDK makes version optional
    for container in (
        None,
        "container_abc",
        {"skills": DOCUMENT_SKILLS},
        {"id": None, "skills": [dated, no_version]},
        {"id": "container_abc", "skills": [PPTX]},
    ):
        assert check_container(container) is None, container
