"""Each OFAC format's reader on small fixtures in the official layouts (tests/fixtures/ofac).

The fixtures hold the same five CMIC entries (abridged and edited from the real list to carry
the quirks) plus non-CMIC rows, in all four formats, so the readers must agree on them.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import shutil
from datetime import date
from pathlib import Path

import pytest

from portfolio_guard.entity import Alias, Entity, Registration, SourceList
from portfolio_guard.sources import detect_format, diff_sources, read_source

FIXTURES = Path(__file__).parent / "fixtures" / "ofac"
CSV_SET = FIXTURES / "legacy_csv"
LEGACY_XML = FIXTURES / "legacy_xml_fixture.xml"
ENHANCED_XML = FIXTURES / "enhanced_xml_fixture.xml"
CSL = FIXTURES / "csl_fixture.csv"
UIDS = [30923, 30930, 30944, 33113, 33114]
USCC = "Unified Social Credit Code (USCC)"
LISTED, EFFECTIVE, DIVEST = date(2021, 6, 3), date(2021, 8, 2), date(2022, 6, 3)  # E.O. 14032 Annex

CHINA_MOBILE = Entity(
    uid=30923,
    name="CHINA MOBILE LIMITED",
    aliases=(Alias("CHINA MOBILE LTD", "aka", "strong"),),
    issuer_names=("China Mobile Limited", "China Mobile Ltd"),
    isins=("US16941M1099", "HK0941009539"),  # published twice, kept once
    tickers=("CHL US", "941 HK"),
    target_type="Public Company",
    linked_to=("CHINA MOBILE COMMUNICATIONS GROUP CO., LTD.",),  # period kept despite the merge
    listing_date=LISTED,
    effective_date=EFFECTIVE,
    divestment_date=DIVEST,
)
CCCC_ISINS = [
    *("CND10000GBD8", "CND10001TD67", "CND10002GB63", "CND10001TD75", "US1689261030"),
    *("CND10002G6P3", "CND10003TZ93", "CND100017CS9", "CND10001TD59", "CND10002K094"),
    *("CND10002H1Z2", "CND10003R421", "CND10002KKV9", "CND10002DZZ3", "CND10003KT58"),
    *("CND100043Z00", "CNE1000002F5", "CND10002G601", "CND10002GB71", "CNE100001FN5"),
]
CCCC = Entity(
    uid=30930,
    name="CHINA COMMUNICATIONS CONSTRUCTION COMPANY LIMITED",
    aliases=(
        Alias("CHINA COMMUNICATIONS CONSTRUCTION CO LTD", "aka", "strong"),
        Alias("CCCC", "aka", "weak"),  # only in the overflow, cons_comments.csv
    ),
    issuer_names=(
        "China Communications Construction Co. Ltd",
        "China Communications Construction Company Limited",
        "China Communications Construction Company Ltd",
        "China Communications Constr Co Ltd",
    ),
    isins=tuple(CCCC_ISINS),  # with the two that fail their check digit
    tickers=("601800  CN", "01800  HK", "CYY DE"),  # OFAC's double-space slips, as printed
    registrations=(Registration(USCC, "91110000710934369E", "China"),),
    target_type="Public Company",
    listing_date=LISTED,
    effective_date=EFFECTIVE,
    divestment_date=DIVEST,
)


def read_all() -> dict[str, SourceList]:
    return {
        "legacy_csv": read_source(CSV_SET),
        "legacy_xml": read_source(LEGACY_XML),
        "enhanced_xml": read_source(ENHANCED_XML),
        "csl": read_source(CSL),
    }


def by_uid(source: SourceList) -> dict[int, Entity]:
    return {e.uid: e for e in source.entities}


# --- the same entities from every format ---------------------------------------------------


def test_every_format_finds_the_cmic_entries_only_sorted_by_uid() -> None:
    for fmt, source in read_all().items():
        assert source.format == fmt
        assert [e.uid for e in source.entities] == UIDS, fmt


def test_formats_agree_on_everything_both_carry() -> None:
    sources = read_all()
    for a, b in itertools.combinations(sources, 2):
        diff = diff_sources(sources[a], sources[b])
        assert not diff, (a, b, diff.summary())


@pytest.mark.parametrize("fmt", ["legacy_csv", "legacy_xml", "enhanced_xml"])
def test_ofac_formats_give_the_golden_records(fmt: str) -> None:
    entities = by_uid(read_all()[fmt])
    assert entities[30923].linked_to == CHINA_MOBILE.linked_to
    linked_uids = (30944,) if fmt == "enhanced_xml" else ()
    assert entities[30923] == dataclasses.replace(CHINA_MOBILE, linked_uids=linked_uids)
    assert entities[30930] == CCCC


def test_as_of_and_records_read() -> None:
    sources = read_all()
    assert sources["legacy_xml"].as_of == date(2025, 6, 30)
    assert sources["enhanced_xml"].as_of == date(2026, 1, 8)
    assert sources["legacy_csv"].as_of is None and sources["csl"].as_of is None
    assert {f: s.records_read for f, s in sources.items()} == {
        "legacy_csv": 7,
        "legacy_xml": 7,
        "enhanced_xml": 6,
        "csl": 6,  # header copy and the cut-short last row are not records
    }


# --- legacy CSV ---------------------------------------------------------------------------


def test_fixture_has_the_quirks_it_claims() -> None:
    prim = (CSV_SET / "prim_fixture.csv").read_bytes()
    assert prim.endswith(b"\r\n\x1a") and b'\r\n30930,"' in prim
    remarks = prim.split(b"\r\n30930,")[1].split(b"\r\n")[0].rsplit(b',"', 1)[1].rstrip(b'"')
    assert len(remarks) == 1000 and remarks.endswith(b"91110000710934369")  # cut mid-token
    assert (CSV_SET / "comments_fixture.csv").read_bytes().startswith(b'30930,"E (China)')
    assert b"-0- ," in prim


def test_csv_set_given_as_files_in_any_order_or_as_directory() -> None:
    files = [CSV_SET / n for n in ("comments_fixture.csv", "add_fixture.csv", "prim_fixture.csv")]
    alt = CSV_SET / "alt_fixture.csv"
    by_files = read_source(*files, alt)
    by_dir = read_source(CSV_SET)
    assert by_files.entities == by_dir.entities
    # Files are ordered by their role in the set (prim, alt, add, comments), found by content.
    assert [Path(f).name for f in by_dir.files] == [
        "prim_fixture.csv",
        "alt_fixture.csv",
        "add_fixture.csv",
        "comments_fixture.csv",
    ]


def test_lf_line_ends_and_no_eof_byte_read_the_same(tmp_path: Path) -> None:
    for f in CSV_SET.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes().replace(b"\r\n", b"\n").rstrip(b"\x1a"))
    assert read_source(tmp_path).entities == read_source(CSV_SET).entities


def test_weak_aliases_come_from_remarks_strong_ones_from_cons_alt() -> None:
    e = by_uid(read_source(CSV_SET))[30944]
    assert e.aliases == (
        Alias("CHINA MOBILE COMMUNICATIONS CORPORATION", "fka", "strong"),
        Alias("CHINA MOBILE COMMUNICATIONS GROUP CO LTD", "aka", "strong"),
        Alias("CMCC", "aka", "weak"),
    )


def test_prim_alone_has_weak_aliases_and_warns_about_the_cut(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    prim = tmp_path / "cons_prim.csv"
    shutil.copy(CSV_SET / "prim_fixture.csv", prim)
    with caplog.at_level(logging.WARNING, "portfolio_guard.sources"):
        entities = by_uid(read_source(prim))
    assert [a.strength for e in entities.values() for a in e.aliases] == ["weak", "weak"]
    cut = entities[30930]
    # The cut fell inside the USCC number: the whole segment is left out, not half kept.
    assert cut.registrations == () and cut.aliases == ()
    assert cut.isins == CCCC.isins and cut.listing_date == CCCC.listing_date
    assert "uid 30930" in caplog.text and "91110000710934369" in caplog.text


def test_renamed_files_are_detected_by_content(tmp_path: Path) -> None:
    names = {"prim_fixture.csv": "a.txt", "alt_fixture.csv": "b.dat", "comments_fixture.csv": "c"}
    for src, dst in names.items():
        shutil.copy(CSV_SET / src, tmp_path / dst)
    shutil.copy(CSL, tmp_path / "consolidated.xml")
    assert detect_format(tmp_path / "consolidated.xml") == "csl"
    assert detect_format(tmp_path / "a.txt") == "legacy_csv"
    source = read_source(*(tmp_path / n for n in names.values()))
    assert source.entities == read_source(*(CSV_SET / n for n in names)).entities


# --- legacy XML ---------------------------------------------------------------------------


def test_uid_trap_only_the_entrys_own_uid_counts() -> None:
    text = LEGACY_XML.read_bytes().decode("ascii")
    # A non-CMIC entry's aka and id carry uids equal to CMIC entity numbers.
    assert text.index("<uid>30923</uid>") < text.index("<uid>30923</uid>\r\n    <lastName>CHINA")
    assert [e.uid for e in read_source(LEGACY_XML).entities] == UIDS


def test_legacy_xml_crlf_and_lf_read_the_same(tmp_path: Path) -> None:
    lf = tmp_path / "x.xml"
    lf.write_bytes(LEGACY_XML.read_bytes().replace(b"\r\n", b"\n"))
    assert read_source(lf).entities == read_source(LEGACY_XML).entities


# --- enhanced XML -------------------------------------------------------------------------


def test_enhanced_resolves_types_through_feature_types_and_reference_values() -> None:
    text = ENHANCED_XML.read_text(encoding="utf-8")
    assert '<type featureTypeId="806"></type>' in text  # ISIN named only in featureTypes
    assert "<valueRefId>92042</valueRefId>" in text  # target type only in referenceValues
    e = by_uid(read_source(ENHANCED_XML))[30923]
    assert e.isins == CHINA_MOBILE.isins and e.target_type == "Public Company"


def test_enhanced_display_name_is_the_primary_latin_translation() -> None:
    entities = by_uid(read_source(ENHANCED_XML))
    assert entities[33113].name == "DAWNING INFORMATION INDUSTRY CO., LTD"
    assert entities[33113].other_names == ("曙光信息产业股份有限公司",)
    assert entities[33114].other_names == ("商湯集團有限公司",)
    assert entities[33114].registrations == (
        Registration("C.R. No.", "2162198", "Hong Kong"),
        Registration("Legal Entity Number", "3003004ZY8H4HT5UH232", None),
    )


def test_only_enhanced_gives_linked_uids() -> None:
    sources = read_all()
    assert by_uid(sources["enhanced_xml"])[30923].linked_uids == (30944,)
    assert all(
        not e.linked_uids for f in ("legacy_csv", "legacy_xml", "csl") for e in sources[f].entities
    )


# --- CSL ----------------------------------------------------------------------------------


def test_csl_keeps_mixed_case_and_maps_country_codes(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, "portfolio_guard.sources"):
        entities = by_uid(read_source(CSL))
    assert "8 of 29 fields" in caplog.text  # the cut-short last (non-CMIC) row
    assert entities[30923].name == "China Mobile Limited"
    assert entities[30923].aliases == (Alias("China Mobile Ltd", "aka", None),)
    assert entities[33113].issuer_names == ("Sugon Information Industry Co., Ltd.",)
    assert entities[33114].registrations[0] == Registration("C.R. No.", "2162198", "Hong Kong")
    assert entities[30930].tickers == CCCC.tickers and entities[30930].linked_to == ()


def test_csl_duplicate_header_row_is_skipped() -> None:
    assert CSL.read_text().count("_id,source,entity_number") == 2
    assert read_source(CSL).records_read == 6
