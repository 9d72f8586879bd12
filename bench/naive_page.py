"""The baseline the benchmarks compare the page with: a chat page drawn the simple way.

Every turn is drawn in full on every rerun, straight from the bytes kept in session
memory, with Streamlit's defaults: `st.image` with its default output format (an RGB
PNG is re-encoded to JPEG each time) and `st.download_button` holding the file's bytes.
It draws no table preview, so it does less per turn than the page does.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from bench.stored_turns import NaiveTurn

NAIVE_KEY = "naive_turns"


def render_naive(turns: Sequence[NaiveTurn]) -> None:
    for n, turn in enumerate(turns):
        with st.chat_message("user"):
            st.markdown(turn.prompt)
        with st.chat_message("assistant"):
            st.markdown(turn.intro)
            st.code(turn.code, language="bash")
            st.code(turn.stdout, language="text")
            st.image(turn.chart, caption=turn.chart_name)
            st.download_button(
                f"Download {turn.table_name}",
                data=turn.table,
                file_name=turn.table_name,
                mime="text/csv",
                key=f"naive-{n}-table",
            )
            st.markdown(turn.outro)
