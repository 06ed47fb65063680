"""The matching layer: every evidence tier, every look-alike, every listed name.

Order of harm (issue 4): a missed prohibited holding is the worst failure, a false alarm the
second, an unexplained answer the third. So look-alikes must never be ``confirmed``, listed
names must always be found, and every match carries a reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum import isin as stdnum_isin

from portfolio_guard import names
from portfolio_guard.listings import Listings, SecurityRow, load_listings
from portfolio_guard.match import Match, Matcher
from portfolio_guard.name_match import NameIndex

CHINA_TELECOM = 30882
CHINA_MOBILE = 30923
CHINA_UNICOM_HK = 30924
CNOOC = 30926
CASIC = 30928
CASC = 30929
CCCC = 30930
CHINA_TELECOMMUNICATIONS = 30939
CHINA_UNITED_NETWORK_GROUP = 30942
CHINA_MOBILE_GROUP = 30944
HIKVISION = 30946
SMIC = 30951
CRCC = 30959
CCCG = 32072
COSTAR = 32107
SENSETIME = 33114
CLOUDWALK = 33112
DAWNING = 33113
SHIPBUILDING_INDUSTRY = 32100
SHIPBUILDING_POWER = 32106


def with_check_digit(body: str) -> str:
    return body + stdnum_isin.calc_check_digit(body)


UNLISTED_CN_ISIN = with_check_digit("CNE100005J9")  # valid, on no list
UNLISTED_US_ISIN = "US22160N1090"  # CoStar Group Inc (the US company)


@pytest.fixture(scope="module")
def matcher(listings: Listings) -> Matcher:
    return Matcher(listings)


def levels(found: list[Match]) -> dict[int, str]:
    return {m.entity_uid: m.level for m in found}


# -- look-alikes (issue 4) -----------------------------------------------------------------

# Each as a broker would print it -> the one acceptable answer: no match, or review of uid.
LOOK_ALIKES: list[tuple[str, int | None, str]] = [
    ("CHINA MERCHANTS BANK CO LTD-H", None, "a bank, not on any list"),
    ("CHINA CONSTRUCTION BANK-H", None, "vs CHINA RAILWAY/COMMUNICATIONS CONSTRUCTION"),
    ("CHINA RAILWAY GROUP LTD-H", None, "CREC, vs CHINA RAILWAY CONSTRUCTION"),
    ("CHINA COMMUNICATIONS SERVICES CORP LTD-H", None, "vs CHINA COMMUNICATIONS CONSTRUCTION"),
    ("CHINA MOBILE GAMES & ENTERTAINMENT GROUP LTD SPON ADR", None, "vs CHINA MOBILE"),
    ("CHINA UNITED NETWORK COMMUNICATIONS LTD-A", CHINA_UNITED_NETWORK_GROUP, "A-share sub"),
    ("XIAOMI CORP-CL B", None, "2021 DoD list only, injunction"),
    ("XIAOMI CORP. CL.B", None, "flatex spelling"),
    ("LUOKUNG TECHNOLOGY CORP", None, "2021 DoD list only, injunction"),
    ("CRRC CORP LTD-H", None, "DoD 1260H list only"),
    ("TAIWAN SEMICONDUCTOR MANUFACTURING-SP ADR", None, "TSMC, vs SMIC"),
    ("UNITED MICROELECTRONICS-SP ADR", None, "UMC, vs JINGJIA MICROELECTRONICS"),
    ("CHINA TOWER CORP LTD-H", None, "vs CHINA TELECOM"),
    ("CHINA NATIONAL NUCLEAR POWER CO LTD-A", None, "unlisted CNNC sub, extra word"),
    ("CGN POWER CO LTD-H", None, "unlisted CGN sub"),
    ("AVIC INDUSTRY-FINANCE HOLDINGS CO LTD-A", None, "unlisted AVIC sub"),
    ("AVIC INTERNATIONAL HOLDINGS LTD-H", None, "unlisted AVIC sub"),
    ("INSPUR ELECTRONIC INFORMATION INDUSTRY CO LTD-A", None, "unlisted Inspur sub"),
    ("CHINA AEROSPACE INTERNATIONAL HOLDINGS LTD", None, "vs CASC/CASIC"),
    ("CHINA STATE CONSTRUCTION ENGINEERING CORP LTD-A", None, "old CCCMC list only"),
    ("CHINA THREE GORGES RENEWABLES GROUP CO LTD-A", None, "old list only"),
    ("SINOCHEM INTERNATIONAL CORP-A", None, "old list only"),
    ("ADVANCED MICRO-FABRICATION EQUIPMENT INC CHINA-A", None, "AMEC, old list only"),
    ("GOWIN SEMICONDUCTOR CORP", None, "old list only"),
    ("COMMERCIAL AIRCRAFT CORP OF CHINA", None, "COMAC, vs AVIC AIRCRAFT"),
    ("CHINA NATIONAL AVIATION HOLDING CORP", None, "old list only, vs AVIC"),
    ("CHINA LIFE INSURANCE CO-H", None, ""),
    ("ALIBABA GROUP HOLDING-SP ADR", None, ""),
    ("ACME WIDGETS INC", None, ""),
    ("COSTAR GROUP INC", COSTAR, "the US company; only the legal form tells them apart"),
    ("HANGZHOU HIKVISION DIGITAL TECHNOLOGY GROUP", HIKVISION, "a parent by name"),
]

# Positive twins: each must be confirmed for its entity, and for no other.
TWINS: list[tuple[str, int]] = [
    ("CHINA RAILWAY CONSTRUCTION CORP LTD-H", CRCC),
    ("CHINA COMMUNICATIONS CONSTRUCTION CO LTD-H", CCCC),
    ("CHINA COMMUNICATIONS CONSTR CO LTD-H", CCCC),
    ("CHINA MOBILE LTD SPONSORED ADR", CHINA_MOBILE),
    ("CHINA MOBILE LTD SPON ADS EACH REP 5 ORD SHS", CHINA_MOBILE),
    ("ADR ON CHINA MOBILE LTD", CHINA_MOBILE),
    ("CHINA MOBILE LTD-SP ADR", CHINA_MOBILE),
    ("CHINA TELECOM CORP LTD-H", CHINA_TELECOM),
    ("CHINA UNICOM (HONG KONG) LTD SPONSORED ADR", CHINA_UNICOM_HK),
    ("CNOOC LTD SPONSORED ADR", CNOOC),
    ("HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO LTD-A", HIKVISION),
    ("HANGZHOU HIKVISION DIGITAL TE", HIKVISION),  # cut at 29 characters
    ("HANGZHOU HIKVISION DIGITAL-A", HIKVISION),  # IBKR short name
    ("HIKVISION DIGITAL TECHNOLOGY", HIKVISION),  # the city left out
    ("SEMICONDUCTOR MANUFACTURING INTL CORP", SMIC),
    ("SEMICONDUCTOR MFG INTL CORP/CAYMAN ISL-A", SMIC),
    ("SEMICONDUCTOR MANUFACTURING INT", SMIC),
    ("SENSETIME GROUP INC-CL B", SENSETIME),  # HKEX issuer name (rules.md §4)
    ("SUGON INFORMATION INDUSTRY CO LTD-A", DAWNING),  # OFAC issuer name
    ("DAWNING INFORMATION INDUSTR", DAWNING),
    ("CLOUDWALK TECHNOLOGY CO LTD-A", CLOUDWALK),
    ("CHINA AEROSPACE SCIENCE AND T", CASC),  # the cut word decides between CASC and CASIC
    ("CHINA AEROSPACE SCIENCE AND I", CASIC),
    ("COSTAR GROUP CO LTD-A", COSTAR),
    ("PROVEN HONOUR CAPITAL LTD 4.125% 05/06/26 REGS", 32091),
    ("CHINA MOBILE LTD JAN 2027 CALL 50", CHINA_MOBILE),  # derivatives are covered too
    ("商湯集團有限公司", SENSETIME),
]


@pytest.mark.parametrize(("text", "expected", "why"), LOOK_ALIKES)
def test_look_alikes_are_never_confirmed(
    matcher: Matcher, text: str, expected: int | None, why: str
) -> None:
    found = matcher.match_name(text)
    assert all(m.level == "review" for m in found), (text, why)
    if expected is None:
        assert found == [], (text, why, [m.reason for m in found])
    else:
        assert levels(found) == {expected: "review"}, (text, why)
        assert found[0].reason


@pytest.mark.parametrize(("text", "uid"), TWINS)
def test_positive_twins_are_confirmed(matcher: Matcher, text: str, uid: int) -> None:
    found = matcher.match_name(text)
    assert levels(found) == {uid: "confirmed"}, [m.reason for m in found]


def test_unlisted_subsidiary_is_a_review_under_faq_857(matcher: Matcher) -> None:
    (m,) = matcher.match_name("CHINA UNITED NETWORK COMMUNICATIONS LTD-A")
    assert (m.entity_uid, m.level, m.relation) == (CHINA_UNITED_NETWORK_GROUP, "review", True)
    assert "parent or subsidiary" in m.reason and "FAQ 857" in m.reason
    assert m.list_value.startswith("CHINA UNITED NETWORK COMMUNICATIONS GROUP")


def test_foreign_legal_form_is_explained(matcher: Matcher) -> None:
    (m,) = matcher.match_name("COSTAR GROUP INC")
    assert "legal form INC" in m.reason and not m.relation


def test_shared_bare_alias_is_resolved_by_the_legal_form(matcher: Matcher) -> None:
    # OFAC gives CHINA TELECOM as an a.k.a. of both the listed company and its parent.
    assert levels(matcher.match_name("CHINA TELECOM")) == {
        CHINA_TELECOM: "confirmed",
        CHINA_TELECOMMUNICATIONS: "confirmed",
    }
    assert levels(matcher.match_name("CHINA TELECOM CORP LTD")) == {CHINA_TELECOM: "confirmed"}
    assert levels(matcher.match_name("CHINA MOBILE LTD")) == {CHINA_MOBILE: "confirmed"}
    assert levels(matcher.match_name("CHINA TELECOM CORPOR")) == {CHINA_TELECOM: "confirmed"}


def test_weak_aliases_and_acronyms_are_only_reviews(matcher: Matcher) -> None:
    for text, uid in [("SMIC", SMIC), ("AECC", 30902), ("CETC", 30936), ("SUGON", DAWNING)]:
        assert levels(matcher.match_name(text)) == {uid: "review"}, text
        assert "OFAC FAQ 899" in matcher.match_name(text)[0].reason


def test_a_cut_name_that_several_listed_names_begin_is_a_review(matcher: Matcher) -> None:
    found = levels(matcher.match_name("CHINA SHIPBUILDING I"))
    assert found[SHIPBUILDING_INDUSTRY] == found[SHIPBUILDING_POWER] == "review"
    assert set(found.values()) == {"review"}
    # ... GROUP POWER, or the former name of 32103 (... GROUP MARINE DEFENSE ...); not 32100
    assert levels(matcher.match_name("CHINA SHIPBUILDING INDUSTRY GR")) == {
        SHIPBUILDING_POWER: "review",
        32103: "review",
    }
    # shared words only, but long enough to be a 20-character cut of either name
    assert levels(matcher.match_name("CHINA COMMUNICATIONS")) == {CCCC: "review", CCCG: "review"}
    # short text is whole: only the GROUP-less form of CCCG's a.k.a. remains, as a relation
    assert levels(matcher.match_name("CHINA COMMS")) == {CCCG: "review"}
    assert levels(matcher.match_name("CHINA COMMUNICATIONS CON")) == {
        CCCC: "review",
        CCCG: "review",
    }


def test_spelling_slips_and_added_words_are_reviews(matcher: Matcher) -> None:
    assert levels(matcher.match_name("HIKVISON DIGITAL TECHNOLOGY")) == {HIKVISION: "review"}
    assert levels(matcher.match_name("HIKVISION TECHNOLOGY")) == {HIKVISION: "review"}
    assert levels(matcher.match_name("CHINA SHENZHEN MOBILE CO LTD")) == {
        CHINA_MOBILE: "review",
        CHINA_MOBILE_GROUP: "review",
    }
    # A place in place of CHINA is a regional company, not a near name.
    assert matcher.match_name("SHENZHEN MOBILE CORP") == []


# -- every listed name ----------------------------------------------------------------------


def all_names(listings: Listings) -> list[tuple[int, str, bool]]:
    """(uid, name, may_be_review) for every name, alias, issuer and market name."""
    out = []
    for e in listings:
        out.append((e.uid, e.name, False))
        out += [(e.uid, a["name"], a.get("strength") == "weak") for a in e.aliases]
        out += [(e.uid, n, False) for n in e.issuer_names]
        out += [(e.uid, n, False) for n in e.other_names]
        out += [(e.uid, n["name"], False) for n in e.market_names]
    return [(uid, n, weak or names.acronym_like(n)) for uid, n, weak in out]


def test_every_listed_name_matches_its_own_entity(matcher: Matcher, listings: Listings) -> None:
    checked = 0
    for uid, name, weak in all_names(listings):
        for text in (name, name.upper(), name.title(), f"{name.upper()} SPONSORED ADR"):
            found = levels(matcher.match_name(text))
            assert uid in found, (uid, text)
            assert weak or found[uid] == "confirmed", (uid, text, found)
            checked += 1
    assert checked > 1000


@pytest.mark.parametrize("width", [20, 24, 30, 35])
def test_every_cut_listed_name_is_found(matcher: Matcher, listings: Listings, width: int) -> None:
    """Fixed-width columns cut names; the cut name must still reach its entity, and may
    confirm another entity only when the whole name does too (OFAC's shared a.k.a.s)."""
    for uid, name, _ in all_names(listings):
        text = name.upper()
        if len(text) <= width or not text.isascii():
            continue
        found = levels(matcher.match_name(text[:width]))
        assert uid in found, (uid, text[:width])
        whole = levels(matcher.match_name(text))
        for other, level in found.items():
            if other != uid and level == "confirmed":
                assert whole.get(other) == "confirmed", (uid, text[:width], other)


# -- identifiers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("isin", "uid"),
    [
        ("HK0941009539", CHINA_MOBILE),  # ordinary shares
        ("US16941M1099", CHINA_MOBILE),  # ADR
        ("BRC1HLBDR003", CHINA_MOBILE),  # Brazilian depositary receipt
        ("KYG8020E1199", SMIC),
        ("XS1233275194", 32091),  # Huawei SPV Eurobond
        ("CND10002K094", CCCC),  # OFAC's own malformed ISIN, matched as printed
        ("BRC1EODR004", CNOOC),  # 11 characters as OFAC printed it
        (" cne100000pm8 ", HIKVISION),
        ("KYG8062L1041", SENSETIME),  # curated
    ],
)
def test_isin_tier(matcher: Matcher, isin: str, uid: int) -> None:
    found = matcher.match_security(isin=isin, description="SOMETHING ELSE ENTIRELY")
    assert [(m.entity_uid, m.matched_on, m.level) for m in found] == [(uid, "isin", "confirmed")]
    assert found[0].reason.startswith("ISIN")


