"""The listings dataset: load it, verify it, and look things up in it.

The dataset is three files written by :mod:`portfolio_guard.builder` (never by hand):

- ``entities.json``  one object per listed company (names, aliases, dates, registrations);
- ``securities.csv`` one row per identifier or listing of a company, with its source;
- ``manifest.json``  provenance (official files and their SHA-256, the list's as-of date,
  counts, builder version) and the SHA-256 of the two files above.

Loading verifies both checksums and builds plain dict indexes; it imports neither pandas
nor anything else heavy, because the pre-trade check loads it on the order path.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from portfolio_guard.errors import ChecksumError, ListingsError

ENTITIES_FILE = "entities.json"
SECURITIES_FILE = "securities.csv"
MANIFEST_FILE = "manifest.json"
CURATED_FILE = "curated.csv"
ENV_LISTINGS = "PORTFOLIO_GUARD_LISTINGS"

SECURITY_COLUMNS = (
    "entity_uid",
    "kind",
    "value",
    "market",
    "country",
    "local_code",
    "raw",
    "valid",
    "detail",
    "source",
    "source_ref",
)


@dataclass(frozen=True, slots=True)
class SecurityRow:
    """One identifier or listing of a listed company.

    ``value`` is the matching key: the ISIN/CUSIP/FIGI itself, or for a ticker the
    canonical ``COUNTRY:CODE`` key (``HK:941``); ``raw`` is what the source printed.
    """

    entity_uid: int
    kind: str
    value: str
    market: str | None
    country: str | None
    local_code: str | None
    raw: str
    valid: bool
    detail: str | None
    source: str
    source_ref: str

    def to_public(self) -> dict[str, Any]:
        """The object shown by ``listings show --format json``."""
        out: dict[str, Any] = {}
        if self.kind == "ticker":
            out["ticker"] = self.local_code
            out["key"] = self.value
        else:
            out[self.kind] = self.value
        out["market"] = self.market
        out["raw"] = self.raw
        out["valid"] = self.valid
        if self.detail:
            out["detail"] = self.detail
        out["source"] = self.source
        out["source_ref"] = self.source_ref
        return out


@dataclass(frozen=True, slots=True)
class ListedEntity:
    """A listed company as stored in the dataset."""

    uid: int
    name: str
    listing_date: date
    effective_date: date
    divestment_date: date
    aliases: tuple[dict[str, Any], ...]
    issuer_names: tuple[str, ...]
    registrations: tuple[dict[str, Any], ...]
    target_type: str | None
    linked_to: tuple[dict[str, Any], ...]
    other_names: tuple[str, ...]
    program: str
    securities: tuple[SecurityRow, ...] = ()
    # Names a market lists the company under (curated, each with a public source).
    market_names: tuple[dict[str, Any], ...] = ()

    @property
    def alias_names(self) -> tuple[str, ...]:
        return tuple(a["name"] for a in self.aliases)

    def to_public(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "name": self.name,
            "aliases": list(self.alias_names),
            "alias_details": [dict(a) for a in self.aliases],
            "issuer_names": list(self.issuer_names),
            "other_names": list(self.other_names),
            "market_names": [dict(n) for n in self.market_names],
            "listing_date": self.listing_date.isoformat(),
            "effective_date": self.effective_date.isoformat(),
            "divestment_date": self.divestment_date.isoformat(),
            "target_type": self.target_type,
            "registrations": [dict(r) for r in self.registrations],
            "linked_to": [dict(link) for link in self.linked_to],
            "program": self.program,
            # Listings and ISINs; other identifiers (derived CUSIPs, FIGIs) apart, so that
            # every object in "securities" has an isin or a ticker.
            "securities": [s.to_public() for s in self.securities if s.kind in ("isin", "ticker")],
            "other_identifiers": [
                s.to_public() for s in self.securities if s.kind not in ("isin", "ticker")
            ],
        }


@dataclass(frozen=True)
class Listings:
    """The loaded dataset with plain dict indexes for matching."""

    entities: dict[int, ListedEntity]
    manifest: dict[str, Any]
    path: str
    by_identifier: dict[tuple[str, str], tuple[SecurityRow, ...]] = field(repr=False)

    @property
    def version(self) -> str:
        return str(self.manifest["version"])

    @property
    def as_of(self) -> date | None:
        value = self.manifest.get("as_of")
        return None if value is None else date.fromisoformat(value)

    def __len__(self) -> int:
        return len(self.entities)

    def __iter__(self) -> Iterator[ListedEntity]:
        return iter(self.entities.values())

    def lookup(self, kind: str, value: str) -> tuple[SecurityRow, ...]:
        """Rows whose identifier of ``kind`` equals ``value`` (already normalised)."""
        return self.by_identifier.get((kind, value), ())


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def packaged_listings_dir() -> Path:
    """Where the shipped dataset lives: inside the wheel, or the repo's ``listings/``."""
    wheel_copy = Path(str(resources.files("portfolio_guard"))) / "_listings"
    if (wheel_copy / MANIFEST_FILE).is_file():
        return wheel_copy
    return Path(__file__).resolve().parent.parent / "listings"


