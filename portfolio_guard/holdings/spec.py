"""The declarative description of one broker layout (see ``layouts.py`` for the registry)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from portfolio_guard.holdings.numbers import Decimal


@dataclass(frozen=True)
class Rule:
    """Rows whose ``column`` cell fully matches ``pattern`` (case-insensitively).

    ``column`` is a target or private column name from the layout's ``columns``, or ``*`` for the
    row's first cell.
    """

    column: str
    pattern: str
    reason: str = ""

    def matches(self, row: Mapping[str, str], first: str) -> bool:
        """Whether this rule applies to a row (``first`` is its first cell)."""
        value = first if self.column == "*" else row.get(self.column, "")
        return bool(value) and _compiled(self.pattern).fullmatch(value) is not None


def _compiled(pattern: str) -> re.Pattern[str]:
    found = _CACHE.get(pattern)
    if found is None:
        found = _CACHE[pattern] = re.compile(pattern, re.IGNORECASE | re.DOTALL)
    return found


_CACHE: dict[str, re.Pattern[str]] = {}


@dataclass(frozen=True)
class LayoutSpec:
    """How to recognise and read one broker export.

    Detection looks for a header row holding every ``signature`` cell (an exact-case match scores
    higher than a case-insensitive one, telling Fidelity's 2023 and 2026 headers apart), at least
    one ``any_of`` cell and no ``none_of`` cell; a ``marker`` matching the first non-blank line adds
    to the score (with ``marker_required``, the spec fits only files whose title matches).
    Reading then maps ``columns`` (header key to column) on top of the generic synonyms, drops
    ``skip`` rows, flags ``cash`` rows, stops a table at an ``end`` row or after ``end_after_blank``
    blank lines, and takes the account from the lines before each header with the ``account``
    patterns (named group ``account``).

    IB-style statements, whose lines read ``<section>,<Header|Data|Total>,cells...``, name the
    ``sections`` holding positions; rows of ``lookup_sections`` are joined to positions on
    ``lookup_key`` (after mapping with ``lookup_columns``) to add ISIN and listing exchange.
    """

    name: str
    broker: str
    title: str
    signature: tuple[str, ...]
    columns: Mapping[str, str] = field(default_factory=dict)
    any_of: tuple[str, ...] = ()
    none_of: tuple[str, ...] = ()
    marker: str | None = None
    marker_required: bool = False
    skip: tuple[Rule, ...] = ()
    cash: tuple[Rule, ...] = ()
    end: tuple[Rule, ...] = ()
    end_after_blank: int | None = None
    account: tuple[str, ...] = ()
    context_types: Mapping[str, str] = field(default_factory=dict)
    sections: tuple[str, ...] = ()
    section_cell: int = 0
    kind_cell: int = 1
    lookup_sections: tuple[str, ...] = ()
    lookup_columns: Mapping[str, str] = field(default_factory=dict)
    lookup_key: tuple[str, ...] = ()
    decimal: Decimal | None = None

    def marker_matches(self, line: str) -> bool:
        """Whether the first non-blank line (cells joined by ``, ``) names this layout."""
        return self.marker is not None and _compiled(self.marker).match(line) is not None

    def account_in(self, line: str) -> str | None:
        """The account named by a line before a header, if one of the patterns finds it."""
        for pattern in self.account:
            match = _compiled(pattern).search(line)
            if match and match.group("account").strip():
                return match.group("account").strip()
        return None