def test_cusip_tier_and_cusips_inside_isins(matcher: Matcher) -> None:
    (m,) = matcher.match_security(cusip="16941M109")
    assert (m.entity_uid, m.matched_on) == (CHINA_MOBILE, "cusip")
    # a CINS in a CUSIP column finds the Cayman ISIN that carries it
    (m,) = matcher.match_cusip("G8020E119")
    assert m.entity_uid == SMIC and "KYG8020E1199" in m.reason
    # an ISIN that is not listed as such, but whose CUSIP is
    (m,) = matcher.match_isin("CA16941M1095")
    assert (m.entity_uid, m.matched_on) == (CHINA_MOBILE, "cusip")
    assert matcher.match_cusip("16941M108") == []  # bad check digit


def test_symbol_cells_holding_identifiers(matcher: Matcher) -> None:
    for cell, kind in [
        ("16941M109", "cusip"),
        ("US16941M1099", "isin"),
        ("ISIN: HK0941009539", "isin"),
    ]:
        (m,) = matcher.match_security(symbol=cell)
        assert (m.entity_uid, m.matched_on, m.matched_value) == (CHINA_MOBILE, kind, cell)


def test_figi_tier(listings: Listings) -> None:
    row = SecurityRow(
        CHINA_MOBILE, "figi", "BBG000BLNQ16", None, None, None, "BBG000BLNQ16", True,
        "test fixture", "openfigi", "test",
    )  # fmt: skip
    index = dict(listings.by_identifier)
    index[("figi", "BBG000BLNQ16")] = (row,)
    enriched = Matcher(dataclasses.replace(listings, by_identifier=index))
    (m,) = enriched.match_security(figi="bbg000blnq16")
    assert (m.entity_uid, m.matched_on, m.source) == (CHINA_MOBILE, "figi", "openfigi")
    assert enriched.match_figi("BBG000BLNQ17") == []


