"""``read_source``: one OFAC source (a file, or a legacy CSV set) to a ``SourceList``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from portfolio_guard.entity import SourceList
from portfolio_guard.errors import InputError
from portfolio_guard.sources import legacy_csv
from portfolio_guard.sources.csl import read_csl
from portfolio_guard.sources.detect import EXPECTED, Detected, Format, detect
from portfolio_guard.sources.enhanced_xml import read_enhanced_xml
from portfolio_guard.sources.fields import log
from portfolio_guard.sources.legacy_xml import read_legacy_xml

_SINGLE_FILE_READERS: dict[Format, Callable[[Path], SourceList]] = {
    "legacy_xml": read_legacy_xml,
    "enhanced_xml": read_enhanced_xml,
    "csl": read_csl,
}


def _legacy_set(detected: list[Detected]) -> dict[legacy_csv.Role, Path]:
    members: dict[legacy_csv.Role, Path] = {}
    for d in detected:
        assert d.role is not None  # sniff always sets it for legacy CSV
        other = members.get(d.role)
        if other is not None and other.resolve() != d.path.resolve():
            raise InputError(
                f"two {legacy_csv.FILE_NAMES[d.role]} files in one set: {other} and {d.path}",
                d.path,
            )
        members[d.role] = d.path
    if "prim" not in members:
        given = ", ".join(f"{p.name} ({legacy_csv.FILE_NAMES[r]})" for r, p in members.items())
        raise InputError(
            f"{given}: part of a legacy CSV set, which also needs its cons_prim.csv "
            "(the primary records)",
            next(iter(members.values())),
        )
    return members


def read_source(*paths: str | Path) -> SourceList:
    """Read the NS-CMIC entries (program ``CMIC-EO13959``) from one official OFAC source.

    Args:
        paths: one ``consolidated.xml``, ``cons_enhanced.xml`` or ``csl.csv``; or the files of
            one legacy CSV set (``cons_prim.csv`` plus any of ``cons_alt``, ``cons_add``,
            ``cons_comments``); or a directory holding one of those. Formats and set roles are
            detected from content, so renamed files work.

    Returns:
        ``SourceList(format, files, as_of, entities, records_read)``: entities sorted by uid;
        ``as_of`` is the file's own date (legacy XML ``Publish_Date``, enhanced ``dataAsOf``),
        ``None`` for legacy CSV and CSL, which carry none; ``records_read`` counts every entry
        read, CMIC or not. A file with no CMIC entry gives ``entities=()``: the caller decides.

    Raises:
        InputError: no path, a missing/unreadable path, or paths that are not one source.
        UnknownFormatError: a file is not an OFAC list (the message says what was found).
        ParseError: a known format broken inside (truncated XML, a bad CMIC date, a DTD).
    """
    if not paths:
        raise InputError(f"no file given; {EXPECTED}")
    detected: list[Detected] = []
    for raw in paths:
        detected.extend(detect(Path(raw).expanduser()))
    formats = sorted({d.format for d in detected})
    if len(formats) > 1:
        listing = ", ".join(f"{d.path} ({d.format})" for d in detected)
        raise InputError(f"these files are not one OFAC source: {listing}; read one at a time")
    fmt = formats[0]
    if fmt == "legacy_csv":
        result = legacy_csv.read_legacy_csv(_legacy_set(detected))
    else:
        unique = {d.path.resolve(): d.path for d in detected}
        if len(unique) > 1:
            listing = ", ".join(str(p) for p in unique.values())
            raise InputError(f"several {fmt} files given ({listing}); read one at a time")
        result = _SINGLE_FILE_READERS[fmt](detected[0].path)
    if not result.entities:
        log.warning(
            "%s: no %s entries in %d records", ", ".join(result.files), "CMIC", result.records_read
        )
    return result
