"""Turn accepted remote candidates into dataset rows with their provenance.

An OpenFIGI record gives up to four rows: its own FIGI, its composite FIGI, its share-class
FIGI (holdings files carry any of the three) and, for shares on a market we have a table for,
a ticker row keyed like every other ticker (``HK:20``). A Yahoo quote gives a ticker row.
``detail`` says what each FIGI is the FIGI *of*, so an explanation can read "composite FIGI
of 941 HK"; ``source_ref`` names the query that found it and the day.
"""

from __future__ import annotations

from datetime import date

from portfolio_guard import tickers
from portfolio_guard.enrich.models import FigiRecord, YahooQuote
from portfolio_guard.enrich.scoring import is_equity, market_of
from portfolio_guard.listings import SecurityRow
from portfolio_guard.ticker_markets import COUNTRY_SPELLINGS

# Yahoo's US exchange codes -> MIC (suffixed symbols such as 0941.HK carry their market).
YAHOO_US_EXCHANGES: dict[str, str] = {
    "NYQ": "XNYS",
    "NMS": "XNGS",
    "NGM": "XNMS",
    "NCM": "XNCM",
    "ASE": "XASE",
    "PCX": "ARCX",
    "PNK": "OTCM",
    "OQB": "OTCM",
    "OQX": "OTCM",
    "OEM": "OTCM",
}


def source_ref(service: str, how: str, query: str, day: date) -> str:
    """``openfigi mapping ID_ISIN CNE100000PM8 2026-11-29``, ``openfigi search 'X' …``."""
    return f"{service} {how} {query} {day.isoformat()}"


def _label(record: FigiRecord) -> str:
    """``941 HK``, ``600941 CG``: the ticker and OpenFIGI exchange code of a record."""
    exch = record.exchCode if record.exchCode not in (None, "NOT LISTED") else None
    if record.ticker and exch:
        return f"{record.ticker} {exch}"
    return record.ticker or record.name or record.figi


def record_listing(record: FigiRecord) -> tickers.Listing | None:
    """The ticker listing of an equity record on a market we know, else None."""
    if not is_equity(record) or not record.ticker or market_of(record.exchCode) is None:
        return None
    found = tickers.parse_ticker(record.ticker, exchange=record.exchCode)
    return found[0] if found else None


def _composite_label(record: FigiRecord, country: str | None) -> str:
    """The composite line a record belongs to: ``941 HK``, ``600941 CH``, ``SNTMF US``."""
    if record.is_composite:
        return _label(record)
    spelling = COUNTRY_SPELLINGS.get(country) if country else None
    if record.ticker and spelling is not None:
        return f"{record.ticker} {spelling.bloomberg}"
    return _label(record)


def figi_rows(uid: int, record: FigiRecord, ref: str) -> list[SecurityRow]:
    """Rows for the record's FIGI, composite FIGI and share-class FIGI (in that order)."""
    market = market_of(record.exchCode)
    mic = market[1] if market else None
    country = market[0] if market else None
    what = record.securityType or record.marketSector or "security"
    name = record.name or "no name"
    if record.is_composite:
        own = f"composite FIGI of {_composite_label(record, country)} ({name}, {what})"
    else:
        own = f"FIGI of {_label(record)} ({name}, {what})"
    out = [
        SecurityRow(
            uid,
            "figi",
            record.figi,
            mic,
            country,
            record.ticker,
            record.figi,
            True,
            own,
            "openfigi",
            ref,
        )
    ]
    if record.compositeFIGI is not None and record.compositeFIGI != record.figi:
        out.append(
            SecurityRow(
                uid,
                "figi",
                record.compositeFIGI,
                None,
                country,
                record.ticker,
                record.compositeFIGI,
                True,
                f"composite FIGI of {_composite_label(record, country)} ({name}, {what})",
                "openfigi",
                ref,
            )
        )
    if record.shareClassFIGI is not None:
        out.append(
            SecurityRow(
                uid,
                "figi",
                record.shareClassFIGI,
                None,
                None,
                None,
                record.shareClassFIGI,
                True,
                f"share-class FIGI of {name} ({what})",
                "openfigi",
                ref,
            )
        )
    return out


def ticker_row(
    uid: int, listing: tickers.Listing, raw: str, detail: str, source: str, ref: str
) -> SecurityRow:
    return SecurityRow(
        uid,
        "ticker",
        listing.key,
        listing.mic,
        listing.country,
        listing.code,
        raw,
        True,
        detail,
        source,
        ref,
    )


def record_rows(uid: int, record: FigiRecord, ref: str) -> list[SecurityRow]:
    """Every row an accepted OpenFIGI record contributes."""
    rows = figi_rows(uid, record, ref)
    listing = record_listing(record)
    if listing is not None:
        raw = f"{record.ticker} {record.exchCode}"
        detail = (
            f"{record.name or 'no name'}, {record.securityType or 'equity'}, FIGI {record.figi}"
        )
        rows.append(ticker_row(uid, listing, raw, detail, "openfigi", ref))
    return rows


def quote_listing(quote: YahooQuote) -> tickers.Listing | None:
    """The listing a Yahoo symbol denotes (``0020.HK`` → HK:20), None when unplaceable."""
    if quote.quote_type not in (None, "EQUITY"):
        return None
    symbol = quote.symbol.strip().upper()
    if "." in symbol:
        found = tickers.parse_ticker(symbol)
        # A dotted US class (BRK.B) has no market suffix Yahoo would use; ignore those.
        return found[0] if found and found[0].country != "US" else None
    mic = YAHOO_US_EXCHANGES.get((quote.exchange or "").upper())
    if mic is None:
        return None
    found = tickers.parse_ticker(symbol, exchange=mic)
    return found[0] if found else None


def quote_row(uid: int, quote: YahooQuote, listing: tickers.Listing, ref: str) -> SecurityRow:
    where = quote.exchange_name or quote.exchange or "Yahoo Finance"
    detail = f"Yahoo Finance {quote.symbol} ({quote.name or 'no name'}, {where})"
    return ticker_row(uid, listing, quote.symbol, detail, "yahoo", ref)