def default_listings_dir() -> Path:
    """``$PORTFOLIO_GUARD_LISTINGS`` when set, else the shipped dataset."""
    override = os.environ.get(ENV_LISTINGS)
    return Path(override) if override else packaged_listings_dir()


def _read_verified(directory: Path, name: str, expected: str | None) -> bytes:
    path = directory / name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ListingsError(
            f"{path}: listings file missing; build it with `portfolio-guard listings build`"
        ) from None
    if expected is None:
        raise ListingsError(f"{directory / MANIFEST_FILE}: has no checksum for {name}")
    actual = sha256_bytes(data)
    if actual != expected:
        raise ChecksumError(path, actual, expected)
    return data


def parse_security_rows(text: str) -> list[SecurityRow]:
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != SECURITY_COLUMNS:
        raise ListingsError(f"{SECURITIES_FILE}: unexpected columns {reader.fieldnames}")
    rows = []
    for rec in reader:
        rows.append(
            SecurityRow(
                entity_uid=int(rec["entity_uid"]),
                kind=rec["kind"],
                value=rec["value"],
                market=rec["market"] or None,
                country=rec["country"] or None,
                local_code=rec["local_code"] or None,
                raw=rec["raw"],
                valid=rec["valid"] == "true",
                detail=rec["detail"] or None,
                source=rec["source"],
                source_ref=rec["source_ref"],
            )
        )
    return rows


def format_security_rows(rows: Iterable[SecurityRow]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(SECURITY_COLUMNS)
    for r in rows:
        writer.writerow(
            [
                r.entity_uid,
                r.kind,
                r.value,
                r.market or "",
                r.country or "",
                r.local_code or "",
                r.raw,
                "true" if r.valid else "false",
                r.detail or "",
                r.source,
                r.source_ref,
            ]
        )
    return buf.getvalue()


def _entity_from_json(obj: dict[str, Any], securities: tuple[SecurityRow, ...]) -> ListedEntity:
    return ListedEntity(
        uid=int(obj["uid"]),
        name=obj["name"],
        listing_date=date.fromisoformat(obj["listing_date"]),
        effective_date=date.fromisoformat(obj["effective_date"]),
        divestment_date=date.fromisoformat(obj["divestment_date"]),
        aliases=tuple(obj.get("aliases", ())),
        issuer_names=tuple(obj.get("issuer_names", ())),
        registrations=tuple(obj.get("registrations", ())),
        target_type=obj.get("target_type"),
        linked_to=tuple(obj.get("linked_to", ())),
        other_names=tuple(obj.get("other_names", ())),
        program=obj.get("program", ""),
        securities=securities,
        market_names=tuple(obj.get("market_names", ())),
    )


def load_listings(path: str | Path | None = None) -> Listings:
    """Load and verify a listings dataset (the shipped one by default).

    Raises:
        ListingsError: a file is missing or unreadable.
        ChecksumError: a file does not match the manifest.
    """
    if path is None:
        return _load_default(str(default_listings_dir()))
    return _load(Path(path))


@lru_cache(maxsize=4)
def _load_default(path: str) -> Listings:
    return _load(Path(path))


def _load(directory: Path) -> Listings:
    manifest_path = directory / MANIFEST_FILE
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ListingsError(
            f"{manifest_path}: no listings dataset here; build one with "
            "`portfolio-guard listings build FILE...`"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ListingsError(f"{manifest_path}: not a readable manifest ({exc})") from None
    files = manifest.get("files", {})
    try:
        entities_raw = json.loads(
            _read_verified(directory, ENTITIES_FILE, files.get(ENTITIES_FILE))
        )
        rows = parse_security_rows(
            _read_verified(directory, SECURITIES_FILE, files.get(SECURITIES_FILE)).decode("utf-8")
        )
    except (ValueError, KeyError) as exc:
        if isinstance(exc, ListingsError):
            raise
        raise ListingsError(f"{directory}: listings dataset unreadable ({exc})") from None

    per_entity: dict[int, list[SecurityRow]] = {}
    index: dict[tuple[str, str], list[SecurityRow]] = {}
    for row in rows:
        per_entity.setdefault(row.entity_uid, []).append(row)
        index.setdefault((row.kind, row.value), []).append(row)
    entities = {}
    try:
        for obj in entities_raw:
            uid = int(obj["uid"])
            entities[uid] = _entity_from_json(obj, tuple(per_entity.get(uid, ())))
    except (KeyError, TypeError, ValueError) as exc:
        raise ListingsError(
            f"{directory / ENTITIES_FILE}: entity record unreadable ({exc!r})"
        ) from None
    unknown = set(per_entity) - set(entities)
    if unknown:
        raise ListingsError(f"{SECURITIES_FILE}: rows for unknown entities {sorted(unknown)}")
    return Listings(
        entities=entities,
        manifest=manifest,
        path=str(directory),
        by_identifier={k: tuple(v) for k, v in index.items()},
    )
