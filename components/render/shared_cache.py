"""A small bounded cache shared by every session, for what a stored file or message fixes.

Blobs are content-addressed and stored messages do not change once written, so what is
made from them (a table's preview, a label) can be kept by their path or revision and
handed to every session that draws them. A lookup here is a dict access; a Streamlit
cache would hash its arguments on every call, which a rerun of a long conversation pays
for every file it draws.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")


class SharedCache(Generic[Value]):
    """Up to `limit` values by key, the least recently used dropped first; thread-safe.

    `keep` says whether a value made is kept: a file that could not be read is tried
    again next time rather than remembered as unreadable.
    """

    def __init__(self, limit: int, keep: Callable[[Value], bool] = lambda _: True) -> None:
        self._limit = limit
        self._keep = keep
        self._values: OrderedDict[Hashable, Value] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], Value]) -> Value:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = make()  # outside the lock: two sessions may make it at once, both agree
        if self._keep(value):
            with self._lock:
                self._values[key] = value
                while len(self._values) > self._limit:
                    self._values.popitem(last=False)
        return value

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._values.pop(key, None)

    def __len__(self) -> int:
        return len(self._values)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
