"""Office documents and PDFs among a step's files: a clear icon, what kind of file it is
and its size, and for a PDF its first page as an image.

The first page is rendered by `services/files/pdf_preview.py` in a child process with a
time limit; the PNG is cached per blob path (blobs are content-addressed, so a path never
changes content), and a PDF that does not render is simply a download, with no error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePath

import streamlit as st

from components.render.format import escape_markdown, human_size, short_name
from services.files.pdf_preview import PDF_RENDERER, PdfFirstPage, PdfRenderer
from services.files.stored import StoredFile

PREVIEW_WIDTH = 360  # pixels: a page thumbnail beside the conversation, not a reader


@dataclass(frozen=True)
class DocumentKind:
    label: str  # what a person calls the file
    icon: str


WORD = DocumentKind("Word document", ":material/description:")
EXCEL = DocumentKind("Excel workbook", ":material/table_view:")
POWERPOINT = DocumentKind("PowerPoint presentation", ":material/slideshow:")
PDF = DocumentKind("PDF document", ":material/picture_as_pdf:")
_BY_SUFFIX = {
    ".docx": WORD,
    ".doc": WORD,
    ".xlsx": EXCEL,
    ".xls": EXCEL,
    ".pptx": POWERPOINT,
    ".ppt": POWERPOINT,
    ".pdf": PDF,
}
_OPENXML = "application/vnd.openxmlformats-officedocument"
_BY_MIME = {
    f"{_OPENXML}.wordprocessingml.document": WORD,
    "application/msword": WORD,
    f"{_OPENXML}.spreadsheetml.sheet": EXCEL,
    "application/vnd.ms-excel": EXCEL,
    f"{_OPENXML}.presentationml.presentation": POWERPOINT,
    "application/vnd.ms-powerpoint": POWERPOINT,
    "application/pdf": PDF,
}


def document_kind(name: str, mime_type: str = "") -> DocumentKind | None:
    """The office or PDF kind of a file, by its name's suffix, else by its MIME type."""
    found = _BY_SUFFIX.get(PurePath(name).suffix.lower())
    return found or _BY_MIME.get(mime_type.split(";")[0].strip().lower())


def document_icons() -> dict[str, str]:
    """Icon per suffix, for the page's table of file icons."""
    return {suffix: kind.icon for suffix, kind in _BY_SUFFIX.items()}


def render_document_caption(file: StoredFile, pages: int | None = None) -> None:
    """'PowerPoint presentation · 31.2 KB' (and the page count of a rendered PDF)."""
    kind = document_kind(file.name, file.mime_type)
    if kind is None:
        return
    parts = [kind.label]
    if pages is not None:
        parts.append(f"{pages:,} page" + ("" if pages == 1 else "s"))
    parts.append(human_size(file.size))
    st.caption(f"{kind.icon} " + " · ".join(parts))


def render_pdf_first_page(file: StoredFile, renderer: PdfRenderer = PDF_RENDERER) -> bool:
    """The first page of a PDF as an image and its caption; False when it is not a PDF or
    did not render (the file is then a download only)."""
    if document_kind(file.name, file.mime_type) is not PDF:
        return False
    page = _first_page(str(file.path), renderer)
    if page is None:
        return False
    caption = f"{escape_markdown(short_name(file.name))}, page 1"
    st.image(page.png, caption=caption, width=PREVIEW_WIDTH, output_format="PNG")
    render_document_caption(file, page.page_count)
    return True


@st.cache_data(max_entries=64, show_spinner=False)
def _first_page(path: str, renderer: PdfRenderer) -> PdfFirstPage | None:
    # Keyed by path: blobs are content-addressed. A failure is cached too, so a hostile
    # file costs its time limit once, not on every rerun.
    return renderer.first_page(Path(path))
