"""Company-name normalisation: broker noise out, identity words in, never an exception."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio_guard import names
from portfolio_guard.names import legal_completion, legal_forms, noise_prefix, parse, tokens


def test_doctests() -> None:
    result = doctest.testmod(names, raise_on_error=False)
    assert result.attempted >= 8
    assert result.failed == 0


# How brokers print the same companies (brokerage-formats.md §11) -> canonical tokens.
BROKER_SPELLINGS = [
    ("CHINA MOBILE LTD SPONSORED ADR", ("CHINA", "MOBILE")),
    ("CHINA MOBILE LTD SPON ADS EACH REP 5 ORD SHS", ("CHINA", "MOBILE")),
    ("CHINA MOBILE LTD-SP ADR", ("CHINA", "MOBILE")),
    ("CHINA MOBILE LTD-SPON ADR", ("CHINA", "MOBILE")),
    ("ADR ON CHINA MOBILE LTD", ("CHINA", "MOBILE")),  # Degiro
    ("SPONSORED ADR ON CHINA MOBILE LTD", ("CHINA", "MOBILE")),
    ("China Mobile Ltd. Registered Shares HD -,10", ("CHINA", "MOBILE")),  # flatex/comdirect
    ("CHINA MOBILE LTD. NAMENS-AKTIEN O.N.", ("CHINA", "MOBILE")),
    (
        "SEMICONDUCTOR MFG INTL CORP/CAYMAN ISL-A",
        ("SEMICONDUCTOR", "MANUFACTURING", "INTERNATIONAL"),
    ),
    (
        "SEMICONDUCTOR MANUFACTURING INTERNATIONAL CORPORATION",
        ("SEMICONDUCTOR", "MANUFACTURING", "INTERNATIONAL"),
    ),
    ("CHINA COMMUNICATIONS CONSTR CO LTD-H", ("CHINA", "COMMUNICATION", "CONSTRUCTION")),
    (
        "China Communications Construction Company Limited",
        ("CHINA", "COMMUNICATION", "CONSTRUCTION"),
    ),
    ("XIAOMI CORP-CL B", ("XIAOMI",)),
    ("XIAOMI CORP. CL.B", ("XIAOMI",)),
    ("CHINA UNICOM (HONG KONG) LIMITED", ("CHINA", "UNICOM", "HONGKONG")),
    ("China Unicom Hong-Kong Ltd", ("CHINA", "UNICOM", "HONGKONG")),
    ("CHINA UNICOM HK LTD", ("CHINA", "UNICOM", "HONGKONG")),
    (
        "AVIC XI'AN AIRCRAFT INDUSTRY GROUP COMPANY LTD.",
        ("AVIC", "XIAN", "AIRCRAFT", "INDUSTRY", "GROUP"),
    ),
    ("HUAWEI INVESTMENT & HOLDING CO., LTD.", ("HUAWEI", "INVESTMENT", "HOLDING")),
    ("HUAWEI INVESTMENT AND HOLDINGS CO LTD", ("HUAWEI", "INVESTMENT", "HOLDING")),
    ("PROVEN HONOUR CAPITAL LTD 4.125% 05/06/26 REGS", ("PROVEN", "HONOUR", "CAPITAL")),
    ("HUAWEI INV & HLDG CO LTD 3.25% GTD NOTES", ("HUAWEI", "INVESTMENT", "HOLDING")),
    ("CHINA MOBILE LTD JAN 2027 CALL 50", ("CHINA", "MOBILE")),
    (
        "ＣＨＩＮＡ　ＭＯＢＩＬＥ　ＬＴＤ",
        ("CHINA", "MOBILE"),
    ),  # full-width, from Asian spreadsheets
    ("Société Générale SA", ("SOCIETE", "GENERALE")),
    ("NEW CHINA LIFE INSURANCE CO LTD-H", ("NEW", "CHINA", "LIFE", "INSURANCE")),
]


@pytest.mark.parametrize(("text", "expected"), BROKER_SPELLINGS)
def test_broker_spellings_reduce_to_the_same_tokens(text: str, expected: tuple[str, ...]) -> None:
    assert tokens(text) == expected


@pytest.mark.parametrize(
    ("text", "forms"),
    [
        ("CHINA TELECOM CORPORATION LIMITED", {"CORP", "LTD"}),
        ("CHINA TELECOM CORP LTD-H", {"CORP", "LTD"}),
        ("CHINA SPACESAT CO., LTD.", {"CO", "LTD"}),
        ("COSTAR GROUP INC", {"INC"}),
        ("SENSETIME GROUP INC-CL B", {"INC"}),
        ("SIEMENS AG NAMENS-AKTIEN", {"AG"}),
        ("CHINA MOBILE", set()),
    ],
)
def test_legal_forms_are_set_aside_not_lost(text: str, forms: set[str]) -> None:
    assert legal_forms(text) == forms
    assert not set(tokens(text)) & set(names.LEGAL_FORMS)


@pytest.mark.parametrize(
    ("text", "open_end"),
    [
        ("HANGZHOU HIKVISION DIGITAL TE", True),  # cut at 29 characters
        ("DAWNING INFORMATION INDUSTR", True),
        ("CHINA NATIONAL ENGINEERING & C", True),  # a lone letter after '&' is a cut word
        ("SEMICONDUCTOR MANUFACTURING", True),  # long, no legal form: may be cut
        ("CHINA RAILWAY GROUP LTD-H", False),  # ends in a class letter after a dash
        ("CHINA MOBILE LTD SPONSORED ADR", False),
        ("CHINA TELECOM CORP LTD", False),
        ("SENSETIME GROUP INC CL B", False),  # class word before the letter
        ("HIKVISION DIGITAL", False),  # short text is whole
        ("CHINA MOBILE LTD 2027", False),
    ],
)
def test_open_end_marks_names_a_fixed_width_column_may_have_cut(text: str, open_end: bool) -> None:
    assert parse(text).open_end is open_end


def test_tail_keeps_the_last_word_as_written_for_cut_names() -> None:
    assert parse("CHINA NORTH OPTICAL-ELEC").tail == "ELEC"
    assert parse("CHINA NORTH OPTICAL-ELEC").tokens[-1] == "ELECTRONIC"
    assert parse("CHINA MOBILE LTD").tail == ""


def test_form_at_counts_words_before_the_legal_form() -> None:
    assert parse("AERO ENGINE CORPORATION OF CHINA").form_at == 2
    assert parse("CHINA TELECOM GROUP CO., LTD.").form_at == 3
    assert parse("HIKVISION").form_at == 1


@pytest.mark.parametrize(
    ("text", "core"),
    [
        ("商湯集團有限公司", "商湯集團"),
        ("云从科技集团股份有限公司", "云从科技集团"),
        ("深圳市大疆创新科技有限公司", "深圳市大疆创新科技"),
        ("CHINA MOBILE LTD", ""),
    ],
)
def test_chinese_script_core_drops_legal_suffixes(text: str, core: str) -> None:
    assert parse(text).cjk == core


def test_word_classes() -> None:
    assert names.is_generic("CHINA") and names.is_generic("COMMUNICATION")
    assert names.is_relation("GROUP") and names.is_relation("HOLDING")
    assert names.is_place("HANGZHOU") and names.is_place("HONGKONG")
    assert names.is_distinctive("RAILWAY") and names.is_distinctive("CONSTRUCTION")
    assert names.distinctive(tokens("CHINA RAILWAY CONSTRUCTION CORP")) == {
        "RAILWAY",
        "CONSTRUCTION",
    }
    assert names.weight("HANGZHOU") == 0.0
    assert names.weight("CHINA") == 0.25 * 5
    assert names.weight("HIKVISION") == 9.0


def test_cut_words() -> None:
    assert legal_completion("CORPOR") == "CORP"
    assert legal_completion("LIMI") == "LTD"
    assert legal_completion("L") == "LTD"  # PRC forms before LLC, LP, LTDA
    assert legal_completion("C") is None  # CO or CORP
    assert legal_completion("HIKV") is None
    assert noise_prefix("RE") and noise_prefix("SPONS") and noise_prefix("CORPORAT")
    assert not noise_prefix("HIKV")


def test_acronym_like() -> None:
    assert names.acronym_like("SMIC") and names.acronym_like(" AECC ")
    assert not names.acronym_like("NORINCO GROUP") and not names.acronym_like("SEMICONDUCTOR")


def test_market_names_come_from_curated_data_with_a_source() -> None:
    from portfolio_guard.listings import load_listings

    sensetime = load_listings().entities[33114]
    assert [n["name"] for n in sensetime.market_names] == ["SenseTime Group Inc."]
    assert all(n["source"].startswith("http") for n in sensetime.market_names)


# -- properties ---------------------------------------------------------------------------

_NAME_WORDS = [
    "CHINA",
    "MOBILE",
    "LTD",
    "CO",
    "-H",
    "SPONSORED",
    "ADR",
    "HONG",
    "KONG",
    "&",
    "GROUP",
    "HIKVISION",
    "DIGITAL",
    "TE",
    "CORPOR",
    "(",
    ")",
    "/",
    "CAYMAN",
    "ISL",
    "A",
    "商湯",
]
_name_words = st.sampled_from(_NAME_WORDS)


@given(st.one_of(st.text(max_size=80), st.lists(_name_words, max_size=12).map(" ".join)))
def test_parse_never_raises_and_tokens_are_clean(text: str) -> None:
    p = parse(text)
    for tok in p.tokens:
        assert tok.isascii() and tok.isalnum() and tok == tok.upper()
        assert tok not in names.NOISE and tok not in names.LEGAL_FORMS
        assert not tok.isdigit()
    assert p.forms <= set(names.LEGAL_FORMS.values())
    assert 0 <= p.form_at <= len(p.tokens)
    assert p.open_end is False or p.tokens


@given(st.one_of(st.text(max_size=80), st.lists(_name_words, max_size=12).map(" ".join)))
def test_tokens_are_a_fixed_point(text: str) -> None:
    once = tokens(text)
    assert tokens(" ".join(once)) == once


@given(st.one_of(st.none(), st.integers(), st.binary()))
def test_non_text_parses_to_nothing(value: object) -> None:
    assert parse(value) == parse("")  # lru_cache accepts any hashable
