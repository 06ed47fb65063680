"""``portfolio-guard listings ...`` end to end, through a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, shared_ofac

FIXTURE_XML = REPO / "tests" / "fixtures" / "ofac" / "enhanced_xml_fixture.xml"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "portfolio_guard", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_show_json_contract(tmp_path: Path) -> None:
    proc = run("listings", "show", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert isinstance(data, list) and len(data) == 68
    for ent in data:
        assert isinstance(ent["uid"], int)
        assert isinstance(ent["name"], str)
        assert isinstance(ent["aliases"], list)
        assert all(isinstance(a, str) for a in ent["aliases"])
        for key in ("listing_date", "effective_date", "divestment_date"):
            assert len(ent[key]) == 10 and ent[key][4] == "-"
        for sec in ent["securities"]:
            assert "isin" in sec or "ticker" in sec
            assert "market" in sec and "source" in sec
        for other in ent["other_identifiers"]:
            assert "cusip" in other or "figi" in other
    hik = next(e for e in data if e["uid"] == 30946)
    assert {"ticker": "002415", "market": "XSHE"}.items() <= next(
        s for s in hik["securities"] if "ticker" in s
    ).items()


def test_show_table_and_csv(tmp_path: Path) -> None:
    table = run("listings", "show", cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    assert "HIKVISION" in table.stdout
    csv_out = run("listings", "show", "--format", "csv", cwd=tmp_path)
    assert csv_out.stdout.splitlines()[0].startswith("uid,name,listing_date")
    assert len(csv_out.stdout.splitlines()) == 69


@pytest.mark.parametrize(
    ("query", "uid"),
    [
        ("0941.HK", 30923),
        ("941 HK", 30923),
        ("HK:0941", 30923),
        ("US16941M1099", 30923),
        ("16941M109", 30923),
        ("600118 CH", 30934),
        ("002415.SZ", 30946),
        ("hikvision", 30946),
        ("0020.HK", 33114),
        ("Dawning Information", 33113),
    ],
)
def test_search_any_spelling(tmp_path: Path, query: str, uid: int) -> None:
    proc = run("listings", "search", query, "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert uid in [hit["entity"]["uid"] for hit in json.loads(proc.stdout)]


def test_search_nothing(tmp_path: Path) -> None:
    proc = run("listings", "search", "APPLE INC", cwd=tmp_path)
    assert proc.returncode == 1
    assert "no listed company" in proc.stdout


@pytest.mark.shared
def test_diff_two_official_files_reports_no_cmic_change(tmp_path: Path) -> None:
    old = shared_ofac("2023-11-30", "csl.csv")
    new = shared_ofac("2026-01-08", "cons_enhanced.xml")
    proc = run("listings", "diff", str(old), str(new), "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert (out["added"], out["removed"], out["changed"]) == ([], [], {})


def test_build_then_diff_builds(tmp_path: Path) -> None:
    curated = tmp_path / "curated.csv"
    curated.write_text("entity_uid,entity_name,kind,value,market,note,source,source_date\n")
    built = run(
        "listings",
        "build",
        str(FIXTURE_XML),
        "--out",
        "a",
        "--curated",
        str(curated),
        cwd=tmp_path,
    )
    assert built.returncode == 0, built.stderr
    assert "entities" in built.stdout
    proc = run("listings", "diff", "a", str(REPO / "listings"), "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["added"], "the shipped list has entities the small fixture lacks"
    assert out["securities_added"]


def _error_of(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_not_an_ofac_file(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.xml"
    bogus.write_text("<?xml version='1.0'?><catalog><book/></catalog>")
    line = _error_of(run("listings", "build", str(bogus), "--out", "o", cwd=tmp_path))
    assert "notes.xml" in line and "OFAC" in line


def test_truncated_xml(tmp_path: Path) -> None:
    cut = tmp_path / "cons_enhanced.xml"
    cut.write_bytes(FIXTURE_XML.read_bytes()[:3000])
    line = _error_of(run("listings", "build", str(cut), "--out", "o", cwd=tmp_path))
    assert "cons_enhanced.xml" in line


def test_csv_of_another_layout(tmp_path: Path) -> None:
    other = tmp_path / "positions.csv"
    other.write_text("Symbol,Quantity,Price\nAAPL,10,190.1\n")
    line = _error_of(run("listings", "build", str(other), "--out", "o", cwd=tmp_path))
    assert "positions.csv" in line


def test_missing_file(tmp_path: Path) -> None:
    line = _error_of(run("listings", "build", "nowhere.xml", "--out", "o", cwd=tmp_path))
    assert "nowhere.xml" in line


def test_corrupt_listings_is_a_clear_error(tmp_path: Path, listings_copy: Path) -> None:
    (listings_copy / "entities.json").write_text("[]\n")
    line = _error_of(run("--listings", str(listings_copy), "listings", "show", cwd=tmp_path))
    assert "does not match the manifest" in line
