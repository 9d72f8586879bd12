"""Where a streaming markdown text can be cut into finished blocks, drawn once each.

A live answer is drawn as one markdown element per finished block plus the open rest, so a
redraw resends only the rest. A cut must not change how the text renders: each piece is
rendered on its own (and dedented and stripped by `st.markdown`), and together they must
show what the whole text would. So a cut is made only

- between two top-level blocks of a CommonMark parse (the parser Streamlit's own
  markdown follows), so a code fence, a list (tight or loose), a table, a block quote or
  an indented code block is never cut inside;
- at a blank line, before a block that starts at the margin with something that can no
  longer grow into a list item (`1` could still become `1. more`, joining a list before
  it): then later text cannot join it to the block before (a line that starts indented
  could still be a list item's continuation or indented code);
- outside a `$$` math block or a `:::` directive, which Streamlit's renderer reads as one
  block across blank lines while CommonMark sees paragraphs;
- so that every piece has a line at the margin, or `st.markdown`'s dedent would turn a
  piece of indented code into a paragraph.

Link reference and footnote definitions (`[label]: ...`) apply to the whole text, so a
text that has one is not cut at all (`Blocks.whole`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token

_PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])
_CODE_TOKENS = ("fence", "code_block")
# Fence-like regions of Streamlit's renderer that CommonMark does not know: $$ math and
# ::: container directives. An opener's rest may not hold the fence character (then it is
# inline math or text); the closer is the fence alone, at least as long.
_REGION_OPEN = re.compile(r"^ {0,3}(\${2,}|:{3,})([^$:]*)$")
_REGION_CLOSE = re.compile(r"^ {0,3}(\${2,}|:{3,})\s*$")
_MAYBE_MARKER = re.compile(r"\d{1,9}[.)]?|[-+*]")  # a line that could become "1. x" or "- x"
_LONE_CR = re.compile(r"\r(?!\n)")


@dataclass(frozen=True)
class Blocks:
    """Character offsets into the text where finished blocks end, in order."""

    cuts: tuple[int, ...] = ()
    whole: bool = False  # the text defines link references: draw it as one piece


def finished_blocks(text: str) -> Blocks:
    """Where `text` (a markdown text still being written) can be cut for good."""
    env: dict[str, object] = {}
    tokens = _PARSER.parse(text, env)
    if env.get("references") or _LONE_CR.search(text):
        return Blocks(whole=True)  # a lone CR is a line break to the parser, not to us
    lines = text.split("\n")
    last = len(lines) - 1  # the last line may still be growing
    open_region = _region_lines(lines, tokens)
    starts = _line_starts(lines)
    cuts: list[int] = []
    piece_start = 0
    for first in _top_level_starts(tokens):
        if first > last or (first == last and not _decided(lines[last])):
            break
        if not _cuttable(lines, first, open_region):
            continue
        if not any(_at_margin(line) for line in lines[piece_start:first]):
            continue
        cuts.append(starts[first])
        piece_start = first
    return Blocks(tuple(cuts))


def _top_level_starts(tokens: list[Token]) -> list[int]:
    """The first line of every top-level block but the first."""
    firsts = [t.map[0] for t in tokens if t.level == 0 and t.nesting >= 0 and t.map]
    return [line for line in firsts if line > 0]


def _cuttable(lines: list[str], first: int, open_region: set[int]) -> bool:
    """A block starting at line `first` may start a piece of its own."""
    return not lines[first - 1].strip() and _at_margin(lines[first]) and first not in open_region


def _decided(line: str) -> bool:
    """The start of a line is enough to tell it will not be a list item's marker line."""
    return bool(line) and not _MAYBE_MARKER.fullmatch(line)


def _at_margin(line: str) -> bool:
    return bool(line) and not line[0].isspace()


def _line_starts(lines: list[str]) -> list[int]:
    starts, offset = [], 0
    for line in lines:
        starts.append(offset)
        offset += len(line) + 1
    return starts


def _region_lines(lines: list[str], tokens: list[Token]) -> set[int]:
    """Lines inside (or closing) a $$ or ::: region: no block may start a piece there."""
    in_code = {i for t in tokens if t.type in _CODE_TOKENS and t.map for i in range(*t.map)}
    inside: set[int] = set()
    fence: str | None = None
    for number, line in enumerate(lines):
        if number in in_code:
            continue
        if fence is not None:
            inside.add(number)
            closer = _REGION_CLOSE.match(line)
            if closer and closer[1][0] == fence[0] and len(closer[1]) >= len(fence):
                fence = None
        elif opener := _REGION_OPEN.match(line):
            fence = opener[1]
    return inside
