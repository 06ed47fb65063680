"""``portfolio-guard check`` end to end through a subprocess: contract, formats, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import REPO

EXAMPLE = REPO / "examples" / "ibkr_activity_statement.csv"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "portfolio_guard", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_json_contract(tmp_path: Path) -> None:
    proc = run("check", str(EXAMPLE), "--as-of", "2026-11-29", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    out = json.loads(proc.stdout)
    findings = out["findings"]
    assert {f["line"] for f in findings} == {11, 12, 14, 16, 17}
    for f in findings:
        assert f["file"] == str(EXAMPLE)
        assert isinstance(f["line"], int)
        assert f["status"] == "prohibited"
        assert isinstance(f["entity_uid"], int)
        assert f["entity_name"]
        assert f["matched_on"] in ("isin", "cusip", "figi", "ticker", "name")
        assert f["matched_value"]
        assert isinstance(f["score"], float)
        assert f["reason"]
    # Tencent (700), CRRC (1766), Apple and Berkshire are not findings.
    assert not {f["symbol"] for f in findings} & {"700", "1766", "AAPL", "BRK B"}


def test_exit_zero_when_nothing_is_prohibited(tmp_path: Path) -> None:
    clean = tmp_path / "clean.csv"
    clean.write_text("Symbol,Description,Quantity,Market Value\nAAPL,APPLE INC,10,1900\n")
    proc = run("check", str(clean), "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["findings"] == []


def test_before_the_listing_nothing_is_found(tmp_path: Path) -> None:
    proc = run("check", str(EXAMPLE), "--as-of", "2021-06-02", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["findings"] == []


def test_csv_html_and_output_file(tmp_path: Path) -> None:
    proc = run("check", str(EXAMPLE), "--as-of", "2026-11-29", "--format", "csv", cwd=tmp_path)
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("file,line,") and len(lines) == 6
    out = tmp_path / "report.html"
    proc = run("check", str(EXAMPLE), "--format", "html", "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 1
    assert out.read_text().startswith("<!DOCTYPE html>")


def test_table_output(tmp_path: Path) -> None:
    proc = run("check", str(EXAMPLE), "--as-of", "2026-11-29", cwd=tmp_path)
    assert proc.returncode == 1
    assert "prohibited 5" in proc.stdout and "CHINA MOBILE LIMITED" in proc.stdout


def test_bad_input_exits_two_with_one_line(tmp_path: Path) -> None:
    cases = [
        ("check", "missing.csv"),
        ("check", str(EXAMPLE), "--as-of", "29/11/2026"),
        ("check", str(EXAMPLE), "--columns", "nonsense"),
    ]
    unknown = tmp_path / "weird.csv"
    unknown.write_text("Foo,Bar\n1,2\n")
    cases.append(("check", str(unknown)))
    for args in cases:
        proc = run(*args, cwd=tmp_path)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr
        assert proc.stderr.startswith("portfolio-guard: error:"), proc.stderr


def test_read_json_contract(tmp_path: Path) -> None:
    proc = run("read", str(EXAMPLE), "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["layout"] == "ibkr-statement"
    assert len(out["holdings"]) == 9
    mobile = next(h for h in out["holdings"] if h["symbol"] == "941")
    assert mobile["isin"] == "HK0941009539" and mobile["source_line"] == 16
    assert mobile["quantity"] == 1500.0 and mobile["cusip"] is None
    assert all({"line", "reason"} <= set(s) for s in out["skipped"])
    proc = run("read", str(EXAMPLE), "--columns", "nonsense", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
