"""``read_holdings`` and ``normalize_frame``: the package's entry points."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pandas as pd

from portfolio_guard.errors import ParseError, UnknownFormatError
from portfolio_guard.holdings.columnar import CodedColumns
from portfolio_guard.holdings.columns import (
    header_keys,
    is_positions_table,
    recognise,
    user_mapping,
)
from portfolio_guard.holdings.detect import DETECT_ROWS, Choice, choose_layout
from portfolio_guard.holdings.engine import Extract, extract
from portfolio_guard.holdings.fast import read_fast
from portfolio_guard.holdings.model import COLUMNS, NUMBER_COLUMNS, Holdings, Skipped
from portfolio_guard.holdings.normalize import normalise, select_positions
from portfolio_guard.holdings.numbers import Decimal
from portfolio_guard.holdings.source import (
    Source,
    fallback_encoding,
    head_records,
    open_source,
    sheet_names,
    text_records,
    xlsx_records,
)

_AMOUNT_TARGETS = frozenset({*NUMBER_COLUMNS, "_money"})


def read_holdings(
    path: str | Path,
    broker: str | None = None,
    columns: Mapping[str, str] | None = None,
    *,
    check_digits: bool = True,
) -> Holdings:
    """Read a brokerage positions export (CSV or .xlsx) into normalised positions.

    Args:
        path: the file.
        broker: force a broker (``fidelity``, ``schwab``, ``generic``...) or one layout
            (``schwab-2025``) instead of detecting it.
        columns: ``{header in the file: column}`` for headers the reader cannot recognise,
            e.g. ``{"Wertpapier": "description", "Stk.": "quantity"}``.
        check_digits: False leaves out the warnings about identifiers with a wrong check digit
            (the rows are the same; screening, which does not report them, skips the work).

    Raises:
        UnknownFormatError: not a layout the reader knows and no recognisable columns (the
            message lists the columns found and how to map them), or an empty or binary file.
        ParseError: a known layout broken inside.
        InputError: unreadable or too large file, or a bad ``broker``/``columns`` value.
    """
    user = user_mapping(columns)
    source = open_source(path)
    if source.kind == "xlsx":
        return _read_xlsx(source, broker, user, check_digits)
    head = head_records(source)
    choice = choose_layout(head, broker, user, source.path)
    fallback: Decimal = "," if source.delimiter == ";" else "."
    if choice.spec.broker == "generic" and choice.header_line is not None:
        fast = read_fast(source, head, choice.header_line, choice.header_cells, user, fallback)
        if fast is not None:
            return _finish(source.path, choice, fast.raw, fast.skipped, fast.rows_read,
                           fast.targets, fallback, fast.cleaned, check_digits)  # fmt: skip
    found = _extract_text(source, choice, user)
    return _from_extract(source.path, choice, found, fallback, check_digits=check_digits)


def _extract_text(source: Source, choice: Choice, user: Mapping[str, str]) -> Extract:
    """Run the row engine, switching encoding if a byte past the head is not valid in the first."""
    encoding: str | None = source.encoding
    while encoding is not None:
        try:
            return extract(text_records(replace(source, encoding=encoding)), choice.spec, user)
        except UnicodeDecodeError as exc:
            if fallback_encoding(encoding) is None:
                raise ParseError(f"not readable as text: {exc}", source.path) from exc
            encoding = fallback_encoding(encoding)
    raise ParseError("not readable as text", source.path)


def _read_xlsx(
    source: Source, broker: str | None, user: Mapping[str, str], check_digits: bool
) -> Holdings:
    errors: list[UnknownFormatError] = []
    sheets = sheet_names(source)
    for sheet in sheets:
        records = xlsx_records(source, sheet)
        try:
            head = list(itertools.islice(records, DETECT_ROWS))
        finally:
            records.close()
        try:
            choice = choose_layout(head, broker, user, source.path, "generic-xlsx")
        except UnknownFormatError as exc:
            errors.append(exc)
            continue
        found = extract(xlsx_records(source, sheet), choice.spec, user)
        # Spreadsheet cells hold real numbers, written back with a "." decimal.
        return _from_extract(
            source.path, choice, found, ".", sheet_decimal=True, check_digits=check_digits
        )
    if len(errors) == 1 or not errors:
        raise errors[0] if errors else UnknownFormatError("the workbook has no sheets", source.path)
    raise UnknownFormatError(
        f"no sheet holds positions ({', '.join(repr(s) for s in sheets)}); first sheet: "
        f"{errors[0].detail}",
        source.path,
    )


def _from_extract(
    path: str,
    choice: Choice,
    found: Extract,
    fallback: Decimal,
    sheet_decimal: bool = False,
    check_digits: bool = True,
) -> Holdings:
    spec = choice.spec
    if found.tables == 0:
        seen = (
            f"; sections in the file: {', '.join(found.sections_seen)}"
            if found.sections_seen
            else ""
        )
        raise ParseError(f"no positions table found for layout {spec.name}{seen}", path)
    raw = pd.DataFrame.from_records(found.rows, columns=sorted({k for r in found.rows for k in r}))
    raw["source_line"] = found.lines
    raw["_account_label"] = pd.Series(found.accounts, dtype=object)
    raw["_hint"] = pd.Series(found.hints, dtype=object)
    raw["_cash"] = pd.Series(found.cash, dtype=bool)
    if sheet_decimal:
        choice = replace(choice, spec=replace(spec, decimal=None))
    return _finish(path, choice, raw, found.skipped, found.rows_read, found.targets, fallback,
                   check_digits=check_digits)  # fmt: skip


def _finish(
    path: str,
    choice: Choice,
    raw: pd.DataFrame,
    skipped: list[Skipped],
    rows_read: int,
    targets: set[str],
    fallback: Decimal,
    cleaned: frozenset[str] = frozenset(),
    check_digits: bool = True,
) -> Holdings:
    result = normalise(raw, choice.spec.decimal, fallback, cleaned, check_digits)
    frame, empty, kept = select_positions(result, needs_amount=bool(targets & _AMOUNT_TARGETS))
    lines = set(frame["source_line"].tolist()) if result.warnings else set()
    warnings = [w for w in result.warnings if w.line in lines]
    return Holdings(
        frame=frame.reset_index(drop=True),
        layout=choice.spec.name,
        path=path,
        skipped=sorted([*skipped, *empty], key=lambda s: s.line),
        rows_read=rows_read,
        warnings=warnings,
        coded=CodedColumns(result.columns, len(result.frame), kept),
    )


def normalize_frame(df: pd.DataFrame, columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The normalised columns for a DataFrame you already have (one output row per input row).

    Columns are recognised by name as in a generic CSV (``ticker``, ``ISIN``, ``Shares``...);
    ``columns`` maps the others. ``source_line`` is kept if present, else the row position + 1.
    The index is kept, so the result lines up with ``df``.

    Raises:
        UnknownFormatError: no column names a symbol, identifier or description.
    """
    user = user_mapping(columns)
    names = [str(c) for c in df.columns]
    keys = header_keys(names)
    mapping = recognise(keys, user)
    if not is_positions_table(set(mapping.values())) and "description" not in mapping.values():
        raise UnknownFormatError(
            f"no column names a symbol, ISIN, CUSIP, SEDOL, FIGI or description; columns: "
            f"{', '.join(repr(n) for n in names)}. Map one with columns={{'<column>': 'symbol'}}"
        )
    missing = [key for key in user if key not in keys]
    if missing:
        raise UnknownFormatError(f"columns names {missing} not in the DataFrame ({names})")
    raw = pd.DataFrame({target: df.iloc[:, i] for i, target in mapping.items()}, index=df.index)
    if "source_line" in keys:
        given = pd.to_numeric(df.iloc[:, keys.index("source_line")], errors="coerce")
        position = pd.Series(range(1, len(df) + 1), index=df.index)
        raw["source_line"] = given.where(given.notna(), position).astype("int64")
    else:
        raw["source_line"] = range(1, len(df) + 1)
    return normalise(raw, None, ".").frame[list(COLUMNS)]
