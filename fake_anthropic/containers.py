"""What the fake says about a request's container: whether one is in play, its skills."""

from __future__ import annotations

from typing import Any

from .script import CodeStep, Turn


def uses_code_execution(body: dict[str, Any], turn: Turn) -> bool:
    tools = body.get("tools") or []
    declared = any(str(t.get("type", "")).startswith("code_execution_") for t in tools)
    return declared or any(isinstance(step, CodeStep) for step in turn.blocks)


def skill_entry(skill: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": skill.get("type"),
        "skill_id": skill.get("skill_id"),
        "version": skill.get("version", "latest"),
    }
