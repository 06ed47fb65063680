"""The generic CSV reader's fast path: pandas' C parser from the header on, vectorised checks.

It gives the same result as the row engine (property tests compare them) and is used only when
line numbers are provably exact: rows must be physical lines one for one. That holds when the data
has no quote character; otherwise the lines are counted and compared with the rows, which differ
exactly when a quoted cell spans lines. Bare-CR line ends, other encodings than UTF-8/cp1252/latin-1
and a header at the very end of the head also send the file to the row engine (``read_fast``
returns None).
"""

from __future__ import annotations

import csv
import io
import itertools
import mmap
import os
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from portfolio_guard.errors import InputError, ParseError
from portfolio_guard.holdings.columnar import factorize
from portfolio_guard.holdings.columns import header_keys, recognise
from portfolio_guard.holdings.engine import (
    BEFORE_TABLE,
    SINGLE_CELL,
    TOTAL_ROW,
    anchor_of,
    is_total,
)
from portfolio_guard.holdings.model import NO_VALUE, NUMBER_COLUMNS, Skipped
from portfolio_guard.holdings.numbers import Decimal, guess_decimal
from portfolio_guard.holdings.source import Record, Source, fallback_encoding
from portfolio_guard.holdings.symbols import clean_text

_PLAIN_TEXT = frozenset({"account", "description", "currency", "exchange"})
# Every upper/lower-case spelling of the "no value" markers, as the parser compares exactly. The
# same set for every column, so that "parsed as NA" means what the row engine calls an empty cell.
_NO_VALUE_SPELLINGS = sorted(
    {
        "".join(chars)
        for m in NO_VALUE
        for chars in itertools.product(*({c.lower(), c.upper()} for c in m))
    }
)
_BYTE_ENCODINGS = {"utf-8-sig": "utf-8", "cp1252": "cp1252", "latin-1": "latin-1"}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_BARE_CR = re.compile(r"\r(?!\n)")


@dataclass
class FastRead:
    """Candidate rows (columns named by target) and the lines set aside on the way."""

    raw: pd.DataFrame
    skipped: list[Skipped]
    rows_read: int
    targets: set[str]
    cleaned: frozenset[str] = frozenset()  # text columns the parser already left clean


def read_fast(
    source: Source,
    head: Sequence[Record],
    header_line: int,
    header_cells: Sequence[str],
    user: Mapping[str, str],
    fallback: Decimal,
) -> FastRead | None:
    """Read a generic CSV from its header row on, or None when the row engine must do it."""
    encoding = _BYTE_ENCODINGS.get(source.encoding)
    lines = [line for line, _ in head]
    if encoding is None or header_line not in lines or lines.index(header_line) + 1 >= len(lines):
        return None
    data_line = lines[lines.index(header_line) + 1]
    offset = _byte_offset(source, encoding, data_line)
    if offset is None:
        return None
    width = len(header_cells)
    columns = recognise(header_keys(list(header_cells)), user)
    body = [cells for line, cells in head if line > header_line]
    sample = {i: [cells[i] for cells in body if len(cells) > i] for i in columns}
    dtypes: dict[int, Any] = {}
    na_values: dict[int, list[str]] = {}
    for i in range(width):
        target = columns.get(i)
        numeric = target in NUMBER_COLUMNS
        guessed = guess_decimal(pd.Series(sample[i], dtype=object)) if numeric else None
        na_values[i] = _NO_VALUE_SPELLINGS
        if not (numeric and (guessed or fallback) == "."):
            dtypes[i] = str  # "." decimals: the C parser reads plain numbers itself
    if _BARE_CR.search(source.head):
        return None  # bare CR line ends: pandas and the csv module count lines differently
    # Records before the data, as the csv module counted them: pandas' skiprows counts records too.
    skip = lines.index(data_line)
    parsed = _parse(source, offset, width, dtypes, na_values, skip)
    if parsed is None or len(parsed[0]) != parsed[1]:
        return None
    frame = parsed[0]
    preamble = [
        Skipped(line, BEFORE_TABLE) for line, cells in head if line < header_line and any(cells)
    ]
    result = _candidates(frame, data_line, header_cells, columns, preamble)
    result.cleaned = _unpadded(source, header_line, columns)
    return result