TICKER_SPELLINGS: list[tuple[dict[str, str], int]] = [
    ({"symbol": "0941.HK"}, CHINA_MOBILE),  # Yahoo
    ({"symbol": "941 HK"}, CHINA_MOBILE),  # Bloomberg
    ({"symbol": "941 HK Equity"}, CHINA_MOBILE),
    ({"symbol": "HK:0941"}, CHINA_MOBILE),
    ({"symbol": "00941", "exchange": "SEHK"}, CHINA_MOBILE),  # IBKR + zero padding
    ({"symbol": "941", "currency": "HKD"}, CHINA_MOBILE),  # currency as a hint
    ({"symbol": "CHL"}, CHINA_MOBILE),
    ({"symbol": "600118 CH"}, 30934),  # Bloomberg China composite
    ({"symbol": "600118.SS"}, 30934),
    ({"symbol": "002415.SZ"}, HIKVISION),
    ({"symbol": "CN:002415"}, HIKVISION),
    ({"symbol": "2415", "exchange": "SEHKSZSE"}, HIKVISION),  # Stock Connect, zeros dropped
    ({"symbol": "603019CN"}, DAWNING),
    ({"symbol": "C1HL34 BR"}, CHINA_MOBILE),
    ({"symbol": "CNU CN"}, CNOOC),  # Bloomberg CN is Canada
    ({"symbol": "0020.HK"}, SENSETIME),  # curated
    ({"symbol": "688327", "exchange": "SSE"}, CLOUDWALK),
]


