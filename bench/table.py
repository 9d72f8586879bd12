"""The figures a benchmark reports, and the one table `python -m bench` prints of them all.

Every benchmark prints its own lines, and with `--figures FILE` also writes its figures
there as JSON, so the runner can gather them from benchmarks run in processes of their
own (resident memory does not shrink once grown, so they must not share one).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Figure:
    """One measured figure against its baseline from the same run.

    `ratio` is the figure the issue's target is about, e.g. how many times less script
    time the page takes (at least 10), or turn 36-40's latency over turn 1-5's (at most
    1.5); `ratio_text` says it in words ("10.4x less").
    """

    benchmark: str
    figure: str
    page: str
    baseline: str
    ratio: float
    ratio_text: str
    at_least: float | None = None
    at_most: float | None = None

    @property
    def target(self) -> str:
        if self.at_least is not None:
            return f"at least {self.at_least:.3g}"
        if self.at_most is not None:
            return f"at most {self.at_most:.3g}"
        return ""

    @property
    def met(self) -> bool | None:
        if self.at_least is not None:
            return self.ratio >= self.at_least
        if self.at_most is not None:
            return self.ratio <= self.at_most
        return None


def add_figures_option(args: argparse.ArgumentParser) -> None:
    args.add_argument("--figures", type=Path, help="also write the figures as JSON to this file")


def write_figures(path: Path | None, figures: Iterable[Figure]) -> None:
    if path is not None:
        path.write_text(json.dumps([asdict(f) for f in figures]), encoding="utf-8")


def read_figures(path: Path) -> list[Figure]:
    return [Figure(**row) for row in json.loads(path.read_text(encoding="utf-8"))]


def times(baseline: float, page: float, word: str = "less") -> tuple[float, str]:
    """How many times cheaper the page is, as a number and in words ('9.3x less')."""
    ratio = baseline / page if page > 0 else float("inf")
    if ratio >= 1 or word not in ("less", "fewer"):
        return ratio, f"{ratio:,.1f}x {word}"
    return ratio, f"{1 / ratio:,.1f}x more"


def markdown_table(figures: Sequence[Figure]) -> str:
    lines = [
        "| benchmark | figure | page | baseline | ratio | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        met = {True: "yes", False: "**no**", None: ""}[f.met]
        cells = (f.benchmark, f.figure, f.page, f.baseline, f.ratio_text, f.target, met)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
