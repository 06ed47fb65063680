"""OFAC tickers and ISINs into OpenFIGI jobs and Yahoo symbols (ofac-formats.md §Tickers)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio_guard.enrich.jobs import (
    OFAC_TO_OPENFIGI,
    isin_job,
    parse_ofac_ticker,
    ticker_job,
    yahoo_symbol,
)
from portfolio_guard.enrich.models import FigiRecord, MappingResult
from portfolio_guard.errors import IdentifierError
from portfolio_guard.tickers import parse_ofac_ticker as parse_ticker_strictly


@pytest.mark.parametrize(
    ("raw", "value", "exch"),
    [
        ("941 HK", "941", "HK"),
        ("0728 HK", "728", "HK"),
        ("00317  HK", "317", "HK"),  # OFAC's double space
        ("601698  CN", "601698", "CH"),  # CN is China, which OpenFIGI calls CH
        ("603019CN", "603019", "CH"),  # OFAC's missing space
        ("CHA US", "CHA", "US"),
        ("C1HL34 BR", "C1HL34", "BZ"),
        ("CNU CA", "CNU", "CN"),  # CA is Canada, which OpenFIGI calls CN
        ("ABC DE", "ABC", "GR"),
        ("ABC SG", "ABC", "SP"),
    ],
)
def test_ticker_job_translates_the_market(raw: str, value: str, exch: str) -> None:
    job = ticker_job(raw)
    assert job.to_wire() == {
        "idType": "TICKER",
        "idValue": value,
        "exchCode": exch,
        "marketSecDes": "Equity",
    }


@pytest.mark.parametrize("raw", ["", "941", "941 XX", "HK", "941 H K"])
def test_unreadable_tickers_raise(raw: str) -> None:
    with pytest.raises(IdentifierError):
        ticker_job(raw)


@given(
    code=st.integers(min_value=1, max_value=99999),
    pad=st.integers(min_value=0, max_value=5),
    spaces=st.sampled_from(["", " ", "  ", "\t"]),
)
def test_hk_codes_lose_padding_whatever_the_spacing(code: int, pad: int, spaces: str) -> None:
    raw = f"{code:0{pad}d}{spaces}HK"
    assert ticker_job(raw).idValue == str(code)
    assert parse_ofac_ticker(f" {raw} ")[1] == "HK"


@given(
    symbol=st.from_regex(r"[A-Z0-9]{1,8}", fullmatch=True),
    country=st.sampled_from(sorted(OFAC_TO_OPENFIGI)),
)
def test_every_known_suffix_maps_to_its_openfigi_code(symbol: str, country: str) -> None:
    raw = f"{symbol} {country}"
    try:
        parse_ticker_strictly(raw)
    except IdentifierError:
        # A code that cannot exist on that market is refused, never sent.
        with pytest.raises(IdentifierError):
            ticker_job(raw)
        return
    assert ticker_job(raw).exchCode == OFAC_TO_OPENFIGI[country]


@pytest.mark.parametrize(
    ("raw", "symbol"),
    [
        ("941 HK", "0941.HK"),
        ("20 HK", "0020.HK"),
        ("00981 HK", "0981.HK"),
        ("688327 CN", "688327.SS"),
        ("601698 CN", "601698.SS"),
        ("002415 CN", "002415.SZ"),
        ("300001 CN", "300001.SZ"),
        ("830799 CN", "830799.BJ"),  # Beijing Stock Exchange
        ("CHL US", "CHL"),
        ("ABC DE", None),
    ],
)
def test_yahoo_symbol(raw: str, symbol: str | None) -> None:
    assert yahoo_symbol(raw) == symbol


def test_isin_job_validates_with_stdnum() -> None:
    assert isin_job("CNE100000PM8", "CH").to_wire() == {
        "idType": "ID_ISIN",
        "idValue": "CNE100000PM8",
        "exchCode": "CH",
    }
    with pytest.raises(IdentifierError, match="CND10002K094"):
        isin_job("CND10002K094")  # published by OFAC with a bad check digit


def test_mapping_result_needs_exactly_one_part() -> None:
    with pytest.raises(ValueError):
        MappingResult()
    with pytest.raises(ValueError):
        MappingResult(warning="x", error="y")


def test_figi_record_rejects_an_invalid_figi() -> None:
    with pytest.raises(ValueError, match="not a valid FIGI"):
        FigiRecord(figi="BBG000BLNQ14")
    assert FigiRecord(figi="BBG000BLNQ16", compositeFIGI="BBG000BLNQ16").is_composite
