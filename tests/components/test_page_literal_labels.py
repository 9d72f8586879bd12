"""Names the model or a file controls show as literal text in every label and caption.

Streamlit reads labels, captions, badges and tooltips as markdown: a text-editor path,
a tool name, an output file's name or a follow-up question could otherwise color,
embolden, link or iconify what the page says. Each test draws hostile names and reads the
label text the page sent; tests/browser/test_literal_labels.py checks the DOM it became.
"""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from components.render.format import JOINER, escape_markdown
from fake_anthropic import CodeStep, FakeAnthropic, OutFile, Text, Turn
from tests.components.support import (
    assistant,
    conversation_id,
    follow_briefly,
    rerun_until,
    restore,
    send,
    step_boxes,
    unescape,
)

HOSTILE_PATH = "/tmp/outputs/:red[RED] **bold**.py"
# Output names are cleaned first (no path, no ":", "*" or "<>"): what survives must be literal.
HOSTILE_NAME = "[x](e) ~~s~~ $x$ _b_ www.e.co a@b.co.csv"
HOSTILE_TOOL = "tool [click](https://evil.example/t) _em_"

# What must not survive escaping, each as it would be read by Streamlit's markdown.
LIVE_MARKUP = [
    re.compile(r"(?<!\\):(?!" + JOINER + ")"),  # ":red[", ":smile:", ":material/x:", "https:"
    re.compile(r"(?<!\\)[*_~`$\[\]<>!&]"),  # emphasis, strike, code, LaTeX, links, HTML
    re.compile(r"(?i)www\."),  # a bare www. name becomes a link
    re.compile(r"@(?!" + JOINER + ")"),  # an e-mail address becomes a link
]


APP_ICON = re.compile(r"^:material/[a-z_]+: ")  # the page's own icon before a caption


def assert_literal(label: str, original: str) -> None:
    label = APP_ICON.sub("", label)
    for pattern in LIVE_MARKUP:
        assert not pattern.search(label), f"{pattern.pattern!r} is live in {label!r}"
    assert original in unescape(label), f"{original!r} is not what {label!r} shows"


@pytest.mark.parametrize(
    "text",
    [
        ":red[RED] **bold**.py",
        ":blue-background[x] :small[y] :rainbow[z]",
        ":material/home: :smile: :+1:",
        "[link](https://evil.example) ![img](https://evil.example/a.png)",
        "see https://evil.example/x, HTTP://EVIL.EXAMPLE, www.evil.example, me@evil.example",
        "<b>bold</b> &lt;i&gt; <https://evil.example>",
        "$x^2$ and $$y$$",
        "~~strike~~ _em_ __strong__ `code`",
        "mailto:me@evil.example xmpp:me@evil.example",
    ],
)
def test_escape_markdown_leaves_no_markup_live(text: str) -> None:
    assert_literal(escape_markdown(text), text)


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("- item", "\\- item"),
        ("+ item", "\\+ item"),
        ("12. item", "12\\. item"),
        ("3) x", "3\\) x"),
    ],
)
def test_a_name_that_would_start_a_list_does_not(text: str, escaped: str) -> None:
    assert escape_markdown(text) == escaped
    assert escape_markdown("a - b 1.5 MB.csv") == "a - b 1.5 MB.csv"  # only at a line's start


def draw_tool_step(name):  # copied into a script by AppTest: no annotations
    from components.render.blocks import RenderContext, paired_results, render_assistant_blocks

    blocks = [
        {"type": "server_tool_use", "id": "w", "name": name, "input": {"q": "x"}},
        {"type": "tool_search_tool_result", "tool_use_id": "w", "content": {}},
    ]
    render_assistant_blocks(blocks, RenderContext(key="t", results=paired_results(blocks)))


def test_a_tool_name_in_a_step_label_is_literal() -> None:
    at = AppTest.from_function(draw_tool_step, args=(HOSTILE_TOOL,), default_timeout=20).run()
    assert not at.exception
    label = step_boxes(at)[0].label
    assert label.startswith("Used ")
    assert_literal(label, HOSTILE_TOOL)


def hostile_turn(hold: str | None = None) -> Turn:
    made = OutFile(HOSTILE_NAME, b"a,b\n1,2\n", "text/csv")
    return Turn(
        (
            Text("Writing the script."),
            CodeStep("text_editor", {"command": "create", "path": HOSTILE_PATH, "file_text": "1"}),
            CodeStep(
                "bash", {"command": "cp x $OUTPUT_DIR"}, stdout="ok\n", files=(made,), hold=hold
            ),
            Text("Done."),
        )
    )


def labels_of(app: AppTest) -> list[str]:
    """Every label and caption the page drew for the answer: steps, downloads, captions."""
    answer = assistant(app)
    shown = [box.label for box in step_boxes(answer)]
    shown += [b.proto.label for b in answer.get("download_button")]
    shown += [b.proto.help for b in answer.get("download_button")]
    return shown + [c.value for c in answer.caption]


def hostile_labels(app: AppTest) -> tuple[str, list[str]]:
    shown = labels_of(app)
    editor = next(label for label in shown if label.startswith("Created "))
    named = [label for label in shown if "www.e.co" in unescape(label)]
    return editor, named


def test_hostile_path_and_file_name_show_literally_live_and_after_a_reload(
    at: AppTest, fake_api: FakeAnthropic
) -> None:
    fake_api.enqueue(hostile_turn(hold="copy"))
    follow_briefly(at)
    at.run()
    send(at, "write the script")
    assert fake_api.wait_held("copy", timeout=10)
    rerun_until(at, lambda app: any(b.label.startswith("Created ") for b in step_boxes(app)))
    live_editor = next(b.label for b in step_boxes(at) if b.label.startswith("Created "))
    assert_literal(live_editor, ":red[RED] **bold**.py")
    fake_api.release("copy")
    rerun_until(at, lambda app: "Done." in [m.value for m in assistant(app).markdown])

    editor, named = hostile_labels(at)
    assert_literal(editor, ":red[RED] **bold**.py")
    assert len(named) >= 3  # the download's label and tooltip, and the "Made …" caption
    for label in named:
        assert_literal(label, HOSTILE_NAME)

    again = restore(conversation_id(at))
    assert not again.exception
    assert hostile_labels(again) == (editor, named)
