"""The browser benchmark's baseline: a whole chat app written the simple way.

`streamlit run bench/naive_app.py`, pointed at the fake API by `ANTHROPIC_BASE_URL`. Every
run draws every turn in full from the bytes kept in session state (bench/naive_page.py),
then, for a new message, streams the answer through the anthropic SDK with a placeholder
redrawn per text delta, downloads the files the code made, keeps the turn in session
state and runs the page again, as simple chat apps do.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

# `streamlit run bench/naive_app.py` puts bench/ on the path, not the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import anthropic
import streamlit as st

from bench.naive_page import NAIVE_KEY, render_naive
from bench.stored_turns import NaiveTurn

MODEL = os.environ.get("ASSISTANT_MODEL", "claude-sonnet-5")
TOOLS = [{"type": "code_execution_20260521", "name": "code_execution"}]


@st.cache_resource
def client() -> anthropic.Anthropic:
    return anthropic.Anthropic()


def history(turns: list[NaiveTurn], prompt: str) -> list[dict[str, Any]]:
    """The conversation so far as plain text messages, then the new question."""
    messages: list[dict[str, Any]] = []
    for turn in turns:
        messages.append({"role": "user", "content": turn.prompt})
        messages.append({"role": "assistant", "content": f"{turn.intro}\n\n{turn.outro}"})
    return [*messages, {"role": "user", "content": prompt}]


def stream_answer(turns: list[NaiveTurn], prompt: str) -> list[Any]:
    """Stream the answer, each text block redrawn per delta; returns the final blocks."""
    slot, text = None, ""
    with client().messages.stream(
        model=MODEL, max_tokens=4096, tools=TOOLS, messages=history(turns, prompt)
    ) as stream:
        for event in stream:
            if event.type == "content_block_start" and event.content_block.type == "text":
                slot, text = st.empty(), ""
            elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                text += event.delta.text
                slot.markdown(text)
        return list(stream.get_final_message().content)


def download(file_id: str) -> tuple[str, bytes]:
    files = client().files
    return files.retrieve_metadata(file_id).filename, files.download(file_id).read()


def turn_of(prompt: str, blocks: list[Any]) -> NaiveTurn:
    texts = [b.text for b in blocks if b.type == "text"]
    code = next((b.input.get("command", "") for b in blocks if b.type == "server_tool_use"), "")
    result = next(b.content for b in blocks if b.type == "bash_code_execution_tool_result")
    outputs = dict(download(o.file_id) for o in result.content)
    chart = next(name for name in outputs if name.endswith(".png"))
    table = next(name for name in outputs if name.endswith(".csv"))
    return NaiveTurn(
        prompt=prompt,
        intro=texts[0] if texts else "",
        code=code,
        stdout=result.stdout,
        chart_name=chart,
        chart=outputs[chart],
        table_name=table,
        table=outputs[table],
        outro=texts[-1] if len(texts) > 1 else "",
    )


def main() -> None:
    turns: list[NaiveTurn] = st.session_state.setdefault(NAIVE_KEY, [])
    prompt = st.chat_input("Ask for an analysis")
    render_naive(turns)
    if not prompt:
        return
    with st.chat_message("user"):
        st.markdown(prompt)
    with st.chat_message("assistant"):
        blocks = stream_answer(turns, prompt)
    turns.append(turn_of(prompt, blocks))
    st.rerun()


main()
