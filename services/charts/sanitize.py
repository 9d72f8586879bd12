"""Remove from a Vega-Lite spec everything that could make the browser reach outside the page.

Vega reaches out in three places only: data it loads (`url` in any `data`, a dataset, a
lookup's `from.data`), links (`href`, as an encoding channel, a mark property or a config
default) and images (`image` marks' `url`, again a channel or a property). Every `url`
and `href` key is removed wherever it is, so an expression in one of them (which can
build a URL from pieces) goes with it; `usermeta` goes too, since vega-embed reads its
`embedOptions` (a loader, a renderer) from there. Any other string that names a URL (a
scheme such as `https:` or `data:`, or `//`) is removed as well: a title or a tooltip
is text, and a paint such as `url(https://…)` in an SVG fill would be fetched. Vega's
expression language itself has no function that loads anything, and Streamlit runs it
with its expression interpreter, never `eval`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

REMOVED_KEYS = frozenset({"url", "href", "usermeta", "$schema"})
URL_TEXT = re.compile(
    r"//|\b(?:https?|ftps?|wss?|file|data|blob|javascript|vbscript|mailto|filesystem):(?=\S)",
    re.IGNORECASE,
)
MAX_DEPTH = 64  # deeper than any chart needs; a deeper document is not drawn


class TooDeep(ValueError):
    """The spec nests deeper than MAX_DEPTH."""


class DataTouched(ValueError):
    """Removing a URL would change the chart's own rows: the chart would no longer be
    the PNG's, so it is not drawn at all."""


DATA_KEYS = frozenset({"values", "datasets"})


def names_url(text: str) -> bool:
    return URL_TEXT.search(text) is not None


def sanitize(spec: Any) -> Any:
    """A copy of `spec` without anything that can reach outside the page."""
    return _clean(spec, 0)


def _clean(value: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise TooDeep(f"the spec nests deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        kept = ((key, item) for key, item in value.items() if _kept_key(key))
        cleaned = {key: item for key, item in _cleaned(kept, depth) if item is not _GONE}
        if any(cleaned.get(key) != value[key] for key in DATA_KEYS & value.keys()):
            raise DataTouched("a URL in the chart's data")
        return cleaned
    if isinstance(value, list):
        return [item for _, item in _cleaned(enumerate(value), depth) if item is not _GONE]
    return value


_GONE = object()


def _cleaned(entries: Iterable[tuple[Any, Any]], depth: int) -> Iterator[tuple[Any, Any]]:
    """Each entry cleaned, or _GONE: a URL string, or an object the removal left empty (a
    layer's `{"data": {"url": …}}` left as `{"data": {}}` would not validate; without it
    the layer draws its parent's rows)."""
    for key, item in entries:
        if _is_url_text(item):
            yield key, _GONE
            continue
        kept = _clean(item, depth + 1)
        yield key, _GONE if kept == {} and item != {} else kept


def _kept_key(key: str) -> bool:
    return key.lower() not in REMOVED_KEYS and not names_url(key)


def _is_url_text(value: Any) -> bool:
    return isinstance(value, str) and names_url(value)
