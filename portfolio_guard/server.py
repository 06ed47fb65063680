"""``portfolio-guard serve``: the pre-trade check and the screen over HTTP (stdlib server).

Endpoints: ``POST /v1/check-trade`` (the ``--stdin`` JSON object), ``POST /v1/screen``
(``{"holdings": [rows], "as_of": "YYYY-MM-DD"}``), ``GET /healthz``. The Guard is swapped
atomically when the listings manifest changes on disk (checked every ``reload_seconds``):
requests in flight finish on the Guard they started with, none is dropped.
"""

from __future__ import annotations

import json
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from portfolio_guard.commands.trade_cmd import decide_object
from portfolio_guard.guard import Decision, Guard
from portfolio_guard.listings import MANIFEST_FILE, default_listings_dir

MAX_CHECK_BODY = 64 * 1024
MAX_SCREEN_BODY = 16 * 1024 * 1024


class GuardHolder:
    """Holds the current Guard; reloads it when the manifest changes."""

    def __init__(self, path: str | None, max_age_days: int | None) -> None:
        self.path = path
        self.max_age_days = max_age_days
        self.guard = Guard.load(path, max_age_days=max_age_days)
        self._stamp = self._manifest_stamp()
        self.reloads = 0

    def _manifest_stamp(self) -> tuple[int, int] | None:
        manifest = Path(self.path or default_listings_dir()) / MANIFEST_FILE
        try:
            st = manifest.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def maybe_reload(self) -> bool:
        stamp = self._manifest_stamp()
        if stamp == self._stamp:
            return False
        from portfolio_guard.listings import _load_default

        _load_default.cache_clear()
        new = Guard.load(self.path, max_age_days=self.max_age_days)
        self._stamp = stamp
        # Keep serving the old data if the new files are broken; say so on /healthz.
        if new.healthy or not self.guard.healthy:
            self.guard = new  # one reference assignment: atomic for readers
            self.reloads += 1
            return True
        self.last_reload_error = new.failure
        return False


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: PortfolioGuardServer

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def _send(self, status: int, payload: Any) -> None:
        body = (json.dumps(payload, ensure_ascii=False) + "\n").encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _fail(self, status: HTTPStatus, message: str) -> None:
        self._send(status, {"error": message, "status": status.value})

    def _body(self, limit: int) -> Any:
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            self._fail(HTTPStatus.LENGTH_REQUIRED, "Content-Length is required")
            return _NO_BODY
        try:
            length = int(length_text)
        except ValueError:
            self._fail(HTTPStatus.BAD_REQUEST, "Content-Length is not a number")
            return _NO_BODY
        if length > limit:
            self.close_connection = True
            self._fail(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"body of {length} bytes is over the limit of {limit} bytes",
            )
            return _NO_BODY
        raw = self.rfile.read(length)
        try:
            return json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            self._fail(HTTPStatus.BAD_REQUEST, f"malformed JSON: {exc}")
            return _NO_BODY

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] != "/healthz":
            self._fail(HTTPStatus.NOT_FOUND, f"no such endpoint {self.path}")
            return
        guard = self.server.holder.guard
        listings = guard.listings
        self._send(
            HTTPStatus.OK if guard.healthy else HTTPStatus.SERVICE_UNAVAILABLE,
            {
                "status": "ok" if guard.healthy else "blocking",
                "listings_version": guard.version,
                "listings_as_of": listings.as_of.isoformat()
                if listings and listings.as_of
                else None,
                "entities": len(listings) if listings else 0,
                "failure": guard.failure,
                "reloads": self.server.holder.reloads,
            },
        )

    def do_POST(self) -> None:
        route = self.path.split("?", 1)[0]
        if route == "/v1/check-trade":
            obj = self._body(MAX_CHECK_BODY)
            if obj is _NO_BODY:
                return
            result = decide_object(self.server.holder.guard, obj)
            if isinstance(result, Decision):
                self._send(HTTPStatus.OK, result.to_dict())
            else:
                self._fail(HTTPStatus.BAD_REQUEST, result)
            return
        if route == "/v1/screen":
            obj = self._body(MAX_SCREEN_BODY)
            if obj is _NO_BODY:
                return
            self._screen(obj)
            return
        self._fail(HTTPStatus.NOT_FOUND, f"no such endpoint {self.path}")

    def _screen(self, obj: Any) -> None:
        if not isinstance(obj, dict) or not isinstance(obj.get("holdings"), list):
            self._fail(HTTPStatus.BAD_REQUEST, 'expected {"holdings": [rows], "as_of": date}')
            return
        rows = obj["holdings"]
        if not rows or not all(isinstance(r, dict) for r in rows):
            self._fail(HTTPStatus.BAD_REQUEST, "'holdings' must be a non-empty list of objects")
            return
        import pandas as pd

        from portfolio_guard.errors import PortfolioGuardError
        from portfolio_guard.screen import screen

        guard = self.server.holder.guard
        if guard.listings is None or not guard.healthy:
            self._fail(HTTPStatus.SERVICE_UNAVAILABLE, f"blocked: {guard.failure}")
            return
        try:
            report = screen(pd.DataFrame(rows), as_of=obj.get("as_of"), listings=guard.listings)
        except (PortfolioGuardError, ValueError) as exc:
            self._fail(HTTPStatus.BAD_REQUEST, str(exc))
            return
        self._send(HTTPStatus.OK, report.to_dict())


_NO_BODY = object()


class PortfolioGuardServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], holder: GuardHolder, verbose: bool = False):
        super().__init__(address, Handler)
        self.holder = holder
        self.verbose = verbose


def serve(
    host: str = "127.0.0.1",
    port: int = 8750,
    listings: str | None = None,
    max_age_days: int | None = None,
    reload_seconds: float = 5.0,
    verbose: bool = False,
) -> None:
    holder = GuardHolder(listings, max_age_days)
    server = PortfolioGuardServer((host, port), holder, verbose)
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(reload_seconds):
            holder.maybe_reload()

    threading.Thread(target=watch, daemon=True, name="listings-reload").start()
    state = "ok" if holder.guard.healthy else f"BLOCKING ({holder.guard.failure})"
    print(
        f"portfolio-guard serving on http://{host}:{server.server_address[1]} "
        f"listings {holder.guard.version}: {state}",
        flush=True,
    )
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        stop.set()
        server.server_close()
        _ = time
