"""Client-side pacing for OpenFIGI's fixed-window rate limits.

Two brakes, both needed:

* a local sliding window of the configured policy (e.g. 25 requests per 60 s), so the very
  first burst, before any header has been seen, stays under the limit;
* the server's own ``ratelimit-remaining`` / ``ratelimit-reset`` headers (seconds until the
  window resets, not an epoch) and, after a 429, ``max(ratelimit-reset, retry-after)``:
  older servers sent the whole window as ``retry-after`` beside a shorter reset, and the
  longer of the two is the one that is safe (openfigi.md §6).

Request times are recorded when the response has arrived. The server counted the request
somewhere between send and arrival, so measuring the window from arrival keeps us on the
safe side whatever the latency.
"""

from __future__ import annotations

import email.utils
import logging
import math
import threading
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from portfolio_guard.enrich.clock import Clock
from portfolio_guard.errors import RemoteError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RatePolicy:
    """At most ``requests`` per ``window`` seconds."""

    requests: int
    window: float

    def __post_init__(self) -> None:
        if self.requests < 1 or self.window <= 0:
            raise ValueError(f"a rate policy needs requests >= 1 and window > 0, got {self}")


@dataclass(frozen=True)
class RateLimits:
    """Policies for OpenFIGI's two buckets: mapping (+ values) and search (+ filter)."""

    mapping: RatePolicy
    search: RatePolicy


# openfigi.md §6: captured keyless values; keyed values from third-party clients.
KEYLESS_LIMITS = RateLimits(mapping=RatePolicy(25, 60.0), search=RatePolicy(5, 60.0))
KEYED_LIMITS = RateLimits(mapping=RatePolicy(25, 6.0), search=RatePolicy(20, 60.0))


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _seconds(value: str | None, now_epoch: float) -> float | None:
    """A delay header as seconds: an integer, or (``Retry-After`` only) an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            log.debug("ignoring unreadable rate-limit header value %r", value)
            return None
        seconds = when.timestamp() - now_epoch
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)


class Slot:
    """What happened to one request, reported back to its limiter."""

    def __init__(self) -> None:
        self.status: int | None = None
        self.headers: Mapping[str, str] | None = None

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        self.status = status
        self.headers = headers


class RateLimiter:
    """Paces one bucket; used as ``with limiter.slot() as s: ...; s.observe(...)``."""

    def __init__(
        self, name: str, policy: RatePolicy, clock: Clock, *, max_wait: float = 300.0
    ) -> None:
        self.name = name
        self.policy = policy
        self._clock = clock
        self._max_wait = max_wait
        self._done: deque[float] = deque()
        self._blocked_until = 0.0
        self._lock = threading.Lock()

    @property
    def blocked_for(self) -> float:
        """Seconds until the server said we may send again (0 when free)."""
        return max(0.0, self._blocked_until - self._clock.monotonic())

    @contextmanager
    def slot(self) -> Iterator[Slot]:
        # Held across the request: one request in flight per bucket keeps the window
        # arithmetic exact, and OpenFIGI's limits leave nothing to gain from parallelism.
        with self._lock:
            self._wait_for_capacity()
            slot = Slot()
            try:
                yield slot
            finally:
                now = self._clock.monotonic()
                self._done.append(now)
                if slot.headers is not None and slot.status is not None:
                    self._apply(slot.status, slot.headers, now)

    def _wait_for_capacity(self) -> None:
        while True:
            now = self._clock.monotonic()
            while self._done and self._done[0] <= now - self.policy.window:
                self._done.popleft()
            wake = self._blocked_until
            if len(self._done) >= self.policy.requests:
                wake = max(wake, self._done[0] + self.policy.window)
            if wake <= now:
                return
            delay = wake - now
            if delay >= 1.0:
                log.info("OpenFIGI %s: waiting %.1f s for the rate window", self.name, delay)
            self._clock.sleep(delay)

    def _apply(self, status: int, headers: Mapping[str, str], now: float) -> None:
        epoch = self._clock.time()
        reset = _seconds(_header(headers, "ratelimit-reset"), epoch)
        if status == 429:
            retry_after = _seconds(_header(headers, "retry-after"), epoch)
            known = [s for s in (reset, retry_after) if s is not None]
            # No header at all: the only safe guess is a whole window.
            wait = max(known) if known else self.policy.window
            wait = max(wait, 1.0)
            if wait > self._max_wait:
                raise RemoteError(
                    f"OpenFIGI asks us to wait {wait:.0f} s before the next {self.name} "
                    f"request (more than the {self._max_wait:.0f} s we allow); try again later"
                )
            log.warning("OpenFIGI %s: HTTP 429, waiting %.0f s", self.name, wait)
            self._blocked_until = max(self._blocked_until, now + wait)
            return
        remaining = _header(headers, "ratelimit-remaining")
        if remaining is not None and reset is not None:
            try:
                left = int(remaining.strip())
            except ValueError:
                return
            if left <= 0:
                self._blocked_until = max(self._blocked_until, now + reset)
