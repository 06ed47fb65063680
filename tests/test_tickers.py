"""OFAC ticker strings, user/broker spellings, and the market-code trap (ofac-formats.md §7)."""

from __future__ import annotations

import doctest
import re
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio_guard import ticker_markets, tickers
from portfolio_guard.errors import IdentifierError
from portfolio_guard.tickers import Listing, parse_ofac_ticker, parse_ticker, spellings

OFAC_DIR = Path(__file__).parents[1].parent / "shared" / "ofac"

# Every class of spelling OFAC prints, from the real list (ofac-formats.md §7).
OFAC_EXAMPLES = [
    ("941 HK", "HK:941", "XHKG"),
    ("0728 HK", "HK:728", "XHKG"),
    ("00981 HK", "HK:981", "XHKG"),
    ("00317  HK", "HK:317", "XHKG"),  # double space
    ("601698  CN", "CN:601698", "XSHG"),  # double space
    ("603019CN", "CN:603019", "XSHG"),  # no space
    ("688981 CN", "CN:688981", "XSHG"),  # STAR
    ("002415 CN", "CN:002415", "XSHE"),
    ("300474 CN", "CN:300474", "XSHE"),  # ChiNext
    ("003009 CN", "CN:003009", "XSHE"),
    ("CHL US", "US:CHL", None),
    ("C1HL34 BR", "BR:C1HL34", None),
    ("ZCH DE", "DE:ZCH", None),
    ("MKN2 DE", "DE:MKN2", None),
    ("K3ED SG", "SG:K3ED", None),
    ("CNU CA", "CA:CNU", None),
    ("CHA AR", "AR:CHA", None),
    ("CHL RU", "RU:CHL", None),
]


def test_doctests() -> None:
    result = doctest.testmod(tickers, raise_on_error=False)
    assert result.attempted > 8
    assert result.failed == 0


# -- OFAC ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "key", "mic"), OFAC_EXAMPLES)
def test_parse_ofac_ticker(raw: str, key: str, mic: str | None) -> None:
    listing = parse_ofac_ticker(raw)
    assert listing.key == key
    assert listing.mic == mic
    # parse_ticker reads OFAC's strings the same way for the markets OFAC uses.
    assert [x.key for x in parse_ticker(raw)] == [key]
    assert listing.raw == raw
    assert listing.country == key[:2]


def test_ofac_suffix_is_a_country() -> None:
    # CN is China for OFAC; Canada is CA. A future market without tables still loads.
    assert parse_ofac_ticker("600118 CN").country == "CN"
    assert parse_ofac_ticker("CNU CA").country == "CA"
    assert parse_ofac_ticker("2330 TW") == Listing("2330", "TW", None, "2330 TW")


def test_same_listing_same_key() -> None:
    assert parse_ofac_ticker("941 HK").key == parse_ofac_ticker("00941 HK").key
    assert parse_ofac_ticker("601698  CN") == Listing("601698", "CN", "XSHG", "601698  CN")
    assert parse_ofac_ticker(" 941\tHK ").key == "HK:941"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "expected '<code> <country>'"),
        ("941", "expected '<code> <country>'"),
        ("941 HK extra", "expected '<code> <country>'"),
        ("CHLUS", "expected '<code> <country>'"),  # letters need the space
        ("941 XX", "'XX' is not an ISO 3166 country code"),
        ("941 H1", "expected '<code> <country>'"),
        ("ABC HK", "a Hong Kong code is 1 to 5 digits"),
        ("000000 HK", "a Hong Kong code is 1 to 5 digits"),
        ("60169 CN", "a mainland China code is 6 digits"),
        ("6016988 CN", "a mainland China code is 6 digits"),
        ("CH1 US", "a US symbol is letters"),
        ("C1HL BR", "a Brazilian code"),
        ("ZC$ DE", "letters and digits only"),
    ],
)
def test_parse_ofac_ticker_rejects_garbage(raw: str, message: str) -> None:
    with pytest.raises(IdentifierError, match=re.escape(message)):
        parse_ofac_ticker(raw)


def test_parse_ofac_ticker_rejects_non_text() -> None:
    with pytest.raises(IdentifierError, match="must be text"):
        parse_ofac_ticker(None)  # type: ignore[arg-type]


