"""services.memory: what a thread frees goes back to the system, in a process of its own
(resident memory is the process's, and never shrinks on its own once grown)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from services import memory

REPO_ROOT = Path(__file__).resolve().parents[2]

# Objects made on a worker thread, as a turn's thread makes them (bigger than Python's own
# small-object heaps), and freed but for a few that live on, scattered among them: the
# pages between those stay resident until malloc is told to give them back.
CHILD = """
import gc, json, sys, threading
from services import memory

def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

survivors = []

def churn():
    made = [bytes(2000) + str(i).encode() for i in range(100_000)]
    survivors.extend(made[::64])
    del made

release = sys.argv[1] == "release"
if release:
    memory.limit_arenas()
base = rss()
worker = threading.Thread(target=churn)
worker.start()
worker.join()
gc.collect()
freed = rss()
if release:
    memory.release_free_memory()
print(json.dumps({"base": base, "freed": freed, "after": rss()}))
"""


def run_child(mode: str) -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, mode],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout)


needs_glibc = pytest.mark.skipif(
    memory._glibc() is None or not Path("/proc/self/status").exists(),
    reason="glibc malloc and /proc are what this releases memory through",
)


@needs_glibc
def test_memory_a_finished_thread_freed_stays_resident_until_released():
    kept = run_child("keep")
    released = run_child("release")
    grown = kept["freed"] - kept["base"]
    assert grown > 50 * 1024  # KiB: the freed objects' pages are still counted as resident
    assert kept["after"] - kept["base"] > grown / 2
    assert released["after"] - released["base"] < (released["freed"] - released["base"]) / 2


@needs_glibc
def test_one_release_thread_per_process():
    first = memory.start_memory_release(interval=3600)
    assert first is not None and first.is_alive()
    assert memory.start_memory_release(interval=3600) is first
