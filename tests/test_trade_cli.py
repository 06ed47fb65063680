"""``portfolio-guard check-trade``: exit codes, the JSON-lines stream, and a cold start without
pandas. End to end through ``python -m portfolio_guard``; stream edge cases in-process."""

from __future__ import annotations

import io
import json
import os
import queue
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from portfolio_guard.commands.trade_cmd import MAX_LINE_BYTES, stream
from portfolio_guard.guard import Guard
from portfolio_guard.listings import Listings

REPO = Path(__file__).resolve().parents[1]
LISTINGS = REPO / "listings"
AS_OF = date(2026, 1, 8)
# Fresh enough whenever the test runs (the CLI measures age on today's Eastern date).
FRESH = str((date.today() - AS_OF).days + 2)
VERSION = json.loads((LISTINGS / "manifest.json").read_text(encoding="utf-8"))["version"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PORTFOLIO_GUARD_MAX_AGE_DAYS", None)
    env.pop("PORTFOLIO_GUARD_LISTINGS", None)
    return env


def cli(
    *args: str, stdin: str | None = None, listings: Path = LISTINGS
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "portfolio_guard",
            "--listings",
            str(listings),
            "check-trade",
            *args,
        ],
        input=stdin,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )


def trade(*args: str) -> subprocess.CompletedProcess[str]:
    return cli(*args, "--max-age-days", FRESH)


# -- one trade ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "first_line"),
    [
        (("AAPL", "--side", "buy"), 0, "ALLOWED (not_listed)"),
        (("941 HK", "--side", "buy", "--date", "2023-01-03"), 1, "BLOCKED (prohibited)"),
        (("0941.HK", "--side", "buy", "--date", "2021-07-01"), 0, "ALLOWED (pending)"),
        (("US16941M1099", "--side", "sell", "--date", "2022-06-02"), 1, "BLOCKED (divestment)"),
        (
            ("16941M109", "--side", "sell", "--date", "2022-06-02", "--purpose", "divest"),
            0,
            "ALLOWED (divestment)",
        ),
        (
            ("603019 CN", "--side", "sell", "--date", "2022-12-16", "--purpose", "divest"),
            1,
            "BLOCKED (prohibited)",
        ),
        (("0020 HK", "--side", "buy", "--non-us-person"), 0, "ALLOWED (not_covered)"),
        (
            ("941", "--side", "buy", "--exchange", "SEHK", "--description", "Apple"),
            1,
            "BLOCKED (review)",
        ),
        (("###", "--side", "buy"), 2, "BLOCKED (invalid)"),
    ],
)
def test_exit_code_follows_the_decision(args: tuple[str, ...], code: int, first_line: str) -> None:
    done = trade(*args)
    assert done.returncode == code, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(first_line)
    assert lines[1].startswith("rule: ")
    assert lines[2] == f"listings: {VERSION} (as of {AS_OF})"


def test_json_output() -> None:
    done = trade("002415 CN", "--side", "buy", "--date", "2023-01-03", "--format", "json")
    assert done.returncode == 1
    out = json.loads(done.stdout)
    assert out["allowed"] is False and out["status"] == "prohibited"
    assert out["entity_uid"] == 30946 and out["matched_on"] == "ticker"
    assert "FAQ 1046/1048" in out["rule"]


def test_missing_listings_block_with_exit_2(tmp_path: Path) -> None:
    done = cli("AAPL", "--side", "buy", listings=tmp_path)
    assert done.returncode == 2
    assert done.stdout.startswith("BLOCKED (error): blocked: ")
    assert "no listings dataset here" in done.stdout


def test_stale_listings_block_with_exit_2() -> None:
    done = cli("AAPL", "--side", "buy", "--max-age-days", "0")
    assert done.returncode == 2
    assert "over the maximum of 0 days" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("941 HK", "--side", "buy", "--date", "2021-02-30"),
            "--date '2021-02-30' is not an ISO date",
        ),
        (("941 HK",), "--side buy|sell is required"),
        (("--side", "buy"), "give a SECURITY"),
        (("941 HK", "--side", "buy", "--stdin"), "either SECURITY or --stdin"),
        (("941 HK", "--side", "short"), "invalid choice"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args: tuple[str, ...], message: str) -> None:
    done = trade(*args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


# -- the stream ---------------------------------------------------------------------------


def test_stdin_answers_every_line_in_order() -> None:
    lines = [
        {"security": "941 HK", "side": "buy", "trade_date": "2021-07-01"},
        "this is not json",
        {"security": "AAPL", "side": "buy", "id": "order-2"},
        {"security": "941 HK", "side": "hold"},
        {
            "security": {"isin": "US16941M1099"},
            "side": "sell",
            "purpose": "divest",
            "trade_date": "2022-01-03T10:00:00+08:00",
        },
        {"security": "0020 HK", "side": "buy", "us_person": False, "trade_date": "2023-01-03"},
        {"security": "941 HK", "side": "buy", "trade_date": "2023-01-03"},
    ]
    text = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n"
    done = cli("--stdin", "--max-age-days", FRESH, stdin=text)
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(o["allowed"], o["status"]) for o in out] == [
        (True, "pending"),
        (False, "invalid"),
        (True, "not_listed"),
        (False, "invalid"),
        (True, "divestment"),
        (True, "not_covered"),
        (False, "prohibited"),
    ]
    assert out[1]["line"] == 2 and "malformed JSON" in out[1]["error"]
    assert out[2]["id"] == "order-2"
    assert out[3]["line"] == 4 and "'side'" in out[3]["error"]
    assert out[0]["entity_uid"] == 30923 and out[5]["entity_uid"] == 33114
    assert set(out[0]) >= {"allowed", "status", "reason", "entity_uid"}


