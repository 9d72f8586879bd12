"""The sandbox's paths, made to work beside an exported notebook.

The code is kept exactly as it ran, except for literal sandbox paths that an environment
variable cannot stand in for: `$INPUT_DIR` and `$OUTPUT_DIR` are set in the notebook's
first cell, and each literal rewrite made is listed there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

INPUT_DIR = "inputs"
OUTPUT_DIR = "outputs"
# A folder's name ends at a slash, a quote, a space or the end: `/tmp/outputs-old` is another.
_END = r"""(?=[/"'\s]|$)"""
# Literal paths of the sandbox's input and output folders, as code sometimes spells them.
_LITERALS = (
    (re.compile(r"/files/output/[0-9a-f]{8,}"), OUTPUT_DIR),
    (re.compile(r"/files/input/[0-9a-f]{8,}"), INPUT_DIR),
    (re.compile(r"/mnt/user-data/outputs" + _END), OUTPUT_DIR),
    (re.compile(r"/mnt/user-data/uploads" + _END), INPUT_DIR),
    (re.compile(r"/tmp/outputs" + _END), OUTPUT_DIR),
)


@dataclass
class Rewriter:
    """Rewrites code and remembers what it changed (path → replacement: times)."""

    made: dict[tuple[str, str], int] = field(default_factory=dict)

    def __call__(self, code: str) -> str:
        for pattern, replacement in _LITERALS:
            code = pattern.sub(lambda m, r=replacement: self._note(m.group(0), r), code)
        return code

    def _note(self, found: str, replacement: str) -> str:
        key = (found, replacement)
        self.made[key] = self.made.get(key, 0) + 1
        return replacement

    def lines(self) -> list[str]:
        """Every rewrite made, for the notebook's first cell and the README."""
        done = [
            f"`$INPUT_DIR` is `{INPUT_DIR}/` and `$OUTPUT_DIR` is `{OUTPUT_DIR}/` "
            "(set as environment variables in the next cell)"
        ]
        for (found, replacement), times in sorted(self.made.items()):
            plural = "s" if times != 1 else ""
            done.append(f"`{found}` → `{replacement}` ({times} place{plural} in the code)")
        return done
