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


def parse_columns(text: str | None) -> dict[str, str] | None:
    """``'Ticker Code=symbol,Nom=description'`` → mapping of file header to our column."""
    if not text:
        return None
    out: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise InputError(
                f"--columns entry {part!r} has no '='; write 'Header in file=column', "
                "e.g. 'Ticker Code=symbol'"
            )
        header, column = part.split("=", 1)
        out[header.strip()] = column.strip()
    return out
