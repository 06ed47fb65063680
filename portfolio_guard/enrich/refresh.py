"""The listings refresh: add the securities OFAC does not print, from OpenFIGI and Yahoo.

``refresh_dataset(folder, openfigi=client)`` loads the dataset (checksums verified), asks
the services (:mod:`portfolio_guard.enrich.collect`), merges, and writes ``securities.csv``
and ``manifest.json`` back (:mod:`portfolio_guard.enrich.writeback`). Merge rules:

* OFAC and curated rows are never touched; an enrichment row that repeats one of them (same
  entity, kind and value) is not added.
* The rows of each refreshed source are replaced by what this run found: rows found again
  stay (with today's ``source_ref``), new ones are *added*, the rest are *removed*. Sources
  not refreshed keep their rows. Where a lookup for an entity did not complete (a per-job
  error, a truncated search, Yahoo giving up), that entity keeps its previous rows of that
  source: an incomplete answer is no evidence that a line went away.
* An identifier found for two entities, or already on another entity, is added to neither
  and reported: attributing it is a person's call.

The manifest gets a ``refreshes`` entry (when, sources, counts added/removed/kept).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from portfolio_guard.enrich.clock import Clock, SystemClock
from portfolio_guard.enrich.collect import Candidate, Collector, Findings, ProgressFn
from portfolio_guard.enrich.openfigi import OpenFigiClient
from portfolio_guard.enrich.writeback import write_refreshed
from portfolio_guard.enrich.yahoo import YahooClient
from portfolio_guard.listings import Listings, SecurityRow, load_listings

SOURCES = ("openfigi", "yahoo")
RowKey = tuple[int, str, str, str]


def _key(row: SecurityRow) -> RowKey:
    return (row.entity_uid, row.kind, row.value, row.source)


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh changed, for the summary and for tests."""

    directory: Path
    sources: tuple[str, ...]
    old_version: str
    new_version: str
    added: tuple[SecurityRow, ...]
    removed: tuple[SecurityRow, ...]
    # Found again (same entity, kind, value and source as before).
    unchanged: int
    # Previous rows kept because a lookup for their entity did not complete.
    carried: tuple[SecurityRow, ...]
    # Identifiers found for more than one entity, left out.
    conflicts: tuple[str, ...]
    # Candidates that came close but were not added (worth a person's look).
    near_misses: tuple[Candidate, ...]
    warnings: tuple[str, ...]
    requests: dict[str, int]
    manifest: dict[str, Any]
    entity_names: dict[int, str]


def _merge(
    listings: Listings, sources: tuple[str, ...], found: Findings
) -> tuple[list[SecurityRow], list[SecurityRow], list[SecurityRow], list[str]]:
    """(final rows, rows found this run, carried rows, conflict notes)."""
    old = [s for e in sorted(listings, key=lambda e: e.uid) for s in e.securities]
    base = [r for r in old if r.source not in sources]
    owners: dict[tuple[str, str], set[int]] = {}
    for row in base:
        owners.setdefault((row.kind, row.value), set()).add(row.entity_uid)
    proposed: dict[tuple[str, str], set[int]] = {}
    for (uid, source), rows in found.rows.items():
        if source in sources:
            for row in rows:
                proposed.setdefault((row.kind, row.value), set()).add(uid)
    conflicts: list[str] = []
    blocked: set[tuple[str, str]] = set()
    for ident, uids in sorted(proposed.items()):
        elsewhere = owners.get(ident, set()) - uids
        if len(uids) > 1 or elsewhere:
            blocked.add(ident)
            who = ", ".join(str(u) for u in sorted(uids | elsewhere))
            conflicts.append(f"{ident[0]} {ident[1]} points to entities {who}; not added")
    in_base = {(r.entity_uid, r.kind, r.value) for r in base}
    new: dict[tuple[int, str, str], SecurityRow] = {}
    for source in sources:
        for (uid, src), rows in sorted(found.rows.items()):
            if src != source:
                continue
            for row in rows:
                triple = (uid, row.kind, row.value)
                if triple in in_base or (row.kind, row.value) in blocked:
                    continue
                first = new.get(triple)
                if first is None:
                    new[triple] = row
                elif row.source == "yahoo" and first.source == "openfigi":
                    # Yahoo's row would repeat OpenFIGI's: say on that row that Yahoo agrees.
                    new[triple] = replace(
                        first, detail=f"{first.detail}; Yahoo Finance {row.raw} agrees"
                    )
    taken = in_base | set(new)
    carried = [
        r
        for r in old
        if r.source in sources
        and (r.entity_uid, r.source) in found.incomplete
        and (r.entity_uid, r.kind, r.value) not in taken
    ]
    return base + list(new.values()) + carried, list(new.values()), carried, conflicts


