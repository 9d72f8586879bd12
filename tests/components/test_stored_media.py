"""Inline images are served from the blob store: the media store keeps a path, not bytes."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.media_file_storage import MediaFileKind, MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from components.render.stored_media import (
    REFERENCE_PREFIX,
    StoredBlobMediaStorage,
    install,
    referenced_path,
)
from fake_anthropic import sales_chart_png
from services.files.blobs import BlobStore


def test_a_reference_is_served_from_disk_and_held_nowhere(tmp_path: Path) -> None:
    png = sales_chart_png()
    _, path = BlobStore(tmp_path).put(png)
    storage = MemoryMediaFileStorage("/media")
    manager = MediaFileManager(storage)
    assert install(storage) and isinstance(storage, StoredBlobMediaStorage)
    url = manager.add(f"{REFERENCE_PREFIX}{path}.png", "image/png", "coords")
    name = url.rsplit("/", 1)[-1]
    assert name.endswith(".png")
    served = storage.get_file(name)
    assert served.content == png and served.mimetype == "image/png"
    assert storage.held_bytes() == 0
    # The same blob drawn again is the same media file.
    assert manager.add(f"{REFERENCE_PREFIX}{path}.png", "image/png", "coords") == url


def test_bytes_are_still_kept_in_memory_and_a_gone_blob_is_an_error(tmp_path: Path) -> None:
    _, path = BlobStore(tmp_path).put(b"GIF89a not really")
    storage = MemoryMediaFileStorage("/media")
    install(storage)
    kept = storage.load_and_get_id(b"some bytes", "text/plain", MediaFileKind.DOWNLOADABLE)
    assert storage.get_file(kept).content == b"some bytes"
    assert storage.held_bytes() == len(b"some bytes")
    gone = storage.load_and_get_id(
        f"{REFERENCE_PREFIX}{path}.gif", "image/gif", MediaFileKind.MEDIA
    )
    # Streamlit's memory figures count what is held, without reading the blob.
    [stat] = [s for family in storage.get_stats().values() for s in family]
    assert stat.byte_length == len(b"some bytes")
    path.unlink()
    with pytest.raises(MediaFileStorageError):
        _ = storage.get_file(gone).content


def test_only_references_with_a_served_suffix_are_read_as_paths() -> None:
    assert referenced_path(f"{REFERENCE_PREFIX}/blobs/ab/cd.png") == Path("/blobs/ab/cd")
    assert referenced_path(f"{REFERENCE_PREFIX}/blobs/ab/cd.svg") is None
    assert referenced_path("/blobs/ab/cd.png") is None
    assert referenced_path(b"stored-blob:/x.png") is None


def draw_chart(path):  # copied into a script by AppTest: no annotations
    import streamlit as st
    from streamlit.runtime import Runtime

    from components.render.files import render_output_file
    from services.files.stored import FileDirection, StoredFile

    file = StoredFile(
        "f1", "chart.png", "image/png", path.stat().st_size, "d", path, FileDirection.PRODUCED
    )
    render_output_file(file, "k")
    storage = Runtime.instance().media_file_mgr._storage
    st.session_state["held"] = storage.held_bytes()
    st.session_state["storage"] = storage


def test_a_drawn_chart_is_an_image_whose_bytes_stay_on_disk(tmp_path: Path) -> None:
    png = sales_chart_png()
    _, path = BlobStore(tmp_path).put(png)
    at = AppTest.from_function(draw_chart, args=(path,), default_timeout=20)
    at.run()
    assert not at.exception
    url = at.image[0].proto.imgs[0].url
    assert url.endswith(".png")
    assert at.session_state["held"] == 0
    assert at.session_state["storage"].get_file(url.rsplit("/", 1)[-1]).content == png
