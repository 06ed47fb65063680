"""Argument parsing shared by commands."""

from __future__ import annotations

from datetime import date

from portfolio_guard.errors import InputError


def parse_as_of(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"--as-of {text!r} is not a date; use YYYY-MM-DD") from None