def test_stdin_with_broken_listings_blocks_every_line_and_exits_2(tmp_path: Path) -> None:
    text = '{"security": "AAPL", "side": "buy"}\n{"security": "MSFT", "side": "sell"}\n'
    done = cli("--stdin", stdin=text, listings=tmp_path)
    assert done.returncode == 2
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(o["allowed"], o["status"]) for o in out] == [(False, "error"), (False, "error")]


STDIN = ("--stdin", "--max-age-days", FRESH)


def test_stdin_answers_each_line_before_the_next_arrives() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "portfolio_guard",
            "--listings",
            str(LISTINGS),
            "check-trade",
            *STDIN,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    assert proc.stdin is not None and proc.stdout is not None
    answers: queue.Queue[str] = queue.Queue()
    out = proc.stdout

    def pump() -> None:
        for answer in out:
            answers.put(answer)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        for security, expected in (("941 HK", "prohibited"), ("AAPL", "not_listed")):
            proc.stdin.write(
                json.dumps({"security": security, "side": "buy", "trade_date": "2023-01-03"}) + "\n"
            )
            proc.stdin.flush()
            assert json.loads(answers.get(timeout=30))["status"] == expected
    finally:
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0
        reader.join(timeout=5)
        proc.stdout.close()


class _Trickle(io.RawIOBase):
    """A source that hands over a few bytes per read, like a slow pipe."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data, self._pos, self._step = data, 0, step

    def readable(self) -> bool:
        return True

    def read1(self, size: int = -1) -> bytes:
        chunk = self._data[self._pos : self._pos + self._step]
        self._pos += len(chunk)
        return chunk

    def read(self, size: int = -1) -> bytes:
        return self.read1(size)


@pytest.fixture(scope="module")
def guard(listings: Listings) -> Guard:
    return Guard(listings, today=date(2026, 1, 10))


def run_stream(guard: Guard, data: bytes, step: int | None = None) -> list[dict[str, Any]]:
    src: Any = io.BytesIO(data) if step is None else _Trickle(data, step)
    dst = io.BytesIO()
    count = stream(guard, src, dst)
    out = [json.loads(line) for line in dst.getvalue().decode("utf-8").splitlines()]
    assert count == len(out)
    return out


@pytest.mark.parametrize("step", [None, 1, 7, 100])
def test_stream_edge_cases(guard: Guard, step: int | None) -> None:
    buy = b'{"security": "941 HK", "side": "buy"}'
    data = b"".join(
        [
            b"\xef\xbb\xbf" + buy + b"\r\n",  # 1: BOM and CRLF
            b"\n",  # 2: blank, no answer
            b'{"security": "\xff\xfe", "side": "buy"}\n',  # 3: not UTF-8
            b"[" * 60_000 + b"\n",  # 4: nested too deep
            b'["not", "an", "object"]\n',  # 5
            b'{"security": "AAPL", "side": "buy", "colour": "red"}\n',  # 6
            b'{"security": "AAPL", "side": "buy", "id": [1]}\n',  # 7
            buy,  # 8: no newline at the end
        ]
    )
    out = run_stream(guard, data, step)
    assert [o.get("line") for o in out] == [None, 3, 4, 5, 6, 7, None]
    assert out[0]["status"] == "prohibited" and out[-1]["status"] == "prohibited"
    assert "malformed JSON" in out[1]["error"]
    assert out[3]["error"] == "expected a JSON object"
    assert "unknown field(s) ['colour']" in out[4]["error"]
    assert "'id'" in out[5]["error"]


def test_stream_skips_an_over_long_line_and_goes_on(guard: Guard) -> None:
    long_line = b'{"security": "' + b"A" * (MAX_LINE_BYTES * 3) + b'", "side": "buy"}\n'
    data = long_line + b'{"security": "AAPL", "side": "buy"}\n'
    for step in (None, 4096):
        out = run_stream(guard, data, step)
        assert [o["status"] for o in out] == ["invalid", "not_listed"]
        assert out[0]["line"] == 1 and "over" in out[0]["error"]


# -- cold start ---------------------------------------------------------------------------

_PROBE = """
import json, sys
from portfolio_guard.cli import main
code = main(sys.argv[1:])
sys.stdout.flush()
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


@pytest.mark.parametrize("mode", ["one", "stdin"])
def test_cold_check_trade_imports_neither_pandas_nor_yfinance(mode: str) -> None:
    args = ["--listings", str(LISTINGS), "check-trade", "--max-age-days", FRESH]
    args += ["--stdin"] if mode == "stdin" else ["941 HK", "--side", "buy"]
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        input='{"security": "941 HK", "side": "buy"}\n',
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    probe = json.loads(done.stderr.strip().splitlines()[-1])
    assert probe["code"] == (1 if mode == "one" else 0), done.stdout
    assert "portfolio_guard.guard" in probe["modules"]
    heavy = [m for m in probe["modules"] if m.split(".")[0] in ("pandas", "yfinance", "numpy")]
    assert heavy == []