def _unpadded(source: Source, header_line: int, columns: dict[int, str]) -> frozenset[str]:
    """Plain text columns whose cells in the file's head carry no surrounding spaces.

    Their values are used as the parser read them (saving a pass over a million cells); a column
    with padding in its first rows is trimmed cell by cell like every other.
    """
    wanted = {i: t for i, t in columns.items() if t in _PLAIN_TEXT}
    padded: set[int] = set()
    reader = csv.reader(io.StringIO(source.head, newline=""), delimiter=source.delimiter)
    try:
        for row in reader:
            if reader.line_num <= header_line:
                continue
            padded.update(i for i in wanted if i < len(row) and row[i] != clean_text(row[i]))
    except csv.Error:
        return frozenset()
    return frozenset(t for i, t in wanted.items() if i not in padded)


def _char_offset(head: str, line: int) -> int:
    """Where physical line ``line`` starts in ``head`` (-1 when the head ends before it)."""
    if line == 1:
        return 0
    for breaks, match in enumerate(_LINE_BREAK.finditer(head), start=1):
        if breaks == line - 1:
            return match.end()
    return -1


def _byte_offset(source: Source, encoding: str, data_line: int) -> int | None:
    chars = _char_offset(source.head, data_line)
    if chars < 0:
        return None
    bom = 3 if source.encoding == "utf-8-sig" and _starts_with_bom(source.path) else 0
    return bom + len(source.head[:chars].encode(encoding))


def _has_quote(path: str, offset: int) -> bool:
    """Whether a quote character occurs from byte ``offset`` on (memchr over a mapping)."""
    with open(path, "rb") as handle:
        if os.fstat(handle.fileno()).st_size <= offset:
            return False
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            return mapped.find(b'"', offset) >= 0


def _count_lines(path: str, offset: int) -> int:
    """Physical lines from byte ``offset`` to the end of the file."""
    newlines, last = 0, b""
    with open(path, "rb") as handle:
        handle.seek(offset)
        while chunk := handle.read(1 << 22):
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
    return newlines + (1 if last and last != b"\n" else 0)


def _starts_with_bom(path: str) -> bool:
    with open(path, "rb") as handle:
        return handle.read(3) == b"\xef\xbb\xbf"


def _parse(
    source: Source,
    offset: int,
    width: int,
    dtypes: dict[int, Any],
    na_values: dict[int, list[str]],
    skip: int,
) -> tuple[pd.DataFrame, int] | None:
    """The rows after the first ``skip`` records, and the physical lines from ``offset`` on."""
    encoding: str | None = source.encoding
    while encoding is not None:
        try:
            return _parse_as(source, encoding, offset, width, dtypes, na_values, skip)
        except UnicodeDecodeError as exc:
            if fallback_encoding(encoding) is None:
                raise ParseError(f"not readable as text: {exc}", source.path) from exc
            encoding = fallback_encoding(encoding)
    raise ParseError("not readable as text", source.path)


def _parse_as(
    source: Source,
    encoding: str,
    offset: int,
    width: int,
    dtypes: dict[int, Any],
    na_values: dict[int, list[str]],
    skip: int,
) -> tuple[pd.DataFrame, int] | None:
    # pandas is given the path, not an open file: only then does it parse in a worker thread.
    # Neither ``usecols`` nor ``low_memory=False`` may be passed, for the same reason.
    try:
        with warnings.catch_warnings():
            # A row one cell wider than the header loses that cell, as in the row engine, which
            # never looks past the header either; a numeric column that turns to text in a later
            # chunk arrives mixed, which the number cleaner expects.
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)
            frame: pd.DataFrame = pd.read_csv(
                source.path,
                sep=source.delimiter,
                header=None,
                skiprows=skip,
                names=list(range(width)),
                dtype=dtypes,
                keep_default_na=False,
                na_values=cast(Any, na_values),  # int keys: pandas-stubs want str
                skip_blank_lines=False,
                encoding=_BYTE_ENCODINGS[encoding],
                engine="c",
                index_col=False,
            )
    except pd.errors.EmptyDataError:
        return pd.DataFrame({i: pd.Series([], dtype=object) for i in range(width)}), 0
    except UnicodeDecodeError:
        raise
    except (pd.errors.ParserError, ValueError):
        return None  # a row wider than the header, say: the row engine reads those
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", source.path) from exc
    lines = _count_lines(source.path, offset) if _has_quote(source.path, offset) else len(frame)
    return frame, lines


