"""The yfinance adapter against the loopback Yahoo fake (openfigi.md §10 recipe).

yfinance keeps process-wide state: one ``YfData`` session (replaced whenever a session is
passed, which every test here does) and an in-process memo of search responses, cleared
before each test so one test's fake cannot answer another's query.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from portfolio_guard.enrich.yahoo import YahooClient, lookup_symbol, search_name
from portfolio_guard.errors import IdentifierError, RemoteError
from tests.fakes.loopback import loopback_only
from tests.fakes.yahoo_server import CRUMB, FakeYahoo

yfinance = pytest.importorskip("yfinance")

YAHOO_HOSTS = {
    "fc.yahoo.com",
    "query1.finance.yahoo.com",
    "query2.finance.yahoo.com",
    "guce.yahoo.com",
    "consent.yahoo.com",
}


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture
def fake() -> Iterator[FakeYahoo]:
    yfinance.data.YfData.cache_get.cache_clear()
    with FakeYahoo() as server:
        yield server
    # After a 429 yfinance switches its process-wide session to the "csrf" cookie flow;
    # put it back so later tests start from yfinance's default.
    shared = yfinance.data.YfData()
    shared._set_cookie_strategy("basic")
    shared._cookie = shared._crumb = None
    assert not server.errors, server.errors[0]


@pytest.fixture
def client(fake: FakeYahoo, tmp_path: Path) -> YahooClient:
    return YahooClient(session=fake.session(), timeout=5, cache_dir=tmp_path / "yf")


def test_lookup_symbol_reads_identity_fields(client: YahooClient, fake: FakeYahoo) -> None:
    quote = client.lookup_symbol(" 0941.hk ")
    assert quote is not None
    assert (quote.symbol, quote.name, quote.short_name) == (
        "0941.HK",
        "China Mobile Limited",
        "CHINA MOBILE",
    )
    assert (quote.exchange, quote.exchange_name, quote.currency, quote.quote_type) == (
        "HKG",
        "HKSE",
        "HKD",
        "EQUITY",
    )
    hosts = {host for host, _, _ in fake.seen}
    assert hosts <= YAHOO_HOSTS  # every request was a redirected Yahoo URL
    summary = [q for _, p, q in fake.seen if p.startswith("/v10/finance/quoteSummary/")]
    assert summary and summary[0]["crumb"] == [CRUMB]


def test_lookup_of_an_a_share(client: YahooClient) -> None:
    quote = client.lookup_symbol("002415.SZ")
    assert quote is not None
    assert (quote.exchange, quote.currency) == ("SHZ", "CNY")


def test_unknown_symbol_is_none(client: YahooClient) -> None:
    assert client.lookup_symbol("9999.HK") is None


@pytest.mark.parametrize("bad", ["", "   ", "0941 HK", "a;b", "X" * 40])
def test_malformed_symbol_is_refused_before_asking(
    client: YahooClient, fake: FakeYahoo, bad: str
) -> None:
    with pytest.raises(IdentifierError):
        client.lookup_symbol(bad)
    assert fake.seen == []


def test_search_name_returns_yahoo_quotes_only(client: YahooClient, fake: FakeYahoo) -> None:
    quotes = client.search_name("SenseTime")
    assert [q.symbol for q in quotes] == ["0020.HK"]  # the non-Yahoo-Finance hit is dropped
    assert quotes[0].name == "SenseTime Group Inc."
    assert quotes[0].exchange == "HKG" and quotes[0].currency is None
    (query,) = [q for _, p, q in fake.seen if p == "/v1/finance/search"]
    assert query["q"] == ["SenseTime"] and query["newsCount"] == ["0"]


def test_search_name_finds_every_listing(client: YahooClient) -> None:
    symbols = {q.symbol for q in client.search_name("china  mobile")}
    assert symbols == {"0941.HK", "600941.SS"}
    assert client.search_name("no such company") == []


def test_search_name_refuses_empty_text(client: YahooClient) -> None:
    with pytest.raises(IdentifierError):
        client.search_name("  ")


def test_rate_limit_is_a_remote_error(client: YahooClient, fake: FakeYahoo) -> None:
    fake.rate_limited = True
    with pytest.raises(RemoteError, match="rate-limited"):
        client.search_name("Hikvision")
    with pytest.raises(RemoteError, match="rate-limited"):
        client.lookup_symbol("0020.HK")


def test_server_error_is_not_mistaken_for_no_such_symbol(
    client: YahooClient, fake: FakeYahoo
) -> None:
    fake.failures["/v10/finance/quoteSummary"] = 500
    with pytest.raises(RemoteError, match=r"lookup of 0020\.HK failed"):
        client.lookup_symbol("0020.HK")
    assert yfinance.config.debug.hide_exceptions is True  # restored after the call


def test_module_functions(fake: FakeYahoo, tmp_path: Path) -> None:
    session = fake.session()
    quote = lookup_symbol("688327.SS", session=session, cache_dir=tmp_path)
    assert quote is not None and quote.name == "CloudWalk Technology Co., Ltd."
    assert [q.symbol for q in search_name("cloudwalk", session=session, cache_dir=tmp_path)] == [
        "688327.SS"
    ]


def test_missing_yfinance_is_a_clear_error(
    client: YahooClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "yfinance", None)
    with pytest.raises(RemoteError, match=r"portfolio-guard\[yahoo\]"):
        client.lookup_symbol("0020.HK")


def test_importing_the_adapter_does_not_import_yfinance() -> None:
    code = (
        "import sys, portfolio_guard.enrich, portfolio_guard.enrich.yahoo; "
        "sys.exit('yfinance' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
