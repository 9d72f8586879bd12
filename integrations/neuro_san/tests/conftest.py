"""Fixtures for the neuro-san integration: the fake Anthropic API, the environment the tool
and neuro-san read (API address, data dir, registry, tool path), and a way to call the
coded tool as neuro-san does."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fake_anthropic import FakeAnthropic
from fake_anthropic.server import serving
from integrations.neuro_san import backend
from services.settings import load_settings
from services.store import Store, open_store

HERE = Path(__file__).resolve().parent
REGISTRY = HERE.parent / "registries"
PUBLIC_URL = "http://assistant.example:8501"


@pytest.fixture
def fake() -> Iterator[FakeAnthropic]:
    with serving() as server:
        yield server


@pytest.fixture
def tool_env(
    fake: FakeAnthropic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """The data dir the tool stores into; the API is the fake."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(data_dir))
    monkeypatch.setenv("ASSISTANT_PUBLIC_URL", PUBLIC_URL)
    monkeypatch.setenv("AGENT_MANIFEST_FILE", str(REGISTRY / "manifest.hocon"))
    monkeypatch.setenv("AGENT_TOOL_PATH", "integrations.neuro_san.coded_tools")
    monkeypatch.setenv("ASSISTANT_TOOL_ROOT", str(tmp_path))
    for name in ("ASSISTANT_DATABASE_URL", "ASSISTANT_MODEL", "ASSISTANT_TOOL_VERSION"):
        monkeypatch.delenv(name, raising=False)
    yield data_dir
    backend.close_all()


@pytest.fixture
def store(tool_env: Path) -> Iterator[Store]:
    """The store the tool writes, opened as the web app opens it."""
    opened = open_store(load_settings())
    try:
        yield opened
    finally:
        opened.close()


def call_tool(args: dict[str, Any], sly_data: dict[str, Any] | None = None) -> str:
    """One call, as neuro-san makes it: `async_invoke` on a running event loop."""
    from integrations.neuro_san.coded_tools.anthropic_code_execution.code_execution import (
        AnthropicCodeExecution,
    )

    sly = {} if sly_data is None else sly_data
    return asyncio.run(AnthropicCodeExecution().async_invoke(args, sly))
