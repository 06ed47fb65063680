"""OpenFIGI v3 client: mapping in batches, search and filter with pagination.

Protocol facts and their sources are in ``docs/openfigi.md`` (shared). Choices made here:

* Keyless requests carry at most 5 jobs, keyed ones 100. Sources disagree on 5 or 10
  keyless (openfigi.md §6); 5 is safe, and a 413 still halves the batch and remembers the
  smaller size for the rest of the session.
* Identical jobs in one call are sent once. Results come back one per job, in order.
* ``data`` and ``warning`` results are cached per job; ``error`` results are not (they may
  be transient, e.g. "result too large").
* The API key is read from ``OPENFIGI_API_KEY`` when not given, kept in a ``SecretStr``,
  sent only as the ``X-OPENFIGI-APIKEY`` header, and scrubbed from every error message.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import requests
from pydantic import SecretStr, ValidationError

from portfolio_guard.enrich.cache import DiskCache
from portfolio_guard.enrich.clock import Clock, SystemClock
from portfolio_guard.enrich.models import (
    FigiRecord,
    MappingJob,
    MappingResult,
    SearchRequest,
    SearchResult,
)
from portfolio_guard.enrich.ratelimit import (
    KEYED_LIMITS,
    KEYLESS_LIMITS,
    RateLimiter,
    RateLimits,
)
from portfolio_guard.enrich.transport import JsonCaller, RetryPolicy, StatusError
from portfolio_guard.errors import RemoteError

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.openfigi.com/v3"
API_KEY_ENV = "OPENFIGI_API_KEY"
BASE_URL_ENV = "OPENFIGI_BASE_URL"
KEYLESS_MAX_JOBS = 5
KEYED_MAX_JOBS = 100
# v3 stops at 15,000 results (150 pages of 100); a cursor loop past that is a server bug.
PAGE_CAP = 200

JobLike = MappingJob | Mapping[str, Any]


def _describe_status(status: int, text: str, what: str) -> str:
    hints = {
        400: "OpenFIGI rejected the request as malformed",
        401: f"OpenFIGI rejected the API key; check {API_KEY_ENV}",
        404: f"OpenFIGI has no such endpoint; check {BASE_URL_ENV}",
        413: "OpenFIGI rejected the request as too large",
    }
    hint = hints.get(status, "OpenFIGI refused the request")
    return f"{hint} ({what}: HTTP {status} {text!r})"


class OpenFigiClient:
    """A client for ``/v3/mapping``, ``/v3/search``, ``/v3/filter`` and mapping values."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        session: requests.Session | None = None,
        cache: DiskCache | None = None,
        use_cache: bool = True,
        max_jobs: int | None = None,
        limits: RateLimits | None = None,
        timeout: float | tuple[float, float] = (10.0, 60.0),
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
    ) -> None:
        """Build a client.

        Args:
            api_key: OpenFIGI key; None reads ``OPENFIGI_API_KEY``; "" forces keyless.
            base_url: e.g. ``https://api.openfigi.com/v3``; None reads ``OPENFIGI_BASE_URL``.
            cache: where answers are kept; None with ``use_cache`` uses the user cache dir.
            max_jobs: jobs per mapping request (default 5 keyless, 100 keyed).
            limits: request pacing (default: OpenFIGI's published keyless/keyed limits).
            timeout: seconds, or (connect, read) seconds, per HTTP request.
        """
        if api_key is None:
            api_key = os.environ.get(API_KEY_ENV, "")
        api_key = api_key.strip()
        self._key = SecretStr(api_key) if api_key else None
        self.base_url = (base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"OpenFIGI base URL must be http(s): {self.base_url!r}")
        keyed = self._key is not None
        self.max_jobs = max_jobs or (KEYED_MAX_JOBS if keyed else KEYLESS_MAX_JOBS)
        if self.max_jobs < 1:
            raise ValueError("max_jobs must be at least 1")
        self._clock = clock or SystemClock()
        self.limits = limits or (KEYED_LIMITS if keyed else KEYLESS_LIMITS)
        self._mapping_limiter = RateLimiter("mapping", self.limits.mapping, self._clock)
        self._search_limiter = RateLimiter("search", self.limits.search, self._clock)
        if cache is None and use_cache:
            cache = DiskCache(clock=self._clock)
        self.cache = cache
        self._own_session = session is None
        self._session = session or requests.Session()
        if self._own_session:
            self._session.headers["User-Agent"] = "portfolio-guard (OpenFIGI v3 client)"
        self._caller = JsonCaller(
            "OpenFIGI",
            self._session,
            self._clock,
            timeout=timeout,
            retry=retry or RetryPolicy(),
            secrets=(self._key,) if self._key is not None else (),
            describe_status=_describe_status,
        )

    def close(self) -> None:
        """Close the HTTP session (only if the client created it)."""
        if self._own_session:
            self._session.close()

    def __enter__(self) -> OpenFigiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def keyed(self) -> bool:
        return self._key is not None

    def __repr__(self) -> str:
        return (
            f"OpenFigiClient(base_url={self.base_url!r}, keyed={self.keyed}, "
            f"max_jobs={self.max_jobs}, cache={self.cache!r})"
        )

    def _headers(self) -> dict[str, str]:
        if self._key is None:
            return {}
        return {"X-OPENFIGI-APIKEY": self._key.get_secret_value()}

    # -- mapping -------------------------------------------------------------------------

    def map(self, jobs: Iterable[JobLike]) -> list[MappingResult]:
        """Map identifiers to FIGIs; one result per job, in the order given."""
        wires = [_job(job).to_wire() for job in jobs]
        results: list[MappingResult | None] = [None] * len(wires)
        pending: dict[str, list[int]] = {}
        for index, wire in enumerate(wires):
            cached = self._cache_get("openfigi-mapping", wire)
            if cached is not None:
                try:
                    results[index] = MappingResult.model_validate(cached)
                    continue
                except ValidationError:
                    log.warning("ignoring a cached mapping result that no longer validates")
            pending.setdefault(_canonical(wire), []).append(index)
        unique = [wires[indices[0]] for indices in pending.values()]
        if unique:
            log.info("OpenFIGI mapping: %d jobs, %d distinct to fetch", len(wires), len(unique))
        answers = self._map_unique(unique)
        for wire, answer, indices in zip(unique, answers, pending.values(), strict=True):
            for index in indices:
                results[index] = answer
            if answer.error is None:
                self._cache_put("openfigi-mapping", wire, answer.model_dump(mode="json"))
        return [r for r in results if r is not None]

    def map_one(self, job: JobLike) -> MappingResult:
        return self.map([job])[0]

    def _map_unique(self, wires: Sequence[dict[str, Any]]) -> list[MappingResult]:
        out: list[MappingResult] = []
        start = 0
        while start < len(wires):
            batch = wires[start : start + self.max_jobs]
            out.extend(self._map_batch(batch))
            start += len(batch)
        return out

    def _map_batch(self, batch: Sequence[dict[str, Any]]) -> list[MappingResult]:
        try:
            payload = self._caller.call(
                "POST",
                f"{self.base_url}/mapping",
                self._mapping_limiter,
                body=list(batch),
                headers=self._headers(),
                what=f"/mapping ({len(batch)} jobs)",
            )
        except StatusError as exc:
            if exc.status != 413 or len(batch) == 1:
                raise
            smaller = max(1, len(batch) // 2)
            log.warning(
                "OpenFIGI refused %d jobs in one request (HTTP 413); using %d from now on",
                len(batch),
                smaller,
            )
            self.max_jobs = min(self.max_jobs, smaller)
            return self._map_unique(batch)
        if not isinstance(payload, list) or len(payload) != len(batch):
            got = f"{len(payload)} results" if isinstance(payload, list) else type(payload).__name__
            raise RemoteError(f"OpenFIGI /mapping answered {len(batch)} jobs with {got}")
        try:
            return [MappingResult.model_validate(item) for item in payload]
        except ValidationError as exc:
            raise RemoteError(f"OpenFIGI /mapping returned an unexpected result: {exc}") from exc

    # -- search and filter ---------------------------------------------------------------

    def search(
        self, query: str | SearchRequest, *, max_pages: int | None = None, **filters: Any
    ) -> SearchResult:
        """Full-text search (``/v3/search``), following ``next`` across pages."""
        return self._paged("search", _search_request(query, filters), max_pages)

    def filter(
        self,
        query: str | SearchRequest | None = None,
        *,
        max_pages: int | None = None,
        **filters: Any,
    ) -> SearchResult:
        """Like ``search`` but sorted by FIGI and with a ``total`` (``/v3/filter``)."""
        return self._paged("filter", _search_request(query, filters), max_pages)

    def _paged(self, endpoint: str, request: SearchRequest, max_pages: int | None) -> SearchResult:
        if max_pages is not None and max_pages < 1:
            raise ValueError("max_pages must be at least 1")
        limit = min(max_pages or PAGE_CAP, PAGE_CAP)
        body = request.to_wire()
        key = {"endpoint": endpoint, "body": body, "max_pages": limit}
        cached = self._cache_get("openfigi-search", key)
        if cached is not None:
            try:
                return SearchResult.model_validate(cached)
            except ValidationError:
                log.warning("ignoring a cached search result that no longer validates")
        records: list[FigiRecord] = []
        total: int | None = None
        pages = 0
        start: str | None = None
        seen: set[str] = set()
        while True:
            payload = self._caller.call(
                "POST",
                f"{self.base_url}/{endpoint}",
                self._search_limiter,
                body={**body, "start": start} if start else body,
                headers=self._headers(),
                what=f"/{endpoint} page {pages + 1}",
            )
            page, total, start = _read_page(endpoint, payload, total)
            records.extend(page)
            pages += 1
            if start is None:
                break
            if start in seen:
                raise RemoteError(f"OpenFIGI /{endpoint} repeated a page cursor; stopping")
            seen.add(start)
            if pages >= limit:
                break
        result = SearchResult(
            records=tuple(records), total=total, pages=pages, truncated=start is not None
        )
        self._cache_put("openfigi-search", key, result.model_dump(mode="json"))
        return result

    # -- mapping values ------------------------------------------------------------------

    def values(self, key: str) -> tuple[str, ...]:
        """The allowed values of a mapping field (``GET /v3/mapping/values/{key}``)."""
        cached = self._cache_get("openfigi-values", key)
        if isinstance(cached, list):
            return tuple(str(v) for v in cached)
        payload = self._caller.call(
            "GET",
            f"{self.base_url}/mapping/values/{quote(key, safe='')}",
            self._mapping_limiter,
            headers=self._headers(),
            what=f"/mapping/values/{key}",
        )
        values = payload.get("values") if isinstance(payload, dict) else None
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise RemoteError(f"OpenFIGI /mapping/values/{key} did not return a list of values")
        self._cache_put("openfigi-values", key, values)
        return tuple(values)

    # -- cache ---------------------------------------------------------------------------

    def _cache_get(self, namespace: str, key: Any) -> Any | None:
        if self.cache is None:
            return None
        return self.cache.get(namespace, [self.base_url, key])

    def _cache_put(self, namespace: str, key: Any, value: Any) -> None:
        if self.cache is not None:
            self.cache.put(namespace, [self.base_url, key], value)


def _job(job: JobLike) -> MappingJob:
    return job if isinstance(job, MappingJob) else MappingJob.model_validate(dict(job))


def _canonical(wire: Mapping[str, Any]) -> str:
    return json.dumps(wire, sort_keys=True, separators=(",", ":"))


def _search_request(query: str | SearchRequest | None, filters: Mapping[str, Any]) -> SearchRequest:
    if isinstance(query, SearchRequest):
        return SearchRequest.model_validate({**query.to_wire(), **filters})
    return SearchRequest.model_validate({"query": query, **filters})


def _read_page(
    endpoint: str, payload: Any, total: int | None
) -> tuple[list[FigiRecord], int | None, str | None]:
    if not isinstance(payload, dict):
        raise RemoteError(f"OpenFIGI /{endpoint} returned {type(payload).__name__}, not an object")
    if payload.get("error"):
        raise RemoteError(f"OpenFIGI /{endpoint} rejected the query: {payload['error']}")
    data = payload.get("data")
    if not isinstance(data, list):
        raise RemoteError(f"OpenFIGI /{endpoint} returned no 'data' list")
    try:
        page = [FigiRecord.model_validate(item) for item in data]
    except ValidationError as exc:
        raise RemoteError(f"OpenFIGI /{endpoint} returned an unexpected record: {exc}") from exc
    if "total" in payload:
        if not isinstance(payload["total"], int):
            raise RemoteError(f"OpenFIGI /{endpoint} returned a non-integer total")
        total = payload["total"]
    cursor = payload.get("next")
    if cursor is not None and (not isinstance(cursor, str) or not cursor):
        raise RemoteError(f"OpenFIGI /{endpoint} returned an unusable 'next' cursor")
    return page, total, cursor
