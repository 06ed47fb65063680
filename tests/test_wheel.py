"""A non-editable install from a fresh clone carries the listings dataset and uses it."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REPO


@pytest.mark.slow
def test_wheel_ships_and_loads_the_dataset(tmp_path: Path) -> None:
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(REPO),
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    wheel = next((tmp_path / "dist").glob("portfolio_guard-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert {
            "portfolio_guard/_listings/manifest.json",
            "portfolio_guard/_listings/entities.json",
            "portfolio_guard/_listings/securities.csv",
            "portfolio_guard/_listings/curated.csv",
        } <= names
        zf.extractall(tmp_path / "site")
    # Import from the unpacked wheel only, away from the repository.
    code = (
        "import json, portfolio_guard, portfolio_guard.listings as L;"
        "ls = L.load_listings();"
        "print(json.dumps([portfolio_guard.__file__, ls.path, len(ls)]))"
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            f"import sys; sys.path[:0] = [{str(tmp_path / 'site')!r}]; {code}",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    module_file, data_path, count = json.loads(proc.stdout)
    assert module_file.startswith(str(tmp_path / "site"))
    assert data_path.endswith("_listings")
    assert count == 68
