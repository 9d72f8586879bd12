"""Files on the page: produced images inline, tables previewed, every file downloadable.

Downloads serve the exact bytes from the app's own store. They are deferred (the bytes
are read only when clicked) and do not rerun the page (`on_click="ignore"`). On the chat
page the bytes are read through the store for the person signed in (the page session's
`files`), so a file that is not theirs cannot be served. Types a browser could
execute (HTML, SVG) are offered as downloads only, never rendered.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import Protocol

import streamlit as st
from PIL import Image

from components.media_access import granted
from components.render.documents import (
    document_icons,
    document_kind,
    render_document_caption,
    render_pdf_first_page,
)
from components.render.format import (
    NAME_LENGTH,
    escape_markdown,
    escaped_name,
    human_size,
    short_name,
)
from components.render.stored_media import image_reference, in_store, shows_as_image
from components.render.tables import preview_file, render_preview, table_kind
from components.session import session
from services.files.stored import StoredFile

# Raster images shown inline, with the format st.image must keep them in (no re-encode:
# "auto" would turn an RGB PNG into a JPEG on every rerun). "auto" keeps a GIF a GIF;
# WebP, which browsers show but st.image would re-encode each time, is converted once.
INLINE_IMAGES = {
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "auto",
    "image/webp": "WEBP",
}
_IMAGE_SUFFIXES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
_ICONS = {
    **document_icons(),
    ".html": ":material/html:",
    ".htm": ":material/html:",
    ".svg": ":material/draw:",
    ".zip": ":material/folder_zip:",
    ".txt": ":material/article:",
    ".md": ":material/article:",
}
# Set by the page on every run: the store's files, read for the person signed in.
_TABLE_ICON = ":material/table:"
_IMAGE_ICON = ":material/image:"
_DEFAULT_ICON = ":material/draft:"


def icon_for(name: str, mime_type: str = "") -> str:
    if image_format(name, mime_type):
        return _IMAGE_ICON
    if table_kind(name, mime_type):
        return _TABLE_ICON
    icon = _ICONS.get(PurePath(name).suffix.lower())
    document = document_kind(name, mime_type)  # an office file named without its suffix
    return icon or (document.icon if document else _DEFAULT_ICON)


def image_format(name: str, mime_type: str) -> str | None:
    """The st.image output format for an inline image, or None to not show it inline."""
    mime = mime_type.split(";")[0].strip().lower()
    if mime not in INLINE_IMAGES:
        mime = _IMAGE_SUFFIXES.get(PurePath(name).suffix.lower(), "")
    return INLINE_IMAGES.get(mime)


@st.cache_data(max_entries=32, show_spinner=False)
def _webp_as_png(path: str) -> bytes:
    # Keyed by path: blobs are content-addressed, so a path never changes content.
    with Image.open(path) as image:
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()


class FileReader(Protocol):
    def read(self, file_id: str) -> bytes: ...


def reader(path: Path) -> Callable[[], bytes]:
    """Deferred download data: the bytes are read from the store when the person clicks."""

    def read() -> bytes:
        return path.read_bytes()

    return read


def stored_reader(file_id: str, path: Path) -> Callable[[], bytes]:
    """Deferred download data read through the page's owner-checked store.

    The reader is taken now: the download runs later, off the script thread, where the
    session is out of reach. Drawn outside the chat page (no store), the blob is read.
    """
    files: FileReader | None = session().files
    if files is None:
        return reader(path)

    def read() -> bytes:
        return files.read(file_id)

    return granted(read)


def download_label(name: str, size: int, limit: int = NAME_LENGTH) -> str:
    """'name (size)': a long name is cut in the middle (the full one is the saved file's
    name and the tooltip), else it would wrap the button over many lines; escaped, since
    a label is markdown and names come from people and the model."""
    return f"{escaped_name(name, limit)} ({human_size(size)})"


def download_button(
    name: str,
    size: int,
    file_id: str,
    path: Path,
    mime_type: str,
    key: str,
    label_limit: int = NAME_LENGTH,
) -> None:
    st.download_button(
        download_label(name, size, label_limit),
        data=stored_reader(file_id, path),
        file_name=name,
        mime=mime_type or "application/octet-stream",
        key=key,
        on_click="ignore",
        icon=":material/download:",
        help=f"Download {escaped_name(name, len(name))}",
    )


def render_output_file(file: StoredFile, key: str) -> None:
    """An image inline, a PDF's first page, a table preview, or an icon; then what an
    office file is and its size; then the download button."""
    if not in_store(file.path):
        st.warning(f"{escape_markdown(short_name(file.name))} is no longer in the app's store.")
        return
    if not render_pdf_first_page(file):  # a PDF's first page comes with its own caption
        if not _render_inline(file, key):
            label = escaped_name(file.name)
            st.markdown(f"{icon_for(file.name, file.mime_type)} **{label}**")
        render_document_caption(file)  # an office file or PDF: what it is and its size
    download_button(file.name, file.size, file.file_id, file.path, file.mime_type, f"{key}-dl")


def _render_inline(file: StoredFile, key: str) -> bool:
    """Show an image or a table preview; False when the file is neither (or unreadable)."""
    fmt = image_format(file.name, file.mime_type)
    kind = table_kind(file.name, file.mime_type)
    if kind is not None:
        render_preview(file.name, preview_file(kind, file.path), key=f"{key}-table")
        return True
    if fmt is None:
        return False
    caption = escaped_name(file.name)
    try:
        if fmt == "WEBP":
            st.image(_webp_as_png(str(file.path)), caption=caption, output_format="PNG")
        elif not shows_as_image(str(file.path)):
            raise ValueError(f"{file.name} is not an image")
        else:
            source = image_reference(file.path, fmt) or str(file.path)
            st.image(source, caption=caption, output_format=fmt)
    except Exception:  # a broken image made by the code: offer it as a download only
        st.caption(f"{caption} could not be shown as an image.")
        return False
    return True


def render_missing_file(message: str | None) -> None:
    """A file the step reported but the app could not fetch."""
    # A stored turn keeps no reason: both ways a file can go missing are named.
    reason = message or "it could not be fetched from the API or saved on this server"
    st.warning(
        f"An output file could not be shown: {escape_markdown(reason)}", icon=":material/draft:"
    )
