"""The on-disk cache alone, then as the client uses it (hits skip the network)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from portfolio_guard.enrich.cache import DiskCache, default_cache_dir
from portfolio_guard.enrich.clock import FakeClock
from portfolio_guard.enrich.openfigi import OpenFigiClient
from tests.fakes.loopback import loopback_only
from tests.fakes.openfigi_server import FakeOpenFigi


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cache(tmp_path: Path, clock: FakeClock) -> DiskCache:
    return DiskCache(tmp_path / "cache", max_age=timedelta(days=7), clock=clock)


@pytest.fixture
def fake() -> Iterator[FakeOpenFigi]:
    with FakeOpenFigi(mapping_rate=(1000, 60.0), search_rate=(1000, 60.0)) as server:
        yield server
    assert not server.errors, server.errors[0]


def client_for(fake: FakeOpenFigi, cache: DiskCache, clock: FakeClock) -> OpenFigiClient:
    return OpenFigiClient("", base_url=fake.base_url, cache=cache, clock=clock)


def hk(code: int) -> dict[str, Any]:
    return {"idType": "TICKER", "idValue": str(code), "exchCode": "HK"}


def test_round_trip_and_expiry(cache: DiskCache, clock: FakeClock) -> None:
    cache.put("ns", {"b": 1, "a": [1, 2]}, {"value": "x"})
    assert cache.get("ns", {"a": [1, 2], "b": 1}) == {"value": "x"}  # key order irrelevant
    assert cache.get("other", {"a": [1, 2], "b": 1}) is None
    clock.advance(timedelta(days=7).total_seconds())
    assert cache.get("ns", {"a": [1, 2], "b": 1}) == {"value": "x"}  # exactly max age
    clock.advance(1)
    assert cache.get("ns", {"a": [1, 2], "b": 1}) is None


def test_entry_from_the_future_is_not_trusted(tmp_path: Path) -> None:
    clock = FakeClock(start=2_000_000_000.0)
    DiskCache(tmp_path, clock=clock).put("ns", "k", 1)
    assert DiskCache(tmp_path, clock=FakeClock(start=1_000_000_000.0)).get("ns", "k") is None


def test_corrupt_entry_is_a_miss(cache: DiskCache, caplog: pytest.LogCaptureFixture) -> None:
    cache.put("ns", "k", [1, 2, 3])
    (entry,) = (cache.directory / "ns").rglob("*.json")
    entry.write_text("{ half", encoding="utf-8")
    assert cache.get("ns", "k") is None
    assert "unreadable cache entry" in caplog.text
    entry.write_text(json.dumps({"value": 1}), encoding="utf-8")  # no stored_at
    assert cache.get("ns", "k") is None


def test_unwritable_directory_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    DiskCache(blocker).put("ns", "k", 1)
    assert "could not write cache entry" in caplog.text


def test_clear(cache: DiskCache) -> None:
    cache.put("a", 1, 1)
    cache.put("b", 1, 1)
    assert cache.clear("a") == 1 and cache.get("b", 1) == 1
    assert cache.clear() == 1


def test_default_directory_is_the_user_cache_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "portfolio-guard"
    assert DiskCache().directory == tmp_path / "portfolio-guard"
    with pytest.raises(ValueError):
        DiskCache(max_age=timedelta(0))


def test_cache_hit_avoids_a_request(fake: FakeOpenFigi, cache: DiskCache, clock: FakeClock) -> None:
    first = client_for(fake, cache, clock).map([hk(20), hk(999)])
    assert fake.count() == 1
    again = client_for(fake, cache, clock).map([hk(999), hk(20)])
    assert fake.count() == 1  # both answers, data and warning, came from disk
    assert again == first[::-1]


def test_partial_hit_sends_only_the_misses(
    fake: FakeOpenFigi, cache: DiskCache, clock: FakeClock
) -> None:
    client = client_for(fake, cache, clock)
    client.map([hk(20)])
    client.map([hk(20), hk(941), hk(728)])
    assert [s.jobs for s in fake.seen] == [1, 2]
    assert [j["idValue"] for j in fake.seen[1].body] == ["941", "728"]


def test_expired_entry_is_refetched(fake: FakeOpenFigi, cache: DiskCache, clock: FakeClock) -> None:
    client = client_for(fake, cache, clock)
    client.map([hk(20)])
    clock.advance(timedelta(days=6).total_seconds())
    client.map([hk(20)])
    assert fake.count() == 1
    clock.advance(timedelta(days=2).total_seconds())
    client.map([hk(20)])
    assert fake.count() == 2


def test_error_results_are_not_cached(
    fake: FakeOpenFigi, cache: DiskCache, clock: FakeClock
) -> None:
    client = client_for(fake, cache, clock)
    bad = {"idType": "ID_ISIN", "idValue": "INVALID12345"}
    client.map([bad])
    client.map([bad])
    assert fake.count() == 2


def test_search_results_are_cached_per_query_and_server(
    fake: FakeOpenFigi, cache: DiskCache, clock: FakeClock
) -> None:
    client = client_for(fake, cache, clock)
    first = client.search("china mobile")
    assert client.search("china mobile") == first
    assert fake.count() == 1
    client.search("china mobile", exchCode="HK")
    assert fake.count() == 2
    with FakeOpenFigi() as other:  # a different base URL never sees these entries
        client_for(other, cache, clock).search("china mobile")
        assert other.count() == 1


def test_values_are_cached(fake: FakeOpenFigi, cache: DiskCache, clock: FakeClock) -> None:
    client = client_for(fake, cache, clock)
    assert client.values("currency") == client.values("currency") == ("CNY", "HKD", "USD")
    assert fake.count() == 1


def test_use_cache_false_always_asks(fake: FakeOpenFigi, clock: FakeClock) -> None:
    client = OpenFigiClient("", base_url=fake.base_url, use_cache=False, clock=clock)
    client.map([hk(20)])
    client.map([hk(20)])
    assert client.cache is None and fake.count() == 2