@pytest.mark.parametrize(("fields", "uid"), TICKER_SPELLINGS)
def test_ticker_tier_in_every_spelling(matcher: Matcher, fields: dict[str, str], uid: int) -> None:
    found = matcher.match_security(**fields)
    assert [(m.entity_uid, m.matched_on, m.level) for m in found] == [(uid, "ticker", "confirmed")]


def test_a_bare_number_is_a_guess_until_something_agrees(matcher: Matcher) -> None:
    (m,) = matcher.match_security(symbol="941")
    assert (m.entity_uid, m.level) == (CHINA_MOBILE, "review")
    assert "no market" in m.reason
    (m,) = matcher.match_security(symbol="941", description="CHINA MOBILE LTD")
    assert m.level == "confirmed" and "agrees" in m.reason


def test_a_ticker_whose_description_names_another_company(matcher: Matcher) -> None:
    (m,) = matcher.match_security(symbol="941 HK", description="Apple Inc")
    assert (m.entity_uid, m.level, m.score) == (CHINA_MOBILE, "review", 0.5)
    assert "does not name CHINA MOBILE LIMITED" in m.reason
    # ... and when it names another listed company, that one is shown too
    found = matcher.match_security(symbol="941 HK", description="CHINA TELECOM CORP LTD-H")
    assert levels(found) == {CHINA_MOBILE: "review", CHINA_TELECOM: "review"}
    # descriptions of wrapper words only do not contradict
    (m,) = matcher.match_security(symbol="CHL", description="SPONSORED ADR")
    assert m.level == "confirmed"


