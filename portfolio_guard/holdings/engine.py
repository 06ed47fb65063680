"""The one engine that reads every layout: rows in, candidate positions and skipped lines out.

It walks rows once. A row matching the layout's header starts a table (a file may hold several:
one per account, per section); rows inside a table become candidates unless a rule skips them;
rows outside a table are kept as context, where account labels and section titles are found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from portfolio_guard.holdings.columns import header_key, header_keys, recognise
from portfolio_guard.holdings.model import NO_VALUE, Skipped
from portfolio_guard.holdings.source import Record
from portfolio_guard.holdings.spec import LayoutSpec

#: Total rows every layout drops: matched on the anchor cell, or on the first cell when a row
#: has no anchor value (``,OVERALL TOTALS,...``, ``Total,,,$1,234``).
_TOTAL = (
    r"(account |positions |grand |portfolio |overall )?totals?:?|summe|gesamt|totaal"
    r"|sub-?totals?\b.*|totals? (of|for) .*"
    r"|total (stocks|equities|options|bonds|funds|cash|securities|positions|holdings|value"
    r"|market value|portfolio|account)\b.*"
)
_TOTAL_RE = re.compile(_TOTAL, re.IGNORECASE)
TOTAL_ROW = "total row"
#: The column whose cell says what a row is about: the first of these a table has.
ANCHORS = ("symbol", "isin", "cusip", "sedol", "figi", "_secid", "description")


def is_total(value: object) -> bool:
    """Whether a cell reads like a total row's label ("Account Total", "TOTAL", "Summe")."""
    return isinstance(value, str) and _TOTAL_RE.fullmatch(value.strip()) is not None


def anchor_of(targets: Iterable[str]) -> str | None:
    """The anchor column among a table's targets."""
    present = set(targets)
    return next((name for name in ANCHORS if name in present), None)


BEFORE_TABLE = "before the positions table (title, preamble or account label)"
AFTER_TABLE = "outside a positions table (footer, label or other block)"
SINGLE_CELL = "a single cell, not a position row"
_KINDS = frozenset({"header", "data", "total", "subtotal", "notes"})


