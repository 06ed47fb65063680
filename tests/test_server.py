"""``portfolio-guard serve``: endpoints, refusals, and an atomic reload under load.

Each test runs a real server on a free loopback port in a thread, on its own copy of the
listings (so reload tests can rewrite them), with the staleness check off unless it is tested.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from portfolio_guard import server as server_module
from portfolio_guard.listings import sha256_bytes
from portfolio_guard.server import MAX_CHECK_BODY, PortfolioGuardServer, make_server

MANIFEST = json.loads(
    (Path(__file__).resolve().parents[1] / "listings" / "manifest.json").read_text(encoding="utf-8")
)
VERSION = MANIFEST["version"]


@contextmanager
def running(
    folder: Path, reload_seconds: float = 0.05, max_age_days: int = -1
) -> Iterator[PortfolioGuardServer]:
    server = make_server("127.0.0.1", 0, str(folder), max_age_days, reload_seconds)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def server(listings_copy: Path) -> Iterator[PortfolioGuardServer]:
    with running(listings_copy) as srv:
        yield srv


def call(
    server: PortfolioGuardServer,
    method: str,
    path: str,
    body: Any = None,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        conn.request(method, path, body=data, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read())
    finally:
        conn.close()


# -- endpoints ----------------------------------------------------------------------------


def test_healthz_reports_the_listings(server: PortfolioGuardServer) -> None:
    code, body = call(server, "GET", "/healthz")
    assert code == 200
    assert body["status"] == "ok" and body["listings_version"] == VERSION
    assert body["listings_as_of"] == MANIFEST["as_of"]
    assert body["entities"] == MANIFEST["counts"]["entities"] == 68


def test_check_trade_answers_200_allowed_or_not(server: PortfolioGuardServer) -> None:
    req = {"security": "941 HK", "side": "buy", "trade_date": "2023-01-03", "id": 17}
    code, body = call(server, "POST", "/v1/check-trade", req)
    assert code == 200
    assert (body["allowed"], body["status"], body["entity_uid"], body["id"]) == (
        False,
        "prohibited",
        30923,
        17,
    )
    assert body["listings_version"] == VERSION
    code, body = call(
        server,
        "POST",
        "/v1/check-trade",
        {"security": {"cusip": "16941M109"}, "side": "sell", "purpose": "divest"}
        | {"trade_date": "2022-06-02T23:59:00-04:00"},
    )
    assert (code, body["allowed"], body["status"]) == (200, True, "divestment")
    code, body = call(
        server, "POST", "/v1/check-trade", {"security": "AAPL", "side": "buy", "us_person": False}
    )
    assert (code, body["allowed"], body["status"]) == (200, True, "not_listed")


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b'{"security": "941 HK", "side": ', "malformed JSON"),
        (b"\xff\xfe{}", "malformed JSON"),
        (b"[" * 60_000, "malformed JSON"),
        (b'"941 HK"', "expected a JSON object"),
        (b'{"security": "941 HK", "side": "short"}', "'side'"),
        (b'{"security": "941 HK", "side": "buy", "when": "now"}', "unknown field"),
        (b'{"security": "US16941M1098", "side": "buy"}', "check digit"),
    ],
    ids=lambda v: repr(v)[:24],
)
def test_bad_requests_get_400_with_a_message(
    server: PortfolioGuardServer, raw: bytes, fragment: str
) -> None:
    code, body = call(server, "POST", "/v1/check-trade", raw=raw)
    assert code == 400
    assert fragment in body["error"]
    assert body.get("allowed", False) is False


def test_oversized_body_is_refused(server: PortfolioGuardServer) -> None:
    code, body = call(server, "POST", "/v1/check-trade", raw=b" " * (MAX_CHECK_BODY + 1))
    assert code == 413 and "over the limit" in body["error"]
    code, _ = call(server, "GET", "/healthz")
    assert code == 200  # the server is still there


def test_declared_huge_body_is_refused_without_reading_it(server: PortfolioGuardServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.putrequest("POST", "/v1/check-trade")
        conn.putheader("Content-Length", str(10**12))
        conn.endheaders()
        resp = conn.getresponse()
        assert resp.status == 413
        resp.read()
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("method", "path", "headers", "code"),
    [
        ("GET", "/nowhere", {}, 404),
        ("POST", "/v1/nowhere", {"Content-Length": "2"}, 404),
        ("POST", "/v1/check-trade", {"Content-Length": "-5"}, 400),
        ("POST", "/v1/check-trade", {"Content-Length": "five"}, 400),
    ],
)
def test_routes_and_lengths(
    server: PortfolioGuardServer, method: str, path: str, headers: dict[str, str], code: int
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.putrequest(method, path)
        for k, v in headers.items():
            conn.putheader(k, v)
        conn.endheaders(b"{}" if headers.get("Content-Length") == "2" else None)
        resp = conn.getresponse()
        assert resp.status == code
        body = json.loads(resp.read())
        assert (body["allowed"], body["status"], body["code"]) == (False, "invalid", code)
        assert body["error"]
    finally:
        conn.close()


def test_keep_alive_connection_serves_many_requests(server: PortfolioGuardServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        for i in range(50):
            body = json.dumps({"security": "0020.HK", "side": "buy", "id": i})
            conn.request("POST", "/v1/check-trade", body=body)
            resp = conn.getresponse()
            assert resp.status == 200
            assert json.loads(resp.read())["id"] == i
    finally:
        conn.close()


def test_screen_endpoint(server: PortfolioGuardServer) -> None:
    rows = [{"symbol": "941 HK", "quantity": 100}, {"symbol": "AAPL", "quantity": 5}]
    code, body = call(server, "POST", "/v1/screen", {"holdings": rows, "as_of": "2026-01-10"})
    assert code == 200, body
    assert body["summary"]["prohibited"] == 1
    assert [f["entity_uid"] for f in body["findings"]] == [30923]
    code, body = call(server, "POST", "/v1/screen", {"holdings": []})
    assert code == 400 and "non-empty" in body["error"]
    code, body = call(server, "POST", "/v1/screen", {"holdings": rows, "as_of": 20260110})
    assert code == 400


def test_an_internal_error_still_answers_blocked(
    server: PortfolioGuardServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> object:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(server_module, "decide_object", broken)
    code, body = call(server, "POST", "/v1/check-trade", {"security": "AAPL", "side": "buy"})
    assert (code, body["allowed"], body["status"]) == (500, False, "error")
    assert "RuntimeError" in body["error"]


# -- failing closed -----------------------------------------------------------------------


def test_missing_listings_serve_blocked_answers(tmp_path: Path) -> None:
    with running(tmp_path / "absent") as srv:
        code, body = call(srv, "GET", "/healthz")
        assert code == 503 and body["status"] == "blocking"
        assert "no listings dataset" in body["failure"]
        code, body = call(srv, "POST", "/v1/check-trade", {"security": "AAPL", "side": "buy"})
        assert (code, body["allowed"], body["status"]) == (200, False, "error")
        code, body = call(srv, "POST", "/v1/screen", {"holdings": [{"symbol": "AAPL"}]})
        assert code == 503


def test_stale_listings_serve_blocked_answers(listings_copy: Path) -> None:
    with running(listings_copy, max_age_days=0) as srv:
        code, body = call(srv, "GET", "/healthz")
        assert code == 503 and "over the maximum of 0 days" in body["failure"]
        code, body = call(srv, "POST", "/v1/check-trade", {"security": "AAPL", "side": "buy"})
        assert (body["allowed"], body["status"]) == (False, "error")


# -- reloading ----------------------------------------------------------------------------


def write_variant(folder: Path, version: str) -> None:
    """Rewrite the dataset in place as another valid build: China Mobile gains ticker ZZZZ.

    Files are replaced one by one (data first, manifest last), as a careless deploy would,
    so the server may see a half-written dataset in between.
    """
    securities = (folder / "securities.csv").read_bytes()
    securities += b"30923,ticker,US:ZZZZ,XNYS,US,ZZZZ,ZZZZ US,true,,curated,test\n"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["version"] = version
    manifest["files"]["securities.csv"] = sha256_bytes(securities)
    for name, data in (
        ("securities.csv", securities),
        ("manifest.json", json.dumps(manifest).encode("utf-8")),
    ):
        tmp = folder / f".{name}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, folder / name)
        time.sleep(0.08)  # let a reload tick fall between the two files


def wait_for(server: PortfolioGuardServer, version: str, timeout: float = 10) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        _, body = call(server, "GET", "/healthz")
        if body["listings_version"] == version or time.monotonic() > deadline:
            return dict(body)
        time.sleep(0.02)


def test_reload_swaps_listings_without_dropping_requests(listings_copy: Path) -> None:
    with running(listings_copy) as srv:
        code, body = call(srv, "POST", "/v1/check-trade", {"security": "ZZZZ", "side": "buy"})
        assert (code, body["status"]) == (200, "not_listed")
        results: list[tuple[int, str | None]] = []
        stop = threading.Event()

        def hammer() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
            try:
                while not stop.is_set():
                    conn.request(
                        "POST",
                        "/v1/check-trade",
                        body=json.dumps({"security": "941 HK", "side": "buy"}),
                    )
                    resp = conn.getresponse()
                    out = json.loads(resp.read())
                    results.append((resp.status, out.get("status")))
            except OSError as exc:  # pragma: no cover - reported by the assertion below
                results.append((0, repr(exc)))
            finally:
                conn.close()

        workers = [threading.Thread(target=hammer) for _ in range(4)]
        for w in workers:
            w.start()
        time.sleep(0.1)
        write_variant(listings_copy, "test-v2")
        health = wait_for(srv, "test-v2")
        time.sleep(0.1)
        stop.set()
        for w in workers:
            w.join(timeout=10)
        assert health["listings_version"] == "test-v2" and health["status"] == "ok"
        assert health["reloads"] >= 1
        assert len(results) > 20
        assert {code for code, _ in results} == {200}, results[:5]
        assert {status for _, status in results} == {"prohibited"}
        _, body = call(srv, "POST", "/v1/check-trade", {"security": "ZZZZ", "side": "buy"})
        assert (body["status"], body["entity_uid"], body["listings_version"]) == (
            "prohibited",
            30923,
            "test-v2",
        )


def test_broken_update_keeps_the_last_good_data(listings_copy: Path) -> None:
    with running(listings_copy) as srv:
        entities = listings_copy / "entities.json"
        good = entities.read_bytes()
        entities.write_bytes(good[:-10])
        deadline = time.monotonic() + 10
        while True:
            code, body = call(srv, "GET", "/healthz")
            if body["last_reload_error"] or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        assert code == 200 and body["status"] == "ok" and body["listings_version"] == VERSION
        assert "SHA-256" in body["last_reload_error"]
        code, body = call(srv, "POST", "/v1/check-trade", {"security": "941 HK", "side": "buy"})
        assert (code, body["status"]) == (200, "prohibited")
        entities.write_bytes(good)
        deadline = time.monotonic() + 10
        _, body = call(srv, "GET", "/healthz")
        while body["last_reload_error"] is not None and time.monotonic() < deadline:
            time.sleep(0.02)
            _, body = call(srv, "GET", "/healthz")
        assert body["last_reload_error"] is None and body["status"] == "ok"
