"""Small hand-edited CSV files (curated additions, suppressions): one reader for their shape.

``#`` lines and blank lines may stand before the header and between rows; the header must
name exactly the expected columns; every row has exactly that many cells. Errors name the
file and the physical line.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from portfolio_guard.errors import InputError, ParseError


def read_table(
    path: str | Path, columns: tuple[str, ...], what: str
) -> Iterator[tuple[int, list[str]]]:
    """``(line, cells)`` of each data row, cells stripped; ``what`` names the file in errors."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{what} file not found", path) from None
    except UnicodeDecodeError as exc:
        raise ParseError(f"not UTF-8 text ({exc.reason})", path) from None
    header_seen = False
    for line, cells in enumerate(csv.reader(text.splitlines()), start=1):
        if not cells or all(not c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
            continue
        stripped = [c.strip() for c in cells]
        if not header_seen:
            if tuple(c.lower() for c in stripped) != columns:
                raise ParseError(
                    f"expected the header {','.join(columns)}, found {','.join(stripped)}",
                    path,
                    line,
                )
            header_seen = True
            continue
        if len(stripped) != len(columns):
            raise ParseError(f"expected {len(columns)} cells, found {len(stripped)}", path, line)
        yield line, stripped
    if not header_seen:
        raise ParseError(f"expected the header {','.join(columns)}, found an empty file", path, 1)
