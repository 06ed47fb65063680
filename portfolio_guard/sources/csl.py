"""trade.gov's Consolidated Screening List CSV (``csl.csv``), which repackages OFAC's lists.

One header row of 29 columns. CMIC rows have ``programs`` = ``CMIC-EO13959``; names are mixed
case and kept so; ``alt_names`` mixes strong and weak aliases (strength ``None``); ``ids`` is
``Type, value[, CC]; ...`` without ``alt.`` prefixes, so each ID is split at its **first**
``", "`` only (issuer names contain ``", "``), and a trailing ``, CC`` is a country code for
registrations. There is no linked-to and no file date.

Known quirks: the header row can reappear inside the file (skipped), and a cut-down copy may end
mid-record (a short non-CMIC row is logged and skipped; a short CMIC row is an error).
"""

from __future__ import annotations

import re
from pathlib import Path

from portfolio_guard.entity import PROGRAM, Alias, Entity, SourceList
from portfolio_guard.errors import ParseError, UnknownFormatError
from portfolio_guard.sources.fields import (
    SECURITY_KINDS,
    EntityBuilder,
    Origin,
    finish,
    log,
    parse_uid,
)
from portfolio_guard.sources.files import csv_records, decode, read_bytes

HEADER = [
    *("_id", "source", "entity_number", "type", "programs", "name", "title", "addresses"),
    *("federal_register_notice", "start_date", "end_date", "standard_order"),
    *("license_requirement", "license_policy", "call_sign", "vessel_type", "gross_tonnage"),
    *("gross_registered_tonnage", "vessel_flag", "vessel_owner", "remarks", "source_list_url"),
    *("alt_names", "citizenships", "dates_of_birth", "nationalities", "places_of_birth"),
    *("source_information_url", "ids"),
]
REQUIRED = ("_id", "entity_number", "programs", "name", "alt_names", "ids")
_COUNTRY_CODE = re.compile(r"[A-Z]{2}")


def split_list(field: str) -> list[str]:
    return [item.strip() for item in field.split(";") if item.strip()]


def _ids(builder: EntityBuilder, field: str) -> None:
    for segment in field.split("; "):
        if not segment.strip():
            continue
        kind, sep, value = segment.partition(", ")
        if not sep:
            raise builder.fail(f"ids entry {segment!r} is not 'Type, value'")
        country = None
        if kind not in SECURITY_KINDS:
            number, sep, code = value.rpartition(", ")
            if sep and _COUNTRY_CODE.fullmatch(code):
                value, country = number, code
        builder.add_id(kind, value, country)


def read_csl(path: Path) -> SourceList:
    rows = csv_records(path, decode(read_bytes(path)), strict=False)
    first = next(rows, None)
    header = [h.strip() for h in first[1]] if first else []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise UnknownFormatError(
            f"not a trade.gov CSL header: lacks {', '.join(missing)} "
            f"(found {', '.join(header[:6])}…)",
            path,
            1,
        )
    col = {name: i for i, name in enumerate(header)}
    entities: list[Entity] = []
    count = skipped = 0
    for line, row in rows:
        if [v.strip() for v in row] == header:
            continue  # the CSL repeats its header row inside the file
        if len(row) != len(header):
            if any(PROGRAM in v for v in row):
                raise ParseError(
                    f"CMIC row has {len(row)} fields, the header {len(header)}", path, line
                )
            skipped += 1
            log.warning(
                "%s:%d: non-CMIC row has %d of %d fields (file cut short?); skipped",
                path,
                line,
                len(row),
                len(header),
            )
            continue
        count += 1
        if PROGRAM not in split_list(row[col["programs"]]):
            continue
        origin = Origin(str(path), line)
        uid = parse_uid(row[col["entity_number"]] or row[col["_id"]], origin, "entity_number")
        builder = EntityBuilder(uid, row[col["name"]], origin)
        for name in row[col["alt_names"]].split("; "):
            if name.strip():
                builder.add_alias(Alias(name.strip(), "aka", None))
        _ids(builder, row[col["ids"]])
        entities.append(builder.build())
    return SourceList("csl", (str(path),), None, finish(entities, str(path)), count)
