"""The project's exception tree.

Every error a user can cause is one of these, so the CLI can print one line and exit 2
instead of a traceback::

    PortfolioGuardError            base: ``detail`` (human) and ``code`` (stable, machine)
    ├── InputError                 a file we were asked to read is wrong: path, line, column
    │   ├── UnknownFormatError     not a layout we know (OFAC list, broker export)
    │   └── ParseError             a known layout, broken inside (truncated XML, bad date)
    ├── IdentifierError            (also ``ValueError``) an ISIN/CUSIP/ticker that cannot be read
    ├── ListingsError              the listings dataset is missing, stale or corrupt
    │   └── ChecksumError          a dataset file does not match its manifest
    └── RemoteError                a remote service (OpenFIGI, Yahoo) failed for good
"""

from __future__ import annotations

from pathlib import Path


class PortfolioGuardError(Exception):
    """Base of every error the project raises on purpose."""

    code = "error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def __str__(self) -> str:
        return self.detail


class InputError(PortfolioGuardError):
    """A file given to us cannot be used; says where and, when known, how to fix it."""

    code = "bad_input"

    def __init__(
        self,
        detail: str,
        path: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(detail)
        self.path = None if path is None else str(path)
        self.line = line
        self.column = column

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        return f"{where}{self.detail}"


class UnknownFormatError(InputError):
    """The file is not in any layout we can read."""

    code = "unknown_format"


class ParseError(InputError):
    """The file is in a layout we know but is broken inside."""

    code = "parse_error"


class IdentifierError(PortfolioGuardError, ValueError):
    """A securities identifier or ticker that cannot be read."""

    code = "bad_identifier"


class ListingsError(PortfolioGuardError):
    """The listings dataset is missing, stale or corrupt."""

    code = "listings_unavailable"


class ChecksumError(ListingsError):
    """A listings file does not match the checksum in its manifest."""

    code = "checksum_mismatch"

    def __init__(self, path: str | Path, actual: str, expected: str) -> None:
        super().__init__(
            f"{path}: SHA-256 {actual[:12]}… does not match the manifest's {expected[:12]}…; "
            "rebuild with `portfolio-guard listings build`"
        )
        self.path = str(path)
        self.actual = actual
        self.expected = expected


class RemoteError(PortfolioGuardError):
    """A remote service failed and retrying did not help."""

    code = "remote_error"
