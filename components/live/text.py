"""A live markdown text drawn so that each redraw sends only its open end.

Every element Streamlit redraws is sent whole, so redrawing the whole answer so far on each
batched redraw sends bytes quadratic in its length. Here each finished block
(`components.live.blocks`) becomes an element of its own, sent once and never again, and
only the open rest is redrawn: the bytes sent grow with the answer, not with its square.
"""

from __future__ import annotations

from typing import Any

from components.live.blocks import finished_blocks


class LiveMarkdown:
    """One growing text in `slot` (an `st.empty`): finished blocks, then the open rest."""

    def __init__(self, slot: Any) -> None:
        self.column = slot.container()
        self.pieces: list[Any] = []  # the finished blocks' elements, in order
        self.rest = self.column.empty()
        self.rest_shown = ""  # what the rest shows now
        self.done = 0  # characters drawn for good, as finished blocks
        self.whole = False  # the text defines link references: it is drawn as one piece

    def draw(self, text: str) -> None:
        """Show `text` (the whole text so far; it only grows)."""
        if not self.whole:
            blocks = finished_blocks(text[self.done :])
            if blocks.whole:
                self._give_way_to_whole()
            start = self.done
            for cut in blocks.cuts:
                self._finish(text[self.done : start + cut])
                self.done = start + cut
        rest = text[self.done :].rstrip()  # st.markdown strips it too: the same drawing
        if rest and rest != self.rest_shown:
            # write_stream closes half-written markdown (an open code fence, **bold).
            self.rest.write_stream([rest])
            self.rest_shown = rest

    def _finish(self, block: str) -> None:
        """Draw a finished block in place of the rest's last draft, then a new rest after it."""
        self.rest.markdown(block)
        self.pieces.append(self.rest)
        self.rest = self.column.empty()
        self.rest_shown = ""

    def _give_way_to_whole(self) -> None:
        """References reach across blocks: the pieces are cleared, the rest holds it all.

        Each piece is emptied in place: a container drawn again with fewer children would
        keep showing the old ones until the run ends."""
        self.whole = True
        for piece in self.pieces:
            piece.empty()
        self.pieces.clear()
        self.done = 0
        self.rest_shown = ""