def test_a_ticker_with_an_unlisted_isin(matcher: Matcher) -> None:
    (m,) = matcher.match_security(symbol="941 HK", isin=UNLISTED_CN_ISIN)
    assert m.level == "review" and UNLISTED_CN_ISIN in m.reason
    (m,) = matcher.match_security(
        symbol="941 HK", isin=UNLISTED_CN_ISIN, description="CHINA MOBILE LTD"
    )
    assert m.level == "confirmed" and "not exhaustive" in m.reason


# -- names with the rest of the row ---------------------------------------------------------


def test_name_tier_with_an_isin_the_list_lacks(matcher: Matcher) -> None:
    # CloudWalk: OFAC prints no identifier; a PRC ISIN is plausible, so the name stands.
    (m,) = matcher.match_security(
        isin=UNLISTED_CN_ISIN, description="CLOUDWALK TECHNOLOGY CO LTD-A"
    )
    assert (m.entity_uid, m.matched_on, m.level) == (CLOUDWALK, "name", "confirmed")
    assert "not exhaustive" in m.reason
    # a US ISIN on a company with no US securities is doubt
    (m,) = matcher.match_security(isin=UNLISTED_US_ISIN, description="COSTAR GROUP CO LTD")
    assert m.level == "review" and "(US) is not a listed security" in m.reason
    # a foreign legal form and an ISIN not on the list: the US CoStar, no match at all
    assert (
        matcher.match_security(isin=UNLISTED_US_ISIN, symbol="CSGP", description="COSTAR GROUP INC")
        == []
    )


