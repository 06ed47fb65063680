"""What a read returns: the normalised position table and an account of every line left out."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from portfolio_guard.holdings.columnar import CodedColumns

#: The normalised columns, in order.
COLUMNS: tuple[str, ...] = (
    "account",
    "symbol",
    "description",
    "isin",
    "cusip",
    "sedol",
    "figi",
    "exchange",
    "currency",
    "quantity",
    "price",
    "market_value",
    "asset_type",
    "source_line",
)
NUMBER_COLUMNS: tuple[str, ...] = ("quantity", "price", "market_value")
#: Cells that hold no value whatever the column (compared lower-cased). Not "na" or "none":
#: those are tickers too.
NO_VALUE = frozenset({"", "-", "--", "---", "-- --", "n/a", "#n/a", "nan"})

#: Values of ``asset_type`` (None when the file does not say). ``cash`` rows (sweep cash,
#: money-market funds) are never securities.
ASSET_TYPES: tuple[str, ...] = (
    "equity",
    "etf",
    "fund",
    "bond",
    "option",
    "future",
    "warrant",
    "crypto",
    "cash",
)


@dataclass(frozen=True)
class Skipped:
    """A physical line (1-based; a sheet row for a spreadsheet) that did not become a position."""

    line: int
    reason: str


@dataclass
class Holdings:
    """Positions read from one file.

    Every non-blank line after the layout's header rows is either a row of ``frame`` or listed in
    ``skipped``, so ``len(frame) + len(skipped) == rows_read``. ``warnings`` points at kept rows
    with a cell that could not be read (a quantity that is not a number, a bad check digit).
    ``coded`` gives the text columns as codes into their distinct values (row for row with
    ``frame``), for work done once per distinct value; None when not available.
    """

    frame: pd.DataFrame
    layout: str
    path: str
    skipped: list[Skipped] = field(default_factory=list)
    rows_read: int = 0
    warnings: list[Skipped] = field(default_factory=list)
    coded: CodedColumns | None = field(default=None, repr=False, compare=False)

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: numbers as numbers, missing values as ``None``."""
        return {
            "layout": self.layout,
            "path": self.path,
            "rows_read": self.rows_read,
            "holdings": frame_records(self.frame),
            "skipped": [{"line": s.line, "reason": s.reason} for s in self.skipped],
            "warnings": [{"line": w.line, "reason": w.reason} for w in self.warnings],
        }


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a normalised frame as plain dicts (float, int, str or None)."""
    records: list[dict[str, Any]] = []
    columns = list(frame.columns)
    for values in frame.itertuples(index=False, name=None):
        record: dict[str, Any] = {}
        for name, value in zip(columns, values, strict=True):
            if value is None or (isinstance(value, float) and math.isnan(value)):
                record[name] = None
            elif name == "source_line":
                record[name] = int(value)
            elif name in NUMBER_COLUMNS:
                record[name] = float(value)
            else:
                record[name] = str(value)
        records.append(record)
    return records
