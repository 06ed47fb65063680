"""The legacy CSV Remarks grammar and CMIC date parsing (unit + property tests)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio_guard.entity import Alias
from portfolio_guard.errors import ParseError
from portfolio_guard.sources.fields import country_name, parse_date
from portfolio_guard.sources.remarks import (
    IdValue,
    Remarks,
    parse_remarks,
    parse_segment,
    restore_period,
)

USCC = "Unified Social Credit Code (USCC)"
AECC = (
    "Target Type State-Owned Enterprise; Effective Date (CMIC) 02 Aug 2021; Purchase/Sales For "
    "Divestment Date (CMIC) 03 Jun 2022; Listing Date (CMIC) 03 Jun 2021; Unified Social Credit "
    "Code (USCC) 91110000MA005UCQ5P (China); a.k.a. 'AECC'."
)


def test_real_remarks_example_parses_into_ids_and_weak_alias() -> None:
    r = parse_remarks(AECC)
    assert r.complete and r.dropped is None
    assert r.ids == (
        IdValue("Target Type", "State-Owned Enterprise"),
        IdValue("Effective Date (CMIC)", "02 Aug 2021"),
        IdValue("Purchase/Sales For Divestment Date (CMIC)", "03 Jun 2022"),
        IdValue("Listing Date (CMIC)", "03 Jun 2021"),
        IdValue(USCC, "91110000MA005UCQ5P", "China"),
    )
    assert r.aliases == (Alias("AECC", "aka", "weak"),)


def test_alt_prefix_repeats_a_key_and_inner_spaces_of_tickers_survive() -> None:
    r = parse_remarks("Equity Ticker 601698  CN; alt. Equity Ticker 603019CN; alt. ISIN X1.")
    assert r.ids == (
        IdValue("Equity Ticker", "601698  CN"),
        IdValue("Equity Ticker", "603019CN"),
        IdValue("ISIN", "X1"),
    )


def test_issuer_names_keep_their_comma_space() -> None:
    r = parse_remarks("Issuer Name Huawei Investment & Holding Co., Ltd.; ISIN CND10003D0F9.")
    assert r.ids[0] == IdValue("Issuer Name", "Huawei Investment & Holding Co., Ltd.")


@pytest.mark.parametrize(
    ("text", "known", "expected"),
    [
        # The final period is the name's: the file lists the name with it.
        (
            "Linked To: HUAWEI INVESTMENT & HOLDING CO., LTD.",
            {"HUAWEI INVESTMENT & HOLDING CO., LTD."},
            "HUAWEI INVESTMENT & HOLDING CO., LTD.",
        ),
        # The final period is only OFAC's field end.
        (
            "Linked To: CHINA TELECOMMUNICATIONS CORPORATION.",
            {"CHINA TELECOMMUNICATIONS CORPORATION"},
            "CHINA TELECOMMUNICATIONS CORPORATION",
        ),
        # Names not in the file: a company abbreviation keeps its period, a word does not.
        (
            "Linked To: CHINA MOBILE COMMUNICATIONS GROUP CO., LTD.",
            set(),
            "CHINA MOBILE COMMUNICATIONS GROUP CO., LTD.",
        ),
        (
            "Linked To: NANJING PANDA ELECTRONICS COMPANY LIMITED.",
            set(),
            "NANJING PANDA ELECTRONICS COMPANY LIMITED",
        ),
    ],
)
def test_trailing_period_merge_is_undone(text: str, known: set[str], expected: str) -> None:
    assert parse_remarks(text, known_names=known).linked_to == (expected,)


def test_restore_period_never_doubles_a_period() -> None:
    assert restore_period("FOO CO., LTD.", set()) == "FOO CO., LTD."


def test_cut_between_tokens_keeps_the_registration_without_country() -> None:
    r = parse_remarks("Listing Date (CMIC) 03 Jun 2021; " + USCC + " 91110000710934369E ")
    assert not r.complete
    assert r.ids[-1] == IdValue(USCC, "91110000710934369E", None)
    assert r.dropped is None


def test_cut_mid_token_drops_the_untrustworthy_last_segment() -> None:
    r = parse_remarks("ISIN CND10002K094; alt. ISIN CND1000")
    assert r.ids == (IdValue("ISIN", "CND10002K094"),)
    assert r.dropped == "alt. ISIN CND1000"


def test_cut_alias_is_dropped_as_it_may_have_lost_its_end() -> None:
    r = parse_remarks("ISIN CND10002K094; a.k.a. 'NU'")  # of 'NU'MAN ALAEDDIN'
    assert r.aliases == () and r.dropped == "a.k.a. 'NU'"


def test_a_known_cut_ending_in_a_period_is_still_a_cut() -> None:
    r = parse_remarks("ISIN CND10002K094; alt.", cut=True)
    assert not r.complete and r.ids == (IdValue("ISIN", "CND10002K094"),)
    assert r.dropped == "alt."


def test_cut_right_after_a_separator_loses_nothing() -> None:
    r = parse_remarks("ISIN CND10002K094; ")
    assert r.ids == (IdValue("ISIN", "CND10002K094"),) and r.dropped is None


@pytest.mark.parametrize(
    "segment",
    ["DOB 1962", "For more information on directives, please visit", "Equity Ticker ", "ISIN"],
)
def test_unknown_or_empty_segments_are_parse_errors(segment: str) -> None:
    with pytest.raises(ParseError, match="Remarks segment"):
        parse_segment(segment)


def test_empty_segment_inside_a_field_is_an_error() -> None:
    with pytest.raises(ParseError, match="empty Remarks segment"):
        parse_remarks("ISIN X; ; ISIN Y.")


def test_empty_remarks_have_nothing() -> None:
    assert parse_remarks("  ") == parse_remarks("")
    assert parse_remarks("").ids == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("03 Jun 2021", date(2021, 6, 3)),
        ("2021-06-03", date(2021, 6, 3)),
        (" 8 feb 2022 ", date(2022, 2, 8)),
    ],
)
def test_dates_in_ofac_and_iso_form(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["31 Feb 2022", "03 Jux 2021", "2021-13-01", "20210603", "", "03/06/2021"]
)
def test_bad_dates_are_parse_errors(text: str) -> None:
    with pytest.raises(ParseError):
        parse_date(text)


def test_country_codes_map_to_ofac_names() -> None:
    assert [country_name(c) for c in ("CN", "HK", "China", None, " ")] == [
        "China",
        "Hong Kong",
        "China",
        None,
        None,
    ]


# --- properties ---------------------------------------------------------------------------

GRAMMAR_PIECES = st.sampled_from(
    [
        "Equity Ticker ",
        "alt. ",
        "ISIN ",
        "Issuer Name ",
        "Target Type ",
        "Listing Date (CMIC) ",
        "a.k.a. '",
        "'",
        "Linked To: ",
        USCC + " ",
        "(China)",
        "C.R. No. ",
        "; ",
        ".",
        " ",
        "03 Jun 2021",
    ]
)
GRAMMARISH = st.lists(st.one_of(GRAMMAR_PIECES, st.text(max_size=8)), max_size=25).map("".join)


@given(st.one_of(st.text(), GRAMMARISH))
def test_arbitrary_text_raises_nothing_but_project_errors(text: str) -> None:
    try:
        result = parse_remarks(text, known_names={"X CO., LTD."})
    except ParseError as exc:
        assert exc.detail
    else:
        assert isinstance(result, Remarks)


@given(
    st.one_of(
        st.text(max_size=30), st.dates().map(str), st.dates().map(lambda d: d.strftime("%d %b %Y"))
    )
)
def test_date_parser_raises_nothing_but_project_errors(text: str) -> None:
    try:
        result = parse_date(text)
    except ParseError as exc:
        assert exc.detail
    else:
        assert isinstance(result, date)


MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_dates_round_trip_in_both_forms(d: date) -> None:
    ofac = f"{d.day:02d} {MONTHS[d.month - 1]} {d.year}"
    assert parse_date(ofac) == d
    assert parse_date(d.isoformat()) == d


UPPER_TOKEN = st.text("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=2, max_size=8)
TICKER = st.tuples(
    UPPER_TOKEN, st.sampled_from([" ", "  ", ""]), st.sampled_from(["CN", "HK", "US"])
).map("".join)
ISIN = st.text("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=11, max_size=12)
WORDS = st.lists(
    st.sampled_from(["China", "Mobile", "Co.,", "Ltd", "Group", "&", "Holding"]),
    min_size=1,
    max_size=5,
).map(" ".join)
DATE = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)).map(
    lambda d: d.strftime("%d %b %Y")
)


@st.composite
def remarks_fields(draw: st.DrawFn) -> tuple[str, list[IdValue], list[Alias]]:
    ids: list[IdValue] = []
    for key, values in (
        ("Equity Ticker", draw(st.lists(TICKER, max_size=3))),
        ("Issuer Name", draw(st.lists(WORDS, max_size=3))),
        ("ISIN", draw(st.lists(ISIN, max_size=4))),
    ):
        ids += [IdValue(key, v) for v in values]
    ids += [IdValue(k, draw(DATE)) for k in ("Effective Date (CMIC)", "Listing Date (CMIC)")]
    ids += [IdValue(USCC, draw(UPPER_TOKEN), draw(st.sampled_from([None, "China", "Hong Kong"])))]
    names = st.one_of(UPPER_TOKEN, st.sampled_from(["NU'MAN ALAEDDIN", "CHINA'S X"]))
    aliases = [Alias(a, "aka", "weak") for a in draw(st.lists(names, max_size=2))]
    segments, seen = [], set()
    for i in ids:
        prefix = "alt. " if i.kind in seen else ""
        seen.add(i.kind)
        segments.append(f"{prefix}{i.kind} {i.value}" + (f" ({i.country})" if i.country else ""))
    segments += [f"a.k.a. '{a.name}'" for a in aliases]
    return "; ".join(segments) + ".", ids, aliases


@given(remarks_fields())
def test_generated_remarks_round_trip(case: tuple[str, list[IdValue], list[Alias]]) -> None:
    text, ids, aliases = case
    r = parse_remarks(text)
    assert list(r.ids) == ids
    assert list(r.aliases) == aliases


@given(remarks_fields(), st.data())
def test_a_cut_remarks_never_yields_a_value_the_whole_one_lacks(
    case: tuple[str, list[IdValue], list[Alias]], data: st.DataObject
) -> None:
    """OFAC cuts Remarks at 1,000 characters: whatever survives a cut must be true."""
    text = case[0]
    # Cuts just after a quote or a space are the treacherous ones; draw those often.
    edges = [i + 1 for i, c in enumerate(text[:-2]) if c in "' "]
    anywhere = st.integers(min_value=1, max_value=len(text) - 2)
    position = data.draw(st.one_of(st.sampled_from(edges), anywhere) if edges else anywhere)
    whole, cut = parse_remarks(text), parse_remarks(text[:position], cut=True)
    for item in cut.ids:
        assert any(
            w.kind == item.kind and w.value == item.value and item.country in (None, w.country)
            for w in whole.ids
        ), (text[:position], item)
    assert set(cut.aliases) <= set(whole.aliases)
