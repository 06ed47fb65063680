"""``portfolio-guard serve``: the pre-trade check and the screen over HTTP (stdlib server).

Endpoints:

- ``POST /v1/check-trade``: the ``--stdin`` JSON object → the decision (200), or 400 naming
  what is wrong with the request. A blocked trade is still a 200: the answer is in the body.
- ``POST /v1/screen``: ``{"holdings": [rows], "as_of": "YYYY-MM-DD"}`` → the screen report.
- ``GET /healthz``: listings version, as-of date, whether the Guard can decide (200) or is
  blocking everything (503), and the last reload failure.

The Guard is swapped atomically when the listings files change on disk (checked every
``reload_seconds``): each request reads the current Guard once, so requests in flight finish
on the Guard they started with and none is dropped. New files that do not load leave the last
good data in place (and say so on ``/healthz``); staleness still applies to that data.
"""

from __future__ import annotations

import gc
import json
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from portfolio_guard.commands.trade_cmd import decide_object, decision_object, error_object
from portfolio_guard.guard import Guard
from portfolio_guard.listings import (
    ENTITIES_FILE,
    MANIFEST_FILE,
    SECURITIES_FILE,
    _load_default,
    default_listings_dir,
)

MAX_CHECK_BODY = 64 * 1024
MAX_SCREEN_BODY = 16 * 1024 * 1024
IDLE_TIMEOUT_SECONDS = 60.0
_DRAIN_LIMIT = 1024 * 1024
_NO_BODY = object()
_Stamp = tuple[tuple[int, int, int] | None, ...]


