"""ISIN/CUSIP/SEDOL/FIGI normalisation, conversion, kinds registry and detection by value.

Known values are real: China Mobile's ADR (US16941M1099 / CUSIP 16941M109) and HK shares
(HK0941009539), Hikvision A (CNE100000PM8), SMIC (KYG8020E1199), Canadian National Railway
(CA1363751027), Accenture (IE00B4BNMY34), stdnum's own SEDOL and FIGI examples.
"""

from __future__ import annotations

import doctest
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import cusip as stdnum_cusip
from stdnum import isin as stdnum_isin

from portfolio_guard import identifiers as ids
from portfolio_guard.errors import IdentifierError

OFAC_DIR = Path(__file__).parents[1].parent / "shared" / "ofac"
PUBLISHED_INVALID = ("BRC1EODR004", "CND10002K094", "CND10002G601")
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def test_doctests() -> None:
    result = doctest.testmod(ids, raise_on_error=False)
    assert result.attempted > 10
    assert result.failed == 0


# -- normalize / is_valid / validate ----------------------------------------------------------


@pytest.mark.parametrize(
    ("func", "given", "expected"),
    [
        (ids.normalize_isin, "US16941M1099", "US16941M1099"),
        (ids.normalize_isin, " us-16941m1099\n", "US16941M1099"),
        (ids.normalize_isin, "US 16941M 109 9", "US16941M1099"),
        (ids.normalize_isin, "ＨＫ０９４１００９５３９", "HK0941009539"),  # full-width
        (ids.normalize_isin, "HK0941009539", "HK0941009539"),
        (ids.normalize_isin, "cne100000pm8", "CNE100000PM8"),
        (ids.normalize_isin, "KYG8020E1199", "KYG8020E1199"),
        (ids.normalize_cusip, "16941m109", "16941M109"),
        (ids.normalize_cusip, "16941M–109", "16941M109"),  # en dash
        (ids.normalize_cusip, "G8020E119", "G8020E119"),  # CINS
        (ids.normalize_sedol, "b15kxq8", "B15KXQ8"),
        (ids.normalize_figi, "bbg000blnq16", "BBG000BLNQ16"),
    ],
)
def test_normalize_valid(func: Callable[[str], str | None], given: str, expected: str) -> None:
    assert func(given) == expected


@pytest.mark.parametrize(
    ("func", "given"),
    [
        (ids.normalize_isin, "US16941M1098"),  # check digit
        (ids.normalize_isin, "US16941M109"),  # short
        (ids.normalize_isin, "ZZ0378331005"),  # no such country
        (ids.normalize_isin, "US1694ıM1099"),  # dotless i must not become I
        (ids.normalize_isin, ""),
        (ids.normalize_cusip, "16941M108"),
        (ids.normalize_cusip, "16941M1099"),
        (ids.normalize_sedol, "B15KXQ7"),
        (ids.normalize_sedol, "0B5KXQ8"),  # digit first but not all digits
        (ids.normalize_figi, "BBG000BLNQ14"),
        (ids.normalize_figi, "BBB000BLNQ16"),  # third character must be G
        (ids.normalize_figi, "GGG000BLNQ16"),  # reserved prefix
    ],
)
def test_normalize_invalid(func: Callable[[str], str | None], given: str) -> None:
    assert func(given) is None


def test_is_valid_agrees_with_normalize() -> None:
    assert ids.is_valid_isin("US16941M1099")
    assert not ids.is_valid_isin("US16941M1098")
    assert ids.is_valid_cusip("02315M107")
    assert not ids.is_valid_cusip("02315M108")
    assert ids.is_valid_sedol("B15KXQ8")
    assert not ids.is_valid_sedol("B15KXQ9")
    assert ids.is_valid_figi("BBG000BLNQ16")
    assert not ids.is_valid_figi("BBG000BLNQ17")


def test_published_invalid_isins_are_reported() -> None:
    for isin in PUBLISHED_INVALID:
        assert not ids.is_valid_isin(isin), isin
        assert ids.normalize_isin(isin) is None
        with pytest.raises(IdentifierError):
            ids.validate_isin(isin)
    # Flag, don't drop: the kind is still known.
    assert ids.isin_kind("BRC1EODR004") == "br"
    assert ids.isin_kind("CND10002K094") == "cn_bond"


