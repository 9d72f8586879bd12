"""Settings follow the documented environment variables and defaults."""

from pathlib import Path

import pytest

from services.client import build_client, has_credentials
from services.settings import API_FILE_LIMIT_BYTES, MEGABYTE, load_settings


def test_defaults():
    settings = load_settings({})
    assert settings.model == "claude-sonnet-5"
    assert settings.tool_version == "code_execution_20260521"
    assert settings.data_dir == Path("data")
    assert settings.database_url == "sqlite:///data/assistant.db"
    assert settings.files_dir == Path("data/files")


def test_environment_overrides(tmp_path):
    settings = load_settings(
        {
            "ASSISTANT_DATA_DIR": str(tmp_path),
            "ASSISTANT_MODEL": "claude-opus-5",
            "ASSISTANT_DATABASE_URL": "postgresql+psycopg://u:p@h/db",
            "ASSISTANT_MAX_UPLOAD_MB": "900",
        }
    )
    assert settings.files_dir == tmp_path / "files"
    assert settings.model == "claude-opus-5"
    assert settings.database_url.startswith("postgresql")
    assert settings.upload_limit_bytes == 200 * MEGABYTE  # Streamlit's default server limit


def test_credentials_come_from_the_sdk_environment():
    assert not has_credentials(None, {})
    assert has_credentials(None, {"ANTHROPIC_API_KEY": "k"})
    assert has_credentials(None, {"ANTHROPIC_AUTH_TOKEN": "t"})
    assert has_credentials("pasted", {})


def test_client_keeps_sdk_resolution(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "from-env")
    client = build_client()
    assert str(client.base_url).startswith("http://127.0.0.1:9")
    assert client.api_key == "from-env"
    assert client.max_retries == 0
    assert build_client(api_key="pasted").api_key == "pasted"


def test_a_data_folder_with_url_characters_keeps_its_path():
    from sqlalchemy.engine import make_url

    settings = load_settings({"ASSISTANT_DATA_DIR": "/tmp/odd?name%20here"})
    assert make_url(settings.database_url).database == "/tmp/odd?name%20here/assistant.db"


def test_web_tool_versions_default_to_the_newest_the_sdk_defines():
    from typing import get_args, get_type_hints

    from anthropic.types import ToolUnionParam

    defined = {
        arg
        for param in get_args(ToolUnionParam)
        for arg in get_args(get_type_hints(param).get("type"))
        if isinstance(arg, str)
    }
    newest = {
        tool: max((v for v in defined if v.startswith(f"{tool}_2")), key=lambda v: v[-8:])
        for tool in ("web_search", "web_fetch")
    }
    settings = load_settings({})
    assert settings.web_search_version == newest["web_search"]
    assert settings.web_fetch_version == newest["web_fetch"]
    # The SDK this app pins (2.15) defines the 2026-03-18 versions of both.
    assert newest == {"web_search": "web_search_20260318", "web_fetch": "web_fetch_20260318"}


def test_web_tool_versions_come_from_the_environment():
    settings = load_settings(
        {
            "ASSISTANT_WEB_SEARCH_VERSION": "web_search_20260209",
            "ASSISTANT_WEB_FETCH_VERSION": "web_fetch_20260309",
        }
    )
    assert settings.web_search_version == "web_search_20260209"
    assert settings.web_fetch_version == "web_fetch_20260309"
    assert load_settings({"ASSISTANT_WEB_FETCH_VERSION": ""}).web_fetch_version.startswith(
        "web_fetch_2026"
    )


# --- one upload limit: Streamlit's server.maxUploadSize, lowered only by the app ------------


def test_the_app_setting_cannot_raise_the_servers_upload_limit():
    # The browser refuses a file over server.maxUploadSize before the app sees it (a 413):
    # a higher app limit would be promised on the page and never honoured.
    settings = load_settings({"ASSISTANT_MAX_UPLOAD_MB": "300"}, server_upload_mb=200)
    assert settings.upload_limit_bytes == 200 * MEGABYTE
    assert settings.upload_limit_mb == 200


def test_the_app_setting_lowers_the_servers_upload_limit():
    settings = load_settings({"ASSISTANT_MAX_UPLOAD_MB": "25"}, server_upload_mb=200)
    assert settings.upload_limit_bytes == 25 * MEGABYTE and settings.upload_limit_mb == 25
    half = load_settings({"ASSISTANT_MAX_UPLOAD_MB": "0.5"}, server_upload_mb=200)
    assert half.upload_limit_bytes == MEGABYTE // 2
    assert half.upload_limit_mb == 1  # the chat input takes whole megabytes, at least one


def test_without_the_app_setting_the_servers_limit_holds_up_to_the_apis():
    assert load_settings({}, server_upload_mb=50).upload_limit_bytes == 50 * MEGABYTE
    assert load_settings({}, server_upload_mb=2000).upload_limit_bytes == API_FILE_LIMIT_BYTES
    assert load_settings({}).upload_limit_bytes == 200 * MEGABYTE  # the CLI: Streamlit's default


def test_lease_and_silence_durations_default_and_come_from_the_environment():
    defaults = load_settings({})
    assert (defaults.lease_renew_seconds, defaults.lease_expire_seconds) == (5.0, 15.0)
    assert defaults.stream_silence_seconds == 120.0
    given = load_settings(
        {
            "ASSISTANT_LEASE_RENEW_SECONDS": "0.5",
            "ASSISTANT_LEASE_EXPIRE_SECONDS": "3",
            "ASSISTANT_STREAM_SILENCE_SECONDS": "",  # empty: the default
        }
    )
    assert (given.lease_renew_seconds, given.lease_expire_seconds) == (0.5, 3.0)
    assert given.stream_silence_seconds == 120.0
    with pytest.raises(ValueError):
        load_settings({"ASSISTANT_STREAM_SILENCE_SECONDS": "0"})