class GuardHolder:
    """Holds the current Guard and replaces it when the listings files change."""

    def __init__(self, path: str | None, max_age_days: int | None, freeze_gc: bool = False) -> None:
        self.path = path
        self.max_age_days = max_age_days
        self.freeze_gc = freeze_gc
        self._stamp = self._files_stamp()
        self.guard = Guard.load(path, max_age_days=max_age_days)
        self.reloads = 0
        self.last_reload_error: str | None = None
        self._lock = threading.Lock()
        self._settle()

    def _settle(self) -> None:
        """Move the loaded data out of the cycle collector's reach (``freeze_gc``).

        A full collection walks every tracked object (~4 ms with the listings and matcher
        loaded) and would land on whichever request triggers it; frozen, it walks only
        what requests allocate. Unfrozen first, so a replaced Guard can still be collected.
        """
        if self.freeze_gc:
            gc.unfreeze()
            gc.collect()
            gc.freeze()

    def _files_stamp(self) -> _Stamp:
        folder = Path(self.path) if self.path else default_listings_dir()
        out: list[tuple[int, int, int] | None] = []
        for name in (MANIFEST_FILE, ENTITIES_FILE, SECURITIES_FILE):
            try:
                st = (folder / name).stat()
            except OSError:
                out.append(None)
            else:
                out.append((st.st_mtime_ns, st.st_size, st.st_ino))
        return tuple(out)

    def maybe_reload(self) -> bool:
        """Load the files again if any changed; True when a new Guard took over."""
        with self._lock:
            stamp = self._files_stamp()
            if stamp == self._stamp:
                return False
            # The stamp is taken before reading: a write still in progress changes the files
            # again after this, so the next tick retries.
            self._stamp = stamp
            _load_default.cache_clear()
            new = Guard.load(self.path, max_age_days=self.max_age_days)
            if new.healthy or not self.guard.healthy:
                self.guard = new  # one reference assignment: atomic for readers
                self.reloads += 1
                self.last_reload_error = None if new.healthy else new.failure
                self._settle()
                return True
            self.last_reload_error = new.failure
            return False

    def health(self) -> tuple[int, dict[str, Any]]:
        guard = self.guard
        listings = guard.listings
        failure = guard.failure
        as_of = listings.as_of if listings is not None else None
        body = {
            "status": "ok" if failure is None else "blocking",
            "listings_version": guard.version,
            "listings_as_of": as_of.isoformat() if as_of else None,
            "entities": len(listings) if listings is not None else 0,
            "max_age_days": guard.max_age_days,
            "failure": failure,
            "reloads": self.reloads,
            "last_reload_error": self.last_reload_error,
        }
        return (HTTPStatus.OK if failure is None else HTTPStatus.SERVICE_UNAVAILABLE), body


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "portfolio-guard"
    # Idle keep-alive connections must not hold a thread for ever.
    timeout = IDLE_TIMEOUT_SECONDS
    # Buffer each response and send it in one write (handle_one_request flushes): headers and
    # body in two small writes meet Nagle and delayed ACK and cost ~40 ms per request.
    wbufsize = -1
    server: PortfolioGuardServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def log_error(self, format: str, *args: Any) -> None:
        super().log_message(format, *args)  # errors are logged even when not verbose

    def _send(self, status: int, payload: Any, version: str | None = None) -> None:
        body = (json.dumps(payload, ensure_ascii=False) + "\n").encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        if version:
            self.send_header("X-Listings-Version", version)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _fail(self, status: HTTPStatus, message: str) -> None:
        # Shaped like a blocked decision, so a client that only reads "allowed" stays safe.
        kind = "error" if status >= HTTPStatus.INTERNAL_SERVER_ERROR else "invalid"
        self._send(status, {"allowed": False, "status": kind, "error": message, "code": status})

    def _body(self, limit: int) -> Any:
        """The request's JSON body, or _NO_BODY after answering with the error."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            self._fail(HTTPStatus.LENGTH_REQUIRED, "chunked bodies are not accepted")
            return _NO_BODY
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            self._fail(HTTPStatus.LENGTH_REQUIRED, "Content-Length is required")
            return _NO_BODY
        try:
            length = int(length_text)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            self._fail(HTTPStatus.BAD_REQUEST, f"Content-Length {length_text!r} is not valid")
            return _NO_BODY
        if length > limit:
            self.close_connection = True
            if length <= limit + _DRAIN_LIMIT:
                # Read and drop a moderate excess, so that closing does not reset the
                # connection before the client reads the 413.
                self._drain(length)
            self._fail(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"body of {length} bytes is over the limit of {limit} bytes",
            )
            return _NO_BODY
        raw = self.rfile.read(length)
        if len(raw) < length:
            self.close_connection = True
            self._fail(HTTPStatus.BAD_REQUEST, "body shorter than its Content-Length")
            return _NO_BODY
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            self._fail(
                HTTPStatus.BAD_REQUEST,
                f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            )
        except (ValueError, RecursionError) as exc:
            self._fail(HTTPStatus.BAD_REQUEST, f"malformed JSON: {type(exc).__name__}")
        return _NO_BODY

    def _drain(self, length: int) -> None:
        while length > 0:
            got = self.rfile.read(min(length, 65536))
            if not got:
                return
            length -= len(got)

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] != "/healthz":
            self._fail(HTTPStatus.NOT_FOUND, f"no such endpoint: GET {self.path}")
            return
        status, body = self.server.holder.health()
        self._send(status, body, body["listings_version"])

    def do_POST(self) -> None:
        try:
            self._post()
        except Exception as exc:  # a bug must still give the client an answer, blocked
            self.log_error("POST %s failed: %r", self.path, exc)
            self.close_connection = True
            self._fail(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error: {type(exc).__name__}")

    def _post(self) -> None:
        route = self.path.split("?", 1)[0]
        if route == "/v1/check-trade":
            obj = self._body(MAX_CHECK_BODY)
            if obj is _NO_BODY:
                return
            guard = self.server.holder.guard
            result = decide_object(guard, obj)
            request_id = obj.get("id") if isinstance(obj, dict) else None
            if isinstance(result, str):
                payload = error_object(result, request_id=request_id)
                self._send(HTTPStatus.BAD_REQUEST, payload, guard.version)
            else:
                self._send(HTTPStatus.OK, decision_object(result, request_id), guard.version)
            return
        if route == "/v1/screen":
            obj = self._body(MAX_SCREEN_BODY)
            if obj is not _NO_BODY:
                self._screen(obj)
            return
        self.close_connection = True  # the body was not read
        self._fail(HTTPStatus.NOT_FOUND, f"no such endpoint: POST {self.path}")

    def _screen(self, obj: Any) -> None:
        if not isinstance(obj, dict) or not isinstance(obj.get("holdings"), list):
            self._fail(HTTPStatus.BAD_REQUEST, 'expected {"holdings": [rows], "as_of": date}')
            return
        rows = obj["holdings"]
        if not rows or not all(isinstance(r, dict) for r in rows):
            self._fail(HTTPStatus.BAD_REQUEST, "'holdings' must be a non-empty list of objects")
            return
        as_of = obj.get("as_of")
        if as_of is not None and not isinstance(as_of, str):
            self._fail(HTTPStatus.BAD_REQUEST, "'as_of' must be a YYYY-MM-DD string")
            return
        guard = self.server.holder.guard
        failure = guard.failure
        if guard.listings is None or failure is not None:
            self._fail(HTTPStatus.SERVICE_UNAVAILABLE, f"blocked: {failure}")
            return
        # pandas only here: the check-trade path never pays for it.
        import pandas as pd

        from portfolio_guard.errors import PortfolioGuardError
        from portfolio_guard.screening import screen

        try:
            report = screen(pd.DataFrame(rows), as_of=as_of, listings=guard.listings)
        except (PortfolioGuardError, ValueError) as exc:
            self._fail(HTTPStatus.BAD_REQUEST, str(exc))
            return
        self._send(HTTPStatus.OK, report.to_dict(), guard.version)


class PortfolioGuardServer(ThreadingHTTPServer):
    """The HTTP server plus its listings watcher (started by ``start_reloader``)."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        holder: GuardHolder,
        *,
        reload_seconds: float = 5.0,
        verbose: bool = False,
    ) -> None:
        super().__init__(address, Handler)
        self.holder = holder
        self.verbose = verbose
        self.reload_seconds = reload_seconds
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def start_reloader(self) -> None:
        if self._watcher is not None or self.reload_seconds <= 0:
            return

        def watch() -> None:
            while not self._stop.wait(self.reload_seconds):
                try:
                    self.holder.maybe_reload()
                except Exception as exc:  # the watcher must outlive any one bad reload
                    self.holder.last_reload_error = f"{type(exc).__name__}: {exc}"

        self._watcher = threading.Thread(target=watch, daemon=True, name="listings-reload")
        self._watcher.start()

    def server_close(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
        super().server_close()


def make_server(
    host: str = "127.0.0.1",
    port: int = 8750,
    listings: str | None = None,
    max_age_days: int | None = None,
    reload_seconds: float = 5.0,
    verbose: bool = False,
    freeze_gc: bool = False,
) -> PortfolioGuardServer:
    """A bound server (``port=0``: any free port) with its reloader running; call
    ``serve_forever()``, then ``shutdown()`` and ``server_close()``. ``freeze_gc`` is for a
    process that only serves (see ``GuardHolder._settle``)."""
    holder = GuardHolder(listings, max_age_days, freeze_gc)
    server = PortfolioGuardServer(
        (host, port), holder, reload_seconds=reload_seconds, verbose=verbose
    )
    server.start_reloader()
    return server


def serve(
    host: str = "127.0.0.1",
    port: int = 8750,
    listings: str | None = None,
    max_age_days: int | None = None,
    reload_seconds: float = 5.0,
    verbose: bool = False,
) -> None:
    server = make_server(
        host, port, listings, max_age_days, reload_seconds, verbose, freeze_gc=True
    )
    guard = server.holder.guard
    state = "ok" if guard.healthy else f"BLOCKING ({guard.failure})"
    print(
        f"portfolio-guard serving on http://{host}:{server.port} listings {guard.version}: {state}",
        flush=True,
    )
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