@pytest.mark.parametrize(
    ("func", "given", "message"),
    [
        (ids.validate_isin, "BRC1EODR004", "11 characters instead of 12"),
        (ids.validate_isin, "CND10002K094", "check digit is 4, expected 7"),
        (ids.validate_isin, "CND10002G601", "check digit is 1, expected 8"),
        (ids.validate_isin, "US16941M109$", "characters '$' not allowed"),
        (ids.validate_isin, "ZZ0378331005", "'ZZ' is not a country code"),
        (ids.validate_isin, "   ", "empty ISIN"),
        (ids.validate_cusip, "16941M108", "check digit is 8, expected 9"),
        (ids.validate_cusip, "16941M1", "7 characters instead of 9"),
        (ids.validate_cusip, "16941M10!", "characters '!' not allowed"),
        (ids.validate_sedol, "B15KXQ7", "check digit is 7, expected 8"),
        (ids.validate_sedol, "B15AXQ8", "characters 'A' not allowed"),  # no vowels
        (ids.validate_sedol, "0B5KXQ8", "starts with a digit but has letters"),
        (ids.validate_figi, "BBG000BLNQ14", "check digit is 4, expected 6"),
        (ids.validate_figi, "1BG000BLNQ16", "first two characters must be letters"),
        (ids.validate_figi, "BBB000BLNQ16", "third character must be 'G'"),
        (ids.validate_figi, "GGG000BLNQ16", "prefix 'GG' is reserved"),
        (ids.validate_figi, "BBG000BLNQ1", "11 characters instead of 12"),
    ],
)
def test_validate_says_what_is_wrong(
    func: Callable[[str], str | None], given: str, message: str
) -> None:
    with pytest.raises(IdentifierError, match=re.escape(message)) as info:
        func(given)
    assert info.value.code == "bad_identifier"
    assert isinstance(info.value, ValueError)


def test_validate_returns_canonical() -> None:
    assert ids.validate_isin(" us16941m1099 ") == "US16941M1099"
    assert ids.validate_cusip("16941m109") == "16941M109"
    assert ids.validate_sedol("b15kxq8") == "B15KXQ8"
    assert ids.validate_figi("bbg000blnq16") == "BBG000BLNQ16"


# -- conversions ------------------------------------------------------------------------------


def test_cusip_isin_china_mobile_adr() -> None:
    assert ids.cusip_to_isin("16941M109") == "US16941M1099"
    assert ids.isin_to_cusip("US16941M1099") == "16941M109"


def test_cusip_isin_canada() -> None:
    assert ids.cusip_to_isin("136375102", "CA") == "CA1363751027"
    assert ids.cusip_to_isin("136375102", " ca ") == "CA1363751027"
    assert ids.isin_to_cusip("CA1363751027") == "136375102"


def test_isin_to_cusip_only_for_cusip_based_isins() -> None:
    assert ids.isin_to_cusip("HK0941009539") is None
    assert ids.isin_to_cusip("CNE100000PM8") is None
    assert ids.isin_to_cusip("KYG8020E1199") is None
    assert ids.isin_to_cusip("KYG8020E1199", include_cins=True) == "G8020E119"
    # A Hong Kong ISIN's national part is not a CINS even if asked.
    assert ids.isin_to_cusip("HK0941009539", include_cins=True) is None
    with pytest.raises(IdentifierError):
        ids.isin_to_cusip("CND10002K094")


def test_cusip_to_isin_errors() -> None:
    with pytest.raises(IdentifierError, match="US or CA"):
        ids.cusip_to_isin("16941M109", "HK")
    with pytest.raises(IdentifierError, match="check digit"):
        ids.cusip_to_isin("16941M108")
    private = "1234*67" + "8"
    private += stdnum_cusip.calc_check_digit(private)
    assert ids.is_valid_cusip(private)
    with pytest.raises(IdentifierError, match="private-placement"):
        ids.cusip_to_isin(private)


