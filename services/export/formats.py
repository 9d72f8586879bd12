"""Which export to make, its file name and media type: one call for the page and the CLI."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from services.conversation import Conversation
from services.export.bundle import notebook_bytes, notebook_zip
from services.export.notebook import ReadBytes
from services.export.report_html import html_report
from services.export.report_md import markdown_zip


class ExportFormat(StrEnum):
    ZIP = "zip"  # the notebook with its inputs, outputs, requirements and README
    IPYNB = "ipynb"  # the notebook alone
    HTML = "html"  # one self-contained report
    MD = "md"  # Markdown with its images, zipped


@dataclass(frozen=True)
class Export:
    file_name: str
    data: bytes
    mime_type: str


@dataclass(frozen=True)
class _Kind:
    make: Callable[[Conversation, str, ReadBytes], bytes]
    suffix: str
    mime_type: str


_KINDS = {
    ExportFormat.ZIP: _Kind(notebook_zip, "-notebook.zip", "application/zip"),
    ExportFormat.IPYNB: _Kind(notebook_bytes, ".ipynb", "application/x-ipynb+json"),
    ExportFormat.HTML: _Kind(html_report, ".html", "text/html"),
    ExportFormat.MD: _Kind(markdown_zip, "-markdown.zip", "application/zip"),
}
MIME_TYPES = {kind: found.mime_type for kind, found in _KINDS.items()}


def export(conversation: Conversation, title: str, read: ReadBytes, kind: ExportFormat) -> Export:
    found = _KINDS[ExportFormat(kind)]
    data = found.make(conversation, title, read)
    return Export(export_file_name(title, kind), data, found.mime_type)


def export_file_name(title: str, kind: ExportFormat) -> str:
    return file_stem(title) + _KINDS[ExportFormat(kind)].suffix


def file_stem(title: str) -> str:
    """A plain file name from the conversation's title ("analysis" when nothing is left)."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower()[:60].strip("-")
    return stem or "analysis"
