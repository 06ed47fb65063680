"""Acceptance: the real OFAC files in ../shared/ofac (7 snapshots, 4 formats) agree.

Facts checked here are the ones docs/ofac-formats.md reads from these files. Skipped when the
shared folder is absent (e.g. a clone without the project's shared data).
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from stdnum import isin as stdnum_isin

from portfolio_guard.entity import Entity, SourceList
from portfolio_guard.sources import detect_format, diff_sources, read_source

SHARED = Path(__file__).resolve().parents[2] / "shared" / "ofac"
pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not SHARED.is_dir(), reason=f"real OFAC files not found at {SHARED}"),
]

SNAPSHOTS = {
    "2023-11-30": ("csl", ["csl.csv"], None),
    "2024-05-06": ("legacy_xml", ["consolidated.xml"], date(2024, 5, 6)),
    "2024-07-03": ("enhanced_xml", ["cons_enhanced.xml"], date(2024, 7, 3)),
    "2025-04-21": ("legacy_csv", ["cons_prim.csv", "cons_add.csv"], None),
    "2025-06-30": ("legacy_xml", ["consolidated.xml"], date(2025, 6, 30)),
    "2025-12-19": (
        "legacy_csv",
        ["cons_prim.csv", "cons_alt.csv", "cons_add.csv", "cons_comments.csv"],
        None,
    ),
    "2026-01-08": ("enhanced_xml", ["cons_enhanced.xml"], date(2026, 1, 8)),
}
REFERENCE = "2025-06-30"  # a complete legacy XML
# The 2025-04-21 set has no cons_comments.csv: the Remarks of 30930 stop at 1,000 characters,
# just before "(China); a.k.a. 'CCCC'." So its USCC has no country and its weak alias is lost.
TRUNCATED = ("2025-04-21", 30930)


@pytest.fixture(scope="module")
def sources() -> dict[str, SourceList]:
    return {day: read_source(SHARED / day) for day in SNAPSHOTS}


def by_uid(source: SourceList) -> dict[int, Entity]:
    return {e.uid: e for e in source.entities}


@pytest.mark.parametrize("day", SNAPSHOTS)
def test_each_snapshot_reads_in_its_format_with_its_date(
    day: str, sources: dict[str, SourceList]
) -> None:
    fmt, files, as_of = SNAPSHOTS[day]
    source = sources[day]
    assert source.format == fmt and source.as_of == as_of
    assert sorted(Path(f).name for f in source.files) == sorted(files)
    assert all(detect_format(SHARED / day / f) == fmt for f in files)
    assert len(source.entities) == 68
    assert (source.entities[0].uid, source.entities[-1].uid) == (30882, 33896)


@pytest.mark.parametrize("day", [d for d in SNAPSHOTS if d != REFERENCE])
def test_every_format_yields_the_same_cmic_facts(day: str, sources: dict[str, SourceList]) -> None:
    fmt = SNAPSHOTS[day][0]
    ref, got = by_uid(sources[REFERENCE]), by_uid(sources[day])
    assert got.keys() == ref.keys()
    for uid, r in ref.items():
        e = got[uid]
        dates = (e.listing_date, e.effective_date, e.divestment_date)
        assert dates == (r.listing_date, r.effective_date, r.divestment_date), uid
        assert set(e.isins) == set(r.isins) and set(e.tickers) == set(r.tickers), uid
        assert set(e.issuer_names) == set(r.issuer_names), uid
        assert e.target_type == r.target_type, uid
        if (day, uid) == TRUNCATED:
            assert [(x.kind, x.number, x.country) for x in e.registrations] == [
                ("Unified Social Credit Code (USCC)", "91110000710934369E", None)
            ]
        else:
            assert set(e.registrations) == set(r.registrations), uid
        if fmt == "csl":
            assert e.name.upper() == r.name, uid
            assert {a.name.upper() for a in e.aliases} == {a.name for a in r.aliases}, uid
            assert e.linked_to == (), uid
            continue
        assert e.name == r.name and e.linked_to == r.linked_to, uid
        expected = set(r.aliases)
        if day == "2025-04-21":  # no cons_alt.csv: the weak aliases from Remarks only
            expected = {a for a in expected if a.strength == "weak"}
            if uid == TRUNCATED[1]:
                expected = set()
        assert set(e.aliases) == expected, uid


def test_diffing_any_two_snapshots_shows_no_cmic_change(sources: dict[str, SourceList]) -> None:
    for a, b in itertools.combinations(SNAPSHOTS, 2):
        diff = diff_sources(sources[a], sources[b])
        assert not diff.added and not diff.removed, (a, b)
        changes = {(uid, c.field) for uid, cs in diff.changed.items() for c in cs}
        if TRUNCATED[0] in (a, b):  # only what the cut Remarks lost (aliases where comparable)
            assert changes <= {(30930, "registrations"), (30930, "aliases")}, (a, b, diff.summary())
            assert (30930, "registrations") in changes
        else:
            assert not changes, (a, b, diff.summary())


def test_identifier_facts_from_the_spec(sources: dict[str, SourceList]) -> None:
    for day, source in sources.items():
        entities = source.entities
        isins = [i for e in entities for i in e.isins]
        tickers = [t for e in entities for t in e.tickers]
        assert len(isins) == 163 and len(tickers) == 69, day  # 165 published, 2 repeats
        invalid = sorted(i for i in isins if not stdnum_isin.is_valid(i))
        assert invalid == ["BRC1EODR004", "CND10002G601", "CND10002K094"], day
        assert sum("  " in t for t in tickers) == 11 and "603019CN" in tickers, day
        assert sum(len(e.issuer_names) for e in entities) == 73, day
        uscc = [r for e in entities for r in e.registrations if "USCC" in r.kind]
        assert len(uscc) == 58, day
        if day != TRUNCATED[0]:
            assert {r.country for r in uscc} == {"China"}, day
        assert Counter(e.target_type for e in entities)["Public Company"] == 34, day


def test_aliases_and_links_from_the_spec(sources: dict[str, SourceList]) -> None:
    for day, source in sources.items():
        aliases = [a for e in source.entities for a in e.aliases]
        if SNAPSHOTS[day][0] == "csl" or day == "2025-04-21":
            continue
        assert Counter(a.kind for a in aliases) == {"aka": 118, "fka": 19}, day
        assert Counter(a.strength for a in aliases) == {"strong": 110, "weak": 27}, day
        linked = {e.uid: e.linked_to for e in source.entities if e.linked_to}
        assert len(linked) == 9, day
        assert linked[32089] == linked[32091] == ("HUAWEI INVESTMENT & HOLDING CO., LTD.",), day


def test_enhanced_extras(sources: dict[str, SourceList]) -> None:
    for day in ("2024-07-03", "2026-01-08"):
        entities = by_uid(sources[day])
        other = {uid: e.other_names for uid, e in entities.items() if e.other_names}
        assert sorted(other) == [33091, 33111, 33112, 33113, 33114, 33893], day
        assert other[33113] == ("曙光信息产业股份有限公司",) and other[33114] == (
            "商湯集團有限公司",
        )
        assert entities[33114].name == "SENSETIME GROUP LIMITED"
        assert entities[30923].linked_uids == (30944,)
        assert entities[32089].linked_uids == entities[32091].linked_uids == (32087,)


@pytest.mark.parametrize("day", SNAPSHOTS)
def test_each_real_source_reads_in_well_under_a_second(day: str) -> None:
    started = time.perf_counter()
    read_source(SHARED / day)
    assert time.perf_counter() - started < 1.0