def test_name_tier_with_a_symbol_of_another_line(matcher: Matcher) -> None:
    (m,) = matcher.match_security(
        symbol="002416.SZ", description="HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO LTD-A"
    )
    assert m.level == "review" and "CN:002415" in m.reason
    # a symbol on a market the company has no known line on says nothing
    (m,) = matcher.match_security(symbol="SNTMF", description="SENSETIME GROUP INC-CL B")
    assert m.level == "confirmed"


def test_strongest_tier_decides(matcher: Matcher) -> None:
    found = matcher.match_security(
        symbol="0941.HK", isin="US16941M1099", description="CHINA MOBILE LTD"
    )
    assert [m.matched_on for m in found] == ["isin"]
    found = matcher.match_security(symbol="0941.HK", description="CHINA MOBILE LTD")
    assert [m.matched_on for m in found] == ["ticker"]


def test_every_match_explains_itself(matcher: Matcher) -> None:
    for fields in (
        {"isin": "US16941M1099"},
        {"symbol": "941 HK"},
        {"description": "CHINA UNITED NETWORK COMMUNICATIONS LTD-A"},
        {"description": "HANGZHOU HIKVISION DIGITAL TE"},
    ):
        for m in matcher.match_security(**fields):
            assert m.entity_name in m.reason and m.list_value and 0 < m.score <= 1


# -- caching and search ---------------------------------------------------------------------


