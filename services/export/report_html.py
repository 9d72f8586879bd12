"""A conversation as one self-contained HTML file: safe to open and to mail.

No script, and a Content-Security-Policy that lets nothing load but the images inlined as
data URIs. Claude's markdown is rendered with raw HTML off; only web and mail links stay
links, and an image from elsewhere is named, never loaded. Code is highlighted inline.
"""

from __future__ import annotations

import base64
from html import escape

from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import BashLexer, PythonLexer, TextLexer

from services.conversation import Conversation
from services.export.charts import ExportChart, step_charts
from services.export.layout import Layout, lay_out
from services.export.notebook import IMAGE_TYPES, MaybeBytes, ReadBytes, safe_reader
from services.export.record import Item, Step, read_record
from services.export.steps import result_lines, step_code, step_language

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
SAFE_LINKS = ("http://", "https://", "mailto:", "#")
STYLE = """body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
.you{background:#f3f4f6;border-radius:.5rem;padding:.5rem 1rem}
.step{border:1px solid #ddd;border-radius:.5rem;padding:.5rem 1rem;margin:1rem 0}
pre{overflow-x:auto;background:#f8f8f8;padding:.5rem}img{max-width:100%}
.failed{border-color:#d33}.note{color:#666;font-style:italic}"""
_LEXERS = {"python": PythonLexer, "bash": BashLexer}


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.validateLink = lambda url: url.strip().lower().startswith(SAFE_LINKS)
    md.add_render_rule("image", _image_rule)
    return md


def _image_rule(self, tokens, idx, options, env) -> str:  # markdown-it's rule signature
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env)
    return f'<span class="note">[image not loaded: {escape(alt or "no description")}]</span>'


def html_report(conversation: Conversation, title: str, read: ReadBytes) -> bytes:
    items = read_record(conversation)
    layout = lay_out(items)
    md = _markdown()
    read_once = safe_reader(read)
    body = "\n".join(_item(item, layout, read_once, md) for item in items)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="referrer" content="no-referrer">
<title>{escape(title)}</title><style>{STYLE}</style></head>
<body><h1>{escape(title)}</h1>
{body}
</body></html>
"""
    return page.encode("utf-8")


def _item(item: Item, layout: Layout, read: MaybeBytes, md: MarkdownIt) -> str:
    if isinstance(item, Step):
        return _step(item, layout, read)
    if item.role == "assistant":
        return f'<div class="claude">{md.render(item.text)}</div>'
    attached = "".join(
        f"<li>Attached: <code>{escape(layout.inputs.get(f.file_id, f.name))}</code></li>"
        for f in item.attached
    )
    text = escape(item.text).replace("\n", "<br>")
    heading = f"<p><b>You</b> (turn {item.turn})</p>"
    return f'<div class="you">{heading}<p>{text}</p><ul>{attached}</ul></div>'


def _step(step: Step, layout: Layout, read: MaybeBytes) -> str:
    language = step_language(step)
    lexer = _LEXERS.get(language, TextLexer)()
    code = highlight(step_code(step), lexer, HtmlFormatter(noclasses=True))
    parts = [
        f"<p><b>Step {step.number}</b> ({escape(step.tool.value)}, turn {step.turn})</p>",
        code,
    ]
    for line in result_lines(step):
        if line.kind == "stream":
            parts.append(f"<p>{line.label}:</p><pre>{escape(line.text)}</pre>")
        else:
            kind = ' class="note"' if line.kind == "note" else ""
            parts.append(f"<p{kind}>{escape(line.text)}</p>")
    charts = step_charts(step, read)
    for file in step.files:
        parts.append(_file(file.file_id, layout, read))
        if file.file_id in charts:
            parts.append(_chart(charts[file.file_id], layout))
    failed = " failed" if step.failed else ""
    return f'<div class="step{failed}" id="step-{step.number}">{"".join(parts)}</div>'


def _file(file_id: str, layout: Layout, read: MaybeBytes) -> str:
    file = layout.files[file_id]
    path = escape(layout.outputs.get(file_id, file.name))
    raw = read(file_id) if file.mime_type in IMAGE_TYPES else None
    if file.mime_type in IMAGE_TYPES and raw is None:
        return f"<p>Image <code>{path}</code>: the app no longer holds its bytes.</p>"
    if raw is not None:
        data = base64.b64encode(raw).decode("ascii")
        image = f'<img src="data:{file.mime_type};base64,{data}" alt="{path}">'
        return f"<figure>{image}<figcaption>{path}</figcaption></figure>"
    return f"<p>File: <code>{path}</code> ({file.size} bytes)</p>"


def _chart(chart: ExportChart, layout: Layout) -> str:
    """The Vega-Lite spec as data (the report runs no script): collapsed, to copy or read."""
    path = escape(layout.outputs.get(chart.spec_file.file_id, chart.spec_file.name))
    summary = f"Interactive chart: Vega-Lite spec <code>{path}</code>"
    spec = escape(chart.chart.pretty())
    return f'<details class="chart"><summary>{summary}</summary><pre>{spec}</pre></details>'
