"""A loopback fake of the Yahoo Finance endpoints yfinance 1.7.0 calls (openfigi.md §10).

yfinance hard-codes ``https://query1/query2.finance.yahoo.com`` and imports the constants
by value, so it cannot be re-pointed by configuration. Instead ``FakeYahoo.session()``
returns a plain ``requests.Session`` whose adapter rewrites every URL to this server and
carries the original host in ``X-Orig-Host``; yfinance accepts any ``requests.Session``
subclass-or-instance as its session. Nothing in yfinance is patched.

Routes (by original host and path): ``fc.yahoo.com /`` (sets the A3 cookie),
``/v1/test/getcrumb`` (plain-text crumb), ``/v1/finance/search``, ``/v1/finance/lookup``,
``/v10/finance/quoteSummary/{sym}``, ``/v7/finance/quote``,
``/ws/fundamentals-timeseries/…``, ``/v8/finance/chart/{sym}``, and the consent flow
(``guce.yahoo.com /consent``, ``consent.yahoo.com /v2/collectConsent``,
``guce.yahoo.com /copyConsent``). ``rate_limited = True`` makes the data endpoints answer
429; ``failures[path_prefix] = status`` makes matching paths fail with that status.

All quote data is SYNTHETIC test data shaped like Yahoo's (names and symbols are public
facts; prices and scores are made up).
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any, cast

import requests
import requests.adapters

from tests.fakes.loopback import LoopbackServer

__all__ = ["FakeYahoo", "YahooListing", "default_yahoo_listings"]

CRUMB = "fAkEcRuMb.42"
_DATA_PREFIXES = ("/v1/finance/", "/v7/finance/", "/v8/finance/", "/v10/finance/", "/ws/")


@dataclass(frozen=True)
class YahooListing:
    symbol: str
    short_name: str
    long_name: str
    exchange: str
    full_exchange_name: str
    exch_disp: str
    currency: str
    quote_type: str = "EQUITY"
    type_disp: str = "Equity"
    timezone: str = "Asia/Hong_Kong"
    is_yahoo_finance: bool = True

    def search_quote(self, score: float) -> dict[str, Any]:
        """A ``/v1/finance/search`` quote: lower-case ``shortname``/``longname``."""
        return {
            "exchange": self.exchange,
            "shortname": self.short_name,
            "quoteType": self.quote_type,
            "symbol": self.symbol,
            "index": "quotes",
            "score": score,
            "typeDisp": self.type_disp,
            "longname": self.long_name,
            "exchDisp": self.exch_disp,
            "isYahooFinance": self.is_yahoo_finance,
        }

    def quote(self) -> dict[str, Any]:
        """A ``/v7/finance/quote`` result."""
        return {
            "language": "en-US",
            "region": "US",
            "quoteType": self.quote_type,
            "typeDisp": self.type_disp,
            "currency": self.currency,
            "exchange": self.exchange,
            "shortName": self.short_name,
            "longName": self.long_name,
            "fullExchangeName": self.full_exchange_name,
            "exchangeTimezoneName": self.timezone,
            "market": "hk_market" if self.symbol.endswith(".HK") else "cn_market",
            "regularMarketPrice": 10.0,
            "symbol": self.symbol,
        }


def _hk(symbol: str, short: str, long: str) -> YahooListing:
    return YahooListing(symbol, short, long, "HKG", "HKSE", "Hong Kong", "HKD")


def _cn(symbol: str, short: str, long: str) -> YahooListing:
    shanghai = symbol.endswith(".SS")
    exchange, place = ("SHH", "Shanghai") if shanghai else ("SHZ", "Shenzhen")
    return YahooListing(
        symbol, short, long, exchange, place, place, "CNY", timezone="Asia/Shanghai"
    )


def default_yahoo_listings() -> list[YahooListing]:
    return [
        _hk("0020.HK", "SENSETIME-W", "SenseTime Group Inc."),
        _cn("688327.SS", "CLOUDWALK", "CloudWalk Technology Co., Ltd."),
        _hk("0941.HK", "CHINA MOBILE", "China Mobile Limited"),
        _cn("600941.SS", "CHINA MOBILE", "China Mobile Limited"),
        _cn("002415.SZ", "HIKVISION", "Hangzhou Hikvision Digital Technology Co., Ltd."),
        _hk("0728.HK", "CHINA TELECOM", "China Telecom Corporation Limited"),
        _hk("0981.HK", "SMIC", "Semiconductor Manufacturing International Corporation"),
        # A search hit that is not a Yahoo Finance quote page; clients must drop it.
        YahooListing(
            "SENSETIME.PVT",
            "SenseTime (private placement)",
            "SenseTime Group (synthetic non-YF entry)",
            "PVT",
            "Private",
            "Private",
            "USD",
            quote_type="PRIVATE_COMPANY",
            type_disp="Private Company",
            is_yahoo_finance=False,
        ),
    ]


class _Redirect(requests.adapters.HTTPAdapter):
    def __init__(self, port: int) -> None:
        super().__init__()
        self._port = port

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        parts = urllib.parse.urlsplit(request.url or "")
        request.headers["X-Orig-Host"] = parts.hostname or ""
        query = f"?{parts.query}" if parts.query else ""
        request.url = f"http://127.0.0.1:{self._port}{parts.path or '/'}{query}"
        return super().send(request, *args, **kwargs)


class FakeYahoo(LoopbackServer):
    def __init__(self, listings: list[YahooListing] | None = None) -> None:
        super().__init__(_Handler)
        self.listings = list(default_yahoo_listings() if listings is None else listings)
        self.rate_limited = False
        # path prefix -> HTTP status to answer instead of data (e.g. a 500 on quoteSummary)
        self.failures: dict[str, int] = {}
        self._seen: list[tuple[str, str, dict[str, list[str]]]] = []
        self._lock = threading.Lock()

    def session(self) -> requests.Session:
        """A session that sends every Yahoo URL to this server (see module docstring)."""
        session = requests.Session()
        session.trust_env = False  # no proxies or netrc: loopback only
        adapter = _Redirect(self.port)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    @property
    def seen(self) -> list[tuple[str, str, dict[str, list[str]]]]:
        """(original host, path, query) of every request, in order."""
        with self._lock:
            return list(self._seen)

    def paths(self) -> list[str]:
        return [f"{host}{path}" for host, path, _ in self.seen]

    def reset(self) -> None:
        with self._lock:
            self._seen.clear()
        self.rate_limited = False
        self.failures.clear()

    def _record(self, host: str, path: str, query: dict[str, list[str]]) -> None:
        with self._lock:
            self._seen.append((host, path, query))

    def by_symbol(self, symbol: str) -> YahooListing | None:
        return next((item for item in self.listings if item.symbol == symbol.upper()), None)

    def search(self, text: str) -> list[YahooListing]:
        tokens = text.upper().split()
        return [
            item
            for item in self.listings
            if tokens
            and all(
                t in f"{item.symbol} {item.short_name} {item.long_name}".upper() for t in tokens
            )
        ]


class _Handler(BaseHTTPRequestHandler):
    # Answer at once: without this every reply waits ~40 ms for a delayed ACK.
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"

    @property
    def fake(self) -> FakeYahoo:
        return cast(FakeYahoo, self.server.owner)  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(
        self,
        status: int,
        body: Any,
        content_type: str = "application/json;charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        text = body if isinstance(body, str) else json.dumps(body)
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._dispatch()

    def _dispatch(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        host = self.headers.get("X-Orig-Host", "")
        query = urllib.parse.parse_qs(parts.query)
        path = parts.path
        self.fake._record(host, path, query)
        if self.fake.rate_limited and path.startswith(_DATA_PREFIXES):
            self._send(429, "Too Many Requests\r\n", "text/html;charset=utf-8")
            return
        for prefix, status in self.fake.failures.items():
            if path.startswith(prefix):
                self._send(status, "<html>Server error</html>", "text/html;charset=utf-8")
                return
        try:
            self._route(host, path, query)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _route(self, host: str, path: str, query: dict[str, list[str]]) -> None:
        if host == "fc.yahoo.com":
            # The real host answers 404 but sets the session cookie yfinance wants.
            self._send(404, "", "text/html", {"Set-Cookie": "A3=d=fake&S=fake; Path=/"})
        elif path == "/v1/test/getcrumb":
            self._send(200, CRUMB, "text/plain;charset=utf-8")
        elif host == "guce.yahoo.com" and path == "/consent":
            form = (
                '<html><body><form method="post" action="https://consent.yahoo.com/v2/collectConsent">'
                '<input type="hidden" name="csrfToken" value="fake-csrf"/>'
                '<input type="hidden" name="sessionId" value="fake-session"/>'
                "</form></body></html>"
            )
            self._send(200, form, "text/html;charset=utf-8")
        elif host in ("consent.yahoo.com", "guce.yahoo.com"):
            self._send(200, "<html><body>ok</body></html>", "text/html;charset=utf-8")
        elif path == "/v1/finance/search":
            self._search(query)
        elif path == "/v1/finance/lookup":
            self._lookup(query)
        elif path.startswith("/v10/finance/quoteSummary/"):
            self._quote_summary(urllib.parse.unquote(path.rsplit("/", 1)[1]))
        elif path == "/v7/finance/quote":
            symbols = query.get("symbols", [""])[0].split(",")
            found = [item.quote() for s in symbols if (item := self.fake.by_symbol(s))]
            self._send(200, {"quoteResponse": {"result": found, "error": None}})
        elif path.startswith("/ws/fundamentals-timeseries/"):
            self._send(200, {"timeseries": {"result": [], "error": None}})
        elif path.startswith("/v8/finance/chart/"):
            self._chart(urllib.parse.unquote(path.rsplit("/", 1)[1]))
        else:
            self._send(404, "<html>Not Found</html>", "text/html")

    def _search(self, query: dict[str, list[str]]) -> None:
        text = query.get("q", [""])[0]
        count = int(query.get("quotesCount", ["8"])[0])
        hits = self.fake.search(text)[:count]
        quotes = [item.search_quote(score=20000.0 - i) for i, item in enumerate(hits)]
        self._send(
            200,
            {
                "explains": [],
                "count": len(quotes),
                "quotes": quotes,
                "news": [],
                "nav": [],
                "lists": [],
                "researchReports": [],
                "screenerFieldResults": [],
                "totalTime": 12,
                "timeTakenForQuotes": 5,
            },
        )

    def _lookup(self, query: dict[str, list[str]]) -> None:
        text = query.get("query", [""])[0]
        docs = [
            {
                "symbol": item.symbol,
                "shortName": item.short_name,
                "exchange": item.exchange,
                "quoteType": item.quote_type.lower(),
                "regularMarketPrice": 10.0,
            }
            for item in self.fake.search(text)
        ]
        result = {"start": 0, "count": len(docs), "total": len(docs), "documents": docs}
        self._send(200, {"finance": {"result": [result], "error": None}})

    def _quote_summary(self, symbol: str) -> None:
        item = self.fake.by_symbol(symbol)
        if item is None:
            error = {"code": "Not Found", "description": f"Quote not found for symbol: {symbol}"}
            self._send(404, {"quoteSummary": {"result": None, "error": error}})
            return
        module = {
            "quoteType": {
                "exchange": item.exchange,
                "quoteType": item.quote_type,
                "symbol": item.symbol,
                "shortName": item.short_name,
                "longName": item.long_name,
                "timeZoneFullName": item.timezone,
            },
            "summaryDetail": {"currency": item.currency, "maxAge": 1},
        }
        self._send(200, {"quoteSummary": {"result": [module], "error": None}})

    def _chart(self, symbol: str) -> None:
        item = self.fake.by_symbol(symbol)
        if item is None:
            error = {"code": "Not Found", "description": "No data found, symbol may be delisted"}
            self._send(404, {"chart": {"result": None, "error": error}})
            return
        meta = {
            "currency": item.currency,
            "symbol": item.symbol,
            "exchangeName": item.exchange,
            "fullExchangeName": item.full_exchange_name,
            "instrumentType": item.quote_type,
            "exchangeTimezoneName": item.timezone,
            "regularMarketPrice": 10.0,
        }
        chart = {"meta": meta, "timestamp": [], "indicators": {"quote": [{}]}}
        self._send(200, {"chart": {"result": [chart], "error": None}})
