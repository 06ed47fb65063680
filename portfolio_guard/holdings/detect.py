"""Choosing the layout of a file from its first rows.

Every spec is scored against the same rows (:func:`engine.header_matches` plus its title marker);
the best wins. No spec matching, the generic reader takes the row whose cells name the most
known columns. Nothing recognisable, the error lists the columns found and how to map them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from portfolio_guard.errors import InputError, UnknownFormatError
from portfolio_guard.holdings.columns import (
    TARGETS,
    header_keys,
    is_positions_table,
    recognise,
    transaction_markers,
)
from portfolio_guard.holdings.engine import header_matches, split_section
from portfolio_guard.holdings.layouts import BROKERS, layouts_for
from portfolio_guard.holdings.numbers import parse_number
from portfolio_guard.holdings.source import Record
from portfolio_guard.holdings.spec import LayoutSpec

#: How many rows detection reads; titles and preambles are short, positions headers come early.
DETECT_ROWS = 200
#: Broker headers sit within the first rows (a later one is found through the title marker).
SPEC_ROWS = 60


@dataclass(frozen=True)
class Choice:
    """The layout to read with, and for the generic reader the header row it found."""

    spec: LayoutSpec
    header_line: int | None = None
    header_cells: tuple[str, ...] = ()


def choose_layout(
    head: Sequence[Record],
    broker: str | None,
    user: Mapping[str, str],
    path: str,
    generic_name: str = "generic-csv",
) -> Choice:
    """Pick the layout for a file whose first rows are ``head``.

    Raises:
        InputError: an unknown ``broker`` value, or ``columns`` naming headers the file lacks.
        UnknownFormatError: no layout fits and no columns can be recognised.
    """
    rows = [(line, cells) for line, cells in head[:DETECT_ROWS] if any(cells)]
    forced = broker is not None and broker.strip().lower() != "generic"
    specs = layouts_for(broker) if forced else ()
    if forced and not specs:
        raise InputError(f"unknown broker {broker!r}; use one of {', '.join(BROKERS)}", path)
    if broker is None:
        specs = layouts_for(None)
    best = _best_spec(rows[:SPEC_ROWS], specs)
    if best is not None:
        _check_user_columns(best, rows, user, path)
        return Choice(best)
    generic = _generic_header(rows, user, specs if forced else ())
    if generic is None:
        seen = {key for _, cells in rows for key in header_keys(cells)}
        header = _header_like(rows)
        missing = [key for key in user if key not in seen]
        if missing and header is not None:
            raise _missing_columns(missing, header[1], header[0], path)
        raise _unknown(rows, path, broker)
    line, cells, base = generic
    keys = header_keys(list(cells))
    markers = transaction_markers(keys)
    if markers and not user and broker is None:
        raise UnknownFormatError(
            f"this looks like a transactions or activity export (columns {', '.join(markers)}), "
            "not positions; download the positions / holdings file instead, or pass columns (or "
            'broker="generic") to read it anyway',
            path,
            line,
        )
    missing = [key for key in user if key not in keys]
    if missing:
        raise _missing_columns(missing, cells, line, path)
    signature = tuple(c for c in cells if c)
    if base is not None:
        return Choice(replace(base, signature=signature), line, cells)
    spec = LayoutSpec(
        name=generic_name, broker="generic", title="columns recognised by name", signature=signature
    )
    return Choice(spec, line, cells)


def _best_spec(rows: list[Record], specs: Sequence[LayoutSpec]) -> LayoutSpec | None:
    if not specs or not rows:
        return None
    first = ", ".join(c for c in rows[0][1] if c)
    # A transactions export can hold a positions-like header: such rows never count.
    keyed = [(k, c) for k, c in ((header_keys(cells), cells) for _, cells in rows)
             if not transaction_markers(k)]  # fmt: skip
    best: tuple[tuple[bool, bool, int, bool], LayoutSpec] | None = None
    for spec in specs:
        score = 0
        for keys, cells in keyed:
            if spec.sections:
                section, kind, body = split_section(cells, spec)
                if kind != "header" or section.casefold() not in {
                    s.casefold() for s in spec.sections
                }:
                    continue
                keys, cells = header_keys(body), body
            score = max(score, header_matches(keys, cells, spec))
        marker = spec.marker_matches(first)
        if spec.marker_required and not marker:
            continue
        if score or marker:
            # A sectioned spec that matched is the more specific reading of the same header.
            rank = (score > 0, marker, score, bool(spec.sections))
            if best is None or rank > best[0]:
                best = (rank, spec)
    return None if best is None else best[1]


def _generic_header(
    rows: list[Record], user: Mapping[str, str], forced: Sequence[LayoutSpec]
) -> tuple[int, tuple[str, ...], LayoutSpec | None] | None:
    bases: Sequence[LayoutSpec | None] = forced or (None,)
    best: tuple[int, int, tuple[str, ...], LayoutSpec | None] | None = None
    for line, cells in rows:
        keys = header_keys(cells)
        for base in bases:
            targets = set(recognise(keys, user, base.columns if base else None).values())
            if not is_positions_table(targets):
                continue
            if best is None or len(targets) > best[0]:
                best = (len(targets), line, tuple(cells), base)
    return None if best is None else (best[1], best[2], best[3])


def _check_user_columns(
    spec: LayoutSpec, rows: list[Record], user: Mapping[str, str], path: str
) -> None:
    if not user:
        return
    for line, cells in rows:
        body = split_section(cells, spec)[2] if spec.sections else cells
        keys = header_keys(body)
        if header_matches(keys, body, spec) or (spec.sections and "symbol" in keys):
            missing = [key for key in user if key not in keys]
            if missing:
                raise _missing_columns(missing, tuple(body), line, path)
            return


def _missing_columns(missing: list[str], cells: Sequence[str], line: int, path: str) -> InputError:
    found = ", ".join(repr(c) for c in cells if c)
    return InputError(
        f"columns names {', '.join(repr(m) for m in missing)}, not in the header; "
        f"the header has {found}",
        path,
        line,
    )


def _header_like(rows: list[Record]) -> Record | None:
    """The early row with the most text cells: what a header would look like."""
    header = max(rows[:30], key=lambda r: (_texty(r[1]), -r[0]), default=None)
    return header if header is not None and _texty(header[1]) else None


def _unknown(rows: list[Record], path: str, broker: str | None) -> UnknownFormatError:
    header = _header_like(rows)
    # Internal helper columns (_type, _secid, ...) are not for users to map.
    targets = ", ".join(t for t in TARGETS if t != "asset_type" and not t.startswith("_"))
    what = f"not a {broker} export and no" if broker else "no known broker layout and no"
    if header is None:
        return UnknownFormatError(f"{what} header row with recognisable columns", path)
    line, cells = header
    names = [c for c in cells if c]
    example = ",".join(
        f"{c}=symbol" if i == 0 else f"{c}=quantity" for i, c in enumerate(names[:2])
    )
    return UnknownFormatError(
        f"{what} recognisable columns. Columns found on line {line}: "
        f"{', '.join(repr(c) for c in names)}. Say which is which with columns= "
        f'(CLI: --columns "{example}"), mapping headers to: {targets}',
        path,
        line,
    )


def _texty(cells: Sequence[str]) -> int:
    count = 0
    for cell in cells:
        if not cell:
            continue
        try:
            if parse_number(cell) is not None:
                continue
        except InputError:
            count += 1
    return count
