"""Small text formatters for labels: sizes, durations, short ids and names, escaped names."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import PurePosixPath

from services.files.sizes import human_size as human_size  # the page's labels use it

# Enough to stop emphasis, links, images, HTML and entities, LaTeX and directives (":red[...]").
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]<>#|:~$&!])")
# A line that would open a list: "- x", "+ x", "1. x", "1) x" (quotes and headings need
# "<" or "#", escaped anyway).
_BLOCK_START = re.compile(r"^([ \t]*\d{0,9})([-+.)])(?=[ \t]|$)", re.MULTILINE)
# Streamlit turns some text into links or icons after parsing, where a backslash no longer
# counts: bare URLs and "www." names (GFM autolinks), e-mail addresses, and ":name:" emoji
# and ":material/name:" icons. An invisible joiner right after the part they key on
# (the colon, "www", the "@") keeps them from matching and is not seen.
JOINER = "\u200d"
# A colon starts a shortcode (`:red[`, `:material/x:`, `:smile:`) or a URL's scheme only
# when something follows it at once; one before a space or at the end is left as it is.
_AUTOLINK_KEYS = re.compile(r"(:(?=\S)|(?<![\w.])www(?=\.)|@)", re.IGNORECASE)


def duration(seconds: float) -> str:
    """Whole seconds under a minute, then minutes and seconds."""
    whole = max(int(seconds), 0)
    if whole < 60:
        return f"{whole} s"
    minutes, rest = divmod(whole, 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


NAME_LENGTH = 48  # characters of a file name shown in a label; the full name is kept
ESCAPED_NAMES_KEPT = 4096  # escaped names remembered (shared by every session)


def short_name(name: str, limit: int = NAME_LENGTH) -> str:
    """A long file name cut in the middle, keeping its end and extension: 'aaaa…aa.csv'."""
    if len(name) <= limit:
        return name
    suffix = PurePosixPath(name).suffix
    suffix = suffix if len(suffix) <= 12 else ""
    tail = max(limit // 3, len(suffix))
    head = max(limit - tail - 1, 1)
    return f"{name[:head]}…{name[-tail:]}"


def short_id(value: str, head: int = 14, tail: int = 4) -> str:
    """'container_011CaPnGc0nTa1nEr00000001' -> 'container_011C…0001'."""
    if len(value) <= head + tail + 1:
        return value
    return f"{value[:head]}…{value[-tail:]}"


def escape_markdown(text: str) -> str:
    """Make a name (file names come from people and the model) show literally in markdown.

    For labels, captions, badges, tooltips and `st.markdown` of a name: no formatting,
    color, icon, emoji, link or HTML survives; what shows is the text itself.
    """
    keyed = _AUTOLINK_KEYS.sub(lambda m: m.group(1) + JOINER, text)
    escaped = _MARKDOWN_SPECIALS.sub(r"\\\1", keyed)
    return _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)


@lru_cache(maxsize=ESCAPED_NAMES_KEPT)
def escaped_name(name: str, limit: int = NAME_LENGTH) -> str:
    """`escape_markdown(short_name(name))`, remembered: a rerun redraws the same names."""
    return escape_markdown(short_name(name, limit))


def when(timestamp: str | None, now: datetime | None = None) -> str:
    """An ISO timestamp as 'just now' / '5 min ago' / '2026-11-26 10:03 UTC'."""
    if not timestamp:
        return "not yet"
    try:
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return timestamp
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    seconds = (current - moment).total_seconds()
    if 0 <= seconds < 60:
        return "just now"
    if 0 <= seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
