"""Fixtures of the hardening suite: the page tests' own (the fake API, a temporary data
folder, an AppTest of the page, the page's store, the downloads drawn), shared here so a
fault, a bad input or a hostile output is tried on the very page a person uses."""

from __future__ import annotations

import dataclasses

import pytest
from streamlit.testing.v1 import AppTest

from services.settings import load_settings
from tests.components.conftest import at, downloads, env, store
from tests.components.support import page_session

__all__ = ["at", "downloads", "env", "quick_retries", "store"]


@pytest.fixture
def quick_retries(at: AppTest) -> AppTest:
    """The page with one retry, so a fault that persists gives up after two attempts
    instead of the default five (the backoff waits are real on the page)."""
    page_session(at).settings = dataclasses.replace(load_settings(), max_retries=1)
    return at
