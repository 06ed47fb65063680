"""Time as a dependency, so tests of waiting and cache expiry never sleep for real."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """The three views of time the enrichment clients need."""

    def time(self) -> float:
        """Wall-clock seconds since the epoch (cache ages survive restarts)."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never jumps (rate windows, backoff)."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block for ``seconds``."""
        ...


class SystemClock:
    """The real clock."""

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class FakeClock:
    """A clock that only moves when slept on; records every sleep.

    Shipped in the package (not the tests) so callers embedding the client can test their
    own retry paths the same way.
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._wall = start
        self._mono = 0.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self._wall

    def monotonic(self) -> float:
        return self._mono

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(max(0.0, seconds))

    def advance(self, seconds: float) -> None:
        self._wall += seconds
        self._mono += seconds
