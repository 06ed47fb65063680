"""Shared pieces of the refresh and ``check --online`` tests.

The dataset is the smallest that has every case: the five CMIC entries of the OFAC fixture
(China Mobile with ISINs and tickers, CCCC with bond ISINs, the unlisted parent CMCC, Dawning,
SenseTime known only by name) plus two entities written here in the builder's input form:
CloudWalk (no identifiers, like the real list) and Hikvision (OFAC's ISIN and ticker).
The curated file holds only SenseTime's market name ("SenseTime Group Inc."), no identifiers,
so everything beyond OFAC's identifiers comes from the refresh.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from portfolio_guard.builder import build_dataset
from portfolio_guard.enrich.clock import Clock
from portfolio_guard.enrich.openfigi import OpenFigiClient
from portfolio_guard.entity import Alias, Entity
from portfolio_guard.listings import ENTITIES_FILE, MANIFEST_FILE, SECURITIES_FILE
from portfolio_guard.sources import read_source
from tests.fakes import yahoo_server
from tests.fakes.loopback import loopback_only
from tests.fakes.openfigi_data import refresh_listings
from tests.fakes.openfigi_server import FakeOpenFigi
from tests.fakes.openfigi_wire import Handler
from tests.fakes.yahoo_server import FakeYahoo

FIXTURE = Path(__file__).parent / "fixtures" / "ofac" / "enhanced_xml_fixture.xml"
TODAY = date(2026, 11, 29)
SENSETIME, CLOUDWALK, HIKVISION, CHINA_MOBILE, CMCC, CCCC, DAWNING = (
    33114,
    33112,
    30946,
    30923,
    30944,
    30930,
    33113,
)

EXTRA_ENTITIES = (
    Entity(
        CLOUDWALK,
        "CLOUDWALK TECHNOLOGY CO., LTD.",
        date(2021, 12, 16),
        date(2022, 2, 14),
        date(2022, 12, 16),
        aliases=(Alias("YUNCONG TECHNOLOGY", "aka", "strong"),),
    ),
    Entity(
        HIKVISION,
        "HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO., LTD.",
        date(2021, 6, 3),
        date(2021, 8, 2),
        date(2022, 6, 3),
        isins=("CNE100000PM8",),
        tickers=("002415 CN",),
    ),
)


def build_test_dataset(tmp: Path, curated: Path | None = None) -> Path:
    """The dataset in ``tmp/listings``; ``curated`` rows on top when given."""
    source = read_source(FIXTURE)
    source = dataclasses.replace(source, entities=source.entities + EXTRA_ENTITIES)
    out = tmp / "listings"
    if curated is None:
        tmp.mkdir(parents=True, exist_ok=True)
        curated = tmp / "names-only-curated.csv"
        curated.write_text(
            "entity_uid,entity_name,kind,value,market,note,source,source_date\n"
            "33114,SENSETIME GROUP LIMITED,name,SenseTime Group Inc.,,HKEX issuer name,"
            "http://www.ashea.com.cn/caijing/2021/1213/501924.html,2021-12-13\n"
        )
    build_dataset(source, out, curated=curated)
    return out


def snapshot(folder: Path) -> dict[str, bytes]:
    """The dataset's files, byte for byte."""
    return {n: (folder / n).read_bytes() for n in (ENTITIES_FILE, SECURITIES_FILE, MANIFEST_FILE)}


class _NoDelayHandler(Handler):
    # The fake writes headers and body separately; with Nagle on, each answer then waits for
    # the client's delayed ACK (~40 ms on Linux), which made a refresh 17x slower.
    disable_nagle_algorithm = True


def openfigi_fake(**kw: Any) -> FakeOpenFigi:
    """The fake with the refresh seed data and, unless a test sets them, limits that never
    bite (tests of pacing set their own)."""
    kw.setdefault("mapping_rate", (10_000, 60.0))
    kw.setdefault("search_rate", (10_000, 60.0))
    fake = FakeOpenFigi(refresh_listings(), **kw)
    fake._handler = _NoDelayHandler
    return fake


def yahoo_fake() -> FakeYahoo:
    """The Yahoo fake, without Nagle's delay (see ``_NoDelayHandler``)."""
    fake = FakeYahoo()
    fake._handler = type(
        "_NoDelayYahoo", (yahoo_server._Handler,), {"disable_nagle_algorithm": True}
    )
    return fake


def client_for(fake: FakeOpenFigi, clock: Clock, **kw: Any) -> OpenFigiClient:
    kw.setdefault("api_key", "")
    kw.setdefault("use_cache", False)
    kw.setdefault("timeout", 2.0)
    return OpenFigiClient(base_url=fake.base_url, clock=clock, **kw)


# -- fixtures shared by the refresh and --online tests (registered in conftest.py) -------------


@pytest.fixture
def offline_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No key or base URL from the environment, and no connection off the loopback."""
    monkeypatch.delenv("OPENFIGI_API_KEY", raising=False)
    monkeypatch.delenv("OPENFIGI_BASE_URL", raising=False)
    with loopback_only():
        yield


@pytest.fixture
def fake() -> Iterator[FakeOpenFigi]:
    """The OpenFIGI fake seeded for these tests; fails the test if it saw a protocol error."""
    with openfigi_fake() as server:
        yield server
    assert not server.errors, server.errors[0]
