"""Model-controlled names in labels and captions are literal text in the real page's DOM:
no link, no bold or italic, no colored span, no emoji or icon made from a shortcode."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from components.render.format import JOINER
from fake_anthropic import CodeStep, OutFile, Text, Turn
from tests.browser.harness import assistant_messages, send, step_boxes, wait_turn_done

pytestmark = pytest.mark.browser

EDITED = ":red[R] **b** :smile: :+1: www.e.co a@b.co.py"  # a path's last part: no "/"
MADE = "[x](e) ~~s~~ $x$ _b_ www.e.co a@b.co.csv"  # what survives the file-name cleaning
# What markdown would have made of the names; none may be inside a label or caption.
# (An emoji or icon made from a shortcode would change the text, which is compared whole.)
LIVE = "a, strong, em, del, code, img, .katex, .stMarkdownColoredText, .stMarkdownColoredBackground"


def shown_text(locator) -> str:
    return locator.inner_text().replace(JOINER, "").strip()


def test_hostile_names_render_as_plain_text(chat, shared_fake) -> None:
    shared_fake.enqueue(
        Turn(
            (
                CodeStep("text_editor", {"command": "create", "path": f"/tmp/{EDITED}"}),
                CodeStep(
                    "bash",
                    {"command": "cp x $OUTPUT_DIR"},
                    files=(OutFile(MADE, b"a,b\n1,2\n", "text/csv"),),
                ),
                Text("All written."),
            )
        )
    )
    send(chat, "write them")
    wait_turn_done(chat, "All written.")
    answer = assistant_messages(chat).last

    label = step_boxes(answer).first.locator("summary").get_by_test_id("stMarkdownContainer")
    expect(label).to_contain_text("Created")
    assert shown_text(label) == f"Created {EDITED}"
    expect(label.locator(LIVE)).to_have_count(0)

    step_boxes(answer).nth(1).locator("summary").click()  # its caption is inside the box
    made = answer.get_by_test_id("stCaptionContainer").filter(has_text="Made ")
    expect(made).to_have_count(1)
    assert shown_text(made).endswith(f"Made {MADE} (shown below the step)")
    expect(made.locator(LIVE)).to_have_count(0)

    download = answer.get_by_test_id("stDownloadButton").locator("button").filter(visible=True)
    expect(download).to_have_count(1)
    assert shown_text(download).endswith(f"{MADE} (8 B)")
    expect(download.locator(LIVE)).to_have_count(0)
    assert answer.locator("a[href*='e.co'], a[href^='mailto']").count() == 0