@dataclass
class Extract:
    """What the engine found: candidate rows (raw cells by column) and everything it left out."""

    rows: list[dict[str, str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    accounts: list[str | None] = field(default_factory=list)
    hints: list[str | None] = field(default_factory=list)
    cash: list[bool] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    rows_read: int = 0
    tables: int = 0
    lookup: list[dict[str, str]] = field(default_factory=list)
    targets: set[str] = field(default_factory=set)
    sections_seen: list[str] = field(default_factory=list)


def header_matches(keys: list[str], cells: list[str], spec: LayoutSpec) -> int:
    """Score a row as the spec's header: 0 if it is not; 2 per exact-case cell, 1 otherwise."""
    if not spec.signature:
        return 0
    present = set(keys)
    if any(header_key(s) not in present for s in spec.signature):
        return 0
    if spec.any_of and not any(header_key(s) in present for s in spec.any_of):
        return 0
    if any(header_key(s) in present for s in spec.none_of):
        return 0
    exact = set(cells)
    return sum(2 if s in exact else 1 for s in spec.signature)


def split_section(cells: list[str], spec: LayoutSpec) -> tuple[str, str, list[str]]:
    """``(section, kind, body)`` of an IB-style line."""
    section = cells[spec.section_cell] if len(cells) > spec.section_cell else ""
    kind = cells[spec.kind_cell] if len(cells) > spec.kind_cell else ""
    return section, kind.lower(), cells[max(spec.section_cell, spec.kind_cell) + 1 :]


class _Walker:
    def __init__(self, spec: LayoutSpec, user: Mapping[str, str]) -> None:
        self.spec = spec
        self.user = user
        self.out = Extract()
        self.columns: dict[int, str] | None = None
        self.anchor: str | None = None
        self.lookup_columns: dict[int, str] | None = None
        self.account: str | None = None
        self.hint: str | None = None
        self.context: list[str] = []
        self.blank_run = 0
        self.sections = {s.casefold() for s in spec.sections}
        self.lookups = {s.casefold() for s in spec.lookup_sections}

    def skip(self, line: int, reason: str, cells: list[str]) -> None:
        self.out.skipped.append(Skipped(line, reason))
        self.context.append(", ".join(c for c in cells if c))

    def feed(self, line: int, cells: list[str]) -> None:
        if not any(_has_value(c) for c in cells):
            self.blank_run += 1
            if self.columns is not None and self.blank_run == self.spec.end_after_blank:
                self.columns = None
            return
        self.blank_run = 0
        self.out.rows_read += 1
        if self.spec.sections:
            section, kind, body = split_section(cells, self.spec)
            if section.casefold() in self.lookups:
                self.lookup_row(kind, body)
                self.skip(line, "instrument details (joined to the positions)", cells)
                return
            if section.casefold() not in self.sections:
                if kind not in _KINDS:  # Flex header/trailer records: "BOF", "BOA", "EOA", "EOF"
                    self.skip(line, f"{cells[0]!r} record, not positions", cells)
                    return
                if section and section not in self.out.sections_seen:
                    self.out.sections_seen.append(section)
                self.skip(line, f"section {section!r} does not hold positions", cells)
                return
            if kind == "header":
                self.header(body)
                return
            if kind != "data":
                self.skip(
                    line, "total row" if "total" in kind else f"{kind or 'unmarked'} line", cells
                )
                return
            self.data(line, body, cells)
            return
        if header_matches(header_keys(cells), cells, self.spec):
            self.header(cells)
            return
        self.data(line, cells, cells)

    def header(self, cells: list[str]) -> None:
        self.out.rows_read -= 1  # header lines are the layout's, not data
        keys = header_keys(cells)
        self.columns = recognise(keys, self.user, self.spec.columns)
        self.anchor = anchor_of(self.columns.values())
        self.out.targets |= set(self.columns.values())
        self.out.tables += 1
        for text in reversed(self.context):
            account = self.spec.account_in(text)
            if account:
                self.account = " ".join(account.split())
                break
        self.hint = None
        for text in reversed(self.context):
            if text.casefold() in self.spec.context_types:
                self.hint = self.spec.context_types[text.casefold()]
                break
        self.context = []

    def lookup_row(self, kind: str, body: list[str]) -> None:
        if kind == "header":
            self.lookup_columns = recognise(header_keys(body), None, self.spec.lookup_columns)
        elif kind == "data" and self.lookup_columns is not None:
            self.out.lookup.append(_cells(body, self.lookup_columns))

    def data(self, line: int, body: list[str], cells: list[str]) -> None:
        if self.columns is None:
            self.skip(line, AFTER_TABLE if self.out.tables else BEFORE_TABLE, cells)
            return
        row = _cells(body, self.columns)
        first = body[0] if body else ""
        for rule in self.spec.end:
            if rule.matches(row, first):
                self.columns = None
                self.skip(line, rule.reason or AFTER_TABLE, cells)
                return
        for rule in self.spec.skip:
            if rule.matches(row, first):
                self.skip(line, rule.reason, cells)
                return
        anchor = row.get(self.anchor, "") if self.anchor else ""
        if is_total(anchor) or (not anchor and is_total(first)):
            self.skip(line, TOTAL_ROW, cells)
            return
        if sum(1 for c in body if _has_value(c)) < 2:
            self.skip(line, SINGLE_CELL, cells)
            return
        out = self.out
        out.rows.append(row)
        out.lines.append(line)
        out.accounts.append(self.account)
        out.hints.append(self.hint)
        out.cash.append(any(rule.matches(row, first) for rule in self.spec.cash))
        self.context = []


def _has_value(cell: str) -> bool:
    return bool(cell) and cell.lower() not in NO_VALUE


def _cells(body: list[str], columns: dict[int, str]) -> dict[str, str]:
    return {target: body[i] for i, target in columns.items() if i < len(body) and body[i]}


def extract(records: Iterable[Record], spec: LayoutSpec, user: Mapping[str, str]) -> Extract:
    """Walk ``records`` with ``spec``; ``user`` is the caller's header-to-column mapping."""
    walker = _Walker(spec, user)
    for line, cells in records:
        walker.feed(line, cells)
    out = walker.out
    if spec.lookup_key and out.lookup:
        join_lookup(out, spec.lookup_key)
    return out


def join_lookup(out: Extract, key: tuple[str, ...]) -> None:
    """Fill empty cells of positions from instrument rows with the same key (IBKR ISINs)."""
    index: dict[tuple[str, ...], dict[str, str]] = {}
    for info in out.lookup:
        # After a rename the instrument's Symbol cell lists old and new symbols: "ABC, ABC.OLD".
        for symbol in re.split(r"\s*,\s*", info.get("symbol", "")):
            parts = tuple((symbol if k == "symbol" else info.get(k, "")).casefold() for k in key)
            index.setdefault(parts, info)
    for row in out.rows:
        found = index.get(tuple(row.get(k, "").casefold() for k in key))
        if found:
            for name, value in found.items():
                row.setdefault(name, value)
