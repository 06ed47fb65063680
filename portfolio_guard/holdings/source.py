"""Opening a holdings file: size and type checks, encoding, delimiter, and rows with line numbers.

Text is decoded as UTF-8 (a BOM is dropped), else cp1252, else latin-1, decided over the whole file
before any row is read so a bad byte on line 90,000 cannot surface half-way. Rows are streamed;
a row's number is the physical line it starts on (a spreadsheet's row number for ``.xlsx``).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Literal

from portfolio_guard.errors import InputError, ParseError, UnknownFormatError
from portfolio_guard.holdings.symbols import clean_text

#: Larger files are refused with a clear error rather than read into memory.
MAX_FILE_BYTES = 1 << 30
#: Wider rows are refused: no export has them, and each cell costs work.
MAX_CELLS = 10_000
#: How much of a text file layout detection looks at.
HEAD_BYTES = 64 * 1024
_MAX_XLSX_UNPACKED = 4 * MAX_FILE_BYTES
_DELIMITERS = (",", ";", "\t", "|")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")

Record = tuple[int, list[str]]


@dataclass(frozen=True)
class Source:
    """A file opened for reading."""

    path: str
    kind: Literal["text", "xlsx"]
    size: int
    encoding: str = "utf-8"
    delimiter: str = ","
    head: str = ""  # the decoded start of a text file, cut at a line end


def open_source(path: str | Path) -> Source:
    """Check a file and work out how to read it.

    Raises:
        InputError: missing, unreadable or too large.
        UnknownFormatError: empty, binary, legacy ``.xls``, PDF or another archive.
    """
    name = str(path)
    file = Path(path)
    try:
        size = file.stat().st_size
        if not file.is_file():
            raise InputError("not a file", name)
        with file.open("rb") as handle:
            raw_head = handle.read(HEAD_BYTES)
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", name) from exc
    if size == 0 or not raw_head.strip(b" \t\r\n\xef\xbb\xbf"):
        raise UnknownFormatError("the file is empty", name)
    if size > MAX_FILE_BYTES:
        raise InputError(
            f"the file is {size / 2**20:,.0f} MiB; the reader accepts up to "
            f"{MAX_FILE_BYTES / 2**20:,.0f} MiB, split it into smaller files",
            name,
        )
    if raw_head.startswith(b"PK\x03\x04"):
        _check_xlsx(file, name)
        return Source(name, "xlsx", size)
    _refuse_other_binaries(raw_head, name)
    encoding = _detect_encoding(raw_head)
    head = _decode_head(raw_head, encoding, size)
    _refuse_control_characters(head, name)
    return Source(name, "text", size, encoding, sniff_delimiter(head), head)


def _check_xlsx(file: Path, name: str) -> None:
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
    except Exception as exc:
        # zipfile reports damage as BadZipFile, but also ValueError, EOFError,
        # NotImplementedError (unknown compression) and others.
        raise UnknownFormatError(f"a damaged ZIP or XLSX file ({exc})", name) from exc
    if not any(m.filename == "xl/workbook.xml" for m in members):
        raise UnknownFormatError("a ZIP archive, not an .xlsx workbook or a CSV file", name)
    if sum(m.file_size for m in members) > _MAX_XLSX_UNPACKED:
        raise InputError("the workbook unpacks to more than 4 GiB; export the sheet as CSV", name)


def _refuse_other_binaries(raw: bytes, name: str) -> None:
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnknownFormatError("a legacy Excel .xls file: save it as .xlsx or CSV", name)
    if raw.startswith(b"%PDF"):
        raise UnknownFormatError("a PDF statement: download the positions as CSV instead", name)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return  # UTF-16 text (Excel's "Unicode text")
    if b"\x00" in raw:
        raise UnknownFormatError("a binary file, not a CSV or XLSX export", name)


def _detect_encoding(raw_head: bytes) -> str:
    """UTF-8 (BOM or not) if the head decodes as UTF-8, else cp1252, else latin-1.

    Only the head is checked; a reader meeting a bad byte further on retries with
    :func:`fallback_encoding` (pandas and the csv module both raise ``UnicodeDecodeError``).
    """
    if raw_head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            codecs.getincrementaldecoder(encoding)(errors="strict").decode(raw_head, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    return "latin-1"


def fallback_encoding(encoding: str) -> str | None:
    """The next encoding to try after ``encoding`` failed on a later byte, if any."""
    return {"utf-8-sig": "cp1252", "cp1252": "latin-1"}.get(encoding)


def _decode_head(raw: bytes, encoding: str, size: int) -> str:
    text = raw.decode(encoding, errors="ignore")
    if len(raw) < size:  # cut a partial last line so detection never sees half a row
        cut = max(text.rfind("\n"), text.rfind("\r"))
        text = text[: cut + 1] if cut > 0 else text
    return text


def _refuse_control_characters(head: str, name: str) -> None:
    sample = head[:65536]
    control = len(_CONTROL.findall(sample))
    if sample and control > max(8, len(sample) // 100):
        raise UnknownFormatError("a binary file, not a CSV or XLSX export", name)


def sniff_delimiter(head: str) -> str:
    """The delimiter that splits the first rows most consistently into more than one cell."""
    lines = [line for line in head.splitlines()[:60] if line.strip()]
    best, best_score = ",", (0, 0)
    for delimiter in _DELIMITERS:
        counts: dict[int, int] = {}
        try:
            for row in csv.reader(lines, delimiter=delimiter):
                width = sum(1 for cell in row if cell.strip())
                if width > 1:
                    counts[width] = counts.get(width, 0) + 1
        except csv.Error:
            continue
        if not counts:
            continue
        # Rows sharing a width, weighted by the width: the header and its rows agree.
        score = max((n * min(w, 8), w) for w, n in counts.items())
        if score > best_score:
            best, best_score = delimiter, score
    return best


def text_records(source: Source) -> Iterator[Record]:
    """Rows of a text file as ``(line, cells)``, cells trimmed, streamed from disk."""
    try:
        with open(source.path, encoding=source.encoding, newline="") as handle:
            yield from _csv_records(handle, source)
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", source.path) from exc


def head_records(source: Source) -> list[Record]:
    """The rows of the decoded head (all rows for a small file)."""
    return list(_csv_records(io.StringIO(source.head, newline=""), source))


def _csv_records(handle: Any, source: Source) -> Iterator[Record]:
    reader = csv.reader(handle, delimiter=source.delimiter)
    line = 0
    while True:
        start = line + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ParseError(f"not readable as CSV: {exc}", source.path, reader.line_num) from exc
        line = reader.line_num
        if len(row) > MAX_CELLS:
            raise ParseError(
                f"a row of {len(row):,} cells: not a holdings export", source.path, start
            )
        yield start, [clean_text(cell) for cell in row]


def sheet_names(source: Source) -> list[str]:
    """The worksheets of a workbook, in order."""
    workbook = _load_workbook(source)
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


def xlsx_records(source: Source, sheet: str) -> Generator[Record, None, None]:
    """Rows of one worksheet as ``(row number, cells)``; numbers become plain decimal text."""
    workbook = _load_workbook(source)
    try:
        worksheet = workbook[sheet]
        for number, row in enumerate(worksheet.iter_rows(values_only=True), start=1):
            yield number, [_cell_text(value) for value in row]
    except Exception as exc:
        # As for loading: a damaged sheet surfaces as XML, zip, key or value errors from
        # openpyxl's internals, and all mean one thing to the user.
        raise ParseError(f"cannot read sheet {sheet!r}: {exc}", source.path) from exc
    finally:
        workbook.close()


def _load_workbook(source: Source) -> Any:
    import openpyxl  # imported here: only spreadsheets need it

    try:
        return openpyxl.load_workbook(source.path, read_only=True, data_only=True)
    except Exception as exc:
        # openpyxl signals a broken workbook with many exception types (KeyError, BadZipFile,
        # InvalidFileException, lxml errors...); all mean the same thing to the user.
        raise UnknownFormatError(f"not a readable .xlsx workbook ({exc})", source.path) from exc


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "" if value != value else repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return clean_text(str(value))
