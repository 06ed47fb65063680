"""OpenFigiClient against the loopback fake: batching, paging, retries, errors, secrecy.

Fixture strategy: a fresh fake per test; the client gets a ``FakeClock`` (sleeps are
recorded, not slept) and no cache unless the test is about caching. Tests that need real
time (timeouts) use short timeouts and say so.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from portfolio_guard.enrich.clock import FakeClock
from portfolio_guard.enrich.models import MappingJob, SearchRequest
from portfolio_guard.enrich.openfigi import DEFAULT_BASE_URL, OpenFigiClient
from portfolio_guard.enrich.transport import RetryPolicy
from portfolio_guard.errors import RemoteError
from tests.fakes.loopback import loopback_only
from tests.fakes.openfigi_server import FakeOpenFigi, bulk_listings

SECRET = "k3y-Th4t-Must-N0t-Leak-9f2c"


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENFIGI_API_KEY", raising=False)
    monkeypatch.delenv("OPENFIGI_BASE_URL", raising=False)


@pytest.fixture
def fake() -> Iterator[FakeOpenFigi]:
    with FakeOpenFigi(api_keys=(SECRET,), mapping_rate=(1000, 60.0)) as server:
        yield server
    assert not server.errors, server.errors[0]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_client(fake: FakeOpenFigi, clock: FakeClock, **kw: Any) -> OpenFigiClient:
    kw.setdefault("api_key", "")
    kw.setdefault("use_cache", False)
    kw.setdefault("timeout", 2.0)
    return OpenFigiClient(base_url=fake.base_url, clock=clock, **kw)


def hk(code: int) -> dict[str, Any]:
    return {"idType": "TICKER", "idValue": str(code), "exchCode": "HK"}


def test_results_match_jobs_in_order(fake: FakeOpenFigi, clock: FakeClock) -> None:
    client = make_client(fake, clock)
    results = client.map(
        [
            MappingJob(idType="ID_ISIN", idValue="CNE100000PM8", exchCode="CH"),
            hk(20),
            {"idType": "ID_ISIN", "idValue": "INVALID12345"},
            hk(999),
        ]
    )
    assert [r.records[0].ticker for r in results[:2]] == ["002415", "20"]
    assert results[0].composites()[0].exchCode == "CH"
    assert results[2].error == "Invalid idValue format." and not results[2].found
    assert results[3].warning == "No identifier found." and results[3].records == ()


def test_keyless_batches_split_at_the_job_limit(fake: FakeOpenFigi, clock: FakeClock) -> None:
    client = make_client(fake, clock)
    assert client.max_jobs == 5  # conservative keyless default (openfigi.md §6)
    results = client.map([hk(n) for n in range(1, 13)])
    assert len(results) == 12
    assert [s.jobs for s in fake.seen] == [5, 5, 2]
    assert not fake.seen[0].keyed


def test_keyed_client_sends_the_key_and_100_jobs(fake: FakeOpenFigi, clock: FakeClock) -> None:
    client = make_client(fake, clock, api_key=SECRET)
    client.map([hk(n) for n in range(1, 151)])
    assert [s.jobs for s in fake.seen] == [100, 50]
    assert all(s.keyed for s in fake.seen)


def test_identical_jobs_are_sent_once(fake: FakeOpenFigi, clock: FakeClock) -> None:
    client = make_client(fake, clock)
    results = client.map([hk(941), hk(20), hk(941)])
    assert results[0] == results[2] and results[0].found
    assert fake.seen[0].jobs == 2


def test_413_halves_the_batch_and_remembers(clock: FakeClock) -> None:
    with FakeOpenFigi(max_jobs=3, mapping_rate=(1000, 60.0)) as fake:
        client = make_client(fake, clock, max_jobs=8)
        results = client.map([hk(n) for n in range(1, 11)])
        assert len(results) == 10
        assert [(s.jobs, s.status) for s in fake.seen] == [
            (8, 413),
            (4, 413),
            (2, 200),
            (2, 200),
            (2, 200),
            (2, 200),
            (2, 200),
        ]
        assert client.max_jobs == 2


def test_413_on_a_single_job_is_a_remote_error(clock: FakeClock) -> None:
    with FakeOpenFigi(max_jobs=0) as fake, pytest.raises(RemoteError, match="too large"):
        make_client(fake, clock).map([hk(20)])


def test_search_follows_next_across_pages(clock: FakeClock) -> None:
    with FakeOpenFigi(bulk_listings(250)) as fake:
        result = make_client(fake, clock).search("testbulk")
        assert (len(result.records), result.pages, result.truncated) == (250, 3, False)
        assert result.total is None
        starts = [s.body.get("start") for s in fake.seen]
        assert starts[0] is None and all(starts[1:]) and len(set(starts)) == 3


def test_filter_reports_total_and_max_pages_truncates(clock: FakeClock) -> None:
    with FakeOpenFigi(bulk_listings(250)) as fake:
        result = make_client(fake, clock).filter(SearchRequest(exchCode="US"), max_pages=2)
        assert (len(result.records), result.pages, result.total, result.truncated) == (
            200,
            2,
            250,
            True,
        )
        figis = [r.figi for r in result.records]
        assert figis == sorted(figis)


def test_search_accepts_filters_as_keywords(fake: FakeOpenFigi, clock: FakeClock) -> None:
    result = make_client(fake, clock).search("china mobile", exchCode="HK")
    assert [r.ticker for r in result.records] == ["941"]
    assert fake.seen[0].body == {"query": "china mobile", "exchCode": "HK"}


def test_mapping_values(fake: FakeOpenFigi, clock: FakeClock) -> None:
    assert "CS" in make_client(fake, clock).values("exchCode")


def test_429_storm_is_waited_out_then_succeeds(fake: FakeOpenFigi, clock: FakeClock) -> None:
    fake.rate_limit_storm(3, reset=42, retry_after=60)
    result = make_client(fake, clock).map_one(hk(20))
    assert result.found
    # max(ratelimit-reset, retry-after), once per 429, then the request goes through.
    assert clock.sleeps == [60, 60, 60]
    assert [s.status for s in fake.seen] == [429, 429, 429, 200]


def test_429_waits_for_reset_when_retry_after_is_shorter_or_absent(
    fake: FakeOpenFigi, clock: FakeClock
) -> None:
    fake.rate_limit_storm(1, reset=9, retry_after=None)
    fake.rate_limit_storm(1, reset=7, retry_after=3)
    make_client(fake, clock).map_one(hk(20))
    assert clock.sleeps == [9, 7]


def test_endless_429_gives_up(fake: FakeOpenFigi, clock: FakeClock) -> None:
    fake.rate_limit_storm(10, reset=5)
    client = make_client(fake, clock, retry=RetryPolicy(max_rate_limit_waits=2))
    with pytest.raises(RemoteError, match="still rate-limited"):
        client.map_one(hk(20))
    assert fake.count(status=429) == 3


def test_500s_are_retried_with_exponential_backoff(fake: FakeOpenFigi, clock: FakeClock) -> None:
    fake.fail_with_status(500, times=2)
    fake.fail_with_status(503)
    assert make_client(fake, clock).map_one(hk(20)).found
    assert clock.sleeps == [1.0, 2.0, 4.0]


def test_500s_beyond_max_retries_raise(fake: FakeOpenFigi, clock: FakeClock) -> None:
    fake.fail_with_status(500, times=10)
    client = make_client(fake, clock, retry=RetryPolicy(max_retries=2, backoff=0.5))
    with pytest.raises(RemoteError) as info:
        client.map_one(hk(20))
    assert "HTTP 500" in str(info.value) and "gave up after 3 attempts" in str(info.value)
    assert clock.sleeps == [0.5, 1.0]
    assert fake.count() == 3


def test_timeout_is_retried(fake: FakeOpenFigi, clock: FakeClock) -> None:
    # Real time: the fake holds its answer 2 s, the client waits 0.25 s.
    fake.delay(2.0)
    with make_client(fake, clock, timeout=(1.0, 0.25)) as client:
        assert client.map_one(hk(20)).found
    assert clock.sleeps == [1.0]


def test_timeouts_beyond_max_retries_raise(fake: FakeOpenFigi, clock: FakeClock) -> None:
    fake.delay(2.0, times=2)
    client = make_client(fake, clock, timeout=0.2, retry=RetryPolicy(max_retries=1))
    with pytest.raises(RemoteError, match=r"no answer within the timeout \(0\.2 s\)"):
        client.map_one(hk(20))


@pytest.mark.parametrize("mid_response", [True, False])
def test_dropped_connection_is_retried(
    fake: FakeOpenFigi, clock: FakeClock, mid_response: bool
) -> None:
    fake.drop_connection(mid_response=mid_response)
    assert make_client(fake, clock).map_one(hk(20)).found
    assert len(clock.sleeps) == 1 and fake.count() == 2


def test_dropped_connections_beyond_max_retries_raise(fake: FakeOpenFigi, clock: FakeClock) -> None:
    fake.drop_connection(times=3)
    client = make_client(fake, clock, retry=RetryPolicy(max_retries=2))
    with pytest.raises(RemoteError, match="connection failed or dropped"):
        client.map_one(hk(20))


def test_malformed_json_is_a_remote_error_not_a_traceback(
    fake: FakeOpenFigi, clock: FakeClock
) -> None:
    fake.malformed_json()
    with pytest.raises(RemoteError, match="not valid JSON") as info:
        make_client(fake, clock).map_one(hk(20))
    assert "application/json" in str(info.value)
    assert fake.count() == 1  # not retried: a bad 200 body is not transient


def test_malformed_search_page_is_a_remote_error(fake: FakeOpenFigi, clock: FakeClock) -> None:
    fake.malformed_json(path="/v3/search")
    with pytest.raises(RemoteError, match="not valid JSON"):
        make_client(fake, clock).search("china")


def test_nothing_listening_is_a_remote_error(clock: FakeClock) -> None:
    with FakeOpenFigi() as fake:
        base = fake.base_url
    client = OpenFigiClient("", base_url=base, use_cache=False, clock=clock)
    with pytest.raises(RemoteError, match="gave up after 5 attempts"):
        client.map_one(hk(20))
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0]


def test_wrong_base_url_explains_itself(fake: FakeOpenFigi, clock: FakeClock) -> None:
    client = OpenFigiClient(
        "", base_url=f"http://127.0.0.1:{fake.port}/v9", use_cache=False, clock=clock
    )
    with pytest.raises(RemoteError, match="OPENFIGI_BASE_URL") as info:
        client.map_one(hk(20))
    assert "Invalid url." in str(info.value)


def test_bad_key_explains_itself_without_showing_it(fake: FakeOpenFigi, clock: FakeClock) -> None:
    wrong = "wrong-" + SECRET
    with pytest.raises(RemoteError, match="OPENFIGI_API_KEY") as info:
        make_client(fake, clock, api_key=wrong).map_one(hk(20))
    assert "Invalid API key." in str(info.value)
    assert wrong not in str(info.value) and wrong not in repr(info.value)


def test_key_never_in_logs_reprs_or_errors(
    fake: FakeOpenFigi, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client(fake, clock, api_key=SECRET, retry=RetryPolicy(max_retries=1))
    fake.rate_limit_storm(1)
    fake.fail_with_status(500)
    client.map([hk(20), hk(941)])
    client.search("china")
    fake.fail_with_status(500, times=2, body=f"echoing {SECRET}")
    with pytest.raises(RemoteError) as info:
        client.map_one(hk(728))
    fake.malformed_json()
    with pytest.raises(RemoteError) as info2:
        client.map_one(hk(981))
    assert fake.seen[0].keyed  # the key was really used
    assert caplog.records, "expected debug/warning logging to inspect"
    texts = [
        caplog.text,
        repr(client),
        str(vars(client)),
        str(info.value),
        repr(info.value),
        str(info2.value),
    ]
    assert "***" in str(info.value)  # an echoed key is scrubbed
    for text in texts:
        assert SECRET not in text


def test_key_and_base_url_come_from_the_environment(
    fake: FakeOpenFigi, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENFIGI_API_KEY", SECRET)
    monkeypatch.setenv("OPENFIGI_BASE_URL", fake.base_url + "/")
    client = OpenFigiClient(use_cache=False, clock=clock)
    assert client.keyed and client.base_url == fake.base_url and client.max_jobs == 100
    client.map_one(hk(20))
    assert fake.seen[0].keyed
    assert not OpenFigiClient("", use_cache=False).keyed  # "" forces keyless


def test_default_base_url_is_the_real_service() -> None:
    client = OpenFigiClient("", use_cache=False)
    assert client.base_url == DEFAULT_BASE_URL == "https://api.openfigi.com/v3"
    assert client.limits.mapping.requests == 25 and client.limits.search.requests == 5


def test_bad_jobs_are_rejected_before_sending(fake: FakeOpenFigi, clock: FakeClock) -> None:
    client = make_client(fake, clock)
    with pytest.raises(ValueError, match="exchCode or micCode"):
        client.map([{"idType": "TICKER", "idValue": "20", "exchCode": "HK", "micCode": "XHKG"}])
    with pytest.raises(ValueError):
        client.map([{"idType": "TICKER", "idValue": "  "}])
    with pytest.raises(ValueError, match="query or at least one filter"):
        client.search(SearchRequest())
    assert client.map([]) == []
    assert fake.count() == 0
