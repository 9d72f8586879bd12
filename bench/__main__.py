"""Run every benchmark, each in a process of its own, and print one table of their figures.

`python -m bench` runs them all at full size; `--quick` at their tiny sizes; `--only NAME`
(repeatable) runs some. Each benchmark's own lines are printed as it finishes; the table
comes last, with each figure's baseline, ratio and the target it is held to.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.table import Figure, markdown_table, read_figures

ROOT = Path(__file__).resolve().parents[1]
# In the order the issue lists them; each is `python -m bench.<name>`.
BENCHMARKS = (
    "long_conversation",
    "browser_latency",
    "streaming",
    "memory",
    "large_upload",
    "prompt_caching",
    "table_profile",
)


def available() -> list[str]:
    return [name for name in BENCHMARKS if (ROOT / "bench" / f"{name}.py").exists()]


def run_one(name: str, quick: bool, folder: Path) -> list[Figure]:
    out = folder / f"{name}.json"
    command = [sys.executable, "-m", f"bench.{name}", "--figures", str(out)]
    command += ["--quick"] if quick else []
    print(f"## {name}", flush=True)
    done = subprocess.run(command, cwd=ROOT, check=False)
    if done.returncode != 0 or not out.exists():
        print(f"{name} failed (exit {done.returncode})", file=sys.stderr, flush=True)
        return []
    return read_figures(out)


def main(argv: Sequence[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--quick", action="store_true", help="every benchmark at its tiny size")
    args.add_argument("--only", action="append", choices=available(), help="run just these")
    options = args.parse_args(argv)
    names = options.only or available()
    figures: list[Figure] = []
    failed = []
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        for name in names:
            got = run_one(name, options.quick, Path(folder))
            figures += got
            failed += [] if got else [name]
    print()
    print(markdown_table(figures))
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
