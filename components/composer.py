"""The composer: the chat input with attachments, and example prompts that send themselves.

st.chat_input hands files over once and then drops them, so each attachment keeps the
uploaded file itself: a buffer over Streamlit's own bytes, which the turn reads a chunk
at a time to hash, store and upload them. No copy of a large file is made here.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass

import streamlit as st

from components.live.view import Prompt
from components.session import WidgetKey, session
from services.conversation import Attachment

# Data files people bring, plus documents and images the code can read.
ACCEPTED_TYPES = [
    "csv", "tsv", "txt", "json", "jsonl", "ndjson", "xml", "yaml", "yml", "md",
    "xlsx", "xls", "parquet", "feather", "arrow", "sqlite", "db", "sql", "py", "log",
    "pdf", "docx", "pptx", "zip", "gz", "png", "jpg", "jpeg", "gif", "webp", "svg", "html",
]  # fmt: skip


@dataclass(frozen=True)
class Example:
    key: str
    label: str
    icon: str
    text: str


EXAMPLES = (
    Example(
        "example_sales",
        "Chart monthly sales",
        ":material/show_chart:",
        "Can you create a visualization showing the trend of monthly sales data: "
        "January: $50K, February: $65K, March: $45K, April: $70K, May: $80K?",
    ),
    Example(
        "example_dice",
        "Simulate dice rolls",
        ":material/casino:",
        "Simulate rolling two dice 10,000 times and plot how often each sum comes up, "
        "next to the exact probabilities.",
    ),
    Example(
        "example_customers",
        "Analyse a sample dataset",
        ":material/table_chart:",
        "Make a sample CSV of 200 customers (age, plan, monthly spend), summarise it, "
        "and plot monthly spend by plan. Give me the CSV too.",
    ),
    Example(
        "example_loan",
        "Build a spreadsheet",
        ":material/calculate:",
        "Create an Excel workbook with the amortization schedule of a $20,000 loan at 6% "
        "over 3 years, so I can download it.",
    ),
)


def queue_prompt(text: str) -> None:
    """Callback of the example buttons: the next run sends `text`."""
    session().queued = Prompt(text)


def render_examples(disabled: bool) -> None:
    st.caption("Try one of these:")
    with st.container(horizontal=True, gap="small"):
        for example in EXAMPLES:
            st.button(
                example.label,
                key=example.key,
                icon=example.icon,
                help=example.text,
                on_click=queue_prompt,
                args=(example.text,),
                disabled=disabled,
            )


def _mime(name: str, given: str | None) -> str:
    if given and given != "application/octet-stream":
        return given
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def _prompt_of(value: object) -> Prompt | None:
    text = str(getattr(value, "text", value) or "")
    files = getattr(value, "files", None) or []
    attachments = tuple(Attachment(f.name, f, _mime(f.name, f.type)) for f in files)
    if not text.strip() and not attachments:
        return None
    return Prompt(text, attachments)


def render_chat_input(disabled: bool, max_upload_mb: int, placeholder: str) -> Prompt | None:
    """The chat input; returns what was sent this run (files already read), or None."""
    state = session()
    draft, state.draft = state.draft, None
    if draft:
        st.session_state[WidgetKey.COMPOSER] = draft  # give back the text of a refused message
    value = st.chat_input(
        placeholder,
        key=WidgetKey.COMPOSER,
        accept_file="multiple",
        file_type=ACCEPTED_TYPES,
        max_upload_size=max_upload_mb,
        disabled=disabled,
        submit_mode="submit",
    )
    return _prompt_of(value) if value is not None else None


def render_upload_limit(limit_text: str) -> None:
    """The limit in force, under the chat input. The browser refuses a larger file in the
    box and sends the message without it; Streamlit does not tell the page (only files that
    finished uploading reach the script), so the page says so before it happens."""
    with st.bottom:
        st.caption(
            f":material/attach_file: Files up to {limit_text} each. A larger file is refused "
            "in the box and is not sent with the message.",
            width="stretch",
        )


def take_queued() -> Prompt | None:
    state = session()
    queued, state.queued = state.queued, None
    return queued
