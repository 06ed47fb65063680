"""``portfolio-guard check-trade``: one decision, or a JSON-lines stream with ``--stdin``.

Imports neither pandas nor yfinance: this sits on an order path. Exit codes: 0 allowed, 1
blocked by the rules (prohibited, divestment-only, review), 2 error (bad request, or listings
missing, corrupt or stale: the trade is blocked and the tool needs attention).

The stream answers each input line with one output line, in order, and flushes whenever it
has answered everything it has read, so a caller may send one line and wait for its answer.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, BinaryIO

from portfolio_guard.errors import InputError
from portfolio_guard.guard import Decision, Guard, RequestError, parse_trade_date

EXIT_ALLOWED, EXIT_BLOCKED, EXIT_ERROR = 0, 1, 2
STREAM_KEYS = frozenset({"security", "side", "trade_date", "purpose", "us_person", "id"})
MAX_LINE_BYTES = 64 * 1024
_CHUNK = 64 * 1024


def exit_code(decision: Decision) -> int:
    if decision.allowed:
        return EXIT_ALLOWED
    return EXIT_ERROR if decision.status in ("error", "invalid") else EXIT_BLOCKED


def run(args: argparse.Namespace) -> int:
    if args.stdin:
        if args.security is not None:
            raise InputError("give either SECURITY or --stdin, not both")
        guard = Guard.load(args.listings, max_age_days=args.max_age_days)
        stream(guard, sys.stdin.buffer, sys.stdout.buffer)
        # Every line was answered (blocked) either way; 2 says the data needs attention.
        return EXIT_ERROR if guard.failure is not None else EXIT_ALLOWED
    if args.security is None:
        raise InputError("give a SECURITY (ticker, ISIN, CUSIP, FIGI or name) or --stdin")
    if args.side is None:
        raise InputError("--side buy|sell is required")
    if args.date is not None:
        try:
            parse_trade_date(args.date)
        except RequestError as exc:
            raise InputError(str(exc).replace("trade_date", "--date", 1)) from None
    security: Any = args.security
    if args.exchange or args.description or args.currency:
        security = {
            "symbol": args.security,
            "exchange": args.exchange,
            "currency": args.currency,
            "description": args.description,
        }
    guard = Guard.load(args.listings, max_age_days=args.max_age_days)
    decision = guard.check_trade(
        security,
        args.side,
        trade_date=args.date,
        purpose=args.purpose,
        us_person=not args.non_us_person,
    )
    if args.format == "json":
        print(json.dumps(decision.to_dict(), ensure_ascii=False))
    else:
        verdict = "ALLOWED" if decision.allowed else "BLOCKED"
        print(f"{verdict} ({decision.status}): {decision.reason}")
        print(f"rule: {decision.rule}")
        as_of = guard.listings.as_of if guard.listings is not None else None
        print(f"listings: {decision.listings_version or '-'} (as of {as_of or 'unknown'})")
    return exit_code(decision)


def decide_object(guard: Guard, obj: Any) -> Decision | str:
    """One request object → a Decision, or why the request cannot be read."""
    if not isinstance(obj, dict):
        return "expected a JSON object"
    unknown = obj.keys() - STREAM_KEYS
    if unknown:
        return f"unknown field(s) {sorted(unknown)}; expected {sorted(STREAM_KEYS)}"
    security = obj.get("security")
    if not isinstance(security, str | dict) or not security:
        return "'security' must be a non-empty string or object"
    side = obj.get("side")
    if side not in ("buy", "sell"):
        return "'side' must be 'buy' or 'sell'"
    us_person = obj.get("us_person", True)
    if not isinstance(us_person, bool):
        return "'us_person' must be true or false"
    purpose = obj.get("purpose")
    if purpose not in (None, "divest"):
        return "'purpose' must be null or 'divest'"
    trade_date = obj.get("trade_date")
    if trade_date is not None:
        if not isinstance(trade_date, str):
            return "'trade_date' must be an ISO date or datetime string"
        try:
            parse_trade_date(trade_date)
        except RequestError as exc:
            return str(exc)
    decision = guard.check_trade(security, side, trade_date, purpose, us_person)
    if decision.status == "invalid":
        return decision.reason.removeprefix("blocked: ")
    return decision


def error_object(message: str, line: int | None = None, request_id: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {"allowed": False, "status": "invalid", "error": message}
    if line is not None:
        out["line"] = line
    if request_id is not None:
        out["id"] = request_id
    return out


def decision_object(decision: Decision, request_id: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "allowed": decision.allowed,
        "status": decision.status,
        "reason": decision.reason,
        "entity_uid": decision.entity_uid,
        "entity_name": decision.entity_name,
        "rule": decision.rule,
        "listings_version": decision.listings_version,
    }
    if request_id is not None:
        out["id"] = request_id
    return out


class _Answerer:
    """Turns one raw input line into one output line; remembers the text of each Decision."""

    def __init__(self, guard: Guard) -> None:
        self.guard = guard
        self._text: dict[tuple[int | None, Decision], str] = {}

    def __call__(self, raw: bytes, line: int) -> str:
        try:
            obj = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            # ValueError covers JSONDecodeError and bad UTF-8.
            msg = exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
            where = f" at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
            return _dump(error_object(f"malformed JSON: {msg}{where}", line))
        request_id = obj.get("id") if isinstance(obj, dict) else None
        if request_id is not None and not isinstance(request_id, str | int):
            return _dump(error_object("'id' must be a string or an integer", line))
        result = decide_object(self.guard, obj)
        if isinstance(result, str):
            return _dump(error_object(result, line, request_id))
        if request_id is not None:
            return _dump(decision_object(result, request_id))
        key = (result.entity_uid, result)
        text = self._text.get(key)
        if text is None:
            text = _dump(decision_object(result))
            if len(self._text) > 10_000:
                self._text.clear()
            self._text[key] = text
        return text


def _dump(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False) + "\n"


def stream(guard: Guard, src: BinaryIO, dst: BinaryIO) -> int:
    """JSON lines in, one JSON line out per non-blank input line, in order; returns the count.

    A line that is not JSON, not a request, or over MAX_LINE_BYTES gets an error object naming
    its line number, and the stream goes on.
    """
    answer = _Answerer(guard)
    read = getattr(src, "read1", src.read)
    pending = b""
    skipping = False  # inside an over-long line: drop bytes up to its end
    line = count = 0
    while True:
        chunk = read(_CHUNK)
        if not chunk:
            break
        if skipping:
            cut = chunk.find(b"\n")
            if cut < 0:
                continue
            chunk, skipping = chunk[cut + 1 :], False
        parts = (pending + chunk).split(b"\n")
        pending = parts.pop()
        out = []
        for raw in parts:
            line += 1
            if raw.strip():
                out.append(answer(_strip_bom(raw, line), line))
        if len(pending) > MAX_LINE_BYTES:
            line += 1
            out.append(_dump(error_object(f"line over {MAX_LINE_BYTES} bytes", line)))
            pending, skipping = b"", True
        if out:
            count += len(out)
            dst.write("".join(out).encode("utf-8"))
            dst.flush()
    if pending.strip() and not skipping:
        line += 1
        dst.write(answer(_strip_bom(pending, line), line).encode("utf-8"))
        count += 1
    dst.flush()
    return count


def _strip_bom(raw: bytes, line: int) -> bytes:
    return raw[3:] if line == 1 and raw.startswith(b"\xef\xbb\xbf") else raw