def _candidates(
    frame: pd.DataFrame,
    data_line: int,
    header_cells: Sequence[str],
    columns: dict[int, str],
    preamble: list[Skipped],
) -> FastRead:
    n = len(frame)
    lines = np.arange(data_line, data_line + n, dtype="int64")
    target = anchor_of(columns.values())
    anchor = next((i for i, t in columns.items() if t == target), 0)
    codes, uniques = factorize(frame[anchor])
    # "Has a value" as the row engine means it: not NA, not blank once trimmed.
    anchor_present = np.array([*(_has_value(u) for u in uniques), False], dtype=bool)[codes]
    numbers = [i for i, t in columns.items() if t in NUMBER_COLUMNS]
    number_present = np.zeros(n, dtype=bool)
    for i in numbers:
        column = frame[i]
        present = column.notna()
        if column.dtype.kind not in "biuf":  # text (decimal comma, or mixed): spaces are no value
            present &= column.str.strip().ne("").fillna(False).astype(bool)
        number_present |= present.to_numpy(dtype=bool)
    # Only rows lacking an anchor or a number can be blank, a total or a lone cell: check those.
    doubtful = np.flatnonzero(~(anchor_present & (number_present | (not numbers))))
    # Cells with a value: all of them (the header's width) but in the doubtful rows. Kept as
    # two flags rather than a million counts.
    blank = np.zeros(n, dtype=bool)
    few = np.full(n, len(header_cells) < 2, dtype=bool)
    if doubtful.size:
        cells = frame.iloc[doubtful].to_numpy(object)
        filled = np.array([sum(_has_value(v) for v in row) for row in cells], dtype="int64")
        blank[doubtful] = filled == 0
        few[doubtful] = filled < 2
    total = np.array([*(is_total(u) for u in uniques), False], dtype=bool)[codes]
    # Factorised once: the normaliser receives the anchor column as a categorical.
    anchor_column = pd.Series(pd.Categorical.from_codes(codes, pd.Index(uniques, dtype=object)))
    lone = doubtful[~anchor_present[doubtful]]
    if lone.size:
        total[lone] |= np.array([is_total(v) for v in frame[0].to_numpy(object)[lone]], dtype=bool)
    repeat = _repeated_header(frame, header_cells, anchor, codes, uniques)
    single = few & ~blank & ~total & ~repeat
    skipped = list(preamble)
    for mask, reason in ((total & ~blank & ~repeat, TOTAL_ROW), (single, SINGLE_CELL)):
        skipped += [Skipped(int(line), reason) for line in lines[mask]]
    keep = ~(blank | repeat | total | single)
    raw = frame.loc[:, list(columns)].rename(columns=columns)
    if anchor in columns:
        raw[columns[anchor]] = anchor_column.set_axis(raw.index)
    raw["source_line"] = lines
    if not keep.all():
        raw = raw.loc[keep]
    rows_read = len(preamble) + int((~blank & ~repeat).sum())
    return FastRead(raw.reset_index(drop=True), skipped, rows_read, set(columns.values()))


def _has_value(cell: Any) -> bool:
    if not isinstance(cell, str):
        return cell is not None and cell == cell  # a number; NaN is no value
    text = clean_text(cell)
    return bool(text) and text.lower() not in NO_VALUE


def _repeated_header(
    frame: pd.DataFrame, header_cells: Sequence[str], anchor: int, codes: Any, uniques: Any
) -> Any:
    """Rows equal to the header (files concatenated from several exports repeat it)."""
    repeat = np.zeros(len(frame), dtype=bool)
    if anchor >= len(header_cells) or not header_cells[anchor]:
        return repeat
    hits = [
        i for i, u in enumerate(uniques) if isinstance(u, str) and u.strip() == header_cells[anchor]
    ]
    for row in np.flatnonzero(np.isin(codes, hits)) if hits else ():
        cells = ["" if pd.isna(v) else str(v).strip() for v in frame.iloc[row]]
        repeat[row] = cells == [c.strip() for c in header_cells]
    return repeat
