"""OFAC's legacy CSV set: ``cons_prim.csv`` plus optional ``cons_{alt,add,comments}.csv``.

Layout per OFAC's ``dat_spec.txt``: no header, quoted text, ``-0- `` (trailing space) for null,
a DOS EOF byte ``0x1A`` at the end, CRLF or LF. Every CMIC fact except strong aliases lives in
the prim file's Remarks (see :mod:`portfolio_guard.sources.remarks`); strong aliases are in
``cons_alt.csv`` and a Remarks cut at 1,000 characters continues in ``cons_comments.csv``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Literal

from portfolio_guard.entity import PROGRAM, Alias, AliasKind, Entity, SourceList
from portfolio_guard.errors import ParseError
from portfolio_guard.sources.fields import EntityBuilder, Origin, finish, log, parse_uid
from portfolio_guard.sources.files import csv_records, decode, null_to_none, read_bytes
from portfolio_guard.sources.remarks import parse_remarks

Role = Literal["prim", "alt", "add", "comments"]
ROLES: tuple[Role, ...] = ("prim", "alt", "add", "comments")
#: Fields per record in each member of the set (OFAC dat_spec.txt).
FIELDS: dict[Role, int] = {"prim": 12, "alt": 5, "add": 6, "comments": 2}
FILE_NAMES: dict[Role, str] = {r: f"cons_{r}.csv" for r in ROLES}
REMARKS_LIMIT = 1000
ALT_TYPES: dict[str, AliasKind] = {"aka": "aka", "fka": "fka", "nka": "aka"}
_NAME, _PROGRAM, _REMARKS = 1, 3, 11


def records(path: Path, role: Role) -> Iterator[tuple[int, list[str | None]]]:
    """``(line, fields)`` of one member file, nulls as ``None``; wrong field counts are errors."""
    width = FIELDS[role]
    for line, row in csv_records(path, decode(read_bytes(path))):
        if len(row) != width:
            raise ParseError(
                f"{FILE_NAMES[role]} record has {len(row)} fields; OFAC's layout has {width}",
                path,
                line,
            )
        yield line, [null_to_none(v) for v in row]


def programs(field: str | None) -> list[str]:
    """The Program column: ``"SDGT] [NS-PLC"`` is two programs (OFAC drops the outer brackets)."""
    return [p.strip(" []") for p in re.split(r"\]\s*\[", field or "") if p.strip(" []")]


def read_legacy_csv(files: Mapping[Role, Path]) -> SourceList:
    """Read a legacy CSV set; ``files`` maps each role to its file (``prim`` is required)."""
    prim_path = files["prim"]
    prim = list(records(prim_path, "prim"))
    cmic: set[int] = set()
    known_names: set[str] = set()
    for line, row in prim:
        uid = parse_uid(row[0], Origin(str(prim_path), line), "ent_num")
        known_names.add((row[_NAME] or "").upper())
        if PROGRAM in programs(row[_PROGRAM]):
            cmic.add(uid)

    strong: dict[int, list[Alias]] = {}
    if "alt" in files:
        for line, row in records(files["alt"], "alt"):
            origin = Origin(str(files["alt"]), line)
            uid = parse_uid(row[0], origin, "ent_num")
            known_names.add((row[3] or "").upper())
            if uid not in cmic:
                continue
            kind = ALT_TYPES.get((row[2] or "").strip().lower())
            if kind is None or not row[3]:
                raise origin.error(f"uid {uid}: alias type {row[2]!r} / name {row[3]!r} unusable")
            strong.setdefault(uid, []).append(Alias(row[3].strip(), kind, "strong"))
    if "add" in files:
        for _ in records(files["add"], "add"):
            pass  # addresses are not part of an Entity; reading them checks the layout
    overflow: dict[int, str] = {}
    if "comments" in files:
        for line, row in records(files["comments"], "comments"):
            uid = parse_uid(row[0], Origin(str(files["comments"]), line), "ent_num")
            overflow[uid] = overflow.get(uid, "") + (row[1] or "")

    entities: list[Entity] = []
    for line, row in prim:
        uid = int(row[0] or "")
        if uid not in cmic:
            continue
        origin = Origin(str(prim_path), line)
        builder = EntityBuilder(uid, row[_NAME] or "", origin)
        for alias in strong.get(uid, ()):
            builder.add_alias(alias)
        remarks_field = row[_REMARKS] or ""
        # Joined as-is: the cut can fall mid-token, and a trailing space belongs to the text.
        text = remarks_field + overflow.get(uid, "")
        # A field at the limit with no continuation is cut even if it happens to end in ".".
        at_limit = len(remarks_field) >= REMARKS_LIMIT and uid not in overflow
        try:
            remarks = parse_remarks(text, known_names=known_names, cut=True if at_limit else None)
        except ParseError as exc:
            raise builder.fail(exc.detail) from None
        if not remarks.complete:
            why = (
                f"reach OFAC's {REMARKS_LIMIT}-character limit and no cons_comments.csv row "
                "continues them"
                if at_limit
                else "lack OFAC's final period"
            )
            dropped = f"; left out the cut segment {remarks.dropped!r}" if remarks.dropped else ""
            log.warning(
                "%s:%d: uid %d: Remarks %s, so the end of this record may be missing%s",
                prim_path,
                line,
                uid,
                why,
                dropped,
            )
        for item in remarks.ids:
            builder.add_id(item.kind, item.value, item.country)
        for alias in remarks.aliases:
            builder.add_alias(alias)
        for name in remarks.linked_to:
            builder.add_link(name)
        entities.append(builder.build())
    return SourceList(
        format="legacy_csv",
        files=tuple(str(files[r]) for r in ROLES if r in files),
        as_of=None,
        entities=finish(entities, str(prim_path)),
        records_read=len(prim),
    )
