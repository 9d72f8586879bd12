"""What Claude is sent again of an earlier turn's tool output: long text cut, the same way
every time.

A step that printed 5 MB shows it all to the person (the store and the page keep it
whole), but resending it with every later turn would make a one-line follow-up a 5 MB
request. So the turns before the current one go out through `bounded_block`: a long
stdout, stderr or viewed file text keeps its start and its end, with a marker in
between saying how much was cut and that the person saw all of it. It is a pure function
of the stored block, so the same block becomes the same bytes on every later turn and
the prompt cache keeps matching. The current turn (the new message, and the partial
answer resent after pause_turn) goes out whole: Claude is still working with it.

Only strings the model reads as text are cut. Types, ids, return codes, file ids and the
encrypted stdout (opaque to the app: a cut one could not be read) stay as they are, so
every block keeps the shape the API validates.
"""

from __future__ import annotations

from typing import Any

HEAD_CHARS = 2_000  # kept from the start of a long text
TAIL_CHARS = 2_000  # and from its end, where errors and totals usually are
# A text longer than this is cut; a little over the kept parts, so a cut always saves.
LIMIT_CHARS = HEAD_CHARS + TAIL_CHARS + 1_000

# Result content type -> the fields of it that are plain text for the model.
_TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "bash_code_execution_result": ("stdout", "stderr"),
    "code_execution_result": ("stdout", "stderr"),
    "encrypted_code_execution_result": ("stderr",),
    "text_editor_code_execution_view_result": ("content",),
}
_RESULT_BLOCKS = frozenset(
    {
        "bash_code_execution_tool_result",
        "code_execution_tool_result",
        "text_editor_code_execution_tool_result",
    }
)


def cut_text(text: str) -> str:
    """`text` itself when short; else its start and end around a marker saying what went."""
    if len(text) <= LIMIT_CHARS:
        return text
    cut = len(text) - HEAD_CHARS - TAIL_CHARS
    marker = (
        f"\n[{cut:,} of {len(text):,} characters cut here by the app: this is an earlier "
        "step's output, shown whole to the person but not repeated to you. Run the code "
        "again, or print a smaller part of it, if you need what was cut.]\n"
    )
    return f"{text[:HEAD_CHARS]}{marker}{text[-TAIL_CHARS:]}"


def bounded_block(block: dict[str, Any]) -> dict[str, Any]:
    """A stored assistant block as an earlier turn sends it: the block itself unless it is
    a code step's result with a long text field, else a copy with that text cut."""
    if block.get("type") not in _RESULT_BLOCKS:
        return block
    content = block.get("content")
    if not isinstance(content, dict):
        return block
    fields = _TEXT_FIELDS.get(str(content.get("type")), ())
    if (
        content.get("type") == "text_editor_code_execution_view_result"
        and content.get("file_type", "text") != "text"
    ):
        fields = ()  # an image or PDF view is not text: cutting it would garble it
    long = [
        name
        for name in fields
        if isinstance(content.get(name), str) and len(content[name]) > LIMIT_CHARS
    ]
    if not long:
        return block
    cut = {**content, **{name: cut_text(content[name]) for name in long}}
    return {**block, "content": cut}