# -- spellings and round trips ------------------------------------------------------------------


def test_spellings_hong_kong() -> None:
    assert spellings(parse_ofac_ticker("00981 HK")) == {
        "ofac": "981 HK",
        "colon": "HK:0981",
        "yahoo": "0981.HK",
        "bloomberg": "981 HK",
        "google": "HKG:0981",
        "ibkr_symbol": "981",
        "ibkr_exchange": "SEHK",
        "openfigi_ticker": "981",
        "openfigi_exch_code": "HK",
    }


def test_spellings_china() -> None:
    sh = spellings(parse_ofac_ticker("600118 CN"))
    assert (sh["yahoo"], sh["bloomberg"], sh["google"]) == ("600118.SS", "600118 CH", "SHA:600118")
    assert (sh["ibkr_exchange"], sh["openfigi_exch_code"]) == ("SEHKNTL", "CG")
    sz = spellings(parse_ofac_ticker("002415 CN"))
    assert (sz["yahoo"], sz["google"], sz["ibkr_exchange"]) == (
        "002415.SZ",
        "SHE:002415",
        "SEHKSZSE",
    )
    assert sz["openfigi_exch_code"] == "CS"


def test_spellings_translate_ofac_countries_for_openfigi() -> None:
    # The trap: sent raw, CN means Canada, DE Douala and SG Belgrade to OpenFIGI.
    expected = {
        "HK": "HK",
        "US": "US",
        "DE": "GR",
        "SG": "SP",
        "BR": "BZ",
        "CA": "CN",
        "AR": "AR",
        "RU": "RU",
    }
    for raw, key, _ in OFAC_EXAMPLES:
        code = spellings(parse_ofac_ticker(raw))["openfigi_exch_code"]
        country = key[:2]
        if country == "CN":
            assert code in ("CG", "CS"), raw
        else:
            assert code == expected[country], raw


def test_spellings_share_class() -> None:
    s = spellings(Listing("BRK.B", "US", "XNYS", "BRK B"))
    assert s["yahoo"] == "BRK-B"
    assert s["bloomberg"] == "BRK/B US"
    assert s["ibkr_symbol"] == "BRK B"
    assert s["google"] == "NYSE:BRK.B"
    assert "ibkr_exchange" not in s  # IBKR routes US lines through SMART; no listing exchange


def test_spellings_unknown_market_are_minimal() -> None:
    assert spellings(parse_ofac_ticker("2330 TW")) == {"ofac": "2330 TW", "colon": "TW:2330"}


def _all_readings(listing: Listing) -> dict[str, list[Listing]]:
    s = spellings(listing)
    out = {"ofac": [parse_ofac_ticker(s["ofac"])]}
    for name in ("colon", "yahoo", "bloomberg", "google"):
        if name in s:
            out[name] = parse_ticker(s[name])
    out["ibkr"] = (
        parse_ticker(s["ibkr_symbol"], exchange=s.get("ibkr_exchange"))
        if ("ibkr_symbol" in s)
        else [listing]
    )
    if "openfigi_ticker" in s:
        out["openfigi"] = parse_ticker(s["openfigi_ticker"], exchange=s["openfigi_exch_code"])
    return out


@pytest.mark.parametrize(("raw", "key", "mic"), OFAC_EXAMPLES)
def test_spellings_round_trip(raw: str, key: str, mic: str | None) -> None:
    listing = parse_ofac_ticker(raw)
    assert parse_ofac_ticker(spellings(listing)["ofac"]).key == key
    for name, found in _all_readings(listing).items():
        assert [x.key for x in found] == [key], (name, spellings(listing))


def test_round_trip_venue_and_class_listings() -> None:
    for listing in [
        Listing("BRK.B", "US", None, "BRK.B"),
        Listing("BRK.B", "US", "XNYS", "BRK.B"),
        Listing("830799", "CN", "BJSE", "830799.BJ"),
        Listing("900901", "CN", "XSHG", "900901"),
        Listing("123456", "CN", None, "123456 CN"),
        Listing("80941", "HK", "XHKG", "80941"),
        Listing("2330", "TW", None, "2330 TW"),
    ]:
        for name, found in _all_readings(listing).items():
            assert [x.key for x in found] == [listing.key], (name, listing)


