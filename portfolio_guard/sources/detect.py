"""Which OFAC format a file is in, decided from its first bytes (never from its name).

* XML: the root element, after the prolog: ``sdnList`` is the legacy XML, ``sanctionsData`` the
  enhanced XML. A ``<!DOCTYPE`` is refused here already (OFAC files have none).
* CSV: a header naming ``_id``, ``entity_number``, ``programs``, ``ids`` is the trade.gov CSL;
  header-less records whose first field is an entity number are a legacy CSV set member, told
  apart by the first record's field count (prim 12, add 6, alt 5 with ``aka``/``fka``,
  comments 2).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from portfolio_guard.errors import InputError, ParseError, UnknownFormatError
from portfolio_guard.sources import csl, legacy_csv
from portfolio_guard.sources.files import DOS_EOF, read_head

Format = Literal["legacy_csv", "legacy_xml", "enhanced_xml", "csl"]
FORMATS: tuple[Format, ...] = ("legacy_csv", "legacy_xml", "enhanced_xml", "csl")
EXPECTED = (
    "expected an OFAC consolidated non-SDN file: cons_prim.csv set, consolidated.xml, "
    "cons_enhanced.xml or trade.gov csl.csv"
)
SNIFF_BYTES = 64 * 1024
XML_ROOTS: dict[str, Format] = {"sdnList": "legacy_xml", "sanctionsData": "enhanced_xml"}
_PROLOG = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)
_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_ROLE_BY_WIDTH: dict[int, legacy_csv.Role] = {w: r for r, w in legacy_csv.FIELDS.items()}


@dataclass(frozen=True, slots=True)
class Detected:
    path: Path
    format: Format
    #: For legacy CSV files, which member of the set this is.
    role: legacy_csv.Role | None = None


def _unknown(path: Path, found: str) -> UnknownFormatError:
    return UnknownFormatError(f"not an OFAC list file: found {found}; {EXPECTED}", path)


def _xml(path: Path, head: bytes) -> Detected:
    pos = 0
    while m := _PROLOG.match(head, pos):
        pos = m.end()
    if head.startswith(b"<!DOCTYPE", pos):
        raise ParseError(
            "refused: the XML declares a DTD (<!DOCTYPE ...>); OFAC files have none, and entity "
            "declarations can expand without bound (billion-laughs attack)",
            path,
        )
    m = _ROOT.match(head, pos)
    if m is None:
        raise _unknown(path, "XML whose root element could not be read")
    root = m.group(1).decode("ascii", "replace")
    if root not in XML_ROOTS:
        raise _unknown(path, f"XML with root element <{root}>")
    return Detected(path, XML_ROOTS[root])


def _records(text: str) -> Iterator[list[str]]:
    for row in csv.reader(io.StringIO(text, newline="")):
        if row:
            yield row


def _csv(path: Path, head: bytes, whole: bool) -> Detected:
    if not whole:
        head = head[: head.rfind(b"\n") + 1] or head  # only complete lines
    text = head.rstrip(DOS_EOF).decode("utf-8-sig", errors="replace")
    try:
        row = next(_records(text), None)
    except csv.Error as exc:
        raise _unknown(path, f"text that is not CSV ({exc})") from None
    if row is None:
        raise _unknown(path, "an empty file")
    # Only the first record decides; a broken later record is the reader's to report, by line.
    first = [v.strip() for v in row]
    if all(c in first for c in csl.REQUIRED):
        return Detected(path, "csl")
    role = _ROLE_BY_WIDTH.get(len(first))
    if (
        first[0].isdigit()
        and role is not None
        and (role != "alt" or first[2].lower() in legacy_csv.ALT_TYPES)
    ):
        return Detected(path, "legacy_csv", role)
    preview = ", ".join(repr(v[:30]) for v in first[:4]) + (", …" if len(first) > 4 else "")
    raise _unknown(
        path,
        f"a CSV whose first record has {len(first)} field(s) ({preview}); "
        "OFAC's legacy CSV has no header and 12 (cons_prim), 5 (cons_alt), 6 (cons_add) or 2 "
        "(cons_comments) fields starting with the entity number, and the CSL has a header "
        "starting _id,source,entity_number",
    )


def sniff(path: Path) -> Detected:
    """Detect one file's format (and, for legacy CSV, its role in the set)."""
    head = read_head(path, SNIFF_BYTES)
    body = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not body.strip(DOS_EOF + b" \t\r\n"):
        raise _unknown(path, "an empty file")
    if body.startswith(b"<"):
        return _xml(path, body)
    if b"\x00" in head:
        raise _unknown(path, "binary data")
    return _csv(path, head, whole=len(head) < SNIFF_BYTES)


def scan_directory(directory: Path) -> list[Detected]:
    """Every OFAC file in ``directory`` (not recursive); other files are ignored."""
    found: list[Detected] = []
    ignored: list[str] = []
    try:
        entries = sorted(directory.iterdir())
    except OSError as exc:
        raise InputError(f"cannot list the directory: {exc.strerror or exc}", directory) from None
    for path in entries:
        if not path.is_file() or path.suffix.lower() not in (".csv", ".xml"):
            continue
        try:
            found.append(sniff(path))
        except UnknownFormatError:
            ignored.append(path.name)
    if not found:
        looked = f" (looked at {', '.join(ignored)})" if ignored else " (no .csv or .xml files)"
        raise UnknownFormatError(
            f"no OFAC list file in this directory{looked}; {EXPECTED}", directory
        )
    return found


def detect(path: Path) -> list[Detected]:
    """:func:`sniff` for a file, :func:`scan_directory` for a directory."""
    if path.is_dir():
        return scan_directory(path)
    if not path.exists():
        raise InputError("no such file or directory", path)
    return [sniff(path)]


def detect_format(path: str | Path) -> str:
    """``"legacy_csv"``, ``"legacy_xml"``, ``"enhanced_xml"`` or ``"csl"``, read from the content.

    A directory is reported by the OFAC files in it (they must agree).

    Raises:
        InputError: the path does not exist or cannot be read.
        UnknownFormatError: it is not an OFAC list file.
        ParseError: an XML file declares a DTD (refused).
    """
    detected = detect(Path(path).expanduser())
    formats = sorted({d.format for d in detected})
    if len(formats) > 1:
        raise InputError(f"holds files of several OFAC formats ({', '.join(formats)})", path)
    return formats[0]
