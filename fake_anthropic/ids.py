"""Identifiers and timestamps in the shapes the real API uses (`msg_011C…`, RFC 3339 with `Z`)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

# The API's ids use a base58-like alphabet after a versioned prefix.
_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def new_id(prefix: str, length: int = 20) -> str:
    """`new_id("msg")` -> "msg_011C…": the real ids share the `011C` version marker."""
    tail = "".join(secrets.choice(_ALPHABET) for _ in range(length))
    marker = "01" if prefix == "srvtoolu" else "011C"
    return f"{prefix}_{marker}{tail}"


def rfc3339(moment: datetime) -> str:
    """Microsecond precision and a `Z` suffix, as in `container.expires_at`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_rfc3339(offset: timedelta = timedelta()) -> str:
    return rfc3339(datetime.now(UTC) + offset)
