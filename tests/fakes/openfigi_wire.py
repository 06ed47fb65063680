"""The HTTP side of the fake OpenFIGI server: status codes, headers, faults, bodies.

Protocol semantics (what a job maps to, paging) live in ``openfigi_server.FakeOpenFigi``;
this module only turns requests into answers the way OpenFIGI's gateway does (openfigi.md
§§1, 5, 6). Order of checks, as observed: route (404), verb (405), key (401, no
rate-limit headers), rate limit (429), then the body (415, 400, 413).
"""

from __future__ import annotations

import contextlib
import json
import math
import socket
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any, Literal, cast

if TYPE_CHECKING:
    from tests.fakes.openfigi_server import FakeOpenFigi, Limits

HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"
RATE_LIMITED_BODY = "Too many requests, please try again later."


FaultKind = Literal["status", "rate_limit", "delay", "malformed", "drop", "drop_before"]


@dataclass
class Fault:
    """One injected misbehaviour; ``path`` restricts it to paths starting with it."""

    kind: FaultKind
    status: int = 500
    body: str = "Internal server error."
    seconds: float = 0.0
    reset: int = 42
    retry_after: int | None = 60
    path: str | None = None


@dataclass(frozen=True)
class Seen:
    """One request as the fake received it."""

    at: float  # time.monotonic() on arrival
    method: str
    path: str
    bucket: str | None
    keyed: bool
    status: int | None = None
    jobs: int | None = None
    body: Any = None


class BadRequest(Exception):
    """Answer ``400 Bad request.``"""


class Unsupported(Exception):
    """Answer ``415`` (wrong Content-Type)."""


class TooLarge(Exception):
    """Answer ``413 Payload too large.``"""


class Handler(BaseHTTPRequestHandler):
    # Answer at once: without this every reply waits ~40 ms for a delayed ACK.
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"
    server_version = "istio-envoy"
    sys_version = ""
    _status: int | None = None
    _parsed: tuple[int | None, Any] = (None, None)
    _recorded = False
    _seen: Seen

    @property
    def fake(self) -> FakeOpenFigi:
        return cast("FakeOpenFigi", self.server.owner)  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    # -- plumbing ------------------------------------------------------------------------

    def _send(
        self,
        status: int,
        body: str | bytes,
        content_type: str = HTML,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self._status = status
        self._record_once()  # before the client can see the answer
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _dispatch(self, method: str) -> None:
        self._status = None
        self._parsed = (None, None)
        self._recorded = False
        path = self.path.split("?", 1)[0]
        raw = self._read_body()
        route = self._route(method, path)
        bucket = route[0] if route else None
        key = self.headers.get("X-OPENFIGI-APIKEY")
        keyed = key is not None and key in self.fake.api_keys
        self._seen = Seen(time.monotonic(), method, path, bucket, keyed)
        try:
            self._answer(method, path, raw, route, key)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            self._record_once()

    def _record_once(self) -> None:
        if self._recorded:
            return
        self._recorded = True
        s = self._seen
        self.fake._record(
            Seen(s.at, s.method, s.path, s.bucket, s.keyed, self._status, *self._parsed)
        )

    def _route(self, method: str, path: str) -> tuple[str, str] | None:
        if path == "/v3/mapping":
            return ("mapping", "POST")
        if path.startswith("/v3/mapping/values/") and path.count("/") == 4:
            return ("mapping", "GET")
        if path in ("/v3/search", "/v3/filter"):
            return ("search", "POST")
        return None

    def _answer(
        self, method: str, path: str, raw: bytes, route: tuple[str, str] | None, key: str | None
    ) -> None:
        if route is None:
            self._send(404, "Invalid url.")
            return
        bucket, verb = route
        if method != verb:
            self._send(405, "Invalid HTTP method.")
            return
        if key is not None and key not in self.fake.api_keys:
            self._send(401, "Invalid API key.")
            return
        keyed = key is not None
        limits, hits, reset = self.fake._hit(bucket, keyed, key or "anon")
        rate_headers = {
            "ratelimit-limit": str(limits.requests),
            "ratelimit-remaining": str(max(0, limits.requests - hits)),
            "ratelimit-reset": str(reset),
            "ratelimit-policy": limits.policy,
        }
        if hits > limits.requests:
            retry = reset if self.fake.retry_after == "reset" else math.ceil(limits.window)
            self._send(429, RATE_LIMITED_BODY, headers={**rate_headers, "retry-after": str(retry)})
            return
        if not self.fake.rate_headers:
            rate_headers = {}
        fault = self.fake._take_fault(path)
        if fault is not None and self._apply_fault(fault, limits):
            return
        try:
            body = self._parse(method, bucket, path, raw, keyed)
        except BadRequest:
            self._send(400, "Bad request.", headers=rate_headers)
            return
        except Unsupported:
            self._send(
                415,
                "Invalid Content-Type. Should be text/json or application/json with valid charset.",
                headers=rate_headers,
            )
            return
        except TooLarge:
            self._send(413, "Payload too large.", headers=rate_headers)
            return
        payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
        if fault is not None and fault.kind == "malformed":
            payload = payload[: max(1, len(payload) // 2)]  # cut inside the JSON
        if fault is not None and fault.kind == "drop":
            self._drop_mid(payload.encode("utf-8"), rate_headers)
            return
        self._send(200, payload, JSON, rate_headers)

    def _apply_fault(self, fault: Fault, limits: Limits) -> bool:
        """Act on a fault; True when the answer has been sent (or withheld)."""
        if fault.kind == "status":
            self._send(fault.status, fault.body)
            return True
        if fault.kind == "rate_limit":
            headers = {
                "ratelimit-limit": str(limits.requests),
                "ratelimit-remaining": "0",
                "ratelimit-reset": str(fault.reset),
            }
            if fault.retry_after is not None:
                headers["retry-after"] = str(fault.retry_after)
            self._send(429, RATE_LIMITED_BODY, headers=headers)
            return True
        if fault.kind == "delay":
            self.fake.stopping.wait(fault.seconds)
            return False
        if fault.kind == "drop_before":
            self._hang_up()
            return True
        return False  # malformed / drop act on the finished body

    def _drop_mid(self, data: bytes, headers: dict[str, str]) -> None:
        self._status = 200
        self._record_once()
        self.send_response(200)
        self.send_header("content-type", JSON)
        self.send_header("content-length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self._hang_up()

    def _hang_up(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _parse(self, method: str, bucket: str, path: str, raw: bytes, keyed: bool) -> Any:
        if method == "GET":
            key = path.rsplit("/", 1)[1]
            return {"values": self.fake.values(key)}
        kind = (self.headers.get("content-type") or "").split(";")[0].strip().lower()
        if kind not in ("application/json", "text/json"):
            raise Unsupported
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise BadRequest from None
        if path == "/v3/mapping":
            if not isinstance(body, list) or not body:
                raise BadRequest
            self._parsed = (len(body), body)
            if len(body) > (self.fake.max_jobs_keyed if keyed else self.fake.max_jobs):
                raise TooLarge
            return [self.fake.map_job(job, keyed) for job in body]
        self._parsed = (None, body)
        return self.fake.search_page(body, with_total=path.endswith("filter"))
