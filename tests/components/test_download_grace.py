"""A clicked download survives the orphan passes other sessions' runs make before the
browser fetches it, and is deleted once the grace period is over."""

from __future__ import annotations

import pytest
from streamlit.runtime import media_file_manager
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from components import download_grace


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    # Streamlit's own class, whatever ran before; each test installs the grace or not.
    monkeypatch.setattr(media_file_manager, "MediaFileMetadata", download_grace.MediaFileMetadata)
    monkeypatch.setattr(
        download_grace.GracefulMediaFileMetadata, "clock", staticmethod(lambda: now[0])
    )
    return now


def clicked_download(manager: MediaFileManager) -> str:
    """What a click does: the deferred callable runs and its bytes are stored; the id of
    the stored file (the last part of the URL the browser is sent to) is returned."""
    placeholder = manager.add_deferred(lambda: b"report" * 100, "text/plain", "1.(2).3", "r.txt")
    url = manager.execute_deferred(placeholder)
    return url.rsplit("/", 1)[-1].split(".")[0]


def busy_server_passes(manager: MediaFileManager, passes: int = 5) -> None:
    """Other sessions' script runs ending, each running Streamlit's orphan pass."""
    for _ in range(passes):
        manager.remove_orphaned_files()


def test_streamlit_alone_deletes_a_clicked_download_before_it_can_be_fetched(clock):
    storage = MemoryMediaFileStorage("/media")
    manager = MediaFileManager(storage)
    file_id = clicked_download(manager)
    busy_server_passes(manager)
    assert manager.read_file(file_id) is None  # the race the grace period closes


def test_a_clicked_download_outlives_other_sessions_runs_then_goes(clock):
    download_grace.install()
    storage = MemoryMediaFileStorage("/media")
    manager = MediaFileManager(storage)
    file_id = clicked_download(manager)
    busy_server_passes(manager)
    clock[0] += download_grace.GRACE_SECONDS - 1
    busy_server_passes(manager)
    assert manager.read_file(file_id) is not None
    assert manager.read_file(file_id).content == b"report" * 100
    clock[0] += 2
    busy_server_passes(manager)
    assert manager.read_file(file_id) is None


def test_inline_media_is_still_removed_at_once(clock):
    download_grace.install()
    manager = MediaFileManager(MemoryMediaFileStorage("/media"))
    url = manager.add(b"\x89PNG" + b"0" * 100, "image/png", "1.(2).4")
    file_id = url.rsplit("/", 1)[-1].split(".")[0]
    manager.clear_session_refs("dontcare")
    manager.remove_orphaned_files()
    assert manager.read_file(file_id) is None
