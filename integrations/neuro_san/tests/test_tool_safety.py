"""What a call may touch on this machine, what it does when cancelled or odd, and that
it never holds up neuro-san's event loop."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from pathlib import Path

import pytest

from fake_anthropic import CodeStep, FakeAnthropic, OutFile, Text, Turn
from integrations.neuro_san import backend, copies
from integrations.neuro_san.tests.conftest import call_tool
from integrations.neuro_san.tests.test_tool import Reporter
from services.store import LOCAL_OWNER, Store


def test_only_visible_files_inside_the_root_and_outside_the_data_dir_are_attached(
    fake: FakeAnthropic, tool_env: Path, tmp_path: Path
) -> None:
    hidden = tmp_path / ".env"
    hidden.write_text("ANTHROPIC_API_KEY=sk-ant-secret\n")
    in_data = tool_env / "assistant.db"  # the store itself, opened by the first call below
    outside = tmp_path.parent / f"{tmp_path.name}-outside.csv"
    outside.write_text("a,b\n")
    fake.enqueue(Turn((Text("One."),)), Turn((Text("Two."),)))
    call_tool({"query": "warm up"})
    wanted = ["/proc/self/environ", str(hidden), str(in_data), str(outside)]
    answer = call_tool({"query": "Read these", "additional_kwargs": {"files": wanted}})

    for path in ("/proc/self/environ", hidden, outside):
        assert f"`{path}` was not attached: only files inside `{tmp_path}`" in answer
    assert f"`{in_data}` was not attached: files of the app's own data folder" in answer
    last = fake.message_requests()[-1]["messages"][-1]["content"]
    assert [b["type"] for b in last] == ["text"]
    assert "sk-ant-secret" not in answer
    outside.unlink()


def test_save_dir_outside_the_roots_saves_nothing_and_says_so(
    fake: FakeAnthropic, tool_env: Path, tmp_path: Path
) -> None:
    fake.enqueue(Turn((CodeStep("python", {"code": "x"}, files=(OutFile("a.txt", b"A"),)),)))
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    hidden = tmp_path / ".ssh"
    for folder in (elsewhere, hidden):
        args = {"query": "x", "save_file": True, "additional_kwargs": {"save_dir": str(folder)}}
        fake.enqueue(Turn((CodeStep("python", {"code": "x"}, files=(OutFile("a.txt", b"A"),)),)))
        answer = call_tool(args)
        assert f"No file was saved to `{folder}`: files can be saved only inside" in answer
        assert not folder.exists()


def test_hostile_and_clashing_output_names_stay_in_the_folder_and_apart(
    fake: FakeAnthropic, tool_env: Path, tmp_path: Path
) -> None:
    files = (
        OutFile("../../escape.sh", b"echo 1"),
        OutFile(".bashrc", b"alias ls=rm"),
        OutFile("Chart.png", b"one"),
        OutFile("chart.png", b"two"),
    )
    fake.enqueue(Turn((CodeStep("python", {"code": "x"}, files=files),)))
    folder = tmp_path / "saved"
    call_tool({"query": "x", "save_file": True, "additional_kwargs": {"save_dir": str(folder)}})

    saved = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert all(not name.startswith(".") and "/" not in name for name in saved)
    assert sorted(saved.values()) == sorted(f.data for f in files)
    # The files download side by side, so either may come first and keep the plain name.
    charts = sorted(name for name in saved if name.lower().startswith("chart"))
    assert sorted(name.lower() for name in charts) == ["chart-2.png", "chart.png"]
    assert {saved[name] for name in charts} == {b"one", b"two"}
    assert not (tmp_path.parent / "escape.sh").exists()


def test_saves_at_the_same_time_never_overwrite_each_other(tmp_path: Path) -> None:
    blobs = [f"bytes {n}".encode() for n in range(12)]
    paths: list[Path] = []
    start = threading.Barrier(len(blobs))

    def save(data: bytes) -> None:
        start.wait()
        paths.append(copies._write(tmp_path, "chart.png", data))

    threads = [threading.Thread(target=save, args=(data,)) for data in blobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(paths)) == len(blobs)
    assert sorted(p.read_bytes() for p in paths) == sorted(blobs)


def test_a_cancelled_call_stops_its_turn(fake: FakeAnthropic, store: Store) -> None:
    step = CodeStep("bash", {"command": "sleep 600"}, hold="running")
    fake.enqueue(Turn((Text("Running it."), step, Text("never reached"))))

    async def scenario() -> None:
        from integrations.neuro_san.coded_tools.anthropic_code_execution.code_execution import (
            AnthropicCodeExecution,
        )

        reporter = Reporter()
        args = {"query": "x", "progress_reporter": reporter}
        call = asyncio.create_task(AnthropicCodeExecution().async_invoke(args, {}))
        # Cancelled once the tool has read the step (so the text before it arrived too).
        async with asyncio.timeout(20):
            while not any(r["event"] == "code_step" for r in reporter.reports):
                await asyncio.sleep(0.02)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call

    asyncio.run(scenario())
    assert fake.disconnected("running", timeout=10), "the stream was not closed"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        (row,) = store.list_conversations(LOCAL_OWNER)
        loaded = store.load_conversation(row.id, LOCAL_OWNER)
        ended = loaded is not None and loaded.statuses
        if ended and "in_progress" not in [s.value for s in loaded.statuses.values()]:
            break
        time.sleep(0.1)
    assert loaded is not None
    assert [s.value for s in loaded.statuses.values()] == ["stopped"], loaded.messages
    assert "Running it." in str(loaded.messages[-1]["content"])


def test_a_slow_store_does_not_hold_up_the_event_loop(
    fake: FakeAnthropic, tool_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = backend.open_store
    window: list[float] = []

    def slow_open(settings):  # a database that takes its time to answer
        window.append(time.monotonic())
        time.sleep(0.6)
        window.append(time.monotonic())
        return opened(settings)

    monkeypatch.setattr(backend, "open_store", slow_open)
    fake.enqueue(Turn((Text("Hi."),)))
    ticks: list[float] = []

    async def scenario() -> str:
        from integrations.neuro_san.coded_tools.anthropic_code_execution.code_execution import (
            AnthropicCodeExecution,
        )

        call = asyncio.create_task(AnthropicCodeExecution().async_invoke({"query": "x"}, {}))
        while not call.done():
            ticks.append(time.monotonic())
            await asyncio.sleep(0.02)
        return call.result()

    assert "Hi." in asyncio.run(scenario())
    started, ended = window
    # A loop blocked by the open would not tick at all while it lasts.
    assert any(started < tick < ended for tick in ticks)


def test_odd_numbers_and_arguments_never_raise(
    fake: FakeAnthropic, tool_env: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake.enqueue(Turn((Text("Fine."),)))
    caplog.set_level(logging.DEBUG)
    extra = {"max_tokens": 1e400, "top_k": 2.5, "temperature": float("nan"), "betas": 3}
    answer = call_tool({"query": "x", "additional_kwargs": extra}, {"api_key": "sk-ant-x"})
    assert "Fine." in answer
    for name in extra:
        assert f"`{name}` was not applied" in answer
    assert "sk-ant-x" not in caplog.text


def test_max_tokens_over_the_models_limit_is_lowered_with_a_note(
    fake: FakeAnthropic, tool_env: Path
) -> None:
    fake.enqueue(Turn((Text("Fine."),)))
    args = {
        "query": "x",
        "anthropic_model": "claude-haiku-4-5-20251001",
        "additional_kwargs": {"max_tokens": 100_000},
    }
    answer = call_tool(args)
    assert "`max_tokens` was lowered to 64000" in answer
    assert fake.message_requests()[0]["max_tokens"] == 64000
