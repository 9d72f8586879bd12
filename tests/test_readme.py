"""The README's commands, run as written on a clean checkout: the quick start, the keyless
demo, and the command line pointed at the demo server. Each fenced command is taken from
the README verbatim; only the `<id …>` placeholder is filled in with the id the first
command printed."""

from __future__ import annotations

import os
import re
import select
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
APP_PORT, DEMO_PORT = 8501, 8765  # the ports the README's commands use
START_SECONDS = 60.0
INSTALL_SECONDS = 600.0  # a command that installs first (pip on a fresh machine)
COMMAND_SECONDS = 300.0  # a pip install on a slow registry
STOP_SECONDS = 10.0  # for the background jobs of a README section to end
PLACEHOLDER = re.compile(r"<id[^>]*>")
SAVED_AS = re.compile(r"\[saved as conversation ([0-9a-f]+)\]")


def fenced_commands(section: str) -> list[str]:
    """The lines of the ```bash blocks under the README's `## section` heading."""
    text = (REPO / "README.md").read_text()
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", body, re.DOTALL)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A clean clone of this repository, as a newcomer would have it."""
    for port in (APP_PORT, DEMO_PORT):
        wait_until_free(port)
    clone = tmp_path / "checkout"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    return clone


def newcomer_env() -> dict[str, str]:
    """The environment of someone with no key and no settings of the app's."""
    prefixes = ("ANTHROPIC_", "ASSISTANT_")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


class Shell:
    """One bash session fed the commands as typed; `run` returns what a command printed."""

    def __init__(self, cwd: Path) -> None:
        self.process = subprocess.Popen(
            ["bash"],
            cwd=cwd,
            env=newcomer_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its background jobs end with it
        )

    def run(self, command: str) -> tuple[int, str]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{command}\necho __done__$?\n")
        self.process.stdin.flush()
        lines = []
        deadline = time.monotonic() + COMMAND_SECONDS
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.process.stdout], [], [], 1.0)
            if not ready:
                continue  # nothing printed yet: keep the deadline, never block past it
            line = self.process.stdout.readline()
            if line.startswith("__done__"):
                return int(line.removeprefix("__done__")), "".join(lines)
            lines.append(line)
        raise AssertionError(f"{command!r} did not finish: {''.join(lines)}")

    def close(self) -> None:
        """End the shell and its background jobs (the demo server): asked first, then made
        to, so that no job outlives the test and holds a README port for the next one."""
        group = self.process.pid
        os.killpg(group, signal.SIGTERM)
        self.process.wait(10)
        deadline = time.monotonic() + STOP_SECONDS
        while _group_alive(group) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _group_alive(group):
            os.killpg(group, signal.SIGKILL)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def serve_and_check(command: str, cwd: Path, log: Path) -> None:
    """Run a command that starts the app; it must answer its health check, then it is stopped."""
    with log.open("w") as out:
        server = subprocess.Popen(
            command, shell=True, cwd=cwd, env=newcomer_env(), stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        limit = INSTALL_SECONDS if "pip install" in command else START_SECONDS
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            assert server.poll() is None, f"{command!r} ended: {log.read_text()}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{APP_PORT}/_stcore/health") as r:
                    if r.read() == b"ok":
                        return
            except OSError:
                time.sleep(0.5)
        raise AssertionError(f"{command!r} never answered: {log.read_text()}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)
        wait_until_free(APP_PORT)


def run_section(section: str, cwd: Path, tmp_path: Path) -> list[str]:
    """Every command of a section, in order; a command that starts the app is checked and
    stopped. Returns what the other commands printed."""
    shell = Shell(cwd)
    printed: list[str] = []
    try:
        for command in fenced_commands(section):
            if "streamlit run" in command:
                serve_and_check(command, cwd, tmp_path / f"{section}.log")
                continue
            found = SAVED_AS.findall("".join(printed))
            if PLACEHOLDER.search(command):
                assert found, f"no conversation id printed before {command!r}"
                command = PLACEHOLDER.sub(found[-1], command)
            status, output = shell.run(command)
            assert status == 0, f"{command!r} exited {status}: {output}"
            printed.append(output)
            if command.endswith("&"):
                wait_for_port(DEMO_PORT)
    finally:
        shell.close()
        wait_until_free(DEMO_PORT)
    return printed


def wait_until_free(port: int) -> None:
    """The README's commands use fixed ports: a server of an earlier test must be gone.

    On a developer's machine something else may hold them (an app left running): the
    test skips there, and fails only under CI, where nothing else may.
    """
    deadline = time.monotonic() + START_SECONDS
    while not port_is_free(port):
        if time.monotonic() >= deadline:
            message = f"port {port}, which the README uses, is taken"
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(message)
            pytest.skip(message)
        time.sleep(0.2)


def wait_for_port(port: int) -> None:
    deadline = time.monotonic() + START_SECONDS
    while port_is_free(port):
        assert time.monotonic() < deadline, f"nothing listens on port {port}"
        time.sleep(0.2)


def test_the_quick_start_installs_and_starts_the_app(checkout: Path, tmp_path: Path) -> None:
    run_section("Install and start", checkout, tmp_path)


def test_the_keyless_demo_starts(checkout: Path, tmp_path: Path) -> None:
    run_section("Try it without a key", checkout, tmp_path)


def test_the_command_line_example_answers_and_continues(checkout: Path, tmp_path: Path) -> None:
    first, second = run_section("Command line", checkout, tmp_path)[-2:]
    assert "rows x 2 columns" in first  # the demo's pandas summary of data.csv
    assert SAVED_AS.search(second) and "demo server" in second
