"""Numbers as brokers write them.

``$1,234.56``, ``(1,823.33)``, ``+$0.57``, ``--``, ``12,34``, ``1.234,56``, ``3'863.58``.

One scalar parser (:func:`parse_number`) and one vectorised cleaner (:func:`to_numbers`) that share
the same grammar; a property test keeps them in agreement. Whether ``,`` is the decimal separator
is decided per column from the values themselves (:func:`guess_decimal`), falling back to what the
layout says, because a lone ``1,234`` is ambiguous: decide per column, not per cell.
"""

from __future__ import annotations

import math
import re
from typing import Any, Literal

import numpy as np
import pandas as pd

from portfolio_guard.errors import ParseError

Decimal = Literal[".", ","]

#: Cell values that mean "no value" rather than a malformed number (compared case-insensitively).
MISSING = frozenset(
    {"", "-", "--", "---", "-- --", "—", "–", "n/a", "na", "nan", "none", "null", "#n/a", "."}
)

# Invisible characters some exports (and hostile tests) put around numbers.
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060\xa0\u202f"
_NOISE_RE = re.compile(
    r"(?<=[\d.])\s*[A-Z]{3}$"  # a trailing currency code: "1234.12 EUR" (first, to win the space)
    r"|^[A-Z]{3}(?=\s*[-+(\d.,])"  # a leading one: "USD 1234.12"
    r"|[$€£¥%'’\s" + _INVISIBLE + r"]"  # currency signs, percent, apostrophe thousands, spaces
)
# Unambiguous on purpose ("\d+\.?\d*" would backtrack quadratically on a long run of digits).
_FINAL_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
#: Longer cells are not numbers; refusing them early keeps hostile input cheap.
MAX_NUMBER_LENGTH = 64
_NOISE_PATTERN = _NOISE_RE.pattern
_FINAL_PATTERN = _FINAL_RE.pattern

_COMMA_EVIDENCE = re.compile(r"\d,\d{1,2}$|\d,\d{4,}$|^[+-]?0,\d|\.\d{3},\d*$")
_DOT_EVIDENCE = re.compile(r"\d\.\d{1,2}$|\d\.\d{4,}$|^[+-]?0?\.\d|,\d{3}\.\d*$")


def _strip_sign_wrappers(text: str) -> tuple[str, bool]:
    """Remove accounting parentheses and a sign; return the magnitude text and whether negative."""
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    text = _NOISE_RE.sub("", text)
    if text[:1] in ("+", "-"):
        negative ^= text[0] == "-"
        text = text[1:]
    # "-$1.00" leaves "-1.00" after removing "$"; "$-120.00" too: one sign, wherever it sat.
    if text[:1] in ("+", "-"):
        negative ^= text[0] == "-"
        text = text[1:]
    return text, negative


def _apply_separators(text: str, decimal: Decimal | None) -> str:
    if "," in text and "." in text:
        # Both present: the last one is the decimal separator, whatever the column says.
        if text.rfind(",") > text.rfind("."):
            return text.replace(".", "").replace(",", ".")
        return text.replace(",", "")
    if "," in text:
        if decimal is None:
            head, _, tail = text.rpartition(",")
            decimal = "." if text.count(",") > 1 or (len(tail) == 3 and head) else ","
        return (
            text.replace(",", ".")
            if decimal == "," and text.count(",") == 1
            else text.replace(",", "")
        )
    if "." in text and (decimal == "," or text.count(".") > 1):
        return text.replace(".", "")
    return text


def parse_number(text: str, decimal: Decimal | None = None) -> float | None:
    """Read one broker-formatted number.

    Returns ``None`` for an empty cell or a "no value" marker (``--``, ``n/a``, ``N/A``, ``-``).
    ``decimal`` forces the decimal separator; left ``None``, a single comma followed by exactly
    three digits is a thousands separator (``1,234``) and otherwise a decimal comma (``12,34``).

    >>> parse_number("(1,823.33)"), parse_number("+$0.57"), parse_number("1.234,56")
    (-1823.33, 0.57, 1234.56)
    >>> parse_number("--") is None
    True

    Raises:
        ParseError: the text is neither a number nor a "no value" marker.
    """
    cleaned = text.strip(" \t\r\n" + _INVISIBLE)
    if cleaned.lower() in MISSING:
        return None
    if len(cleaned) > MAX_NUMBER_LENGTH:
        raise ParseError(f"{text[:40]!r}... is not a number")
    magnitude, negative = _strip_sign_wrappers(cleaned)
    if magnitude.lower() in MISSING and magnitude != cleaned:
        return None
    number = _apply_separators(magnitude, decimal)
    if not _FINAL_RE.fullmatch(number) or number[:1] in ("+", "-"):
        raise ParseError(f"{text!r} is not a number")
    value = float(number)
    if not math.isfinite(value):
        raise ParseError(f"{text!r} is out of range")
    return -value if negative else value


