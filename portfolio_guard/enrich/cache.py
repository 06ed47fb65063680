"""A small on-disk JSON cache with a maximum age, for remote lookups.

One file per entry, named by the SHA-256 of its key, written atomically (temporary file,
then ``os.replace``) so a crash or a concurrent run never leaves half an entry. An entry
that cannot be read is a miss, never an error: the cache only saves requests.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import platformdirs

from portfolio_guard.enrich.clock import Clock, SystemClock

log = logging.getLogger(__name__)

# Bump when the stored layout changes, so old entries are ignored rather than misread.
_FORMAT = 1

DEFAULT_MAX_AGE = timedelta(days=30)


def default_cache_dir() -> Path:
    """``<user cache dir>/portfolio-guard``, e.g. ``~/.cache/portfolio-guard`` on Linux."""
    return Path(platformdirs.user_cache_dir("portfolio-guard", appauthor=False))


class DiskCache:
    """JSON values keyed by JSON-able keys, under ``directory/<namespace>/``."""

    def __init__(
        self,
        directory: str | Path | None = None,
        *,
        max_age: timedelta = DEFAULT_MAX_AGE,
        clock: Clock | None = None,
    ) -> None:
        if max_age <= timedelta(0):
            raise ValueError(f"max_age must be positive, got {max_age}")
        self.directory = Path(directory) if directory is not None else default_cache_dir()
        self.max_age = max_age
        self._clock = clock or SystemClock()

    def __repr__(self) -> str:
        return f"DiskCache({str(self.directory)!r}, max_age={self.max_age})"

    def _path(self, namespace: str, key: Any) -> Path:
        canonical = json.dumps([_FORMAT, namespace, key], sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        return self.directory / namespace / digest[:2] / f"{digest}.json"

    def get(self, namespace: str, key: Any) -> Any | None:
        """The stored value, or None when absent, expired or unreadable."""
        path = self._path(namespace, key)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            stored_at = float(entry["stored_at"])
            value = entry["value"]
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring unreadable cache entry %s: %s", path, exc)
            return None
        age = self._clock.time() - stored_at
        # A negative age means the clock went back or the file came from elsewhere:
        # its freshness cannot be judged, so refetch.
        if age < 0 or age > self.max_age.total_seconds():
            return None
        return value

    def put(self, namespace: str, key: Any, value: Any) -> None:
        """Store ``value``; a failure to write is logged, not raised."""
        path = self._path(namespace, key)
        entry = {"stored_at": self._clock.time(), "key": key, "value": value}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(entry, handle, ensure_ascii=False)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            log.warning("could not write cache entry %s: %s", path, exc)

    def clear(self, namespace: str | None = None) -> int:
        """Delete entries (one namespace, or all); returns how many files went."""
        root = self.directory / namespace if namespace else self.directory
        count = 0
        if root.is_dir():
            for path in root.rglob("*.json"):
                path.unlink(missing_ok=True)
                count += 1
        return count
