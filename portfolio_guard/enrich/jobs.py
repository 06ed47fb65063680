"""Turn OFAC's published identifiers into OpenFIGI mapping jobs and Yahoo symbols.

OFAC writes tickers as ``<symbol> <country>`` where the suffix is a *country* code, and
several collide with different OpenFIGI exchange codes (``CN`` is Canada there, ``DE``
Douala, ``SG`` Belgrade): ``ofac-formats.md`` §Tickers. Sent raw they would silently map
to the wrong market, so every suffix goes through ``OFAC_TO_OPENFIGI``.
"""

from __future__ import annotations

from stdnum import isin as stdnum_isin
from stdnum.exceptions import ValidationError as StdnumError

from portfolio_guard import tickers
from portfolio_guard.enrich.models import MappingJob
from portfolio_guard.errors import IdentifierError
from portfolio_guard.ticker_markets import COUNTRY_SPELLINGS

# OFAC country suffix -> OpenFIGI composite exchange code, from the one market table
# (ticker_markets.COUNTRY_SPELLINGS; China's is the composite CH, not a venue).
OFAC_TO_OPENFIGI: dict[str, str] = {
    country: spelling.openfigi for country, spelling in COUNTRY_SPELLINGS.items()
}


def parse_ofac_ticker(raw: str) -> tuple[str, str]:
    """``"0728 HK"`` -> ``("728", "HK")``: the local code and OFAC's country, read by
    :func:`portfolio_guard.tickers.parse_ofac_ticker` (spacing slips, zero padding).

    Raises:
        IdentifierError: not ``<symbol> <country>`` with a country OpenFIGI can be asked about.
    """
    listing = tickers.parse_ofac_ticker(raw)
    if listing.country not in OFAC_TO_OPENFIGI:
        raise IdentifierError(
            f"OFAC ticker {raw!r}: unknown market suffix {listing.country!r} "
            f"(known: {', '.join(sorted(OFAC_TO_OPENFIGI))})"
        )
    return listing.code, listing.country


def ticker_job(raw: str) -> MappingJob:
    """The mapping job for an OFAC equity ticker (HK codes lose their leading zeros)."""
    symbol, country = parse_ofac_ticker(raw)
    return MappingJob(
        idType="TICKER",
        idValue=symbol,
        exchCode=OFAC_TO_OPENFIGI[country],
        marketSecDes="Equity",
    )


def isin_job(isin: str, exch_code: str | None = None) -> MappingJob:
    """The mapping job for an ISIN, optionally narrowed to one exchange code.

    Without ``exch_code`` OpenFIGI returns every listing of the instrument (openfigi.md §7).

    Raises:
        IdentifierError: ``isin`` fails python-stdnum's ISIN check.
    """
    try:
        value = stdnum_isin.validate(isin)
    except StdnumError as exc:
        raise IdentifierError(f"not a valid ISIN: {isin!r} ({exc})") from exc
    return MappingJob(idType="ID_ISIN", idValue=value, exchCode=exch_code)


def yahoo_symbol(raw: str) -> str | None:
    """The Yahoo Finance symbol for an OFAC ticker, or None where there is no rule.

    ``941 HK`` -> ``0941.HK`` (4 digits, zero-padded); A-shares ``.SS`` (Shanghai) or
    ``.SZ`` (Shenzhen) by their code; US symbols bare. Only markets Yahoo lists our issuers on.
    """
    listing = tickers.parse_ofac_ticker(raw)
    if listing.country not in ("HK", "CN", "US"):
        return None
    return tickers.spellings(listing).get("yahoo")
