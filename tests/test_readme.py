"""The README's commands and the output it shows are real."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def _block_after(marker: str) -> list[str]:
    after = README.split(marker, 1)[1]
    block = after.split("```", 2)[1]
    return [line.rstrip() for line in block.splitlines()[1:] if line.strip()]


def test_ci_runs_the_readme_test_command() -> None:
    assert 'pip install ".[test]" && pytest' in README
    ci = (REPO / ".ci" / "run").read_text()
    assert 'pip install --quiet ".[test]"' in ci and "\npytest" in ci


def test_readme_output_is_what_the_command_prints(tmp_path: Path) -> None:
    shown = _block_after("Output of the first command")
    proc = subprocess.run(
        [sys.executable, "-m", "portfolio_guard", "check",
         "examples/ibkr_activity_statement.csv", "--as-of", "2026-11-29"],
        capture_output=True, text=True, cwd=REPO, timeout=120,
        env={**os.environ, "COLUMNS": "80", "TERM": "dumb"},
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    printed = [line.rstrip() for line in proc.stdout.splitlines()]
    # The summary lines and every table row shown (the README abridges with "...").
    for line in shown:
        if line == "...":
            break
        assert line in printed, f"README shows a line the command does not print: {line!r}"
