"""Every way an OFAC source can be wrong ends in the project's own error, with a location."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from portfolio_guard.errors import InputError, ParseError, UnknownFormatError
from portfolio_guard.sources import EXPECTED, detect_format, read_source
from portfolio_guard.sources.xmlsafe import parse_xml

FIXTURES = Path(__file__).parent / "fixtures" / "ofac"
CSV_SET = FIXTURES / "legacy_csv"
LEGACY_XML = FIXTURES / "legacy_xml_fixture.xml"
ENHANCED_XML = FIXTURES / "enhanced_xml_fixture.xml"
CSL = FIXTURES / "csl_fixture.csv"

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE sdnList [
  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
  <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
  <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
]>
<sdnList><sdnEntry><uid>1</uid><lastName>&e;&e;&e;&e;&e;&e;&e;&e;</lastName></sdnEntry></sdnList>
"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE sanctionsData [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<sanctionsData><entities>&x;</entities></sanctionsData>
"""


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def edited(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    data = source.read_bytes()
    assert old.encode() in data, old
    return write(tmp_path, source.name, data.replace(old.encode(), new.encode(), 1))


def line_of(path: Path, needle: str) -> int:
    data = path.read_bytes()
    return data[: data.index(needle.encode())].count(b"\n") + 1


# --- not an OFAC list ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "found"),
    [
        (b"", "an empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
        (b'{"entities": []}', "field(s)"),
        (b"<?xml version='1.0'?><portfolio><position/></portfolio>", "root element <portfolio>"),
    ],
)
def test_a_file_that_is_no_ofac_list_names_itself_and_what_was_expected(
    tmp_path: Path, content: bytes, found: str
) -> None:
    path = write(tmp_path, "holdings.dat", content)
    with pytest.raises(UnknownFormatError) as info:
        read_source(path)
    assert info.value.path == str(path)
    assert found in str(info.value) and EXPECTED in str(info.value)


def test_csv_of_another_layout_lists_what_was_found(tmp_path: Path) -> None:
    path = write(tmp_path, "cons_prim.csv", "Symbol,Quantity,Price\nCHL,100,50.1\n")
    with pytest.raises(UnknownFormatError, match=r"3 field\(s\) \('Symbol', 'Quantity', 'Price'\)"):
        detect_format(path)


def test_csv_with_a_wrong_field_count_mid_file_is_a_parse_error_with_line(tmp_path: Path) -> None:
    old = '"CMIC-EO13959",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"Equity Ticker CHL US'
    path = edited(tmp_path, CSV_SET / "prim_fixture.csv", old, old.replace("-0- ,", "", 1))
    with pytest.raises(ParseError, match="11 fields; OFAC's layout has 12") as info:
        read_source(path)
    assert info.value.line == line_of(path, "30923,") == 3


def test_directory_without_ofac_files(tmp_path: Path) -> None:
    write(tmp_path, "notes.csv", "a,b\n1,2\n")
    with pytest.raises(UnknownFormatError, match=r"no OFAC list file .*notes\.csv"):
        read_source(tmp_path)


# --- wrong arguments ----------------------------------------------------------------------


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file") as info:
        read_source(tmp_path / "cons_prim.csv")
    assert type(info.value) is InputError and info.value.path == str(tmp_path / "cons_prim.csv")


def test_no_path_at_all() -> None:
    with pytest.raises(InputError, match="no file given"):
        read_source()


def test_set_members_without_cons_prim(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"needs its cons_prim\.csv"):
        read_source(CSV_SET / "alt_fixture.csv", CSV_SET / "comments_fixture.csv")


def test_two_sources_at_once_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not one OFAC source"):
        read_source(LEGACY_XML, CSL)
    copy = tmp_path / "copy.xml"
    shutil.copy(LEGACY_XML, copy)
    with pytest.raises(InputError, match="several legacy_xml files"):
        read_source(LEGACY_XML, copy)


def test_the_same_file_twice_is_one_source() -> None:
    same = FIXTURES / ".." / "ofac" / "legacy_xml_fixture.xml"
    assert read_source(LEGACY_XML, same).entities == read_source(LEGACY_XML).entities


def test_two_different_cons_prim_files_in_one_set(tmp_path: Path) -> None:
    other = tmp_path / "other_prim.csv"
    shutil.copy(CSV_SET / "prim_fixture.csv", other)
    with pytest.raises(InputError, match=r"two cons_prim\.csv files"):
        read_source(CSV_SET / "prim_fixture.csv", other)


# --- XML safety and damage ----------------------------------------------------------------


@pytest.mark.parametrize("payload", [BOMB, XXE], ids=["billion-laughs", "external-entity"])
def test_dtd_is_refused_quickly_by_detection_and_by_the_parser(
    tmp_path: Path, payload: bytes
) -> None:
    path = write(tmp_path, "consolidated.xml", payload)
    started = time.perf_counter()
    with pytest.raises(ParseError, match="refused: the XML declares a DTD"):
        read_source(path)
    with pytest.raises(ParseError, match="refused: the XML declares a DTD or entities"):
        parse_xml(path, payload)  # the parser's own guard, without the sniffing in front
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize("source", [LEGACY_XML, ENHANCED_XML], ids=["legacy", "enhanced"])
def test_truncated_xml_gives_path_line_and_column(tmp_path: Path, source: Path) -> None:
    data = source.read_bytes()
    path = write(tmp_path, source.name, data[: len(data) // 2])
    with pytest.raises(ParseError, match="looks truncated") as info:
        read_source(path)
    assert info.value.path == str(path)
    assert info.value.line == path.read_bytes().count(b"\n") + 1
    assert info.value.column is not None and info.value.column >= 1


def test_xml_broken_in_the_middle_is_not_called_truncated(tmp_path: Path) -> None:
    path = edited(tmp_path, LEGACY_XML, "<sdnType>Individual</sdnType>", "<sdnType>Individual")
    with pytest.raises(ParseError, match="mismatched tag") as info:
        read_source(path)
    assert "truncated" not in str(info.value) and info.value.line is not None


# --- bad CMIC records ---------------------------------------------------------------------


def test_bad_date_in_legacy_csv_names_uid_and_line(tmp_path: Path) -> None:
    path = edited(
        tmp_path,
        CSV_SET / "prim_fixture.csv",
        "Listing Date (CMIC) 10 Dec 2021",
        "Listing Date (CMIC) 10 Dex 2021",
    )
    with pytest.raises(
        ParseError, match=r"uid 33114: Listing Date \(CMIC\): '10 Dex 2021'"
    ) as info:
        read_source(path)
    assert info.value.line == line_of(path, "33114,")


def test_bad_date_in_legacy_xml_names_uid_and_the_id_line(tmp_path: Path) -> None:
    path = edited(
        tmp_path, LEGACY_XML, "<idNumber>10 Dec 2021</idNumber>", "<idNumber>31 Feb 2021</idNumber>"
    )
    with pytest.raises(ParseError, match=r"uid 33114: .*impossible date '31 Feb 2021'") as info:
        read_source(path)
    assert info.value.line == line_of(path, "<idNumber>31 Feb 2021")


def test_bad_date_in_enhanced_xml_names_uid_and_the_feature_line(tmp_path: Path) -> None:
    path = edited(
        tmp_path, ENHANCED_XML, "<value>10 Dec 2021</value>", "<value>10 December 2021</value>"
    )
    with pytest.raises(ParseError, match="uid 33114") as info:
        read_source(path)
    assert info.value.line == line_of(path, "<value>10 December 2021")


def test_enhanced_value_and_value_date_must_agree(tmp_path: Path) -> None:
    path = edited(
        tmp_path,
        ENHANCED_XML,
        "<fromDateBegin>2021-12-10</fromDateBegin>",
        "<fromDateBegin>2021-12-11</fromDateBegin>",
    )
    with pytest.raises(ParseError, match="disagrees with valueDate 2021-12-11"):
        read_source(path)


def test_bad_date_in_csl_names_uid_and_line(tmp_path: Path) -> None:
    path = edited(
        tmp_path, CSL, "Listing Date (CMIC), 2021-12-10", "Listing Date (CMIC), 2021-12-32"
    )
    with pytest.raises(ParseError, match="uid 33114") as info:
        read_source(path)
    assert info.value.line == line_of(path, '"33114"')


def test_missing_cmic_date_is_an_error(tmp_path: Path) -> None:
    path = edited(tmp_path, CSV_SET / "prim_fixture.csv", "Listing Date (CMIC) 10 Dec 2021; ", "")
    with pytest.raises(ParseError, match=r"uid 33114: the CMIC record lacks Listing Date \(CMIC\)"):
        read_source(path)


def test_unknown_remarks_key_in_a_cmic_row(tmp_path: Path) -> None:
    path = edited(tmp_path, CSV_SET / "prim_fixture.csv", "a.k.a. 'SUGON'", "Website www.sugon.com")
    with pytest.raises(ParseError, match=r"uid 33113: Remarks segment 'Website www.sugon.com'"):
        read_source(path)


def test_cut_short_cmic_row_in_csl(tmp_path: Path) -> None:
    data = CSL.read_bytes()
    cut = data[: data.index(b"Sensetime Group Limited")]
    with pytest.raises(ParseError, match="CMIC row has 6 fields"):
        read_source(write(tmp_path, "csl.csv", cut))


# --- valid files without CMIC entries -----------------------------------------------------


def test_zero_cmic_entries_is_valid_and_says_so(tmp_path: Path) -> None:
    prim = CSV_SET / "prim_fixture.csv"
    rows = [r for r in prim.read_bytes().split(b"\r\n") if b"CMIC-EO13959" not in r]
    source = read_source(write(tmp_path, "cons_prim.csv", b"\r\n".join(rows)))
    assert source.entities == () and source.records_read == 2 and source.format == "legacy_csv"
