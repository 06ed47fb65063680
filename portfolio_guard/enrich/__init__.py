"""Enrichment from remote services: OpenFIGI (identifiers) and Yahoo Finance (confirmation).

Nothing here is needed to screen holdings; it feeds the listings refresh. Importing this
package does not import yfinance.
"""

from portfolio_guard.enrich.cache import DiskCache, default_cache_dir
from portfolio_guard.enrich.clock import Clock, FakeClock, SystemClock
from portfolio_guard.enrich.jobs import isin_job, parse_ofac_ticker, ticker_job, yahoo_symbol
from portfolio_guard.enrich.models import (
    FigiRecord,
    MappingJob,
    MappingResult,
    SearchRequest,
    SearchResult,
    YahooQuote,
)
from portfolio_guard.enrich.openfigi import OpenFigiClient
from portfolio_guard.enrich.ratelimit import KEYED_LIMITS, KEYLESS_LIMITS, RateLimits, RatePolicy
from portfolio_guard.enrich.transport import RetryPolicy

__all__ = [
    "KEYED_LIMITS",
    "KEYLESS_LIMITS",
    "Clock",
    "DiskCache",
    "FakeClock",
    "FigiRecord",
    "MappingJob",
    "MappingResult",
    "OpenFigiClient",
    "RateLimits",
    "RatePolicy",
    "RetryPolicy",
    "SearchRequest",
    "SearchResult",
    "SystemClock",
    "YahooQuote",
    "default_cache_dir",
    "isin_job",
    "parse_ofac_ticker",
    "ticker_job",
    "yahoo_symbol",
]
