"""One JSON request to a rate-limited service, with bounded retries.

Retried: 5xx answers, timeouts, refused or dropped connections and bodies cut short, with
exponential backoff; 429s, after the limiter has waited out the server's reset. Not
retried: other 4xx answers, and 200s whose body is not JSON (a server bug that a retry
would only repeat). Every failure that is final becomes a ``RemoteError`` whose message
says what happened; secrets given to ``JsonCaller`` are scrubbed from it.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from pydantic import SecretStr

from portfolio_guard.enrich.clock import Clock
from portfolio_guard.enrich.ratelimit import RateLimiter
from portfolio_guard.errors import RemoteError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before a ``RemoteError``."""

    # Retries after the first attempt, for 5xx, timeouts and dropped connections.
    max_retries: int = 4
    # First delay; doubles per retry up to ``max_backoff``.
    backoff: float = 1.0
    max_backoff: float = 30.0
    # Consecutive 429s tolerated in one call (each is waited out first).
    max_rate_limit_waits: int = 5

    def delay(self, attempt: int) -> float:
        """Seconds to sleep before retry number ``attempt`` (1-based)."""
        return float(min(self.max_backoff, self.backoff * 2 ** (attempt - 1)))


class StatusError(RemoteError):
    """A final non-2xx answer; ``status`` lets callers react (e.g. split on 413)."""

    def __init__(self, detail: str, status: int) -> None:
        super().__init__(detail)
        self.status = status


def _snippet(text: str, limit: int = 200) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[:limit] + "…"


class JsonCaller:
    """Sends requests for one service and returns decoded JSON or raises ``RemoteError``."""

    def __init__(
        self,
        service: str,
        session: requests.Session,
        clock: Clock,
        *,
        timeout: float | tuple[float, float],
        retry: RetryPolicy,
        secrets: tuple[SecretStr, ...] = (),
        describe_status: Callable[[int, str, str], str] | None = None,
    ) -> None:
        self.service = service
        self._session = session
        self._clock = clock
        self._timeout = timeout
        self._retry = retry
        self._secrets = secrets
        self._describe_status = describe_status

    def _limit(self) -> str:
        if isinstance(self._timeout, tuple):
            return f"connect {self._timeout[0]:g} s, read {self._timeout[1]:g} s"
        return f"{self._timeout:g} s"

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            value = secret.get_secret_value()
            if value:
                text = text.replace(value, "***")
        return text

    def _fail(self, detail: str, status: int | None = None) -> RemoteError:
        detail = self.scrub(detail)
        return RemoteError(detail) if status is None else StatusError(detail, status)

    def call(
        self,
        method: str,
        url: str,
        limiter: RateLimiter,
        *,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        what: str = "",
    ) -> Any:
        what = what or url
        failures = 0
        waits = 0
        while True:
            problem: str | None = None
            cause: BaseException | None = None
            response: requests.Response | None = None
            with limiter.slot() as slot:
                started = time.perf_counter()
                try:
                    response = self._session.request(
                        method, url, json=body, headers=dict(headers or {}), timeout=self._timeout
                    )
                except requests.Timeout as exc:
                    problem, cause = f"no answer within the timeout ({self._limit()})", exc
                except requests.exceptions.SSLError as exc:
                    raise self._fail(f"{self.service} {what}: TLS failed: {exc}") from exc
                except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                    problem, cause = f"connection failed or dropped ({type(exc).__name__})", exc
                except requests.RequestException as exc:
                    raise self._fail(f"{self.service} {what}: request failed: {exc}") from exc
                else:
                    slot.observe(response.status_code, response.headers)
                    log.debug(
                        "%s %s %s -> %s in %.2f s",
                        self.service,
                        method,
                        what,
                        response.status_code,
                        time.perf_counter() - started,
                    )
            if response is not None and response.status_code >= 500:
                problem = f"HTTP {response.status_code} {_snippet(response.text)!r}"
            if problem is not None:
                failures += 1
                if failures > self._retry.max_retries:
                    raise self._fail(
                        f"{self.service} {what}: {problem}; gave up after {failures} attempts"
                    ) from cause
                delay = self._retry.delay(failures)
                log.warning(
                    "%s %s: %s; retry %d/%d in %.1f s",
                    self.service,
                    what,
                    self.scrub(problem),
                    failures,
                    self._retry.max_retries,
                    delay,
                )
                self._clock.sleep(delay)
                continue
            assert response is not None
            if response.status_code == 429:
                waits += 1
                if waits > self._retry.max_rate_limit_waits:
                    raise self._fail(
                        f"{self.service} {what}: still rate-limited (HTTP 429) after waiting "
                        f"{waits - 1} times; try again later",
                        429,
                    )
                continue  # the limiter sleeps out the reset before the next slot
            if response.status_code >= 400:
                text = _snippet(response.text)
                if self._describe_status is not None:
                    detail = self._describe_status(response.status_code, text, what)
                else:
                    detail = f"{self.service} {what}: HTTP {response.status_code} {text!r}"
                raise self._fail(detail, response.status_code)
            return self._decode(response, what)

    def _decode(self, response: requests.Response, what: str) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            kind = response.headers.get("content-type", "no content type")
            raise self._fail(
                f"{self.service} {what}: HTTP {response.status_code} body is not valid JSON "
                f"({kind}, {len(response.content)} bytes: {_snippet(response.text, 80)!r})"
            ) from exc
