"""A threaded HTTP server on 127.0.0.1, and a guard that keeps tests off the network."""

from __future__ import annotations

import ipaddress
import socket
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The fakes drop connections and outlive client timeouts on purpose: broken pipes
        # are expected. Anything else is a bug in a fake and must be seen.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        self.owner.errors.append(traceback.format_exc())  # type: ignore[attr-defined]
        super().handle_error(request, client_address)


class LoopbackServer:
    """Runs ``handler`` on 127.0.0.1:<free port> in a daemon thread.

    The handler reaches its owner through ``self.server.owner``. ``stopping`` is set on
    ``stop()`` so handlers that sleep (delay faults) can wake up and finish.
    """

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._handler = handler
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.stopping = threading.Event()
        # Tracebacks of handler crashes (a bug in the fake, not a simulated fault).
        self.errors: list[str] = []

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("server not started")
        return int(self._server.server_address[1])

    def start(self) -> Self:
        if self._server is not None:
            return self
        self.stopping.clear()
        server = _Server(("127.0.0.1", 0), self._handler)
        server.owner = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class NetworkAccessError(RuntimeError):
    """A test tried to leave the loopback interface."""


def _loopback_host(host: object) -> bool:
    if not isinstance(host, str):
        return True  # AF_UNIX paths and the like are local by nature
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@contextmanager
def loopback_only() -> Iterator[None]:
    """Make any DNS lookup or connection to a non-loopback address raise.

    Covers everything built on Python sockets (requests, urllib3, http.client). It cannot
    see libcurl, which is why the Yahoo tests always hand yfinance a ``requests`` session.
    """
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else address
        if not _loopback_host(host):
            raise NetworkAccessError(f"test tried to connect to {address!r}")
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        host = address[0] if isinstance(address, tuple) else address
        if not _loopback_host(host):
            raise NetworkAccessError(f"test tried to connect to {address!r}")
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _loopback_host(
            host.decode() if isinstance(host, bytes) else host
        ):
            raise NetworkAccessError(f"test tried to resolve {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = getaddrinfo
    try:
        yield
    finally:
        socket.socket.connect = real_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign]
        socket.getaddrinfo = real_getaddrinfo