def refresh_dataset(
    directory: str | Path,
    *,
    openfigi: OpenFigiClient | None = None,
    yahoo: YahooClient | None = None,
    today: date | None = None,
    clock: Clock | None = None,
    progress: ProgressFn | None = None,
    search: bool = True,
) -> RefreshResult:
    """Refresh the dataset in ``directory`` in place from the given services.

    Args:
        openfigi: refresh the ``openfigi`` rows with this client (None: keep them as they are).
        yahoo: refresh the ``yahoo`` rows with this client (None: keep them).
        today: the date written into ``source_ref`` (default: today, UTC, by ``clock``).
        progress: called as ``progress(phase, done, total)``.
        search: also search by name (False: only map the identifiers already known).

    Raises:
        ListingsError / ChecksumError: the dataset cannot be loaded or written.
        RemoteError: OpenFIGI failed for good; nothing was written.
        ValueError: neither service given.
    """
    if openfigi is None and yahoo is None:
        raise ValueError("refresh needs OpenFIGI, Yahoo or both")
    folder = Path(directory)
    clock = clock or SystemClock()
    now = datetime.fromtimestamp(clock.time(), UTC)
    listings = load_listings(folder)
    sources = tuple(
        s for s, client in zip(SOURCES, (openfigi, yahoo), strict=True) if client is not None
    )
    found = Collector(
        listings,
        openfigi=openfigi,
        yahoo=yahoo,
        today=today or now.date(),
        clock=clock,
        progress=progress,
        search=search,
    ).run()
    final, new, carried, conflicts = _merge(listings, sources, found)
    old_keys = {_key(s) for e in listings for s in e.securities}
    added = [r for r in new if _key(r) not in old_keys]
    final_keys = {_key(r) for r in final}
    removed = [
        s
        for e in sorted(listings, key=lambda e: e.uid)
        for s in e.securities
        if s.source in sources and _key(s) not in final_keys
    ]
    record: dict[str, Any] = {
        "at": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "sources": list(sources),
        "added": len(added),
        "removed": len(removed),
        "unchanged": len(new) - len(added),
        "carried_over": len(carried),
        "conflicts": len(conflicts),
        "rows": {s: sum(r.source == s for r in final) for s in sources},
        "requests": dict(sorted(found.requests.items())),
        "warnings": len(found.warnings),
    }
    if openfigi is not None:
        record["openfigi_url"] = openfigi.base_url
    manifest = write_refreshed(folder, listings.manifest, final, len(listings), record)
    return RefreshResult(
        directory=folder,
        sources=sources,
        old_version=listings.version,
        new_version=str(manifest["version"]),
        added=tuple(added),
        removed=tuple(removed),
        unchanged=len(new) - len(added),
        carried=tuple(carried),
        conflicts=tuple(conflicts),
        near_misses=tuple(c for c in found.candidates if not c.kept and c.near_miss),
        warnings=tuple(found.warnings),
        requests=dict(found.requests),
        manifest=manifest,
        entity_names={e.uid: e.name for e in listings},
    )


__all__ = ["SOURCES", "RefreshResult", "refresh_dataset"]
