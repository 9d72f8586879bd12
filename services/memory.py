"""Gives the heap memory the process has freed back to the system, so the server's resident
memory falls back after a burst of sessions instead of staying at its peak.

Every turn runs on a thread of its own, and glibc's malloc gives busy threads heaps
(arenas) of their own; what a finished turn or an expired session frees stays in those
heaps, counted as resident, until `malloc_trim` returns the free pages. So the process
caps its arenas (fewer heaps, less memory stranded in them) and trims after every turn
and on a slow clock (a session expiring runs no code of ours). Where the C library is
not glibc (musl, macOS) there is nothing to call and this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
from functools import cache

_LOG = logging.getLogger(__name__)
M_ARENA_MAX = -8  # mallopt parameter (glibc malloc.h)
ARENA_LIMIT = 2
TRIM_SECONDS = 30.0

_started = threading.Lock()
_releaser: threading.Thread | None = None


@cache
def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    has_both = hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt")
    return libc if has_both else None


def release_free_memory() -> bool:
    """Return the free pages of every malloc heap to the system; whether any were."""
    libc = _glibc()
    return bool(libc is not None and libc.malloc_trim(0))


def limit_arenas(count: int = ARENA_LIMIT) -> bool:
    """Let malloc make at most `count` heaps from now on; False where it cannot be set."""
    libc = _glibc()
    return bool(libc is not None and libc.mallopt(M_ARENA_MAX, count))


def start_memory_release(interval: float = TRIM_SECONDS) -> threading.Thread | None:
    """Cap the heaps and start the one thread per process that trims them every
    `interval` seconds; the thread already running if called again, None without glibc."""
    global _releaser
    if _glibc() is None:
        return None
    with _started:
        if _releaser is None:
            limit_arenas()
            _releaser = threading.Thread(
                target=_release_every, args=(interval,), name="memory-release", daemon=True
            )
            _releaser.start()
        return _releaser


def _release_every(interval: float) -> None:
    tick = threading.Event()  # never set: a sleep that a daemon thread can be left in
    while not tick.wait(interval):
        try:
            release_free_memory()
        except Exception:  # a failed trim costs memory, never the process
            _LOG.warning("returning free memory to the system failed", exc_info=True)
