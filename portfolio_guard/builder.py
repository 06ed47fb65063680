"""Build the listings dataset from official OFAC files plus the curated additions.

The output is deterministic (same inputs, same bytes) so that a rebuild in CI can be compared
with the committed dataset. Files are written to a temporary folder beside the target and
moved into place one by one, the manifest last: a failure part-way leaves the previous
manifest, whose checksums then refuse the half-written files instead of trusting them.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from portfolio_guard import identifiers, tickers
from portfolio_guard.curated import CuratedRow, read_curated
from portfolio_guard.entity import Entity, SourceList
from portfolio_guard.errors import IdentifierError, ParseError
from portfolio_guard.listings import (
    CURATED_FILE,
    ENTITIES_FILE,
    MANIFEST_FILE,
    SECURITIES_FILE,
    SecurityRow,
    format_security_rows,
    packaged_listings_dir,
    sha256_bytes,
    sha256_file,
)

BUILDER_VERSION = "1.0"
EFFECTIVE_AFTER = timedelta(days=60)
DIVESTMENT_AFTER = timedelta(days=365)


def _norm_name(name: str) -> str:
    return " ".join(name.upper().rstrip(".").split())


def _ticker_row(uid: int, listing: tickers.Listing, source: str, ref: str) -> SecurityRow:
    return SecurityRow(
        entity_uid=uid,
        kind="ticker",
        value=listing.key,
        market=listing.mic,
        country=listing.country,
        local_code=listing.code,
        raw=listing.raw,
        valid=True,
        detail=None,
        source=source,
        source_ref=ref,
    )


def _isin_rows(uid: int, isin: str, source: str, ref: str) -> list[SecurityRow]:
    valid = identifiers.is_valid_isin(isin)
    value = identifiers.normalize_isin(isin) if valid else isin.strip().upper()
    assert value is not None
    rows = [
        SecurityRow(
            entity_uid=uid,
            kind="isin",
            value=value,
            market=None,
            country=value[:2],
            local_code=None,
            raw=isin,
            valid=valid,
            detail=identifiers.isin_kind(value) if valid else "fails ISIN validation",
            source=source,
            source_ref=ref,
        )
    ]
    cusip = identifiers.isin_to_cusip(value) if valid else None
    if cusip is not None:
        # A US/CA ISIN carries the CUSIP brokers print: list it as evidence of its own.
        rows.append(
            replace(rows[0], kind="cusip", value=cusip, detail=f"derived from ISIN {value}")
        )
    return rows


def ofac_security_rows(entity: Entity, ref: str) -> list[SecurityRow]:
    rows: list[SecurityRow] = []
    for isin in entity.isins:
        rows.extend(_isin_rows(entity.uid, isin, "ofac", ref))
    for raw in entity.tickers:
        rows.append(_ticker_row(entity.uid, tickers.parse_ofac_ticker(raw), "ofac", ref))
    return rows


def curated_security_rows(
    rows: Iterable[CuratedRow], known: dict[int, Entity], path: Path
) -> list[SecurityRow]:
    out: list[SecurityRow] = []
    for row in rows:
        if row.entity_uid not in known:
            raise ParseError(f"entity_uid {row.entity_uid} is not on the list", path, row.line, 1)
        ref = f"{row.source} ({row.source_date})" if row.source_date else row.source
        if row.kind == "name":
            continue  # names go into entities.json (market_names), not securities.csv
        try:
            if row.kind == "isin":
                isin = identifiers.validate_isin(row.value)
                out.extend(_isin_rows(row.entity_uid, isin, "curated", ref))
            elif row.kind == "cusip":
                cusip = identifiers.validate_cusip(row.value)
                out.append(
                    SecurityRow(
                        row.entity_uid,
                        "cusip",
                        cusip,
                        None,
                        None,
                        None,
                        row.value,
                        True,
                        row.note or None,
                        "curated",
                        ref,
                    )
                )
            elif row.kind == "figi":
                figi = identifiers.validate_figi(row.value)
                out.append(
                    SecurityRow(
                        row.entity_uid,
                        "figi",
                        figi,
                        None,
                        None,
                        None,
                        row.value,
                        True,
                        row.note or None,
                        "curated",
                        ref,
                    )
                )
            else:
                candidates = [
                    c
                    for c in tickers.parse_ticker(row.value, exchange=row.market)
                    if c.mic == row.market or c.mic is None
                ]
                if not candidates:
                    raise IdentifierError(
                        f"ticker {row.value!r} cannot be read on market {row.market}"
                    )
                listing = candidates[0]
                out.append(
                    _ticker_row(
                        row.entity_uid,
                        tickers.Listing(listing.code, listing.country, row.market, row.value),
                        "curated",
                        ref,
                    )
                )
        except IdentifierError as exc:
            raise ParseError(str(exc), path, row.line, 4) from None
    return out


def _dedupe(rows: Iterable[SecurityRow]) -> list[SecurityRow]:
    """Keep the first row per (entity, kind, value): OFAC before curated, file order."""
    seen: set[tuple[int, str, str]] = set()
    out = []
    for row in rows:
        key = (row.entity_uid, row.kind, row.value)
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out


def entity_json(
    entity: Entity, uid_by_name: dict[str, int], market_names: Sequence[CuratedRow] = ()
) -> dict[str, Any]:
    links = []
    for i, name in enumerate(entity.linked_to):
        uid = entity.linked_uids[i] if i < len(entity.linked_uids) else None
        links.append(
            {"name": name, "uid": uid if uid is not None else uid_by_name.get(_norm_name(name))}
        )
    warnings = []
    if entity.effective_date != entity.listing_date + EFFECTIVE_AFTER:
        warnings.append("effective date is not listing date + 60 days")
    if entity.divestment_date != entity.listing_date + DIVESTMENT_AFTER:
        warnings.append("divestment date is not listing date + 365 days")
    return {
        "uid": entity.uid,
        "name": entity.name,
        "aliases": [
            {"name": a.name, "kind": a.kind, "strength": a.strength} for a in entity.aliases
        ],
        "issuer_names": list(entity.issuer_names),
        "other_names": list(entity.other_names),
        "market_names": [
            {"name": r.value, "note": r.note, "source": r.source, "source_date": r.source_date}
            for r in market_names
        ],
        "listing_date": entity.listing_date.isoformat(),
        "effective_date": entity.effective_date.isoformat(),
        "divestment_date": entity.divestment_date.isoformat(),
        "target_type": entity.target_type,
        "registrations": [
            {"kind": r.kind, "number": r.number, "country": r.country} for r in entity.registrations
        ],
        "linked_to": links,
        "program": entity.program,
        "warnings": warnings,
    }


def _write_atomically(out_dir: Path, files: dict[str, bytes]) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".build-") as tmp:
        for name, data in files.items():
            (Path(tmp) / name).write_bytes(data)
        # The manifest goes last: until it lands, the old manifest's checksums guard the old data.
        for name in sorted(files, key=lambda n: n == MANIFEST_FILE):
            os.replace(Path(tmp) / name, out_dir / name)


def build_dataset(
    source: SourceList,
    out_dir: str | Path,
    curated: str | Path | None = None,
    extra_rows: Sequence[SecurityRow] = (),
) -> dict[str, Any]:
    """Write ``entities.json``, ``securities.csv`` and ``manifest.json`` into ``out_dir``.

    ``curated`` defaults to ``out_dir/curated.csv`` when present, else the shipped one.
    ``extra_rows`` carries enrichment rows (OpenFIGI, Yahoo) kept across rebuilds.
    Returns the manifest.
    """
    out = Path(out_dir)
    if curated is None:
        local = out / CURATED_FILE
        curated = local if local.is_file() else packaged_listings_dir() / CURATED_FILE
    curated_path = Path(curated)
    entities = sorted(source.entities, key=lambda e: e.uid)
    known = {e.uid: e for e in entities}
    uid_by_name = {_norm_name(e.name): e.uid for e in entities}
    ref = ",".join(Path(f).name for f in source.files)

    rows: list[SecurityRow] = []
    for entity in entities:
        rows.extend(ofac_security_rows(entity, ref))
    curated_rows: list[CuratedRow] = []
    if curated_path.is_file():
        curated_rows = read_curated(curated_path)
        rows.extend(curated_security_rows(curated_rows, known, curated_path))
    rows.extend(r for r in extra_rows if r.entity_uid in known)
    order = {"ofac": 0, "curated": 1}
    rows = _dedupe(rows)
    rows.sort(key=lambda r: (r.entity_uid, order.get(r.source, 2)))

    names_by_uid: dict[int, list[CuratedRow]] = {}
    for row in curated_rows:
        if row.kind == "name":
            if row.entity_uid not in known:
                raise ParseError(
                    f"entity_uid {row.entity_uid} is not on the list", curated_path, row.line, 1
                )
            names_by_uid.setdefault(row.entity_uid, []).append(row)
    entities_bytes = (
        json.dumps(
            [entity_json(e, uid_by_name, names_by_uid.get(e.uid, ())) for e in entities],
            ensure_ascii=False,
            indent=1,
        )
        + "\n"
    ).encode("utf-8")
    securities_bytes = format_security_rows(rows).encode("utf-8")
    files_sha = {
        ENTITIES_FILE: sha256_bytes(entities_bytes),
        SECURITIES_FILE: sha256_bytes(securities_bytes),
    }
    manifest: dict[str, Any] = {
        "dataset": "NS-CMIC listings (OFAC program CMIC-EO13959)",
        "builder_version": BUILDER_VERSION,
        "version": sha256_bytes("".join(files_sha.values()).encode())[:12],
        "as_of": source.as_of.isoformat() if source.as_of else None,
        "sources": [
            {
                "file": Path(f).name,
                "format": source.format,
                "sha256": sha256_file(Path(f)),
                "bytes": Path(f).stat().st_size,
            }
            for f in source.files
        ],
        "curated": {
            "file": curated_path.name if curated_rows else None,
            "sha256": sha256_file(curated_path) if curated_rows else None,
            "rows": len(curated_rows),
        },
        "counts": {
            "entities": len(entities),
            "securities": len(rows),
            "by_kind": dict(sorted(Counter(r.kind for r in rows).items())),
            "by_source": dict(sorted(Counter(r.source for r in rows).items())),
            "invalid_identifiers": sum(not r.valid for r in rows),
        },
        "files": files_sha,
    }
    manifest_bytes = (json.dumps(manifest, indent=1) + "\n").encode("utf-8")
    _write_atomically(
        out,
        {
            ENTITIES_FILE: entities_bytes,
            SECURITIES_FILE: securities_bytes,
            MANIFEST_FILE: manifest_bytes,
        },
    )
    return manifest
