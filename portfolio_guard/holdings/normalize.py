"""Raw cells to the normalised columns, vectorised: one code path for every layout and for
DataFrames users already hold.

Per-value work (symbol classification, check digits, label mapping) runs once per distinct value
(``columnar.map_uniques``), so cost follows the number of distinct securities, not of rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from stdnum import cusip as _cusip
from stdnum import figi as _figi
from stdnum import luhn as _luhn
from stdnum.gb import sedol as _sedol

from portfolio_guard.holdings.columnar import Array, Column, factorize, fill, map_uniques, spread
from portfolio_guard.holdings.model import COLUMNS, NO_VALUE, NUMBER_COLUMNS, Skipped
from portfolio_guard.holdings.numbers import Decimal, guess_decimal, to_numbers
from portfolio_guard.holdings.symbols import (
    SYMBOL_FIELDS,
    asset_type_from_label,
    clean_text,
    identify,
    is_cash_text,
    looks_like_bond,
    symbol_fields,
)

NO_IDENTIFIER = "no symbol, identifier or description"
NO_AMOUNT = "no quantity or value"
_ISIN_SHAPE = re.compile(r"[A-Z]{2}[A-Z0-9]{9}[0-9]")


# ISIN letters as the two digits the check-digit scheme reads them as (A = 10 ... Z = 35).
_ISIN_DIGITS = str.maketrans({chr(ord("A") + i): str(10 + i) for i in range(26)})


def _isin_check_digit_ok(value: str) -> bool:
    # The ISIN check digit is the Luhn digit of the code with its letters spelled as numbers:
    # stdnum's arithmetic without its re-cleaning, country lookup and per-character
    # conversion, since a column of ISINs can hold tens of thousands of distinct values.
    return bool(_ISIN_SHAPE.fullmatch(value)) and _luhn.checksum(value.translate(_ISIN_DIGITS)) == 0


_CHECKS: dict[str, Callable[[str], bool]] = {
    "isin": _isin_check_digit_ok,
    "cusip": _cusip.is_valid,
    "sedol": _sedol.is_valid,
    "figi": _figi.is_valid,
}
_MONEY_RE = re.compile(r"(?P<ccy>[A-Z]{3})(?:\s+(?P<amount>.*))?")
_IDENTIFIERS = ("isin", "cusip", "sedol", "figi")
_NO_SYMBOL: tuple[None, ...] = (None,) * len(SYMBOL_FIELDS)


@dataclass
class Normalised:
    """A normalised frame before rows without data are set aside."""

    frame: pd.DataFrame
    has_id: Array
    has_amount: Array
    warnings: list[Skipped] = field(default_factory=list)
    # The text columns as built (with their codes where spread from distinct values).
    columns: dict[str, Column | None] = field(default_factory=dict)


def clean_cell(value: Any) -> str | None:
    """A trimmed text cell, or None for an empty or "no value" cell."""
    if not isinstance(value, str):
        return None
    text = clean_text(value)
    return None if text.lower() in NO_VALUE else text


def _compact_identifier(value: Any) -> str | None:
    if isinstance(value, str) and value.isalnum() and value.isupper():
        return value  # already compact: the common case, worth skipping the regex for
    text = clean_cell(value)
    return None if text is None else re.sub(r"[\s-]", "", text).upper()


class _Builder:
    """Reads columns out of ``raw`` the cheapest way each allows."""

    def __init__(self, raw: pd.DataFrame, cleaned: Collection[str]) -> None:
        self.raw = raw
        self.cleaned = cleaned
        self.n = len(raw)

    def series(self, name: str) -> pd.Series | None:
        return self.raw[name] if name in self.raw.columns else None

    def text(self, name: str, func: Callable[[Any], Any] = clean_cell) -> Column | None:
        column = self.series(name)
        if column is None:
            return None
        if name in self.cleaned:  # already trimmed, "no value" markers already NA (as NaN)
            return Column(column.to_numpy(object))
        return spread(*map_uniques(column, func))


def normalise(
    raw: pd.DataFrame,
    decimal: Decimal | None,
    fallback: Decimal,
    cleaned: Collection[str] = (),
    check_digits: bool = True,
) -> Normalised:
    """Normalise raw cells named by target (``symbol``, ``quantity``, ``_type`` ...).

    ``raw`` may also hold ``source_line``, ``_account_label`` (account from a label line),
    ``_hint`` (asset type from a section title) and ``_cash`` (a layout's cash rule matched).
    ``decimal`` is the layout's separator, used for a column whose values do not tell; columns named
    in ``cleaned`` are taken as already trimmed. ``check_digits=False`` skips the warnings about
    identifiers whose check digit is wrong.
    """
    build = _Builder(raw, cleaned)
    n = build.n
    lines = (
        raw["source_line"].to_numpy(dtype="int64")
        if "source_line" in raw.columns
        else np.arange(1, n + 1, dtype="int64")
    )
    warnings: list[Skipped] = []
    symbol_raw = build.series("symbol")
    infos: tuple[Array, Array] | None = None
    if symbol_raw is not None:
        # What each distinct symbol cell holds, one row of SYMBOL_FIELDS per value (the last
        # row, code -1, all None): each part below is one column of it.
        symbol_codes, symbols = factorize(symbol_raw)
        table = np.array(
            [
                *(symbol_fields(v) if isinstance(v, str) else _NO_SYMBOL for v in symbols),
                _NO_SYMBOL,
            ],
            dtype=object,
        )
        infos = symbol_codes, table

    def part(attr: str) -> Column | None:
        if infos is None:
            return None
        codes, table = infos
        return spread(codes, np.ascontiguousarray(table[:, SYMBOL_FIELDS.index(attr)]))

    out: dict[str, Column | None] = {"symbol": part("symbol")}
    secid = build.series("_secid")
    found = (
        None
        if secid is None
        else map_uniques(secid, lambda v: identify(v) if isinstance(v, str) else None)
    )
    for kind in _IDENTIFIERS:
        explicit = build.series(kind)
        column = None
        if explicit is not None:
            codes, compact = map_uniques(explicit, _compact_identifier)
            if check_digits:
                warnings += _check_digits(kind, codes, compact, lines)
            column = spread(codes, compact)
        column = fill(column, part(kind))
        if found is not None:
            per_unique = np.array([getattr(f, kind) if f else None for f in found[1]], dtype=object)
            column = fill(column, spread(found[0], per_unique))
        out[kind] = column
    out["description"] = fill(build.text("description"), part("description"))
    out["account"] = fill(build.text("account"), build.text("_account_label", _label))
    out["exchange"] = fill(build.text("exchange"), part("exchange"))
    out["currency"] = build.text("currency")

    money = build.series("_money")
    money_amount: pd.Series | None = None
    if money is not None:
        codes, split = map_uniques(money, _split_money)
        currencies = np.array([s[0] if s else None for s in split], dtype=object)
        out["currency"] = fill(out["currency"], spread(codes, currencies))
        amounts = np.array([s[1] if s else None for s in split], dtype=object)[codes]
        money_amount = pd.Series(amounts, index=raw.index, dtype=object)

    numbers: dict[str, Array] = {}
    has_amount = np.zeros(n, dtype=bool)
    for name in NUMBER_COLUMNS:
        cells = build.series(name)
        if name == "market_value" and money_amount is not None and money_amount.notna().any():
            # Degiro's older layout: "USD 1234.12" in one cell is the local value.
            cells = (
                money_amount if cells is None else money_amount.where(money_amount.notna(), cells)
            )
        if cells is None:
            numbers[name] = np.full(n, np.nan)
            continue
        parsed, invalid = to_numbers(cells, guess_decimal(cells) or decimal or fallback)
        numbers[name] = parsed.to_numpy(dtype="float64")
        bad = invalid.to_numpy()
        has_amount |= ~np.isnan(numbers[name]) | bad
        warnings += [
            Skipped(int(lines[i]), f"{name} {clean_text(str(cells.iloc[i]))!r} is not a number")
            for i in np.flatnonzero(bad)
        ]

    asset_type = _asset_types(build, out, part("asset_type"))
    has_id = np.zeros(n, dtype=bool)
    for name in ("symbol", *_IDENTIFIERS, "description"):
        column = out[name]
        if column is not None and not has_id.all():
            has_id |= column.present
    frame = _frame(out, numbers, asset_type, lines, raw.index)
    return Normalised(frame, has_id, has_amount, sorted(warnings, key=lambda w: w.line), out)


def _frame(
    out: dict[str, Column | None],
    numbers: dict[str, Array],
    asset_type: Array | None,
    lines: Array,
    index: pd.Index,
) -> pd.DataFrame:
    n = len(lines)
    series: dict[str, pd.Series] = {}
    absent: pd.Series | None = None
    for name in COLUMNS:
        if name in NUMBER_COLUMNS:
            values: Array = numbers[name]
        elif name == "source_line":
            values = lines
        elif name == "asset_type" and asset_type is not None:
            values = asset_type
        else:
            column = None if name == "asset_type" else out.get(name)
            if column is None:
                # The columns a file lacks share one array of Nones: fresh memory is dear on a
                # million rows, and copy-on-write gives a column its own the moment it is set.
                if absent is None:
                    absent = pd.Series(_nones(n), index=index, copy=False, dtype=object)
                series[name] = absent.copy(deep=False)
                continue
            values = column.values
        series[name] = pd.Series(values, index=index, copy=False, dtype=values.dtype)
    return pd.DataFrame(series, copy=False)


def _nones(n: int) -> Array:
    """``n`` Nones. NumPy fills every new object array with None; ``np.full(n, None)`` does the
    same through its casting machinery, ten times slower on a million rows."""
    return np.empty(n, dtype=object)


def _label(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _split_money(value: Any) -> tuple[str | None, str | None] | None:
    text = clean_cell(value)
    if text is None:
        return None
    match = _MONEY_RE.fullmatch(text)
    if match:
        return match["ccy"], match["amount"]
    return None, text


def _check_digits(kind: str, codes: Array, values: Array, lines: Array) -> list[Skipped]:
    bad = [i for i, value in enumerate(values) if value is not None and not _CHECKS[kind](value)]
    if not bad:
        return []
    rows = np.flatnonzero(np.isin(codes, bad))
    return [
        Skipped(int(lines[i]), f"{kind} {values[codes[i]]!r} fails its check digit") for i in rows
    ]


def _asset_types(
    build: _Builder, out: dict[str, Column | None], shape: Column | None
) -> Array | None:
    """Each row's asset type, or None when no row has one."""
    n = build.n
    label: Column | None = None
    for name in ("_type", "_category"):
        label = fill(
            label,
            build.text(name, lambda v: asset_type_from_label(v) if isinstance(v, str) else None),
        )
    hint = build.text("_hint", _label)
    kinds: Array | None = None  # made on the first type set: most exports never set one

    def put(where: Array, value: Any) -> None:
        nonlocal kinds
        if not (where.any() if where.dtype == bool else where.size):
            return
        if kinds is None:
            kinds = _nones(n)
        kinds[where] = value

    # Lowest priority first: each later assignment overrides.
    symbol = out["symbol"]
    no_symbol = np.ones(n, dtype=bool) if symbol is None else ~symbol.present
    description = out["description"]
    text_cash = np.zeros(n, dtype=bool)
    rows = np.flatnonzero(no_symbol) if description is not None else np.zeros(0, dtype=np.intp)
    if description is not None and rows.size:
        texts = description.values[rows]
        rows, texts = rows[~pd.isna(texts)], texts[~pd.isna(texts)]
        bond = np.fromiter((looks_like_bond(t) for t in texts), dtype=bool, count=len(rows))
        put(rows[bond], "bond")
        cash = np.fromiter((is_cash_text(t) for t in texts), bool, len(rows))
        text_cash[rows[cash]] = True
    for column in (shape, hint, label):
        if column is not None:
            rows = np.flatnonzero(column.present)
            put(rows, column.values[rows])
    if shape is not None:
        put(shape.equals("option"), "option")
        text_cash |= shape.equals("cash")
    if label is not None:
        text_cash |= label.equals("cash")
    if "_cash" in build.raw.columns:
        text_cash |= build.raw["_cash"].fillna(False).to_numpy(dtype=bool)
    put(text_cash, "cash")
    return kinds


def select_positions(
    result: Normalised, needs_amount: bool
) -> tuple[pd.DataFrame, list[Skipped], Array | None]:
    """Set aside rows with nothing to screen: no identifier, or no amount where amounts exist.

    Also returns the rows kept (a boolean mask), or None when all are.
    """
    keep = result.has_id & result.has_amount if needs_amount else result.has_id
    if keep.all():
        return result.frame, [], None
    frame = result.frame
    lines = frame["source_line"].to_numpy()
    skipped = [
        Skipped(int(line), NO_IDENTIFIER if not ident else NO_AMOUNT)
        for line, ident in zip(lines[~keep], result.has_id[~keep], strict=True)
    ]
    return frame[keep], skipped, keep
