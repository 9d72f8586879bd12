"""The `container` request parameter, checked as the Messages API checks it.

Two forms (SDK `message_create_params_container_param.py`): a container id, a string; or
`ContainerParams`, `{"id": str | null, "skills": [SkillParams, ...]}`, which loads skills.
The object form without skills was refused with a 400 (recordings/
container_as_object_rejected_400.yaml); so is any object whose parts are not the shapes
the SDK types: the union fails and the API names its string branch. A well-formed skill
the fake does not have (an unknown Anthropic skill, any custom skill: the fake has no
Skills API) is a 400 naming it.
"""

from __future__ import annotations

import re
from typing import Any

CONTAINER_NOT_STRING = "container: Input should be a valid string"
ANTHROPIC_SKILLS = frozenset({"xlsx", "docx", "pptx", "pdf"})
MAX_SKILLS = 20  # per request (reference section 8)
SKILL_TYPES = frozenset({"anthropic", "custom"})
_CONTAINER_KEYS = frozenset({"id", "skills"})
_SKILL_KEYS = frozenset({"type", "skill_id", "version"})
_ANTHROPIC_VERSION = re.compile(r"latest|\d{8}")


def check_container(container: Any) -> str | None:
    """None when the API would take `container`, else the message of its 400."""
    if container is None or isinstance(container, str):
        return None
    if not _is_container_object(container):
        return CONTAINER_NOT_STRING
    skills = container["skills"]
    if len(skills) > MAX_SKILLS:
        return f"container.skills: at most {MAX_SKILLS} skills may be loaded in a request"
    ids = [skill["skill_id"] for skill in skills]
    if len(set(ids)) != len(ids):
        return "container.skills: each skill may be listed only once"
    for i, skill in enumerate(skills):
        problem = _unknown_skill(skill, f"container.skills.{i}")
        if problem:
            return problem
    return None


def _is_container_object(container: Any) -> bool:
    """`ContainerParams` with a non-empty list of well-formed `SkillParams`."""
    if not isinstance(container, dict) or set(container) - _CONTAINER_KEYS:
        return False
    if not isinstance(container.get("id"), str | None):
        return False
    skills = container.get("skills")
    return isinstance(skills, list) and bool(skills) and all(map(_is_skill, skills))


def _is_skill(skill: Any) -> bool:
    if not isinstance(skill, dict) or set(skill) - _SKILL_KEYS:
        return False
    if skill.get("type") not in SKILL_TYPES:
        return False
    skill_id, version = skill.get("skill_id"), skill.get("version", "latest")
    return isinstance(skill_id, str) and bool(skill_id) and isinstance(version, str)


def _unknown_skill(skill: dict[str, Any], where: str) -> str | None:
    skill_id, version = skill["skill_id"], skill.get("version", "latest")
    if skill["type"] == "custom":
        return f"{where}.skill_id: custom skill {skill_id!r} not found"
    if skill_id not in ANTHROPIC_SKILLS:
        known = ", ".join(sorted(ANTHROPIC_SKILLS))
        return f"{where}.skill_id: unknown Anthropic skill {skill_id!r} (available: {known})"
    if not _ANTHROPIC_VERSION.fullmatch(version):
        return f"{where}.version: {version!r} is not a version of the {skill_id} skill"
    return None
