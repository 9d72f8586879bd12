"""The one place the Anthropic client is built.

Only what the app itself was given is passed to the SDK, so the SDK's own resolution of
ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN and ANTHROPIC_BASE_URL keeps working.
"""

from __future__ import annotations

import os

import anthropic


def has_credentials(api_key: str | None = None, environ: dict[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return bool(api_key or env.get("ANTHROPIC_API_KEY") or env.get("ANTHROPIC_AUTH_TOKEN"))


def build_client(
    api_key: str | None = None, base_url: str | None = None, max_retries: int = 0
) -> anthropic.Anthropic:
    """Message calls retry in the turn runner (so the page can say so): SDK retries off."""
    kwargs: dict[str, object] = {"max_retries": max_retries}
    if api_key:
        kwargs["api_key"] = api_key
    if base_url:
        kwargs["base_url"] = base_url
    return anthropic.Anthropic(**kwargs)