# -- parse_ticker -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "exchange", "currency", "keys"),
    [
        # Yahoo
        ("0941.HK", None, None, ["HK:941"]),
        ("941.hk", None, None, ["HK:941"]),
        ("600118.SS", None, None, ["CN:600118"]),
        ("002415.SZ", None, None, ["CN:002415"]),
        ("BRK-B", None, None, ["US:BRK.B"]),
        ("PR1W.DE", None, None, ["DE:PR1W"]),
        ("PTX.F", None, None, ["DE:PTX"]),
        ("ZCH.SG", None, None, ["DE:ZCH"]),  # Yahoo .SG is Stuttgart
        ("K3ED.SI", None, None, ["SG:K3ED"]),
        ("C1HL34.SA", None, None, ["BR:C1HL34"]),
        # Bloomberg / OpenFIGI
        ("941 HK Equity", None, None, ["HK:941"]),
        ("941 HK EQUITY", None, None, ["HK:941"]),
        ("600118 CH", None, None, ["CN:600118"]),
        ("600118 CG", None, None, ["CN:600118"]),
        ("002415 CS", None, None, ["CN:002415"]),
        ("600118 C1", None, None, ["CN:600118"]),
        ("CHL UN", None, None, ["US:CHL"]),
        ("BRK/B US", None, None, ["US:BRK.B"]),
        ("ZCH GR", None, None, ["DE:ZCH"]),
        ("ZCH GY", None, None, ["DE:ZCH"]),
        ("K3ED SP", None, None, ["SG:K3ED"]),
        ("C1HL34 BZ", None, None, ["BR:C1HL34"]),
        # the trap: Bloomberg CN is Canada, but an all-digit code is surely China
        ("CNU CN", None, None, ["CA:CNU"]),
        ("600118 CN", None, None, ["CN:600118"]),
        ("603019CN", None, None, ["CN:603019"]),
        ("601698  CN", None, None, ["CN:601698"]),
        # OFAC's DE/SG are Douala/Belgrade in OpenFIGI; read as the countries OFAC means
        ("ZCH DE", None, None, ["DE:ZCH"]),
        ("K3ED SG", None, None, ["SG:K3ED"]),
        # colon forms
        ("HK:0941", None, None, ["HK:941"]),
        ("SEHK:941", None, None, ["HK:941"]),
        ("HKG:0941", None, None, ["HK:941"]),
        ("SHA:600118", None, None, ["CN:600118"]),
        ("SHE:002415", None, None, ["CN:002415"]),
        ("NYSE:CHL", None, None, ["US:CHL"]),
        ("941:xhkg", None, None, ["HK:941"]),  # Saxo
        ("CHL:xnys", None, None, ["US:CHL"]),
        ("CN:600118", None, None, ["CN:600118"]),
        ("US:BRK.B", None, None, ["US:BRK.B"]),
        ("TW:2330", None, None, ["TW:2330"]),
        ("a:b:c", None, None, []),
        ("HK:", None, None, []),
        # bare code + exchange hint (IBKR, MIC, Bloomberg/OpenFIGI)
        ("700", "SEHK", None, ["HK:700"]),
        ("00700", "XHKG", None, ["HK:700"]),
        ("600118", "SEHKNTL", None, ["CN:600118"]),
        ("688981", "SEHKSTAR", None, ["CN:688981"]),
        ("2415", "SEHKSZSE", None, ["CN:002415"]),  # spreadsheet ate the zeros
        ("600118", "XSHG", None, ["CN:600118"]),
        ("600118", "CH", None, ["CN:600118"]),
        ("600118", "CN", None, ["CN:600118"]),
        ("CNU", "CN", None, ["CA:CNU"]),
        ("CHL", "NYSE", None, ["US:CHL"]),
        ("SNTMF", "PINK", None, ["US:SNTMF"]),
        ("SNTMF", "OOTC", None, ["US:SNTMF"]),
        ("ZCH", "IBIS", None, ["DE:ZCH"]),
        ("ZCH", "FWB", None, ["DE:ZCH"]),
        ("K3ED", "SGX", None, ["SG:K3ED"]),
        ("CHL", "nyse arca", None, ["US:CHL"]),
        ("AAPL", "SEHK", None, []),  # a known exchange where the code cannot exist
        ("CHL", "SMART", None, ["US:CHL"]),  # IBKR routing, not a market: ignored
        # bare code + currency hint
        ("0941", None, "HKD", ["HK:941"]),
        ("600118", None, "CNY", ["CN:600118"]),
        ("600118", None, "CNH", ["CN:600118"]),
        ("2415", None, "CNY", ["CN:002415", "HK:2415"]),
        ("CHL", None, "USD", ["US:CHL"]),
        ("941", None, "USD", ["HK:941"]),  # weak hint that cannot fit: ignored
        ("CHL", None, "EUR", ["US:CHL"]),
        # bare code, no hint
        ("941", None, None, ["HK:941"]),
        ("00941", None, None, ["HK:941"]),
        ("600118", None, None, ["CN:600118"]),
        ("688327", None, None, ["CN:688327"]),
        ("000768", None, None, ["CN:000768"]),
        ("300474", None, None, ["CN:300474"]),
        ("123456", None, None, []),
        ("1234567", None, None, []),
        ("AAPL", None, None, ["US:AAPL"]),
        ("aapl", None, None, ["US:AAPL"]),
        ("BRK.B", None, None, ["US:BRK.B"]),
        ("BRK B", None, None, ["US:BRK.B"]),  # IBKR
        ("CHL.OLD", None, None, ["US:CHL"]),  # IBKR after a rename
        ("C1HL34", None, None, ["BR:C1HL34"]),
        ("６００１１８", None, None, ["CN:600118"]),  # full-width digits
        # garbage
        ("", None, None, []),
        ("   ", None, None, []),
        ("0", None, None, []),
        ("Cash & Cash Investments", None, None, []),
        ("CHINA MOBILE LTD", None, None, []),
        ("Ü", None, None, []),
        ("X" * 100, None, None, []),
    ],
)
def test_parse_ticker(
    text: str, exchange: str | None, currency: str | None, keys: list[str]
) -> None:
    found = parse_ticker(text, exchange=exchange, currency=currency)
    assert [x.key for x in found] == keys
    assert all(x.raw == text for x in found)


