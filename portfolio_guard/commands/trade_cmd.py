"""``portfolio-guard check-trade``: one decision, or a JSON-lines stream with ``--stdin``.

Imports neither pandas nor yfinance: this sits on an order path.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from portfolio_guard.errors import InputError
from portfolio_guard.guard import Decision, Guard

EXIT_ALLOWED, EXIT_BLOCKED, EXIT_ERROR = 0, 1, 2
STREAM_KEYS = frozenset({"security", "side", "trade_date", "purpose", "us_person"})


def _guard(args: argparse.Namespace) -> Guard:
    return Guard.load(args.listings, max_age_days=args.max_age_days)


def run(args: argparse.Namespace) -> int:
    guard = _guard(args)
    if args.stdin:
        if args.security is not None:
            raise InputError("give either SECURITY or --stdin, not both")
        stream(guard, sys.stdin, sys.stdout)
        return EXIT_ALLOWED
    if args.security is None:
        raise InputError("give a SECURITY (ticker, ISIN, CUSIP, FIGI) or --stdin")
    if args.side is None:
        raise InputError("--side buy|sell is required")
    security: Any = args.security
    if args.exchange or args.description or args.currency:
        security = {
            "symbol": args.security,
            "exchange": args.exchange,
            "currency": args.currency,
            "description": args.description,
        }
    if args.date is not None:
        from portfolio_guard.rules import eastern_trade_date

        try:
            eastern_trade_date(args.date)
        except ValueError:
            raise InputError(
                f"--date {args.date!r} is not an ISO date or datetime (YYYY-MM-DD[THH:MM[+HH:MM]])"
            ) from None
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
    return EXIT_ALLOWED if decision.allowed else EXIT_BLOCKED


def _error(line: int, message: str) -> str:
    return json.dumps(
        {"allowed": False, "status": "error", "error": message, "line": line},
        ensure_ascii=False,
    )


def decide_object(guard: Guard, obj: Any) -> Decision | str:
    """One request object → a Decision, or an error message."""
    if not isinstance(obj, dict):
        return "expected a JSON object"
    unknown = set(obj) - STREAM_KEYS
    if unknown:
        return f"unknown field(s) {sorted(unknown)}; expected {sorted(STREAM_KEYS)}"
    security = obj.get("security")
    if not isinstance(security, (str, dict)) or not security:
        return "'security' must be a non-empty string or an object"
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
    if trade_date is not None and not isinstance(trade_date, str):
        return "'trade_date' must be an ISO date or datetime string"
    return guard.check_trade(security, side, trade_date, purpose, us_person)


def _out(decision: Decision) -> str:
    return json.dumps(
        {
            "allowed": decision.allowed,
            "status": decision.status,
            "reason": decision.reason,
            "entity_uid": decision.entity_uid,
            "entity_name": decision.entity_name,
            "rule": decision.rule,
        },
        ensure_ascii=False,
    )


def stream(guard: Guard, src: TextIO, dst: TextIO) -> int:
    """JSON lines in, one JSON line out per input line, in order; bad lines get an error."""
    count = 0
    for n, line in enumerate(src, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            dst.write(_error(n, f"malformed JSON: {exc.msg} at column {exc.colno}") + "\n")
        else:
            result = decide_object(guard, obj)
            dst.write((_out(result) if isinstance(result, Decision) else _error(n, result)) + "\n")
        count += 1
        # An order system waits for each answer before sending the next line: flush each.
        dst.flush()
    dst.flush()
    return count
