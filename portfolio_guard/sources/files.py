"""Reading OFAC files as bytes and text, with the project's errors instead of ``OSError``."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from portfolio_guard.errors import InputError, ParseError

#: OFAC's legacy files end with a DOS end-of-file byte after the last line break.
DOS_EOF = b"\x1a"
#: The legacy CSV null: ``-0-`` followed by one space (the space is part of the token).
CSV_NULL = "-0- "


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a file", path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None


def decode(data: bytes) -> str:
    """Text of an OFAC file: UTF-8 (BOM or not), else Windows-1252, which legacy files use."""
    data = data.rstrip(DOS_EOF)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def line_at(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def locate(data: bytes, patterns: Sequence[bytes]) -> int | None:
    """Line where the last of ``patterns`` (regexes, each searched after the previous) matches.

    Error paths use this to name a line in XML, where the parse tree keeps none; the happy path
    never pays for it. Falls back to the last pattern found, or ``None``.
    """
    offset: int | None = None
    for pattern in patterns:
        found = re.compile(pattern).search(data, offset or 0)
        if found is None:
            break
        offset = found.start()
    return None if offset is None else line_at(data, offset)


def csv_records(path: Path, text: str, *, strict: bool = True) -> Iterator[tuple[int, list[str]]]:
    """``(first line, fields)`` for each non-empty CSV record; CRLF and LF alike."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=strict)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ParseError(f"broken CSV ({exc})", path, reader.line_num) from None
        line, start = start, reader.line_num + 1
        if row:
            yield line, row


def null_to_none(value: str) -> str | None:
    return None if value in (CSV_NULL, CSV_NULL.strip()) else value


def read_head(path: Path, size: int) -> bytes:
    """The first ``size`` bytes, for sniffing a format without reading a whole file."""
    try:
        with path.open("rb") as handle:
            return handle.read(size)
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a file", path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
