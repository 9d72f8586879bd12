"""Cutting a streaming markdown text into finished blocks: where it may and may not be cut.

A cut is right when the pieces, each rendered on its own the way `st.markdown` renders it
(dedented, stripped), render what the whole text renders. The texts are streamed a few
characters at a time, and the cuts found on the way are kept, as the live view keeps them.
"""

from __future__ import annotations

import textwrap

import pytest
from markdown_it import MarkdownIt

from components.live.blocks import finished_blocks

RENDERER = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def render(text: str) -> str:
    return RENDERER.render(textwrap.dedent(text).strip())


def stream_pieces(text: str, step: int = 3) -> list[str]:
    """The finished pieces and the open rest, found while `text` arrives `step` at a time."""
    pieces, done = [], 0
    for end in [*range(step, len(text), step), len(text)]:
        start = done
        for cut in finished_blocks(text[start:end]).cuts:
            pieces.append(text[done : start + cut])
            done = start + cut
    return [*pieces, text[done:]]


def assert_cut_right(text: str, at_least: int) -> list[str]:
    pieces = stream_pieces(text)
    for step in (1, 2, len(text)):  # cut bit by bit or all at once: the same pieces
        assert stream_pieces(text, step) == pieces
    assert "".join(pieces) == text
    assert "".join(render(p) for p in pieces if p.strip()) == render(text)
    assert len(pieces) >= at_least
    return pieces


def test_paragraphs_and_headings_become_pieces_of_their_own() -> None:
    text = "# Sales\n\nRose **12%**.\nMostly north.\n\n## Why\n\nThe chart shows it.\n\nEnd.\n"
    pieces = assert_cut_right(text, at_least=5)
    assert pieces[:2] == ["# Sales\n\n", "Rose **12%**.\nMostly north.\n\n"]


def test_a_code_fence_with_blank_lines_is_one_piece() -> None:
    fence = "```python\nimport pandas as pd\n\n\ndf = pd.read_csv('a.csv')\n\nprint(df)\n```\n\n"
    tilde = "~~~~\n```\n\nstill code\n~~~~\n\n"
    pieces = assert_cut_right("Code:\n\n" + fence + tilde + "Done.\n", at_least=3)
    assert fence in pieces and tilde in pieces


def test_an_unclosed_fence_is_not_cut_while_it_streams() -> None:
    text = "Intro.\n\n```\na = 1\n\nb = 2\n\nc = 3\n"
    assert [text[:8]] == [text[:c] for c in finished_blocks(text).cuts]


@pytest.mark.parametrize(
    "listing",
    [
        "- one\n\n- two\n\n- three\n\n",  # loose: its items are paragraphs
        "1. one\n\n2. two\n\n   more on two\n\n3. three\n\n",
        "- one\n- two\n\n  still two\n\n      code in two\n\n- three\n\n",
        "* a\n\n  ```\n  code\n\n  more\n  ```\n* b\n\n",
    ],
)
def test_a_list_that_continues_past_a_blank_line_is_one_piece(listing: str) -> None:
    pieces = assert_cut_right("Points:\n\n" + listing + "After.\n", at_least=3)
    assert listing in pieces


def test_a_table_is_one_piece() -> None:
    table = "| region | sales |\n|---|---:|\n| north | 12 |\n| south | 9 |\n\n"
    pieces = assert_cut_right("Figures:\n\n" + table + "Both rose.\n", at_least=3)
    assert table in pieces


def test_indented_code_stays_with_what_comes_before() -> None:
    # On its own, st.markdown's dedent would make a paragraph of an indented piece.
    text = "Run:\n\n    pip install x\n\n    x --help\n\nThen.\n\n  Indented para.\n\n     code\n"
    pieces = assert_cut_right(text, at_least=2)
    assert "Run:\n\n    pip install x\n\n    x --help\n\n" in pieces
    text = "    code first\n\nThen text.\n\nMore.\n"
    assert assert_cut_right(text, at_least=2)[0] == "    code first\n\nThen text.\n\n"


def test_math_and_directive_blocks_are_not_cut() -> None:
    math = "$$\na = b\n\nc = d\n$$\n\n"
    directive = ":::note\nfirst\n\nsecond\n:::\n\n"
    pieces = stream_pieces("Formula:\n\n" + math + directive + "Inline $$x$$ math.\n\nEnd.\n")
    assert math in pieces and directive in pieces
    assert pieces[-2:] == ["Inline $$x$$ math.\n\n", "End.\n"]


def test_block_quotes_and_rules() -> None:
    assert_cut_right("> quoted\n> more\n\n> another\n\n---\n\nText\n---\n\nEnd\n", at_least=4)


def test_a_text_with_link_references_is_drawn_whole() -> None:
    text = "See [the docs][d] and a note[^1].\n\nMore.\n\n[d]: https://example.com\n\n"
    assert finished_blocks(text).whole
    assert finished_blocks(text + "[^1]: The note.\n").whole
    assert not finished_blocks("See [the docs] here.\n\nMore.\n").whole


def test_a_block_is_kept_open_until_the_next_one_starts_at_the_margin() -> None:
    assert finished_blocks("One.\n\n").cuts == ()
    assert finished_blocks("One.\n\nT").cuts == (6,)
    assert finished_blocks("- a\n\n  b\n").cuts == ()
    for undecided in ("1", "12.", "3)", "-", "*"):  # could still become a list item
        assert finished_blocks("- a\n\n" + undecided).cuts == ()
    assert finished_blocks("- a\n\n12a").cuts == (5,)
    assert finished_blocks("1. a\n\n2. b").cuts == ()  # the same list, loose
