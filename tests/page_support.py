"""Helpers for the page's AppTest tests."""

from __future__ import annotations

from typing import Any

from streamlit.proto.Block_pb2 import Block

STEP = Block.Expandable.STEP


def step_boxes(node: Any) -> list[Any]:
    """The code steps under `node`, in page order.

    A running step is an st.status and a finished one an st.expander, both drawn as
    timeline steps; other expanders (thinking, "show earlier") are not steps.
    """
    found: list[Any] = []
    _collect(getattr(node, "_tree", node), found)
    return found


def _collect(node: Any, found: list[Any]) -> None:
    for index in sorted(getattr(node, "children", {})):
        child = node.children[index]
        if getattr(child, "type", None) in ("expander", "status") and child.proto.type == STEP:
            found.append(child)
        _collect(child, found)