def guess_decimal(values: pd.Series) -> Decimal | None:
    """The decimal separator a column's values show, or None when they do not tell.

    Looks at up to 2,000 distinct values; each votes for ``,`` (``12,34``, ``1.234,5``) or ``.``
    (``12.34``, ``1,234.5``). Values such as ``1,234`` or ``100`` do not vote.
    """
    if values.dtype.kind in "biuf":
        return "."
    sample = pd.Series(values.dropna().unique()[:2000], dtype=object)
    sample = sample[sample.map(lambda v: isinstance(v, str))]
    if sample.empty:
        return None
    sample = sample[sample.str.len() <= MAX_NUMBER_LENGTH]
    text = sample.astype(str).str.replace(_NOISE_PATTERN, "", regex=True)
    comma = int(text.str.contains(_COMMA_EVIDENCE.pattern, regex=True).sum())
    dot = int(text.str.contains(_DOT_EVIDENCE.pattern, regex=True).sum())
    if comma > dot:
        return ","
    if dot > comma:
        return "."
    return None


def to_numbers(values: pd.Series, decimal: Decimal) -> tuple[pd.Series, pd.Series]:
    """Vectorised :func:`parse_number` over a column.

    Returns ``(numbers, invalid)``: float64 values (NaN where missing or invalid) and a boolean mask
    of cells that held text which is not a number, so the caller can report them.
    """
    index = values.index
    if values.dtype.kind in "biuf":
        floats = values.astype("float64")
        infinite = pd.Series(~np.isfinite(floats.to_numpy()) & floats.notna().to_numpy(), index)
        return floats.where(~infinite), infinite
    obj = values.astype(object)
    if isinstance(values.dtype, pd.StringDtype):
        is_text = values.notna().to_numpy(dtype=bool)
    else:
        is_text = obj.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    # Real numbers (a spreadsheet's cells, a parser's mixed column) pass through.
    numbers = pd.to_numeric(obj.where(~is_text), errors="coerce").astype("float64")
    numbers = numbers.where(np.isfinite(numbers.to_numpy()))
    invalid: np.ndarray[Any, Any] = ~is_text & obj.notna().to_numpy() & numbers.isna().to_numpy()
    if is_text.any():
        parsed, missing = _text_numbers(obj[is_text].astype("str"), decimal)
        numbers[is_text] = parsed.to_numpy()
        invalid[is_text] = ~missing.to_numpy(dtype=bool) & parsed.isna().to_numpy()
    return numbers.set_axis(index), pd.Series(invalid, index=index)


def _text_numbers(cells: pd.Series, decimal: Decimal) -> tuple[pd.Series, pd.Series]:
    """``(numbers, missing)`` for text cells: the steps of :func:`parse_number`, column-wise."""
    text = cells.str.strip(" \t\r\n" + _INVISIBLE)
    text = text.where(text.str.len() <= MAX_NUMBER_LENGTH, "x")  # too long: invalid, cheaply
    missing = text.str.lower().isin(MISSING)
    paren = text.str.startswith("(") & text.str.endswith(")")
    body = text.where(~paren, text.str.slice(1, -1))
    body = body.str.replace(_NOISE_PATTERN, "", regex=True)
    negative = paren.astype(bool)
    for _ in range(2):  # "-$1.00" and "$-1.00" both leave one sign after the noise is gone
        sign = body.str.slice(0, 1)
        has_sign = sign.isin(["+", "-"]).astype(bool)
        negative = negative ^ (sign == "-").astype(bool)
        body = body.where(~has_sign, body.str.slice(1))
    missing = missing | (body.str.lower().isin(MISSING) & ~(body == text))
    has_comma = body.str.contains(",", regex=False).astype(bool)
    has_dot = body.str.contains(".", regex=False).astype(bool)
    both = has_comma & has_dot
    comma_last = both & (body.str.rfind(",") > body.str.rfind("."))
    if decimal == ",":
        comma_decimal = comma_last | (~both & (body.str.count(",") == 1))
        drop_dots = comma_decimal | (~both & has_dot)
    else:
        comma_decimal = comma_last
        drop_dots = comma_last | (~both & (body.str.count(r"\.") > 1))
    body = body.where(~drop_dots, body.str.replace(".", "", regex=False))
    body = body.where(~comma_decimal, body.str.replace(",", ".", regex=False))
    body = body.str.replace(",", "", regex=False)
    well_formed = body.str.fullmatch(_FINAL_PATTERN).fillna(False).astype(bool)
    well_formed &= ~body.str.slice(0, 1).isin(["+", "-"]).astype(bool)
    parsed = pd.to_numeric(body.where(well_formed), errors="coerce").astype("float64")
    parsed = parsed.where(np.isfinite(parsed.to_numpy()))
    return parsed.where(~negative, -parsed), missing.astype(bool)
