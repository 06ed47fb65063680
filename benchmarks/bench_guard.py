"""The pre-trade check: in-process, ``check-trade --stdin``, and ``serve`` over loopback HTTP.

Run: python benchmarks/bench_guard.py [inproc|stdin|http|all] [--seconds S] [--rate R]

Targets (issue 5): in-process >= 200,000 checks/s on one core with p99 < 20 us;
``--stdin`` >= 20,000 lines/s; HTTP p99 < 5 ms on loopback at 200 requests/s.

The workload is an order flow: 2,000 distinct securities (listed names in many spellings,
the rest ordinary US/HK tickers and ISINs), trade dates over five years around the list's
windows, both sides, some trades marked as divestments, some holders not U.S. persons. It is
replayed in a shuffled order, so the Guard's per-decision cache sees what a desk would: the
same few thousand securities again and again. Cold (first-time) decisions are timed too.
The staleness check is off (--max-age-days -1) so the figures do not depend on today's date.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
LISTED = [
    "941 HK", "0941.HK", "HK:941", "US16941M1099", "16941M109", "CHL",
    "002415 CN", "002415.SZ", "CNE100000PM8", "0020 HK", "0020.HK", "SNTMF",
    "603019 CN", "603019.SS", "CNE100001TW7", "688327.SS", "0981.HK", "600118.SS",
]  # fmt: skip
NAMES = ["China Mobile Ltd", "Hikvision", "SenseTime Group Inc.", "Sugon Information Industry"]
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def requests(n: int, distinct: int = 2000, seed: int = 5) -> list[dict[str, Any]]:
    """``n`` check-trade request objects over ``distinct`` securities."""
    rng = random.Random(seed)
    from stdnum import isin as stdnum_isin

    universe: list[Any] = list(LISTED) + [{"description": name} for name in NAMES]
    while len(universe) < distinct:
        k = len(universe)
        if k % 3 == 0:
            body = f"US{k:09d}"
            universe.append(body + stdnum_isin.calc_check_digit(body))
        elif k % 3 == 1:
            universe.append("".join(rng.choice(LETTERS) for _ in range(rng.randint(2, 4))))
        else:
            universe.append(f"{rng.randint(1, 9999)}.HK")
    days = [date(2021, 1, 4) + timedelta(days=i) for i in range(0, 5 * 365, 3)]
    out = []
    for _ in range(n):
        security = universe[rng.randrange(len(universe))]
        out.append(
            {
                "security": security,
                "side": rng.choice(("buy", "sell")),
                "trade_date": rng.choice(days).isoformat(),
                "purpose": "divest" if rng.random() < 0.3 else None,
                "us_person": rng.random() > 0.1,
            }
        )
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


# -- in-process ---------------------------------------------------------------------------


def _inproc_run(guard: Any, calls: list[tuple[Any, ...]]) -> dict[str, float]:
    check = guard.check_trade
    t = time.perf_counter()
    for c in calls[:50_000]:
        check(*c)  # cold: most of these are first-time decisions
    cold = 50_000 / (time.perf_counter() - t)
    for c in calls:
        check(*c)
    best = 0.0
    for _ in range(3):
        t = time.perf_counter()
        for c in calls:
            check(*c)
        best = max(best, len(calls) / (time.perf_counter() - t))
    clock = time.perf_counter_ns
    lat: list[float] = []
    for c in calls[:300_000]:
        t0 = clock()
        check(*c)
        lat.append((clock() - t0) / 1000)
    return {
        "checks_per_s": best,
        "cold_per_s": cold,
        "p50_us": pct(lat, 0.5),
        "p99_us": pct(lat, 0.99),
        "p999_us": pct(lat, 0.999),
        "max_us": max(lat),
    }


def _tail(r: dict[str, Any]) -> tuple[Any, Any]:
    return r["purpose"], r["us_person"]


def bench_inproc(n: int) -> dict[str, Any]:
    from portfolio_guard.guard import Guard

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    reqs = requests(n)
    workloads: dict[str, list[tuple[Any, ...]]] = {
        # Today's orders: no trade date, so the Guard's clock decides (the order path).
        "today": [(r["security"], r["side"], None, *_tail(r)) for r in reqs],
        # A back-test: dates over five years, so most (security, day) pairs are new.
        "5-year": [
            (r["security"], r["side"], date.fromisoformat(r["trade_date"]), *_tail(r)) for r in reqs
        ],
    }
    out: dict[str, Any] = {}
    ok = True
    for name, calls in workloads.items():
        guard = Guard.load(REPO / "listings", max_age_days=-1)  # a fresh cache each
        r = _inproc_run(guard, calls)
        out[name] = r
        print(
            f"in-process ({name}): {r['checks_per_s']:,.0f} checks/s on one core, "
            f"first-time decisions {r['cold_per_s']:,.0f}/s"
        )
        print(
            f"  latency us: p50 {r['p50_us']:.2f}  p99 {r['p99_us']:.2f}  "
            f"p99.9 {r['p999_us']:.2f}  max {r['max_us']:,.0f}"
        )
        ok = ok and r["checks_per_s"] >= 200_000 and r["p99_us"] < 20
    print(f"  target >= 200,000/s and p99 < 20 us (both workloads): {verdict(ok)}")
    out["ok"] = ok
    return out


# -- --stdin ------------------------------------------------------------------------------


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "portfolio_guard", "--listings", str(REPO / "listings"), *args]


def bench_stdin(n: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        src.write_text("".join(json.dumps(r) + "\n" for r in requests(n)), encoding="utf-8")
        empty = Path(tmp) / "empty.jsonl"
        empty.write_text("", encoding="utf-8")
        cmd = _cli("check-trade", "--stdin", "--max-age-days", "-1")
        starts = []
        for _ in range(3):
            t = time.perf_counter()
            with empty.open("rb") as fin:
                subprocess.run(cmd, stdin=fin, stdout=subprocess.DEVNULL, check=True)
            starts.append(time.perf_counter() - t)
        start = min(starts)
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            with src.open("rb") as fin, dst.open("wb") as fout:
                subprocess.run(cmd, stdin=fin, stdout=fout, check=True)
            best = min(best, time.perf_counter() - t)
        lines = sum(1 for _ in dst.open(encoding="utf-8"))
    assert lines == n, f"{lines} answers for {n} lines"
    total, steady = n / best, n / max(best - start, 1e-9)
    print(f"--stdin: {n:,} lines in {best:.2f} s = {total:,.0f} lines/s including start-up")
    print(f"  start-up {start * 1000:.0f} ms; {steady:,.0f} lines/s after it")
    ok = total >= 20_000
    print(f"  target >= 20,000 lines/s: {verdict(ok)}")
    return {"lines_per_s": total, "steady_lines_per_s": steady, "startup_s": start, "ok": ok}


# -- HTTP ---------------------------------------------------------------------------------


def _start_server() -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        _cli("serve", "--port", "0", "--max-age-days", "-1"),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # "portfolio-guard serving on http://127.0.0.1:PORT ..."
    port = int(line.split("http://", 1)[1].split(" ", 1)[0].rsplit(":", 1)[1])
    return proc, port


def bench_http(seconds: float, rate: float, connections: int) -> dict[str, Any]:
    """Open loop: request i is due at t0 + i/rate whatever happened before, so a slow answer
    delays the ones behind it and shows in their latency (no coordinated omission)."""
    proc, port = _start_server()
    # The client's own threads must not queue behind each other for the GIL (default 5 ms):
    # that would be counted as server latency.
    sys.setswitchinterval(0.0002)
    try:
        bodies = [json.dumps(r).encode() for r in requests(max(1000, int(seconds * rate)))]
        total = int(seconds * rate)
        latency: list[float] = []
        service: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        t0 = time.perf_counter() + 0.5

        def client(k: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                for i in range(k, total, connections):
                    due = t0 + i / rate
                    pause = due - time.perf_counter()
                    if pause > 0:
                        time.sleep(pause)
                    sent = time.perf_counter()
                    conn.request("POST", "/v1/check-trade", body=bodies[i % len(bodies)])
                    resp = conn.getresponse()
                    resp.read()
                    done = time.perf_counter()
                    with lock:
                        latency.append((done - due) * 1000)
                        service.append((done - sent) * 1000)
                        if resp.status != 200:
                            errors.append(str(resp.status))
            finally:
                conn.close()

        threads = [threading.Thread(target=client, args=(k,)) for k in range(connections)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
    p50, p99 = pct(latency, 0.5), pct(latency, 0.99)
    print(
        f"HTTP: {len(latency):,} requests at {rate:.0f}/s for {seconds:.0f} s over "
        f"{connections} keep-alive connections, server in its own process"
    )
    print(
        f"  latency ms (from due time): p50 {p50:.2f}  p99 {p99:.2f}  max {max(latency):.2f}; "
        f"service p50 {statistics.median(service):.2f} p99 {pct(service, 0.99):.2f}; "
        f"non-200: {len(errors)}"
    )
    ok = p99 < 5 and not errors
    print(f"  target p99 < 5 ms at {rate:.0f}/s: {verdict(ok)}")
    return {"p50_ms": p50, "p99_ms": p99, "max_ms": max(latency), "errors": len(errors), "ok": ok}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "what", nargs="?", default="all", choices=("inproc", "stdin", "http", "all")
    )
    parser.add_argument("--checks", type=int, default=1_000_000, help="in-process requests")
    parser.add_argument("--lines", type=int, default=200_000, help="--stdin lines")
    parser.add_argument("--seconds", type=float, default=10.0, help="HTTP load duration")
    parser.add_argument("--rate", type=float, default=200.0, help="HTTP requests per second")
    parser.add_argument("--connections", type=int, default=8, help="HTTP keep-alive connections")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    if args.what in ("stdin", "all"):
        results["stdin"] = bench_stdin(args.lines)
    if args.what in ("http", "all"):
        results["http"] = bench_http(args.seconds, args.rate, args.connections)
    if args.what in ("inproc", "all"):
        # Last: it pins this process to one core.
        results["inproc"] = bench_inproc(args.checks)
    return 0 if all(r["ok"] for r in results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
