"""The `container` parameter of a request, and the document skills it can load.

Without skills the container goes as its id, a string: the object form without skills
was refused by the API (recordings/container_as_object_rejected_400.yaml). With the
document skills switched on, it goes as the object the SDK types as `ContainerParams`:
`{"id": <the container, when there is one>, "skills": [...]}`. Skills are generally
available, so they need no beta header.
"""

from __future__ import annotations

from enum import StrEnum

from anthropic.types import ContainerParams, SkillParams

from services.turn.options import TurnOptions


class DocumentSkill(StrEnum):
    """Anthropic's own skills that make office files and PDFs (skill ids as the API names them)."""

    XLSX = "xlsx"
    DOCX = "docx"
    PPTX = "pptx"
    PDF = "pdf"


SKILL_VERSION = "latest"


def document_skills() -> list[SkillParams]:
    return [
        {"type": "anthropic", "skill_id": skill.value, "version": SKILL_VERSION}
        for skill in DocumentSkill
    ]


def container_param(container_id: str | None, options: TurnOptions) -> str | ContainerParams | None:
    """What a request sends as `container`; None: send nothing (a new container, if any)."""
    if not options.document_skills:
        return container_id or None
    container: ContainerParams = {"skills": document_skills()}
    if container_id:
        container = {"id": container_id, **container}
    return container
