"""Curated additions: identifiers OFAC cannot print, each with the public source that shows it.

The file (``listings/curated.csv``) is hand-edited, one row per identifier::

    entity_uid,entity_name,kind,value,market,note,source,source_date

Lines starting with ``#`` before the header are its provenance note. ``kind`` is ``isin``,
``cusip``, ``figi``, ``ticker`` or ``name`` (the name a market lists the company under when it
differs from OFAC's, e.g. HKEX's "SenseTime Group Inc." for OFAC's SENSETIME GROUP LIMITED).
Every row passes the same validation as OFAC's own identifiers; a bad row is an error naming
its line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from portfolio_guard.errors import ParseError
from portfolio_guard.tables import read_table

CURATED_COLUMNS = (
    "entity_uid",
    "entity_name",
    "kind",
    "value",
    "market",
    "note",
    "source",
    "source_date",
)
CURATED_KINDS = ("isin", "cusip", "figi", "ticker", "name")


@dataclass(frozen=True, slots=True)
class CuratedRow:
    line: int
    entity_uid: int
    entity_name: str
    kind: str
    value: str
    market: str | None
    note: str
    source: str
    source_date: str


def read_curated(path: str | Path) -> list[CuratedRow]:
    """Read and shape-check a curated file; identifier validity is checked by the builder."""
    path = Path(path)
    rows: list[CuratedRow] = []
    for offset, cells in read_table(path, CURATED_COLUMNS, "curated additions"):
        rec = dict(zip(CURATED_COLUMNS, cells, strict=True))
        try:
            uid = int(rec["entity_uid"])
        except ValueError:
            raise ParseError(
                f"entity_uid {rec['entity_uid']!r} is not a number", path, offset, 1
            ) from None
        kind = rec["kind"].lower()
        if kind not in CURATED_KINDS:
            raise ParseError(
                f"kind {rec['kind']!r} is not one of {', '.join(CURATED_KINDS)}", path, offset, 3
            )
        if not rec["value"]:
            raise ParseError("value is empty", path, offset, 4)
        if kind == "ticker" and not rec["market"]:
            raise ParseError("a ticker needs its market (an ISO 10383 MIC)", path, offset, 5)
        if not rec["source"]:
            raise ParseError(
                "every curated row needs the public source that shows it", path, offset, 7
            )
        rows.append(
            CuratedRow(
                line=offset,
                entity_uid=uid,
                entity_name=rec["entity_name"],
                kind=kind,
                value=rec["value"],
                market=rec["market"] or None,
                note=rec["note"],
                source=rec["source"],
                source_date=rec["source_date"],
            )
        )
    return rows
