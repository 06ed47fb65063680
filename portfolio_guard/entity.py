"""What the NS-CMIC list says about one company, independent of the file format it came from.

Every source parser (``portfolio_guard.sources``) yields these records; the listings builder
turns them into the dataset. Plain frozen dataclasses: cheap, hashable, comparable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

PROGRAM = "CMIC-EO13959"

AliasKind = Literal["aka", "fka"]
# None where the format cannot tell (the trade.gov CSL mixes strong and weak aliases).
AliasStrength = Literal["strong", "weak"] | None


@dataclass(frozen=True, slots=True, order=True)
class Alias:
    name: str
    kind: AliasKind = "aka"
    strength: AliasStrength = None


@dataclass(frozen=True, slots=True, order=True)
class Registration:
    """A registration number OFAC prints: USCC, Legal Entity Number, C.R. No., ..."""

    kind: str
    number: str
    country: str | None = None


@dataclass(frozen=True, slots=True)
class Entity:
    """One NS-CMIC entry as published; values are kept as OFAC printed them.

    ``tickers`` hold OFAC's raw strings (``"941 HK"``, ``"601698  CN"``, ``"603019CN"``);
    ``isins`` every published ISIN, valid or not, in file order, deduplicated.
    ``linked_to`` holds the names of linked entities (all formats give the name; the enhanced
    XML also gives the uid, kept in ``linked_uids``). ``other_names`` are non-Latin spellings of
    the primary name (enhanced XML only).
    """

    uid: int
    name: str
    listing_date: date
    effective_date: date
    divestment_date: date
    aliases: tuple[Alias, ...] = ()
    issuer_names: tuple[str, ...] = ()
    isins: tuple[str, ...] = ()
    tickers: tuple[str, ...] = ()
    registrations: tuple[Registration, ...] = ()
    target_type: str | None = None
    linked_to: tuple[str, ...] = ()
    linked_uids: tuple[int, ...] = ()
    other_names: tuple[str, ...] = ()
    program: str = PROGRAM


@dataclass(frozen=True, slots=True)
class SourceList:
    """The CMIC entries read from one official file (or one legacy CSV set)."""

    format: Literal["legacy_csv", "legacy_xml", "enhanced_xml", "csl"]
    files: tuple[str, ...]
    as_of: date | None
    entities: tuple[Entity, ...] = field(default=())
    records_read: int = 0
