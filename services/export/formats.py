"""Which export to make, its file name and media type: one call for the page and the CLI."""

from __future__ import annotations

import re
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


_MAKERS = {
    ExportFormat.ZIP: notebook_zip,
    ExportFormat.IPYNB: notebook_bytes,
    ExportFormat.HTML: html_report,
    ExportFormat.MD: markdown_zip,
}
_SUFFIXES = {
    ExportFormat.ZIP: "-notebook.zip",
    ExportFormat.IPYNB: ".ipynb",
    ExportFormat.HTML: ".html",
    ExportFormat.MD: "-markdown.zip",
}
MIME_TYPES = {
    ExportFormat.ZIP: "application/zip",
    ExportFormat.IPYNB: "application/x-ipynb+json",
    ExportFormat.HTML: "text/html",
    ExportFormat.MD: "application/zip",
}


def export(conversation: Conversation, title: str, read: ReadBytes, kind: ExportFormat) -> Export:
    kind = ExportFormat(kind)
    data = _MAKERS[kind](conversation, title, read)
    return Export(export_file_name(title, kind), data, MIME_TYPES[kind])


def export_file_name(title: str, kind: ExportFormat) -> str:
    return file_stem(title) + _SUFFIXES[ExportFormat(kind)]


def file_stem(title: str) -> str:
    """A plain file name from the conversation's title ("analysis" when nothing is left)."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower()[:60].strip("-")
    return stem or "analysis"
