"""A file's size as a person reads it, for the page, the CLI and the tool's answers."""

from __future__ import annotations


def human_size(size: int) -> str:
    """1536 -> '1.5 KB'; exact bytes below one kilobyte."""
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KB", "MB", "GB"):
        value /= 1024
        if value < 1024 or unit == "GB":
            return f"{value:.1f} {unit}"
    return f"{value:.1f} GB"  # unreachable; keeps type checkers calm
