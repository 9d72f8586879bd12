"""Long-conversation benchmark: rerunning a 10-, 50- and 200-turn conversation, page against naive.

Each stored turn has text, a bash step with stdout, a 100 KB PNG and a 25 KB CSV (see
bench/stored_turns.py). Measured at each size: the script time of a rerun, after a
warm-up run, of

- the page's history rendering, `components.render.conversation.render_history`: the last 20
  exchanges drawn, older ones on demand; PNGs passed through, downloads deferred, and a
  preview of each table;
- the naive page of bench/naive_page.py, which draws every turn in full.

Both wall and CPU time of the script thread are printed: Streamlit 1.67 sleeps 50 ms in
every `st.status` it creates, which costs the rerun wall time but no CPU.

    python -m bench.long_conversation [--quick] [--turns N ...] [--repeats N]
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from streamlit.testing.v1 import AppTest

from bench.measure import (
    RUN_TIMEOUT,
    Measured,
    compare,
    measure_reruns,
    measured_run,
    parser,
    seconds,
)
from bench.naive_page import NAIVE_KEY, render_naive
from bench.stored_turns import naive_turns, stored_conversation
from bench.table import Figure, add_figures_option, times, write_figures
from components.render.conversation import HISTORY_WINDOW, render_history

SIZES = (10, 50, 200)  # stored turns; the target (10x less) is for the largest
TARGET_TURNS = 200
QUICK_SIZES = (25,)
CONVERSATION_KEY = "_bench_conversation"


def draw_history() -> None:
    import streamlit as st

    conversation = st.session_state[CONVERSATION_KEY]
    with measured_run():
        render_history(conversation, list(conversation.messages), steps_expanded=False)


def draw_naive() -> None:
    import streamlit as st

    with measured_run():
        render_naive(st.session_state[NAIVE_KEY])


def _history_script():  # copied into a script by AppTest, as is the next one
    from bench.long_conversation import draw_history

    draw_history()


def _naive_script():
    from bench.long_conversation import draw_naive

    draw_naive()


def rerun_cost(script, key: str, value: object, repeats: int) -> Measured:
    app = AppTest.from_function(script, default_timeout=RUN_TIMEOUT)
    app.session_state[key] = value
    return measure_reruns(app, repeats)


def report(page: Measured, naive: Measured, turns: int, repeats: int) -> None:
    shown = min(turns, HISTORY_WINDOW)
    print(
        f"long_conversation: {turns} turns, page history ({shown} exchanges drawn) vs naive "
        f"page (all {turns} drawn): {compare(naive.time.wall, page.time.wall)} script time "
        f"({seconds(page.time.wall)} vs {seconds(naive.time.wall)}, median of {repeats})"
    )
    print(
        f"long_conversation: script CPU time {compare(naive.time.cpu, page.time.cpu)} "
        f"({seconds(page.time.cpu)} vs {seconds(naive.time.cpu)})"
    )
    boxes = page.sent.status_boxes
    print(
        f"long_conversation: the page drew {boxes} st.status boxes; Streamlit 1.67 sleeps "
        f"50 ms in each, {seconds(boxes * 0.05)} of its wall time "
        f"(the naive page drew {naive.sent.status_boxes})"
    )


def figures(page: Measured, naive: Measured, turns: int) -> list[Figure]:
    bench = f"rerun, {turns} turns"
    wall = times(naive.time.wall, page.time.wall)
    cpu = times(naive.time.cpu, page.time.cpu)
    return [
        Figure(
            bench,
            "script wall time",
            seconds(page.time.wall),
            seconds(naive.time.wall),
            *wall,
            at_least=10 if turns >= TARGET_TURNS else None,
        ),
        Figure(bench, "script CPU time", seconds(page.time.cpu), seconds(naive.time.cpu), *cpu),
    ]


def main(argv: Sequence[str] | None = None) -> None:
    args = parser(__doc__.splitlines()[0])
    add_figures_option(args)
    args.add_argument(
        "--turns", type=int, nargs="+", default=None, help=f"stored turns (default {SIZES})"
    )
    options = args.parse_args(argv)
    sizes = tuple(options.turns or (QUICK_SIZES if options.quick else SIZES))
    repeats = options.repeats or (1 if options.quick else 5)
    every_turn = naive_turns(max(sizes))  # each size is the first turns of one conversation
    found: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bench-long-") as blobs:
        for turns in sizes:
            naive = every_turn[:turns]
            conversation = stored_conversation(naive, Path(blobs))
            page_cost = rerun_cost(_history_script, CONVERSATION_KEY, conversation, repeats)
            naive_cost = rerun_cost(_naive_script, NAIVE_KEY, naive, repeats)
            report(page_cost, naive_cost, turns, repeats)
            found += figures(page_cost, naive_cost, turns)
    write_figures(options.figures, found)


if __name__ == "__main__":
    main()
