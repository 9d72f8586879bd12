"""Settings read from the environment, with the defaults the design documents."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL

from services.tool_versions import newest_sdk_version

DEFAULT_MODEL = "claude-sonnet-5"
DEFAULT_TOOL_VERSION = "code_execution_20260521"
# The web tools default to the newest versions the installed SDK's types define.
DEFAULT_WEB_SEARCH_VERSION = newest_sdk_version("web_search")
DEFAULT_WEB_FETCH_VERSION = newest_sdk_version("web_fetch")
API_FILE_LIMIT_BYTES = 500 * 1024 * 1024  # the Files API refuses larger files (413)
MEGABYTE = 1024 * 1024  # Streamlit's "MB" in server.maxUploadSize
# Streamlit's own default for server.maxUploadSize: the limit when no server says otherwise
# (the command line, the neuro-san tool).
DEFAULT_SERVER_UPLOAD_MB = 200


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    files_dir: Path
    database_url: str
    model: str = DEFAULT_MODEL
    tool_version: str = DEFAULT_TOOL_VERSION
    web_search_version: str = DEFAULT_WEB_SEARCH_VERSION  # sent only with web access on
    web_fetch_version: str = DEFAULT_WEB_FETCH_VERSION
    max_tokens: int = 16000
    max_continuations: int = 5  # pause_turn continuations before the runner gives up
    max_retry_wait_seconds: float = 60.0  # a longer retry-after ends the turn with an error
    max_retries: int = 4
    # ASSISTANT_MAX_UPLOAD_MB: may only lower the server's limit; None when not set.
    max_upload_bytes: int | None = None
    # Streamlit's server.maxUploadSize, given by the page: the browser refuses larger files
    # before the app sees them, so no limit above it can be honoured.
    server_upload_mb: int = DEFAULT_SERVER_UPLOAD_MB
    # A caller's own request options (the neuro-san tool's `additional_kwargs`); the page
    # and the CLI send none. `sampling` goes into the request as is, `betas` as the
    # anthropic-beta header.
    sampling: tuple[tuple[str, Any], ...] = ()
    betas: tuple[str, ...] = ()
    # Up to three next questions under each finished answer on the page (a small call to
    # the cheapest model); ASSISTANT_FOLLOW_UPS=0 turns them off.
    follow_ups: bool = True
    # Seconds a deleted conversation can be restored before it and its files are purged.
    delete_undo_seconds: float = 10.0
    # One writer per conversation across servers (services/store/leases.py): a running
    # turn's lease is renewed this often, and lapses when not renewed for this long.
    lease_renew_seconds: float = 5.0
    lease_expire_seconds: float = 15.0
    # A stream that sends nothing, not even a ping (the API pings every few seconds), for
    # this long ends its turn; it is not retried, since code may have run meanwhile.
    stream_silence_seconds: float = 120.0
    # Prompt caching (cache breakpoints in every request); off only to measure what it
    # saves (bench/prompt_caching.py).
    prompt_caching: bool = True

    @property
    def upload_limit_bytes(self) -> int:
        """The one limit in force: the server's, lowered by the app's setting and the API's."""
        limits = [self.server_upload_mb * MEGABYTE, API_FILE_LIMIT_BYTES]
        if self.max_upload_bytes is not None:
            limits.append(self.max_upload_bytes)
        return max(min(limits), 1)

    @property
    def upload_limit_mb(self) -> int:
        """The limit in whole megabytes, for the chat input (at least one: a smaller limit
        is then the app's own check, with its own message)."""
        return max(self.upload_limit_bytes // MEGABYTE, 1)


def sqlite_url(path: Path) -> str:
    # Built, not formatted: a folder name with "?" or "%" must not turn into URL syntax.
    url = URL.create("sqlite", database=str(path))
    return url.render_as_string(hide_password=False)


def load_settings(
    environ: dict[str, str] | None = None, server_upload_mb: int | None = None
) -> Settings:
    """Settings from the environment; `server_upload_mb`: Streamlit's server.maxUploadSize."""
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("ASSISTANT_DATA_DIR", "./data")).expanduser()
    files_dir = Path(env.get("ASSISTANT_FILES_DIR", str(data_dir / "files"))).expanduser()
    database_url = env.get("ASSISTANT_DATABASE_URL") or sqlite_url(data_dir / "assistant.db")
    return Settings(
        data_dir=data_dir,
        files_dir=files_dir,
        database_url=database_url,
        model=env.get("ASSISTANT_MODEL") or DEFAULT_MODEL,
        tool_version=env.get("ASSISTANT_TOOL_VERSION") or DEFAULT_TOOL_VERSION,
        web_search_version=env.get("ASSISTANT_WEB_SEARCH_VERSION") or DEFAULT_WEB_SEARCH_VERSION,
        web_fetch_version=env.get("ASSISTANT_WEB_FETCH_VERSION") or DEFAULT_WEB_FETCH_VERSION,
        # `or`: a variable set but left empty (common in compose files) means the default.
        max_upload_bytes=_megabytes(env.get("ASSISTANT_MAX_UPLOAD_MB")),
        server_upload_mb=server_upload_mb or DEFAULT_SERVER_UPLOAD_MB,
        follow_ups=_switch(env.get("ASSISTANT_FOLLOW_UPS"), default=True),
        delete_undo_seconds=float(env.get("ASSISTANT_DELETE_UNDO_SECONDS") or "10"),
        lease_renew_seconds=_seconds(env.get("ASSISTANT_LEASE_RENEW_SECONDS"), 5.0),
        lease_expire_seconds=_seconds(env.get("ASSISTANT_LEASE_EXPIRE_SECONDS"), 15.0),
        stream_silence_seconds=_seconds(env.get("ASSISTANT_STREAM_SILENCE_SECONDS"), 120.0),
    )


def _megabytes(value: str | None) -> int | None:
    # `or`-style: a variable set but left empty (common in compose files) means not set.
    if value is None or not value.strip():
        return None
    return int(float(value) * MEGABYTE)


def _switch(value: str | None, default: bool) -> bool:
    """An on/off variable: 0, false, no or off (any case) is off; unset or empty, the default."""
    if value is None or not value.strip():
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


def _seconds(value: str | None, default: float) -> float:
    """A duration in seconds; unset or empty, the default. Must be above zero."""
    if value is None or not value.strip():
        return default
    seconds = float(value)
    if not seconds > 0:
        raise ValueError(f"a duration must be above zero, not {value!r}")
    return seconds
