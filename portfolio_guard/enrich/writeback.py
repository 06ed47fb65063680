"""Write a refreshed ``securities.csv`` and ``manifest.json`` into an existing dataset.

``entities.json`` is not touched: a refresh changes securities, never the list. Rows are in
the builder's order (by entity; OFAC, then curated, then enrichment), so ``listings build``
with the same rows as ``extra_rows`` gives the same bytes.

Nothing is written until every remote lookup has finished. Then both files are written and
synced in a temporary folder beside the target and moved in with ``os.replace``, securities
first and the manifest last; if the manifest cannot be moved in, the previous
``securities.csv`` is moved back. Either way a failure leaves the previous dataset byte for
byte (only a power cut between the two renames leaves a pair the manifest's checksum
refuses, never one it trusts).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from portfolio_guard.errors import ListingsError
from portfolio_guard.listings import (
    ENTITIES_FILE,
    MANIFEST_FILE,
    SECURITIES_FILE,
    SecurityRow,
    format_security_rows,
    sha256_bytes,
)

# How many past refreshes the manifest remembers.
HISTORY = 20
_ORDER = {"ofac": 0, "curated": 1}


def ordered(rows: Iterable[SecurityRow]) -> list[SecurityRow]:
    """The builder's order: by entity, OFAC first, then curated, then the rest as given."""
    return sorted(rows, key=lambda r: (r.entity_uid, _ORDER.get(r.source, 2)))


def counts(rows: Sequence[SecurityRow], entities: int) -> dict[str, Any]:
    """The manifest's ``counts`` block, computed as the builder computes it."""
    return {
        "entities": entities,
        "securities": len(rows),
        "by_kind": dict(sorted(Counter(r.kind for r in rows).items())),
        "by_source": dict(sorted(Counter(r.source for r in rows).items())),
        "invalid_identifiers": sum(not r.valid for r in rows),
    }


def write_refreshed(
    directory: Path,
    manifest: Mapping[str, Any],
    rows: Sequence[SecurityRow],
    entities: int,
    record: Mapping[str, Any],
) -> dict[str, Any]:
    """Replace ``securities.csv`` with ``rows`` and append ``record`` to the manifest.

    Returns the new manifest.

    Raises:
        ListingsError: the folder cannot be written (read-only install, full disk…).
    """
    securities = format_security_rows(ordered(rows)).encode("utf-8")
    files = dict(manifest.get("files", {}))
    if ENTITIES_FILE not in files:
        raise ListingsError(f"{directory / MANIFEST_FILE}: has no checksum for {ENTITIES_FILE}")
    files[SECURITIES_FILE] = sha256_bytes(securities)
    new = dict(manifest)
    new["files"] = {ENTITIES_FILE: files[ENTITIES_FILE], SECURITIES_FILE: files[SECURITIES_FILE]}
    # Same formula as the builder: the version names the exact pair of files.
    new["version"] = sha256_bytes((files[ENTITIES_FILE] + files[SECURITIES_FILE]).encode())[:12]
    new["counts"] = counts(rows, entities)
    history = [dict(r) for r in manifest.get("refreshes", ()) if isinstance(r, Mapping)]
    new["refreshes"] = [*history, dict(record)][-HISTORY:]
    payload = (json.dumps(new, indent=1) + "\n").encode("utf-8")
    try:
        _swap_in(directory, securities, payload)
    except OSError as exc:
        raise ListingsError(f"{directory}: cannot write the refreshed dataset ({exc})") from exc
    return new


def _write_synced(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _swap_in(directory: Path, securities: bytes, manifest: bytes) -> None:
    with tempfile.TemporaryDirectory(dir=directory, prefix=".refresh-") as tmp:
        staging = Path(tmp)
        _write_synced(staging / SECURITIES_FILE, securities)
        _write_synced(staging / MANIFEST_FILE, manifest)
        backup = staging / f"{SECURITIES_FILE}.previous"
        shutil.copy2(directory / SECURITIES_FILE, backup)
        os.replace(staging / SECURITIES_FILE, directory / SECURITIES_FILE)
        try:
            os.replace(staging / MANIFEST_FILE, directory / MANIFEST_FILE)
        except BaseException:
            os.replace(backup, directory / SECURITIES_FILE)
            raise
