"""Yahoo Finance lookups through yfinance, to confirm candidate symbols and names.

yfinance scrapes an undocumented API (openfigi.md §10): results are enrichment, never a
block decision, and failures are ``RemoteError``. Design points:

* yfinance (optional extra ``yahoo``) is imported inside the functions, so importing this
  module costs nothing and works without it.
* yfinance's SQLite caches are pointed at ``<user cache dir>/portfolio-guard/yfinance``
  (or ``cache_dir``) before first use.
* ``yf.config.debug.hide_exceptions`` is switched off for the duration of each call:
  with it on (yfinance's default), an HTTP 500 comes back as an empty ``info`` and would
  read as "no such symbol". A 404 is the real "no such symbol" and returns None.
* ``session`` is handed to yfinance as-is (a ``requests`` or ``curl_cffi`` session). Note
  yfinance keeps one process-wide session: passing one replaces it for every later call.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path
from typing import Any

from portfolio_guard.enrich.cache import default_cache_dir
from portfolio_guard.enrich.models import YahooQuote
from portfolio_guard.errors import IdentifierError, PortfolioGuardError, RemoteError

log = logging.getLogger(__name__)

_SYMBOL = re.compile(r"^[A-Z0-9^][A-Z0-9.\-=^]{0,24}$")
_lock = threading.Lock()
_cache_location: Path | None = None


def _yfinance(cache_dir: Path | None) -> Any:
    global _cache_location
    try:
        import yfinance
    except ImportError as exc:
        raise RemoteError(
            "Yahoo Finance lookups need the optional yfinance package: "
            "pip install 'portfolio-guard[yahoo]'"
        ) from exc
    where = cache_dir if cache_dir is not None else default_cache_dir() / "yfinance"
    if where != _cache_location:
        where.mkdir(parents=True, exist_ok=True)
        yfinance.cache.set_cache_location(str(where))
        _cache_location = where
    return yfinance


def _status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


class YahooClient:
    """Symbol lookup and name search against Yahoo Finance."""

    def __init__(
        self, *, session: Any | None = None, timeout: float = 30.0, cache_dir: Path | None = None
    ) -> None:
        self.session = session
        self.timeout = timeout
        self.cache_dir = cache_dir

    def __repr__(self) -> str:
        return f"YahooClient(timeout={self.timeout}, cache_dir={self.cache_dir!r})"

    def _run(self, what: str, action: Any) -> Any:
        with _lock:
            yf = _yfinance(self.cache_dir)
            hide = yf.config.debug.hide_exceptions
            yf.config.debug.hide_exceptions = False
            try:
                return action(yf)
            except PortfolioGuardError:
                raise
            except Exception as exc:
                if _status(exc) == 404:
                    return None
                if isinstance(exc, yf.exceptions.YFRateLimitError):
                    raise RemoteError(
                        f"Yahoo Finance {what}: rate-limited (HTTP 429); try again later"
                    ) from exc
                # yfinance is a scraper: any failure inside it is a remote failure to us.
                raise RemoteError(
                    f"Yahoo Finance {what} failed: {type(exc).__name__}: {exc}"
                ) from exc
            finally:
                yf.config.debug.hide_exceptions = hide

    def lookup_symbol(self, symbol: str) -> YahooQuote | None:
        """Name, exchange, currency and type of a Yahoo symbol (``0941.HK``), or None.

        Raises:
            IdentifierError: ``symbol`` is not shaped like a Yahoo symbol.
            RemoteError: Yahoo could not be asked (network, 429, malformed answer).
        """
        wanted = symbol.strip().upper()
        if not _SYMBOL.match(wanted):
            raise IdentifierError(f"not a Yahoo Finance symbol: {symbol!r}")

        def fetch(yf: Any) -> Any:
            return yf.Ticker(wanted, session=self.session).info

        info = self._run(f"lookup of {wanted}", fetch)
        if not isinstance(info, dict):
            return None
        name = _text(info.get("longName")) or _text(info.get("shortName"))
        quote_type = _text(info.get("quoteType"))
        if name is None and quote_type is None:
            log.debug("Yahoo Finance knows nothing about %s", wanted)
            return None
        return YahooQuote(
            symbol=_text(info.get("symbol")) or wanted,
            name=name,
            short_name=_text(info.get("shortName")),
            exchange=_text(info.get("exchange")),
            exchange_name=_text(info.get("fullExchangeName")),
            currency=_text(info.get("currency")),
            quote_type=quote_type,
        )

    def search_name(self, text: str, *, max_results: int = 10) -> list[YahooQuote]:
        """Yahoo Finance quotes matching ``text`` (a company name), best first.

        Entries that are not Yahoo Finance quote pages (``isYahooFinance`` false) are left
        out. Results carry no currency (Yahoo's search does not return it).
        """
        query = " ".join(text.split())
        if not query:
            raise IdentifierError("cannot search Yahoo Finance for an empty name")

        def fetch(yf: Any) -> Any:
            return yf.Search(
                query,
                max_results=max_results,
                news_count=0,
                lists_count=0,
                include_cb=False,
                recommended=0,
                session=self.session,
                timeout=self.timeout,
                raise_errors=True,
            ).quotes

        quotes = self._run(f"search for {query!r}", fetch) or []
        out = []
        for quote in quotes:
            if not isinstance(quote, dict) or quote.get("isYahooFinance") is not True:
                continue
            symbol = _text(quote.get("symbol"))
            if symbol is None:
                continue
            out.append(
                YahooQuote(
                    symbol=symbol,
                    name=_text(quote.get("longname")) or _text(quote.get("shortname")),
                    short_name=_text(quote.get("shortname")),
                    exchange=_text(quote.get("exchange")),
                    exchange_name=_text(quote.get("exchDisp")),
                    quote_type=_text(quote.get("quoteType")),
                )
            )
        return out


def lookup_symbol(
    symbol: str, *, session: Any | None = None, cache_dir: Path | None = None
) -> YahooQuote | None:
    """Module-level shortcut for ``YahooClient(...).lookup_symbol(symbol)``."""
    return YahooClient(session=session, cache_dir=cache_dir).lookup_symbol(symbol)


def search_name(
    text: str,
    *,
    max_results: int = 10,
    session: Any | None = None,
    timeout: float = 30.0,
    cache_dir: Path | None = None,
) -> list[YahooQuote]:
    """Module-level shortcut for ``YahooClient(...).search_name(text)``."""
    return YahooClient(session=session, timeout=timeout, cache_dir=cache_dir).search_name(
        text, max_results=max_results
    )
