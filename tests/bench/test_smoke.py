"""Every benchmark in bench/ still runs: each is started at its tiny size (`--quick`).

Only that it runs and prints its ratio line is checked, never a figure: the figures
belong to a quiet machine and a full-size run, not to a test.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import available

ROOT = Path(__file__).resolve().parents[2]

BENCHMARKS = tuple(available())
TIMEOUT = 300  # seconds; generous for a loaded machine, a quick run takes a few


def test_every_benchmark_module_is_covered() -> None:
    support = {
        "__init__",
        "__main__",
        "measure",
        "naive_app",
        "naive_page",
        "stored_turns",
        "table",
    }
    found = {p.stem for p in (ROOT / "bench").glob("*.py")} - support
    assert found == set(BENCHMARKS)


def run_quick(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m <module> --quick ...`, which must succeed."""
    done = subprocess.run(
        [sys.executable, "-m", module, "--quick", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.mark.parametrize("name", BENCHMARKS)
def test_benchmark_runs_and_prints_a_ratio(name: str) -> None:
    done = run_quick(f"bench.{name}")
    ratio_line = re.compile(rf"^{name}: .* [\d,]+\.\dx (less|more|fewer) ", re.MULTILINE)
    assert ratio_line.search(done.stdout), done.stdout


def test_the_runner_prints_one_table_of_every_benchmarks_figures() -> None:
    done = run_quick("bench", "--only", "long_conversation", "--only", "table_profile")
    table = done.stdout[done.stdout.index("| benchmark |") :].splitlines()
    assert table[0].startswith("| benchmark | figure | page | baseline | ratio | target | met |")
    rows = [line for line in table[2:] if line.startswith("| ")]
    assert any(row.startswith("| rerun, ") for row in rows), table
    assert any(row.startswith("| table profile, ") for row in rows), table
