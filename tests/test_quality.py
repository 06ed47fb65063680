"""Lint and type checks as tests, so the README's one test command covers them."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from conftest import REPO


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, cwd=REPO, timeout=600)


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed")
def test_ruff_check() -> None:
    proc = _run("ruff", "check", "portfolio_guard", "tests", "benchmarks")
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed")
def test_ruff_format() -> None:
    proc = _run("ruff", "format", "--check", "portfolio_guard", "tests", "benchmarks")
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
def test_mypy_strict() -> None:
    pytest.importorskip("mypy")
    proc = _run(sys.executable, "-m", "mypy")
    assert proc.returncode == 0, proc.stdout + proc.stderr
