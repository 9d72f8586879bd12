"""What a finished step returned: the command's output, the editor's answer, the web
search's hits, the fetched page, or the tool's own failure. Values only, read by the page,
the CLI and the stored record's parser."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ExecutionResult:
    """bash or Python: what the command printed and which files it left in $OUTPUT_DIR."""

    stdout: str
    stderr: str
    return_code: int
    file_ids: tuple[str, ...] = ()
    encrypted: bool = False  # stdout came back encrypted (PTC called a web tool)


@dataclass(frozen=True)
class EditorResult:
    """text editor: `kind` is view, create or str_replace; `details` keeps the API fields."""

    kind: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ToolError:
    """The tool itself failed (not the code): an error code and a plain message."""

    error_code: str
    message: str


@dataclass(frozen=True)
class SearchHit:
    """One web search result: its title and URL are shown as text, never as a link."""

    title: str
    url: str
    page_age: str | None = None
    encrypted: bool = False  # the page text came back encrypted: only the model reads it


@dataclass(frozen=True)
class WebSearchResult:
    hits: tuple[SearchHit, ...] = ()


@dataclass(frozen=True)
class FetchedDocument:
    """What a web fetch returned, summarised: the whole text stays in the record only."""

    media_type: str  # "text/plain", "application/pdf"
    size_bytes: int  # of the text, or of the decoded PDF
    title: str | None = None


@dataclass(frozen=True)
class WebFetchResult:
    url: str
    document: FetchedDocument | None = None
    retrieved_at: str | None = None


StepResult = ExecutionResult | EditorResult | WebSearchResult | WebFetchResult | ToolError
