"""Sidebar: the person's conversations, newest first, with search, rename and delete.

Each row is a button that opens the conversation and a menu (drawn only while open, so
a long list stays cheap to rerun) to rename or delete it. The page supplies the rows and
what the buttons do; this module only draws them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import streamlit as st

from components.media_access import granted
from components.render.format import escape_markdown
from components.session import WidgetKey
from services.conversations import ConversationRow
from services.export.formats import MIME_TYPES, Export, ExportFormat, export_file_name

UNTITLED = "Untitled conversation"
LABEL_LENGTH = 40


@dataclass(frozen=True)
class ListActions:
    open: Callable[[str], None]  # conversation id
    rename: Callable[[str], None]  # conversation id; the new title is in title_key(id)
    delete: Callable[[str, str], None]  # conversation id, title: asks first
    # conversation id, format → the export (None: gone meanwhile); made on click
    export: Callable[[str, ExportFormat], Export | None] | None = None


def title_key(conversation_id: str) -> str:
    return f"title-{conversation_id}"


def menu_key(conversation_id: str) -> str:
    return f"menu-{conversation_id}"


def search_text() -> str:
    return str(st.session_state.get(WidgetKey.SEARCH) or "").strip()


def render_search() -> None:
    st.text_input(
        "Search conversations",
        key=WidgetKey.SEARCH,
        placeholder="Words in titles and messages",
        icon=":material/search:",
    )


def render_conversation_list(
    rows: Sequence[ConversationRow], current_id: str | None, busy: bool, actions: ListActions
) -> None:
    """One row per conversation; opening and deleting wait while an answer streams."""
    if not rows:
        st.caption("No conversation matches." if search_text() else "No saved conversations yet.")
        return
    for row in rows:
        _render_row(row, row.id == current_id, busy, actions)


def short_title(title: str) -> str:
    """The title as listed: long ones cut, so each row stays on one or two lines."""
    return title if len(title) <= LABEL_LENGTH else title[: LABEL_LENGTH - 1].rstrip() + "…"


def _render_row(row: ConversationRow, current: bool, busy: bool, actions: ListActions) -> None:
    title = row.title or UNTITLED
    # One row that never wraps (columns would stack on a phone, putting the menu under
    # its title); the title takes the room left and a long one ends with an ellipsis.
    with st.container(horizontal=True, wrap=False, vertical_alignment="center", gap="small"):
        st.button(
            escape_markdown(short_title(title)),
            key=f"open-{row.id}",
            on_click=actions.open,
            args=(row.id,),
            type="primary" if current else "tertiary",
            icon=":material/chat:" if current else ":material/chat_bubble_outline:",
            disabled=busy and not current,
            width="stretch",
            help=f"Open: {escape_markdown(title)}",
        )
        menu = st.popover(
            "",
            icon=":material/more_vert:",
            key=menu_key(row.id),
            on_change="rerun",
            help="Rename, export or delete",
        )
    if menu.open:
        with menu:
            _render_menu(row, title, current, busy, actions)


def _render_menu(
    row: ConversationRow, title: str, current: bool, busy: bool, actions: ListActions
) -> None:
    """Rename and delete: drawn only while the menu is open."""
    st.text_input("Title", value=title, key=title_key(row.id), max_chars=200)
    st.button(
        "Rename",
        key=f"rename-{row.id}",
        on_click=actions.rename,
        args=(row.id,),
        icon=":material/edit:",
    )
    if actions.export is not None:
        _render_exports(row, title, actions.export)
    st.button(
        "Delete conversation",
        key=f"delete-{row.id}",
        on_click=actions.delete,
        args=(row.id, title),
        icon=":material/delete:",
        disabled=busy and current,
        help="Deletes its messages and files here and in the Anthropic Files API (asks first).",
    )


# What each download is called in the menu, and its icon.
EXPORTS = (
    (ExportFormat.ZIP, "Notebook (zip)", ":material/code:"),
    (ExportFormat.IPYNB, "Notebook only (.ipynb)", ":material/data_object:"),
    (ExportFormat.HTML, "HTML report", ":material/article:"),
    (ExportFormat.MD, "Markdown", ":material/description:"),
)


def _render_exports(
    row: ConversationRow, title: str, export: Callable[[str, ExportFormat], Export | None]
) -> None:
    """One download per format; each export is made only when its button is clicked."""
    st.caption("Export")
    for kind, label, icon in EXPORTS:

        def made(kind: ExportFormat = kind) -> bytes:
            result = export(row.id, kind)
            return result.data if result is not None else b""

        st.download_button(
            label,
            data=granted(made),
            file_name=export_file_name(title, kind),
            mime=MIME_TYPES[kind],
            key=f"export-{kind.value}-{row.id}",
            icon=icon,
            on_click="ignore",
            width="stretch",
        )