def test_distinct_descriptions_are_worked_out_once(
    listings: Listings, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    original: Callable[[NameIndex, str], object] = NameIndex._match_uncached

    def counting(self: NameIndex, text: str) -> object:
        calls.append(text)
        return original(self, text)

    monkeypatch.setattr(NameIndex, "_match_uncached", counting)
    fresh = Matcher(listings)
    for _ in range(3):
        fresh.match_name("CHINA MOBILE LTD")
        fresh.match_security(symbol="941 HK", description="CHINA MOBILE LTD")
    assert calls == ["CHINA MOBILE LTD"]


def test_search_is_lenient_for_people(matcher: Matcher) -> None:
    assert matcher.search("0941.HK")[0].entity_uid == CHINA_MOBILE
    assert matcher.search("hikvision")[0].entity_uid == HIKVISION
    found = matcher.search("shipbuilding")
    assert {SHIPBUILDING_INDUSTRY, SHIPBUILDING_POWER, 30938} <= {m.entity_uid for m in found}
    assert all(m.level == "review" for m in found)
    assert matcher.search("   ") == []


# -- properties -----------------------------------------------------------------------------

# Words of the listed names, so generated text reaches the near-name and cut-name paths.
_WORDS = sorted(
    {w for e in load_listings() for n in (e.name, *e.alias_names) for w in n.upper().split()}
)
_NOISE = ["LTD", "-H", "-A", "CO", "SPONSORED", "ADR", "CL", "B", "INC", "GROUP", "HOLDINGS"]
_text = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(_WORDS + _NOISE), min_size=1, max_size=8).map(" ".join),
    st.lists(st.sampled_from(_WORDS), min_size=1, max_size=6).map(" ".join).map(lambda s: s[:30]),
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_text)
def test_match_name_never_raises_and_answers_are_well_formed(matcher: Matcher, text: str) -> None:
    found = matcher.match_name(text)
    assert len({m.entity_uid for m in found}) == len(found)
    for m in found:
        assert m.level in ("confirmed", "review")
        assert 0.0 <= m.score <= 1.0
        assert m.entity_uid in matcher.listings.entities
        assert m.reason and m.matched_on == "name"
    assert found == matcher.match_name(text)


_field = st.one_of(st.none(), st.text(max_size=20), st.sampled_from(["941", "HKD", "SEHK"]))


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_field, _field, _field, _field, _field, _field, _text)
def test_match_security_never_raises(
    matcher: Matcher,
    symbol: str | None,
    isin: str | None,
    cusip: str | None,
    figi: str | None,
    exchange: str | None,
    currency: str | None,
    description: str,
) -> None:
    for m in matcher.match_security(symbol, isin, cusip, figi, exchange, currency, description):
        assert m.level in ("confirmed", "review") and m.reason


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.none(), st.integers(), st.lists(st.text())))
def test_non_text_input_is_no_match(matcher: Matcher, value: object) -> None:
    assert matcher.match_name(value) == []  # type: ignore[arg-type]
    assert matcher.match_security(value, value, value, value, value, value, value) == []  # type: ignore[arg-type]
    assert matcher.search(value) == []  # type: ignore[arg-type]


def test_ticker_fast_reject_never_drops_a_listed_spelling(
    matcher: Matcher, listings: Listings
) -> None:
    from portfolio_guard.tickers import Listing, spellings

    checked = 0
    for entity in listings:
        for row in entity.securities:
            if row.kind != "ticker" or row.local_code is None or row.country is None:
                continue
            listing = Listing(row.local_code, row.country, row.market, row.raw)
            for system, text in spellings(listing).items():
                if system in ("ibkr_exchange", "openfigi_exch_code"):
                    continue
                assert matcher._may_name_listed_line(text), (system, text)
                checked += 1
    assert checked > 300


_SHIPPED = Matcher(load_listings())


@given(st.text(alphabet="0123456789ABCDEFGHKLNSUZ .:-/", max_size=14))
def test_ticker_fast_reject_agrees_with_the_full_parse(text: str) -> None:
    from portfolio_guard.tickers import parse_ticker

    matcher = _SHIPPED
    if not matcher._may_name_listed_line(text):
        listed = {r.value for e in matcher.listings for r in e.securities if r.kind == "ticker"}
        assert not {c.key for c in parse_ticker(text)} & listed, text
