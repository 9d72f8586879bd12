"""Message content as the store keeps it: JSON text, a search column and a title."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from services.turn.events import is_app_note

TITLE_LENGTH = 60


def normalise_content(content: str | Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The content as a list of blocks; a plain string becomes one text block."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    blocks = list(content)
    if not all(isinstance(block, dict) and isinstance(block.get("type"), str) for block in blocks):
        raise ValueError("message content must be a list of blocks with a type")
    return blocks


def encode_content(blocks: list[dict[str, Any]]) -> str:
    # Key order is kept, so a history read back is the history that was sent
    # (prompt caching compares bytes). NaN is refused: it is not JSON.
    return json.dumps(blocks, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def decode_content(text: str) -> list[dict[str, Any]]:
    return json.loads(text)


def without_nul(text: str) -> str:
    """Drop NUL characters: PostgreSQL text cannot hold them (JSON escapes them, columns cannot)."""
    return text.replace("\x00", "")


def _person_text(blocks: list[dict[str, Any]]) -> list[str]:
    return [
        block["text"]
        for block in blocks
        if block.get("type") == "text"
        and isinstance(block.get("text"), str)
        and not is_app_note(block)
    ]


def search_text(blocks: list[dict[str, Any]]) -> str:
    """The lower-cased text of the message's text blocks (app notes left out), for LIKE search."""
    return without_nul(" ".join(_person_text(blocks))).lower()


def search_title(title: str | None) -> str:
    """The lower-cased title for LIKE search.

    Lowered here, not in SQL: SQLite's lower() (and PostgreSQL's in a C-locale database)
    changes only ASCII letters, so "Übersicht" would never match "übersicht".
    """
    return "" if title is None else without_nul(title).lower()


def title_from_blocks(blocks: list[dict[str, Any]]) -> str | None:
    """The first ~60 characters of the person's text, on one line; None when there is no text."""
    line = " ".join(without_nul(" ".join(_person_text(blocks))).split())
    if not line:
        return None
    if len(line) <= TITLE_LENGTH:
        return line
    cut = line[:TITLE_LENGTH]
    # End on a word when one ends reasonably late, so titles do not stop mid-word.
    space = cut.rfind(" ")
    if space >= TITLE_LENGTH * 2 // 3:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + "…"


def clean_title(title: str) -> str:
    """A title the person typed, on one line."""
    line = " ".join(without_nul(title).split())
    if not line:
        raise ValueError("a title cannot be empty")
    return line
