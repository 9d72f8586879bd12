"""The neuro-san integration: its own test suite, run in its own environment (neuro-san 0.7
needs Python 3.12; scripts/neuro_san_env.sh builds it), and the rule that the app never
imports neuro-san or LangChain."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from services.export.imports import imported_modules

ROOT = Path(__file__).resolve().parents[2]
APP_CODE = ("app.py", "app_page.py", "services", "components", "fake_anthropic", "bench")
FORBIDDEN = ("neuro_san", "langchain", "langchain_core", "langchain_anthropic", "leaf_common")
NO_PYTHON = 3  # the script's exit code when no Python 3.12 or newer is found


def _imported_roots(path: Path) -> set[str]:
    return imported_modules(path.read_text(encoding="utf-8"))


def test_the_app_never_imports_neuro_san_or_langchain() -> None:
    files = [ROOT / name for name in APP_CODE if (ROOT / name).is_file()]
    files += [p for name in APP_CODE for p in (ROOT / name).rglob("*.py")]
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_roots(path) & set(FORBIDDEN))
        for path in files
    }
    assert {path: names for path, names in offenders.items() if names} == {}
    # Only the coded tool itself imports neuro-san inside the integration.
    integration = ROOT / "integrations" / "neuro_san"
    importers = sorted(
        str(p.relative_to(integration))
        for p in integration.rglob("*.py")
        if "tests" not in p.parts and "neuro_san" in _imported_roots(p)
    )
    assert importers == ["coded_tools/anthropic_code_execution/code_execution.py"]


def _integration_python() -> Path:
    built = subprocess.run(
        ["bash", str(ROOT / "scripts" / "neuro_san_env.sh")],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if built.returncode == NO_PYTHON and os.environ.get("CI", "").lower() not in ("true", "1"):
        pytest.skip(built.stderr.strip())
    assert built.returncode == 0, built.stderr[-4000:]
    return Path(built.stdout.strip().splitlines()[-1])


def test_the_integration_suite_passes_in_its_own_environment() -> None:
    python = _integration_python()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "ANTHROPIC_"))}
    env["PYTHONPATH"] = str(ROOT)
    run = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs",
         "integrations/neuro_san/tests"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )  # fmt: skip
    sys.stdout.write(run.stdout[-6000:])
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    summary = run.stdout.strip().splitlines()[-1]
    passed = re.search(r"(\d+) passed", summary)
    assert passed and int(passed.group(1)) >= 15, summary
    assert "skipped" not in summary and "xfail" not in summary, summary