def test_parse_ticker_mics() -> None:
    assert parse_ticker("CHL UN")[0].mic == "XNYS"
    assert parse_ticker("CHL US")[0].mic is None
    assert parse_ticker("SNTMF", exchange="OOTC")[0].mic == "OOTC"
    assert parse_ticker("0020", exchange="XHKG")[0] == Listing("20", "HK", "XHKG", "0020")
    assert parse_ticker("688327", exchange="XSHG")[0].mic == "XSHG"
    # The code's numbering beats a wrong venue label.
    assert parse_ticker("600118", exchange="SEHKSZSE")[0].mic == "XSHG"


def test_text_beats_hints() -> None:
    assert [x.key for x in parse_ticker("0941.HK", exchange="NYSE", currency="USD")] == ["HK:941"]


def test_parse_ticker_tolerates_non_text() -> None:
    assert parse_ticker(None) == []  # type: ignore[arg-type]
    assert parse_ticker(941.0) == []  # type: ignore[arg-type]
    assert [x.key for x in parse_ticker("941", exchange=float("nan"))] == ["HK:941"]  # type: ignore[arg-type]


def test_parse_ticker_returns_fresh_lists() -> None:
    first = parse_ticker("941")
    first.clear()
    assert parse_ticker("941") != []


def test_a_share_mic() -> None:
    assert tickers.a_share_mic("600118") == "XSHG"
    assert tickers.a_share_mic("688981") == "XSHG"
    assert tickers.a_share_mic("689009") == "XSHG"
    assert tickers.a_share_mic("000768") == "XSHE"
    assert tickers.a_share_mic("300474") == "XSHE"
    assert tickers.a_share_mic("830799") == "BJSE"
    assert tickers.a_share_mic("123456") is None
    assert tickers.a_share_mic("60011") is None


