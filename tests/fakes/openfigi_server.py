"""A loopback fake of OpenFIGI v3, faithful to ``shared/docs/openfigi.md`` §11.

Serves SYNTHETIC data (see ``openfigi_data``: the FIGIs are generated test values, not
real FIGIs). What it reproduces, with the doc section it follows:

* routes ``POST /v3/mapping`` (array), ``POST /v3/search`` and ``/v3/filter`` (object),
  ``GET /v3/mapping/values/{key}``; anything else ``404 Invalid url.`` (§1);
* plain-string ``text/html; charset=utf-8`` error bodies: 400 bad JSON or wrong shape,
  401 bad key (no rate-limit headers), 405 wrong verb, 413 over the job limit, 415 wrong
  Content-Type, 429 (§5);
* per-job ``data`` / ``warning: No identifier found.`` / ``error`` results, all HTTP 200,
  one per job in order (§3); ISINs accepted but never returned (§7);
* fixed windows per (bucket, key): mapping+values and search+filter, limits configurable,
  ``ratelimit-limit/-remaining/-reset/-policy`` on every answer past auth and routing,
  ``retry-after`` on 429 (whole window by default, as in the 2023 capture) (§6);
* pages of 100 with an opaque ``next`` omitted on the last page; ``total`` on filter (§4).

Points the doc marks uncertain are choices here, flagged ``[inferred]`` where they occur.
Fault injection (queued, consumed one per matching request): status codes, 429 storms,
delays, malformed JSON, connections dropped before or during the response. Every request
is recorded with its arrival time so tests can check the client's pacing.
"""

from __future__ import annotations

import base64
import hashlib
import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

from stdnum import figi as stdnum_figi
from stdnum import isin as stdnum_isin

from portfolio_guard.enrich.models import ID_TYPES, VALUE_KEYS
from tests.fakes.loopback import LoopbackServer
from tests.fakes.openfigi_data import Listing, bulk_listings, default_listings, synthetic_figi
from tests.fakes.openfigi_wire import BadRequest, Fault, Handler, Seen

__all__ = ["FakeOpenFigi", "Fault", "Listing", "Seen", "bulk_listings", "synthetic_figi"]

NO_MATCH = "No identifier found."

_JOB_FIELDS = {
    "idType",
    "idValue",
    "exchCode",
    "micCode",
    "currency",
    "marketSecDes",
    "securityType",
    "securityType2",
    "includeUnlistedEquities",
    "optionType",
    "strike",
    "contractSize",
    "coupon",
    "expiration",
    "maturity",
    "stateCode",
}
_SEARCH_FIELDS = (_JOB_FIELDS - {"idType", "idValue"}) | {"query", "start"}
_ID_FIELD = {
    "TICKER": "ticker",
    "ID_EXCH_SYMBOL": "ticker",
    "BASE_TICKER": "ticker",
    "ID_BB_GLOBAL": "figi",
    "COMPOSITE_ID_BB_GLOBAL": "compositeFIGI",
    "ID_BB_GLOBAL_SHARE_CLASS_LEVEL": "shareClassFIGI",
    "ID_ISIN": "isin",
}
_FIGI_ID_TYPES = {"ID_BB_GLOBAL", "COMPOSITE_ID_BB_GLOBAL", "ID_BB_GLOBAL_SHARE_CLASS_LEVEL"}


@dataclass
class _Window:
    started: float
    hits: int = 0


@dataclass
class Limits:
    requests: int
    window: float

    @property
    def policy(self) -> str:
        return f"{self.requests};w={math.ceil(self.window)}"


@dataclass
class _State:
    windows: dict[tuple[str, str], _Window] = field(default_factory=dict)
    faults: deque[Fault] = field(default_factory=deque)
    seen: list[Seen] = field(default_factory=list)


