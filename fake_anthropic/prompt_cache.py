"""The fake's prompt cache: the input usage of a request, by the API's caching rules.

Each fake server holds its own cache, as each API organisation does. For a request
(its blocks and breakpoints from prompt_tokens.py):

- a cache read is the longest prefix of the request that an earlier request wrote (same
  model, byte-identical blocks up to there, not expired), ending at a breakpoint or at
  most LOOKBACK_BLOCKS blocks before one: the API checks that far back from each
  breakpoint and no further;
- a prefix shorter than the model's minimum cacheable length is never written, so
  never read;
- what is written is the prompt up to each later breakpoint beyond what was read;
  entries live 5 minutes (or an hour for `ttl: "1h"`) from their last use;
- `input_tokens` is the rest: what follows the last breakpoint, or the whole prompt
  when nothing is cached.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from .prompt_tokens import ANSWER_START_TOKENS, PromptBlock, prompt_blocks

LOOKBACK_BLOCKS = 20
TTL_SECONDS = {"5m": 5 * 60.0, "1h": 60 * 60.0}
# Model id prefix -> the shortest prefix the API caches, in tokens (secondary sources:
# gateway documentation from late 2026; Anthropic's page lists them per model).
MIN_CACHEABLE_TOKENS: tuple[tuple[str, int], ...] = (
    ("claude-opus-5", 512),
    ("claude-fable-5", 512),
    ("claude-opus-4-5", 4_096),
    ("claude-opus-4-6", 4_096),
    ("claude-opus-4-7", 4_096),
    ("claude-haiku-4-5", 4_096),
    ("claude-sonnet-4-6", 2_048),
    ("claude-3-haiku", 2_048),
    ("claude-3-5-haiku", 2_048),
)
DEFAULT_MIN_CACHEABLE_TOKENS = 1_024  # Sonnet 5, the other Sonnet 4 and Opus 4 models


@dataclass(frozen=True)
class InputUsage:
    """A request's input tokens as the API reports them."""

    input_tokens: int
    cache_read: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0

    @property
    def cache_write(self) -> int:
        return self.cache_write_5m + self.cache_write_1h


def min_cacheable_tokens(model: str) -> int:
    found = (tokens for prefix, tokens in MIN_CACHEABLE_TOKENS if model.startswith(prefix))
    return next(found, DEFAULT_MIN_CACHEABLE_TOKENS)


@dataclass
class _Entry:
    expires: float
    ttl: str


class PromptCache:
    """Cached prefixes by hash (the hash covers the model and every block up to there)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def account(self, body: dict[str, Any]) -> InputUsage:
        """The request's usage; what it writes is cached for the requests after it."""
        blocks = prompt_blocks(body)
        upto = list(accumulate(block.tokens for block in blocks))
        total = (upto[-1] if upto else 0) + ANSWER_START_TOKENS
        breakpoints = [i for i, block in enumerate(blocks) if block.breakpoint_ttl is not None]
        minimum = min_cacheable_tokens(str(body.get("model", "")))
        with self._lock:
            now = self._clock()
            self._entries = {k: e for k, e in self._entries.items() if e.expires > now}
            hit = self._longest_hit(blocks, breakpoints)
            read = upto[hit] if hit >= 0 else 0
            if hit >= 0:
                entry = self._entries[blocks[hit].prefix_hash]
                entry.expires = now + TTL_SECONDS[entry.ttl]
            written = self._write(blocks, upto, breakpoints, hit, minimum, now)
        return InputUsage(
            input_tokens=total - read - sum(written.values()),
            cache_read=read,
            cache_write_5m=written["5m"],
            cache_write_1h=written["1h"],
        )

    def _longest_hit(self, blocks: list[PromptBlock], breakpoints: list[int]) -> int:
        """The last block of the longest cached prefix in reach of a breakpoint; -1: none."""
        for index in range(len(blocks) - 1, -1, -1):
            in_reach = any(0 <= b - index <= LOOKBACK_BLOCKS for b in breakpoints)
            if in_reach and blocks[index].prefix_hash in self._entries:
                return index
        return -1

    def _write(
        self,
        blocks: list[PromptBlock],
        upto: list[int],
        breakpoints: list[int],
        hit: int,
        minimum: int,
        now: float,
    ) -> dict[str, int]:
        written = {"5m": 0, "1h": 0}
        covered = upto[hit] if hit >= 0 else 0
        for index in breakpoints:
            if index <= hit or upto[index] < minimum:
                continue
            ttl = blocks[index].breakpoint_ttl or "5m"
            written[ttl] += upto[index] - covered
            covered = upto[index]
            self._entries[blocks[index].prefix_hash] = _Entry(now + TTL_SECONDS[ttl], ttl)
        return written
