"""Suppressions: reviewed false positives that a person cleared, with who, why and when.

A CSV file, one decision per row::

    kind,value,entity_uid,cleared_by,reason,cleared_on
    description,CHINA MOBILE GAMES & ENTMT GROUP,30923,j.doe,different company (CMGE),2026-11-02

``kind`` is what the holding's value is compared with: ``isin``, ``cusip``, ``figi``,
``symbol`` or ``description`` (compared case- and space-insensitively). ``entity_uid`` may be
left empty to clear the value against any entity. A suppression only ever clears a finding
at ``review`` level: a confirmed identifier match stays prohibited, and the report says that
the suppression was not applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from portfolio_guard.errors import ParseError
from portfolio_guard.tables import read_table

SUPPRESSION_COLUMNS = ("kind", "value", "entity_uid", "cleared_by", "reason", "cleared_on")
SUPPRESSION_KINDS = ("isin", "cusip", "figi", "symbol", "description")


@dataclass(frozen=True, slots=True)
class Suppression:
    kind: str
    value: str
    entity_uid: int | None
    cleared_by: str
    reason: str
    cleared_on: date
    line: int

    def note(self) -> str:
        return f"cleared by {self.cleared_by} on {self.cleared_on.isoformat()}: {self.reason}"


def canon(value: str) -> str:
    return " ".join(value.upper().split())


def read_suppressions(path: str | Path) -> list[Suppression]:
    path = Path(path)
    out = []
    for line, cells in read_table(path, SUPPRESSION_COLUMNS, "suppressions"):
        kind, value, uid, who, why, when = cells
        if kind.lower() not in SUPPRESSION_KINDS:
            raise ParseError(
                f"kind {kind!r} is not one of {', '.join(SUPPRESSION_KINDS)}", path, line, 1
            )
        if not value:
            raise ParseError("value is empty", path, line, 2)
        if not who or not why:
            raise ParseError(
                "a suppression needs who cleared it (cleared_by) and why (reason)", path, line
            )
        try:
            uid_value = int(uid) if uid else None
        except ValueError:
            raise ParseError(f"entity_uid {uid!r} is not a number", path, line, 3) from None
        try:
            cleared_on = date.fromisoformat(when)
        except ValueError:
            raise ParseError(
                f"cleared_on {when!r} is not a date (YYYY-MM-DD)", path, line, 6
            ) from None
        out.append(Suppression(kind.lower(), canon(value), uid_value, who, why, cleared_on, line))
    return out


class Suppressions:
    """Lookup of suppressions by (kind, canonical value)."""

    def __init__(self, items: list[Suppression]) -> None:
        self.items = items
        self._index: dict[tuple[str, str], list[Suppression]] = {}
        for s in items:
            self._index.setdefault((s.kind, s.value), []).append(s)

    def find(self, values: dict[str, str | None], entity_uid: int) -> Suppression | None:
        for kind in SUPPRESSION_KINDS:
            value = values.get(kind)
            if not value:
                continue
            for s in self._index.get((kind, canon(value)), ()):
                if s.entity_uid is None or s.entity_uid == entity_uid:
                    return s
        return None