def test_cins_takes_issuer_country() -> None:
    assert ids.cusip_to_isin("G8020E119", "KY") == "KYG8020E1199"
    with pytest.raises(IdentifierError, match="not a country code"):
        ids.cusip_to_isin("G8020E119", "ZZ")


def test_sedol_isin() -> None:
    assert ids.sedol_to_isin("B15KXQ8") == "GB00B15KXQ89"
    assert ids.sedol_to_isin("B4BNMY3", "IE") == "IE00B4BNMY34"
    assert ids.isin_to_sedol("IE00B4BNMY34") == "B4BNMY3"
    assert ids.isin_to_sedol("GB00B15KXQ89") == "B15KXQ8"
    assert ids.isin_to_sedol("US16941M1099") is None
    with pytest.raises(IdentifierError, match="GB/IE"):
        ids.sedol_to_isin("B15KXQ8", "US")


@pytest.mark.parametrize(
    ("isin", "kind"),
    [
        ("CNE100000PM8", "cn_equity"),
        ("CNE1000002V2", "cn_equity"),
        ("CND100005MX3", "cn_bond"),
        ("CN0001234567", "cn_other"),
        ("XS1234567890", "eurobond"),
        ("US16941M1099", "us"),
        ("HK0941009539", "hk"),
        ("KYG8020E1199", "ky"),
        ("BRC1EODR004", "br"),
        ("ARDEUT110103", "ar"),
        ("DE0007164600", "other"),
        (" cne100000pm8 ", "cn_equity"),
        ("", "other"),
        ("CN", "other"),
    ],
)
def test_isin_kind(isin: str, kind: str) -> None:
    assert ids.isin_kind(isin) == kind


# -- registry ---------------------------------------------------------------------------------


def test_registry_strength_and_lookup() -> None:
    assert [k for k, v in ids.KINDS.items() if v.STRONG] == ["isin", "figi", "cusip", "sedol"]
    assert not ids.KINDS["ticker"].STRONG
    for alias, name in [
        ("openfigi", "figi"),
        ("ID_BB_GLOBAL", "figi"),
        ("id_isin", "isin"),
        ("ID_CUSIP", "cusip"),
        ("Equity Ticker", "ticker"),
        ("id-sedol", "sedol"),
        (" ISIN ", "isin"),
    ]:
        assert ids.get_kind(alias) is ids.KINDS[name], alias
    with pytest.raises(IdentifierError, match="unknown identifier kind 'wkn'"):
        ids.get_kind("wkn")


def test_registry_kinds_normalize_and_validate() -> None:
    assert ids.get_kind("isin").normalize("us16941m1099") == "US16941M1099"
    assert ids.get_kind("isin").is_valid("US16941M1098") is False
    assert ids.get_kind("figi").validate("BBG000BLNQ16") == "BBG000BLNQ16"
    ticker = ids.get_kind("ticker")
    assert ticker.normalize("0941.HK") == "HK:941"
    assert ticker.normalize("941 HK Equity") == "HK:941"
    assert ticker.normalize("not a ticker!") is None
    assert ticker.validate("600118.SS") == "CN:600118"
    with pytest.raises(IdentifierError, match="not a ticker"):
        ticker.validate("???")


# -- detection --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("02315M107", [("cusip", "02315M107")]),
        ("16941M109", [("cusip", "16941M109")]),
        (" us16941m1099 ", [("isin", "US16941M1099")]),
        ("ISIN: KYG8020E1199", [("isin", "KYG8020E1199")]),
        ("CUSIP #16941M109", [("cusip", "16941M109")]),
        ("BBG000BLNQ16", [("figi", "BBG000BLNQ16")]),
        ("B15KXQ8", [("sedol", "B15KXQ8")]),
        ("CND10002K094", []),  # published but invalid: not detected as a valid ISIN
    ],
)
def test_detect_identifiers(cell: str, expected: list[tuple[str, str]]) -> None:
    assert ids.detect_identifiers(cell) == expected


