"""Pacing: the limiter in isolation (fake clock), then the client against the fake's counters.

The end-to-end tests use real time with 1-second windows so the fake's fixed windows and
the client's clock agree; each takes about 1-2 s.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from portfolio_guard.enrich.clock import FakeClock, SystemClock
from portfolio_guard.enrich.openfigi import OpenFigiClient
from portfolio_guard.enrich.ratelimit import RateLimiter, RateLimits, RatePolicy
from portfolio_guard.errors import RemoteError
from tests.fakes.loopback import loopback_only
from tests.fakes.openfigi_server import FakeOpenFigi


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only():
        yield


def run(limiter: RateLimiter, status: int = 200, headers: dict[str, str] | None = None) -> None:
    with limiter.slot() as slot:
        slot.observe(status, headers or {})


def test_sliding_window_spaces_a_burst() -> None:
    clock = FakeClock()
    limiter = RateLimiter("mapping", RatePolicy(3, 10.0), clock)
    for _ in range(7):
        run(limiter)
        clock.advance(0.5)
    # 3 go at once, then each waits for the oldest to leave the 10 s window.
    assert clock.sleeps == pytest.approx([8.5, 8.5])


def test_remaining_zero_blocks_until_reset() -> None:
    clock = FakeClock()
    limiter = RateLimiter("search", RatePolicy(100, 60.0), clock)
    run(limiter, headers={"RateLimit-Remaining": "0", "RateLimit-Reset": "12"})
    assert limiter.blocked_for == 12
    run(limiter)
    assert clock.sleeps == [12]


def test_remaining_above_zero_does_not_block() -> None:
    clock = FakeClock()
    limiter = RateLimiter("search", RatePolicy(100, 60.0), clock)
    run(limiter, headers={"ratelimit-remaining": "3", "ratelimit-reset": "50"})
    run(limiter)
    assert clock.sleeps == []


@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        ({"ratelimit-reset": "42", "retry-after": "60"}, 60),  # express-rate-limit <= 6.9
        ({"ratelimit-reset": "42", "retry-after": "42"}, 42),
        ({"ratelimit-reset": "17"}, 17),
        ({"retry-after": "5"}, 5),
        ({}, 60),  # nothing said: a whole window
        ({"ratelimit-reset": "0"}, 1),  # never hammer
        ({"ratelimit-reset": "soon", "retry-after": "later"}, 60),
    ],
)
def test_429_wait_is_the_longest_stated_delay(headers: dict[str, str], wait: float) -> None:
    clock = FakeClock()
    limiter = RateLimiter("mapping", RatePolicy(25, 60.0), clock)
    run(limiter, 429, headers)
    run(limiter)
    assert clock.sleeps == [wait]


def test_retry_after_as_http_date() -> None:
    clock = FakeClock(start=1_700_000_000.0)  # 2023-11-14T22:13:20Z
    limiter = RateLimiter("mapping", RatePolicy(25, 60.0), clock)
    run(limiter, 429, {"retry-after": "Tue, 14 Nov 2023 22:13:50 GMT"})
    assert limiter.blocked_for == 30


def test_absurd_wait_is_refused_not_slept() -> None:
    limiter = RateLimiter("mapping", RatePolicy(25, 60.0), FakeClock(), max_wait=300)
    with pytest.raises(RemoteError, match="wait 86400 s"):
        run(limiter, 429, {"retry-after": "86400"})


def test_policy_must_be_positive() -> None:
    with pytest.raises(ValueError):
        RatePolicy(0, 60.0)


def test_client_never_exceeds_the_configured_rate() -> None:
    # The fake allows 3 per 1 s window; the client is told the same policy.
    with FakeOpenFigi(mapping_rate=(3, 1.0)) as fake:
        client = OpenFigiClient(
            "",
            base_url=fake.base_url,
            use_cache=False,
            max_jobs=1,
            limits=RateLimits(mapping=RatePolicy(3, 1.0), search=RatePolicy(3, 1.0)),
            clock=SystemClock(),
        )
        jobs = [{"idType": "TICKER", "idValue": str(n), "exchCode": "HK"} for n in range(6)]
        assert len(client.map(jobs)) == 6
        assert fake.count(path="/v3/mapping") == 6
        assert fake.count(status=429) == 0
        assert fake.max_in_window("mapping", 1.0) == 3


def test_client_obeys_server_headers_when_its_own_policy_is_looser() -> None:
    # Client believes 100/s; the server says 3/s. ratelimit-remaining: 0 must stop it.
    with FakeOpenFigi(search_rate=(3, 1.0)) as fake:
        client = OpenFigiClient(
            "",
            base_url=fake.base_url,
            use_cache=False,
            limits=RateLimits(mapping=RatePolicy(100, 1.0), search=RatePolicy(100, 1.0)),
            clock=SystemClock(),
        )
        for n in range(5):
            client.search(f"query {n}")
        assert fake.count(status=429) == 0
        assert fake.max_in_window("search", 1.0) == 3


def test_client_recovers_from_a_real_429() -> None:
    # The client's policy is far too loose and the server sends no remaining/reset on
    # success, so the 4th request is refused; the client waits out the 429's reset.
    with FakeOpenFigi(mapping_rate=(3, 1.0), retry_after="reset", rate_headers=False) as fake:
        client = OpenFigiClient(
            "",
            base_url=fake.base_url,
            use_cache=False,
            max_jobs=1,
            limits=RateLimits(mapping=RatePolicy(100, 1.0), search=RatePolicy(100, 1.0)),
            clock=SystemClock(),
        )
        jobs = [{"idType": "TICKER", "idValue": str(n), "exchCode": "HK"} for n in range(5)]
        assert len(client.map(jobs)) == 5
        assert fake.count(status=429) == 1
        assert fake.count(status=200) == 5