class FakeOpenFigi(LoopbackServer):
    """The fake server; use as a context manager, then point a client at ``base_url``."""

    def __init__(
        self,
        listings: list[Listing] | None = None,
        *,
        api_keys: tuple[str, ...] = (),
        max_jobs: int = 10,
        max_jobs_keyed: int = 100,
        mapping_rate: tuple[int, float] = (25, 60.0),
        mapping_rate_keyed: tuple[int, float] = (25, 6.0),
        search_rate: tuple[int, float] = (5, 60.0),
        search_rate_keyed: tuple[int, float] = (20, 60.0),
        page_size: int = 100,
        retry_after: Literal["window", "reset"] = "window",
        rate_headers: bool = True,
    ) -> None:
        """Limits are (requests, window seconds) per bucket; ``rate_headers=False`` leaves
        the ``ratelimit-*`` headers off non-429 answers, to test a client that must learn
        the limit the hard way."""
        super().__init__(Handler)
        self.listings = list(default_listings() if listings is None else listings)
        self.api_keys = frozenset(api_keys)
        self.max_jobs = max_jobs
        self.max_jobs_keyed = max_jobs_keyed
        self.limits = {
            ("mapping", False): Limits(*mapping_rate),
            ("mapping", True): Limits(*mapping_rate_keyed),
            ("search", False): Limits(*search_rate),
            ("search", True): Limits(*search_rate_keyed),
        }
        self.page_size = page_size
        self.retry_after = retry_after
        self.rate_headers = rate_headers
        self._state = _State()
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v3"

    # -- fault injection -----------------------------------------------------------------

    def inject(self, fault: Fault, times: int = 1) -> None:
        with self._lock:
            self._state.faults.extend(Fault(**vars(fault)) for _ in range(times))

    def fail_with_status(
        self, status: int, times: int = 1, body: str | None = None, path: str | None = None
    ) -> None:
        default = {503: "Service Unavailable."}.get(status, "Internal server error.")
        self.inject(Fault("status", status=status, body=body or default, path=path), times)

    def rate_limit_storm(
        self, times: int, reset: int = 42, retry_after: int | None = 60, path: str | None = None
    ) -> None:
        """The next ``times`` requests answer 429 whatever the real counters say."""
        self.inject(Fault("rate_limit", reset=reset, retry_after=retry_after, path=path), times)

    def delay(self, seconds: float, times: int = 1, path: str | None = None) -> None:
        """Hold the next answers ``seconds`` before replying normally."""
        self.inject(Fault("delay", seconds=seconds, path=path), times)

    def malformed_json(self, times: int = 1, path: str | None = None) -> None:
        self.inject(Fault("malformed", path=path), times)

    def drop_connection(
        self, times: int = 1, *, mid_response: bool = True, path: str | None = None
    ) -> None:
        """Close the socket halfway through the body, or before answering at all."""
        self.inject(Fault("drop" if mid_response else "drop_before", path=path), times)

    def clear_faults(self) -> None:
        with self._lock:
            self._state.faults.clear()

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._state.faults:
                if fault.path is None or path.startswith(fault.path):
                    self._state.faults.remove(fault)
                    return fault
        return None

    # -- observation ---------------------------------------------------------------------

    @property
    def seen(self) -> list[Seen]:
        with self._lock:
            return list(self._state.seen)

    def count(self, path: str | None = None, status: int | None = None) -> int:
        return sum(
            1
            for s in self.seen
            if (path is None or s.path.startswith(path)) and (status is None or s.status == status)
        )

    def max_in_window(self, bucket: str, window: float) -> int:
        """Most requests of ``bucket`` that arrived within any ``window`` seconds."""
        times = sorted(s.at for s in self.seen if s.bucket == bucket)
        best, lo = 0, 0
        for hi, t in enumerate(times):
            while times[lo] <= t - window:
                lo += 1
            best = max(best, hi - lo + 1)
        return best

    def reset(self) -> None:
        """Forget counters, faults and the request log (keeps the data)."""
        with self._lock:
            self._state = _State()

    def _record(self, seen: Seen) -> None:
        with self._lock:
            self._state.seen.append(seen)

    def _hit(self, bucket: str, keyed: bool, identity: str) -> tuple[Limits, int, int]:
        """Count a request in its fixed window: (limits, hits so far, seconds to reset).

        Like express-rate-limit's memory store, a client's window opens at its first hit.
        """
        limits = self.limits[(bucket, keyed)]
        now = time.monotonic()
        with self._lock:
            window = self._state.windows.get((bucket, identity))
            if window is None or now >= window.started + limits.window:
                window = _Window(started=now)
                self._state.windows[(bucket, identity)] = window
            window.hits += 1
            reset = max(0, math.ceil(window.started + limits.window - now))
            return limits, window.hits, reset

    # -- the protocol --------------------------------------------------------------------

    def map_job(self, job: Any, keyed: bool) -> dict[str, Any]:
        if not isinstance(job, dict) or set(job) - _JOB_FIELDS:
            raise BadRequest
        id_type = job.get("idType")
        if not isinstance(id_type, str) or id_type not in ID_TYPES:
            return {"error": "Invalid value for idType."}
        value = job.get("idValue")
        if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
            return {"error": "Invalid idValue format."}  # [inferred] wording for a missing value
        value = str(value)
        if id_type == "ID_ISIN" and not stdnum_isin.is_valid(value):
            return {"error": "Invalid idValue format."}
        if id_type in _FIGI_ID_TYPES and not stdnum_figi.is_valid(value):
            return {"error": "Invalid idValue format."}  # [inferred] same rule as ISINs
        if id_type in {"BASE_TICKER", "ID_EXCH_SYMBOL"} and not job.get("securityType2"):
            # [inferred] wording; the rule itself is in the schema.
            return {
                "error": "securityType2 is required when idType is BASE_TICKER or ID_EXCH_SYMBOL."
            }
        attr = _ID_FIELD.get(id_type)
        matches = [
            row
            for row in self.listings
            if attr is not None
            and not row.delisted
            and getattr(row, attr) == value
            and _filters_match(row, job)
        ]
        if len(matches) > 15_000:
            return {"error": "Single job result exceeds 15,000 FIGIs"}
        if not matches:
            return {"warning": NO_MATCH}
        return {"data": [row.wire() for row in matches]}

    def find(self, request: dict[str, Any], *, sort_by_figi: bool) -> list[Listing]:
        query = request.get("query")
        if query is not None and not isinstance(query, str):
            raise BadRequest
        tokens = (query or "").upper().split()
        rows = [
            row
            for row in self.listings
            if all(t in f"{row.name} {row.ticker} {row.securityDescription or ''}" for t in tokens)
            and _filters_match(row, request)
        ]
        return sorted(rows, key=lambda r: r.figi) if sort_by_figi else rows

    def search_page(self, body: Any, *, with_total: bool) -> dict[str, Any]:
        """One page of /v3/search or, ``with_total``, /v3/filter."""
        if not isinstance(body, dict) or set(body) - _SEARCH_FIELDS:
            raise BadRequest
        if not any(v is not None for k, v in body.items() if k != "start"):
            raise BadRequest  # "At least one property … must be populated"
        start = _offset(body["start"]) if body.get("start") is not None else 0
        rows = self.find(body, sort_by_figi=with_total)
        size = self.page_size
        page: dict[str, Any] = {"data": [r.wire() for r in rows[start : start + size]]}
        if start + size < len(rows):
            page["next"] = _cursor(start + size)
        if with_total:
            page["total"] = len(rows)
        return page

    def values(self, key: str) -> list[str]:
        if key not in VALUE_KEYS:
            raise BadRequest
        if key == "idType":
            return sorted(ID_TYPES)
        attr = {"micCode": "mic", "marketSecDes": "marketSector"}.get(key, key)
        return sorted({str(getattr(r, attr)) for r in self.listings if getattr(r, attr, None)})


def _filters_match(row: Listing, request: dict[str, Any]) -> bool:
    pairs = {
        "exchCode": row.exchCode,
        "micCode": row.mic,
        "currency": row.currency,
        "marketSecDes": row.marketSector,
        "securityType": row.securityType,
        "securityType2": row.securityType2,
    }
    return all(request.get(k) is None or request[k] == v for k, v in pairs.items())


_SECRET = b"fake-openfigi-cursor"


def _cursor(offset: int) -> str:
    """Shaped like the real ``base64.base64signature`` cursor; opaque to clients."""
    payload = base64.b64encode(f"{offset} {offset * 7919 % 104729}".encode()).decode()
    sig = base64.b64encode(hashlib.sha256(_SECRET + payload.encode()).digest()).decode()
    return f"{payload}.{sig}"


def _offset(cursor: Any) -> int:
    if not isinstance(cursor, str) or cursor.count(".") != 1:
        raise BadRequest
    payload, sig = cursor.split(".")
    expected = base64.b64encode(hashlib.sha256(_SECRET + payload.encode()).digest()).decode()
    if sig != expected:
        raise BadRequest
    return int(base64.b64decode(payload).decode().split()[0])