@pytest.mark.parametrize(
    "ticker",
    [
        "AAPL",
        "BRK.B",
        "BRK B",
        "941",
        "0941.HK",
        "600118",
        "601698  CN",
        "C1HL34",
        "GOOGL",
        "SNTMF",
        "CHL US",
        "603019CN",
        "MKN2",
        "",
        "Cash & Cash Investments",
        "--",
    ],
)
def test_detect_does_not_misfire_on_tickers(ticker: str) -> None:
    assert ids.detect_identifiers(ticker) == []


def test_detect_weak() -> None:
    assert ids.detect_identifiers("0941.HK", include_weak=True) == [("ticker", "HK:941")]
    assert ids.detect_identifiers("16941M109", include_weak=True) == [("cusip", "16941M109")]
    assert ids.detect_identifiers(None) == []  # type: ignore[arg-type]


def test_detect_orders_strongest_first() -> None:
    # A 12-character cell that is both a valid ISIN and a valid FIGI (BB = Barbados).
    bodies = (f"BBG{n:08d}" for n in range(1000))
    both = next(c for b in bodies if ids.is_valid_figi(c := b + stdnum_isin.calc_check_digit(b)))
    assert [k for k, _ in ids.detect_identifiers(both)] == ["isin", "figi"]


# -- the real OFAC ISINs ----------------------------------------------------------------------


@pytest.mark.shared
def test_real_ofac_isins() -> None:
    csvs = sorted(OFAC_DIR.glob("*/cons_prim.csv")) + sorted(OFAC_DIR.glob("*/cons_alt.csv"))
    if not csvs:
        pytest.skip(f"real OFAC files not found under {OFAC_DIR}")
    latest = csvs[-1].parent
    text = "".join(p.read_text(encoding="latin-1") for p in latest.glob("*.csv"))
    isins = set(re.findall(r"\bISIN ([A-Z0-9]+)", text))
    assert len(isins) > 100, latest
    assert {i for i in isins if not ids.is_valid_isin(i)} == set(PUBLISHED_INVALID)
    assert all(ids.isin_kind(i) != "other" for i in isins)
    for isin in isins - set(PUBLISHED_INVALID):
        cusip = ids.isin_to_cusip(isin)
        assert (cusip is not None) == isin.startswith("US"), isin


# -- properties -------------------------------------------------------------------------------

NORMALIZERS = [ids.normalize_isin, ids.normalize_cusip, ids.normalize_sedol, ids.normalize_figi]
VALIDATORS = [ids.validate_isin, ids.validate_cusip, ids.validate_sedol, ids.validate_figi]
idish = st.text(alphabet=ALNUM + "abz -–*@#$ı\u00a0０", max_size=16)


@given(st.one_of(st.text(), idish))
def test_normalize_never_raises(value: str) -> None:
    for normalize in NORMALIZERS:
        out = normalize(value)
        assert out is None or (out.isascii() and out == normalize(out))
    assert isinstance(ids.isin_kind(value), str)
    for kind, norm in ids.detect_identifiers(value):
        assert ids.get_kind(kind).normalize(norm) == norm


@given(st.one_of(st.text(), idish))
def test_validate_raises_only_identifier_error(value: str) -> None:
    for validate, normalize in zip(VALIDATORS, NORMALIZERS, strict=True):
        try:
            out = validate(value)
        except IdentifierError as exc:
            assert exc.detail
            assert normalize(value) is None
        else:
            assert out == normalize(value)


@given(st.text(alphabet=ALNUM, min_size=8, max_size=8), st.sampled_from(["US", "CA"]))
def test_cusip_isin_round_trip(body: str, country: str) -> None:
    cusip = body + stdnum_cusip.calc_check_digit(body)
    isin = ids.cusip_to_isin(cusip, country)
    assert ids.is_valid_isin(isin)
    assert ids.isin_kind(isin) == ("us" if country == "US" else "other")
    assert ids.isin_to_cusip(isin) == cusip
    assert ids.detect_identifiers(cusip)[0] == ("cusip", cusip)
    assert ids.detect_identifiers(isin)[0] == ("isin", isin)
