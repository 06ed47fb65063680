"""Rendering ``portfolio-guard read`` output, so the CLI only parses options and prints.

``render(holdings, "json")`` gives ``{"layout", "path", "rows_read", "holdings", "skipped",
"warnings"}``; ``"csv"`` the normalised frame; ``"table"`` a terminal table with the skipped lines
summarised below it. ``parse_columns_option`` reads
``--columns "Wertpapier=description,Stk.=quantity"``.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from typing import Literal

from portfolio_guard.errors import InputError
from portfolio_guard.holdings.model import COLUMNS, Holdings, frame_records
from portfolio_guard.holdings.reader import read_holdings

Format = Literal["table", "json", "csv"]
FORMATS: tuple[str, ...] = ("table", "json", "csv")
_TABLE_COLUMNS = ("account", "symbol", "isin", "cusip", "description", "quantity", "market_value",
                  "asset_type", "source_line")  # fmt: skip


def parse_columns_option(text: str) -> dict[str, str]:
    """``"Header=column,Other Header=column"`` to a mapping (a header may hold ``=`` if quoted).

    Raises:
        InputError: a pair without ``=``.
    """
    mapping: dict[str, str] = {}
    for pair in next(csv.reader([text], skipinitialspace=True), []):
        if not pair.strip():
            continue
        header, sep, column = pair.rpartition("=")
        if not sep or not header.strip() or not column.strip():
            raise InputError(f"--columns: {pair!r} is not HEADER=column")
        mapping[header.strip()] = column.strip()
    return mapping


def read_command(
    path: str, broker: str | None = None, columns: str | None = None, fmt: Format = "table"
) -> str:
    """Everything ``portfolio-guard read`` prints, from its raw options.

    Raises:
        PortfolioGuardError: from reading (``UnknownFormatError`` and kin: the CLI exits 2).
    """
    mapping = parse_columns_option(columns) if columns else None
    return render(read_holdings(path, broker=broker, columns=mapping), fmt)


def render(holdings: Holdings, fmt: Format = "table", width: int | None = None) -> str:
    """The ``read`` command's output in ``fmt``.

    Raises:
        InputError: an unknown format.
    """
    if fmt == "json":
        return json.dumps(holdings.to_json_dict(), indent=2, ensure_ascii=False, allow_nan=False)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for record in frame_records(holdings.frame):
            writer.writerow(["" if record[c] is None else record[c] for c in COLUMNS])
        return out.getvalue()
    if fmt == "table":
        return _table(holdings, width)
    raise InputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def _table(holdings: Holdings, width: int | None) -> str:
    from rich.console import Console  # imported here: json and csv output do not need rich
    from rich.table import Table

    table = Table(title=f"{holdings.path} — {holdings.layout}, {len(holdings.frame)} positions")
    for name in _TABLE_COLUMNS:
        numeric = name in ("quantity", "market_value", "source_line")
        table.add_column(
            "line" if name == "source_line" else name, justify="right" if numeric else "left"
        )
    for record in frame_records(holdings.frame):
        table.add_row(*(_cell(record[name], name) for name in _TABLE_COLUMNS))
    console = Console(file=io.StringIO(), width=width or 160, record=True, color_system=None)
    console.print(table)
    reasons = Counter(s.reason for s in holdings.skipped)
    lines = [f"{holdings.rows_read} rows read, {len(holdings.skipped)} skipped"]
    lines += [f"  {count} x {reason}" for reason, count in reasons.most_common()]
    lines += [f"  warning, line {w.line}: {w.reason}" for w in holdings.warnings]
    return console.export_text() + "\n".join(lines) + "\n"


def _cell(value: object, name: str) -> str:
    if value is None:
        return ""
    if name == "market_value" and isinstance(value, float):
        return f"{value:,.2f}"
    if name == "quantity" and isinstance(value, float):
        return f"{value:,.6f}".rstrip("0").rstrip(".")
    return str(value)