def test_tables_are_consistent() -> None:
    places = [
        *ticker_markets.BLOOMBERG_CODES.values(),
        *ticker_markets.YAHOO_SUFFIXES.values(),
        *ticker_markets.EXCHANGE_HINTS.values(),
    ]
    for country, mic in places:
        assert country in ticker_markets.OFAC_COUNTRIES
        assert mic is None or re.fullmatch(r"[A-Z0-9]{4}", mic)
    assert ticker_markets.OFAC_COUNTRIES <= ticker_markets.ISO_COUNTRIES
    assert set(ticker_markets.COUNTRY_SPELLINGS) == ticker_markets.OFAC_COUNTRIES


def test_fast_on_distinct_values() -> None:
    values = [f"{n}" for n in range(1, 20000)] + [f"S{n:05d}X" for n in range(20000)]
    start = time.perf_counter()
    for value in values:
        parse_ticker(value, exchange="SEHK", currency="HKD")
    assert time.perf_counter() - start < 2.0


# -- the real OFAC tickers ----------------------------------------------------------------------


@pytest.mark.shared
def test_real_ofac_tickers() -> None:
    csvs = sorted(OFAC_DIR.glob("*/cons_prim.csv"))
    if not csvs:
        pytest.skip(f"real OFAC legacy CSV files not found under {OFAC_DIR}")
    text = csvs[-1].read_text(encoding="latin-1")
    raws = re.findall(r"Equity Ticker ([^;\"]+?)\s*(?:;|\"|$)", text)
    assert len(raws) > 60, csvs[-1]
    for raw in raws:
        listing = parse_ofac_ticker(raw)
        assert listing.key in {x.key for x in parse_ticker(raw)}, raw
        for name, found in _all_readings(listing).items():
            assert [x.key for x in found] == [listing.key], (raw, name)


# -- properties ---------------------------------------------------------------------------------

tickerish = st.text(alphabet="0123456789ABCHKSZNUGEJ .:-/ 　hkxq", max_size=14)
hints = st.one_of(
    st.none(), st.text(max_size=10), st.sampled_from(sorted(ticker_markets.EXCHANGE_HINTS))
)
currencies = st.one_of(
    st.none(), st.text(max_size=4), st.sampled_from(sorted(ticker_markets.CURRENCY_HINTS))
)


@given(st.one_of(st.text(), tickerish), hints, currencies)
def test_parse_ticker_never_raises_and_keys_are_stable(
    text: str, exchange: str | None, currency: str | None
) -> None:
    found = parse_ticker(text, exchange=exchange, currency=currency)
    assert len({x.key for x in found}) == len(found)
    for listing in found:
        assert [x.key for x in parse_ticker(listing.key)] == [listing.key]


@given(st.one_of(st.text(), tickerish))
def test_parse_ofac_ticker_raises_only_identifier_error(text: str) -> None:
    try:
        listing = parse_ofac_ticker(text)
    except IdentifierError as exc:
        assert exc.detail
    else:
        assert parse_ofac_ticker(spellings(listing)["ofac"]).key == listing.key


@given(
    st.one_of(
        st.integers(1, 99999).map(lambda n: f"{n:05d} HK"),
        st.tuples(st.sampled_from(["60", "68", "00", "30"]), st.integers(1, 9999)).map(
            lambda t: f"{t[0]}{t[1]:04d} CN"
        ),
        st.from_regex(r"[A-Z]{1,5} (US|AR|RU|CA|DE|SG)", fullmatch=True),
    )
)
def test_generated_listings_round_trip(raw: str) -> None:
    listing = parse_ofac_ticker(raw)
    for name, found in _all_readings(listing).items():
        assert [x.key for x in found] == [listing.key], (raw, name)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("US.CHL", "US:CHL"),
        ("HK.00941", "HK:941"),
        ("SH.603019", "CN:603019"),
        ("SZ.002415", "CN:002415"),
        ("SZ:002415", "CN:002415"),
        ("SH:603019", "CN:603019"),
        ("002415.SHE", "CN:002415"),
        ("600000.SHG", "CN:600000"),
    ],
)
def test_market_prefix_and_vendor_suffix_spellings(text: str, key: str) -> None:
    assert [x.key for x in parse_ticker(text)] == [key]
