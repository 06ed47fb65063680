"""The legacy CSV ``Remarks`` grammar, which is where that format keeps every CMIC fact.

A CMIC Remarks field is ``Key Value`` segments joined by ``"; "``, each key possibly prefixed
``alt. `` (a repeat), ending with one ``.``::

    Equity Ticker CHL US; alt. Equity Ticker 941 HK; ISIN US16941M1099; Target Type Public
    Company; ... Unified Social Credit Code (USCC) 9111... (China); a.k.a. 'AECC'; Linked To: X.

No CMIC value contains ``"; "`` (issuer names do contain ``", "``), so splitting on ``"; "`` is
safe. Two quirks are handled here:

* **Trailing-period merge.** When the last segment is a name ending in ``.``, OFAC's final period
  *is* the name's (``Linked To: HUAWEI INVESTMENT & HOLDING CO., LTD.``). Stripping it blindly
  would disagree with both XML formats, so the period is put back when the caller's list of names
  in the file says so, or, failing that, when the name ends in a company abbreviation.
* **The 1,000-character cut.** OFAC cuts Remarks at 1,000 characters and continues them in
  ``cons_comments.csv``. A field with no final period is cut (and so is one the caller knows
  reached the limit: a cut can land just after a ``.``). Its last segment is kept only when it
  cannot have lost anything (a whole date; a one-token ID followed by the space before the cut),
  and otherwise reported in ``Remarks.dropped``: ``a.k.a. 'NU'`` may be the start of
  ``a.k.a. 'NU'MAN X'``, ``Target Type Public`` of ``Target Type Public Company``.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from portfolio_guard.entity import Alias, AliasKind
from portfolio_guard.errors import ParseError
from portfolio_guard.sources.fields import (
    DATE_KINDS,
    ISIN,
    ISSUER_NAME,
    REGISTRATION_KINDS,
    TARGET_TYPE,
    TICKER,
    parse_date,
)

SEPARATOR = "; "
ALT_PREFIX = "alt. "
LINKED_TO = "Linked To: "
#: Longest first, so a key that is a prefix of another cannot steal its segments.
VALUE_KEYS = tuple(sorted((TICKER, ISSUER_NAME, ISIN, TARGET_TYPE, *DATE_KINDS), key=len)[::-1])
_REG_KEYS = tuple(sorted(REGISTRATION_KINDS, key=len)[::-1])
_ALIAS = re.compile(r"([afn])\.k\.a\. '(.*)'", re.DOTALL)
_ALIAS_KINDS: dict[str, AliasKind] = {
    "a": "aka",
    "f": "fka",
    "n": "aka",
}  # n.k.a. is a current name
_REGISTRATION = re.compile(r"(?P<number>.*?)(?: \((?P<country>[^()]*)\))?", re.DOTALL)
_ABBREVIATIONS = frozenset(
    {"LTD", "CO", "INC", "CORP", "BHD", "S.A", "S.L", "N.V", "B.V", "A.G", "S.P.A", "S.R.L", "L.P"}
)


@dataclass(frozen=True, slots=True)
class IdValue:
    """One ``Key Value [(Country)]`` segment."""

    kind: str
    value: str
    country: str | None = None


@dataclass(frozen=True, slots=True)
class LinkedTo:
    name: str


Segment = IdValue | Alias | LinkedTo


@dataclass(frozen=True, slots=True)
class Remarks:
    """What one Remarks field says, in field order."""

    ids: tuple[IdValue, ...] = ()
    aliases: tuple[Alias, ...] = ()
    linked_to: tuple[str, ...] = ()
    #: False when the field lacks OFAC's final period: it was cut (1,000 characters) and the rest
    #: lives in cons_comments.csv.
    complete: bool = True
    #: The text of a cut final segment that could not be trusted and was left out.
    dropped: str | None = None


def parse_segment(segment: str) -> Segment:
    """Read one ``"; "``-separated segment.

    Raises:
        ParseError: the segment starts with no key this grammar knows, or has no value.
    """
    body = segment[len(ALT_PREFIX) :] if segment.startswith(ALT_PREFIX) else segment
    for key in VALUE_KEYS:
        if body.startswith(key + " "):
            value = body[len(key) + 1 :].strip()
            if not value:
                break
            return IdValue(key, value)
    else:
        for key in _REG_KEYS:
            if body.startswith(key + " "):
                return _registration(key, body[len(key) + 1 :].strip(), segment)
        if body.startswith(LINKED_TO) and body[len(LINKED_TO) :].strip():
            return LinkedTo(body[len(LINKED_TO) :].strip())
        if (m := _ALIAS.fullmatch(body)) and m.group(2).strip():
            return Alias(m.group(2).strip(), _ALIAS_KINDS[m.group(1)], "weak")
        raise ParseError(
            f"Remarks segment {segment!r} starts with none of the known keys "
            f"({', '.join(VALUE_KEYS)}, a registration kind, 'a.k.a.', 'Linked To:')"
        )
    raise ParseError(f"Remarks segment {segment!r} has a key but no value")


def _registration(kind: str, rest: str, segment: str) -> IdValue:
    m = _REGISTRATION.fullmatch(rest)
    number = m.group("number").strip() if m else ""
    if not m or not number:
        raise ParseError(f"Remarks segment {segment!r} has no registration number")
    country = m.group("country")
    return IdValue(kind, number, country.strip() if country and country.strip() else None)


def _cut_segment(segment: str) -> Segment | None:
    """The last segment of a cut field, if what survived is certainly whole."""
    try:
        item = parse_segment(segment)
    except ParseError:
        return None
    if isinstance(item, IdValue):
        if item.kind in DATE_KINDS:
            try:
                parse_date(item.value)
            except ParseError:
                return None
            return item
        one_token = " " not in item.value and "(" not in item.value
        if item.country is not None and segment.endswith(")"):
            return item
        if (item.kind == ISIN or item.kind in REGISTRATION_KINDS) and one_token:
            # A whitespace before the cut means the token ended there.
            return item if segment[-1:].isspace() else None
    return None


def restore_period(name: str, known_names: Collection[str]) -> str:
    """Put back the period that OFAC's final period swallowed, when the name had one."""
    if name.endswith("."):
        return name
    with_period = name + "."
    if with_period.upper() in known_names:
        return with_period
    if name.upper() in known_names:
        return name
    last = re.split(r"[\s,]+", name.upper())[-1]
    return with_period if last in _ABBREVIATIONS else name


def parse_remarks(
    text: str, *, known_names: Collection[str] = frozenset(), cut: bool | None = None
) -> Remarks:
    """Parse a CMIC Remarks field (already joined with its cons_comments.csv overflow).

    Args:
        text: the field as printed, without CSV quoting.
        known_names: upper-case names of entries in the same file (primary names and aliases),
            used to undo the trailing-period merge of a final ``Linked To:`` name.
        cut: True when the caller knows the field was cut (it reached OFAC's limit and nothing
            continues it); None infers it from the missing final period.

    Raises:
        ParseError: a segment does not follow the grammar (detail names the segment).
    """
    stripped = text.rstrip()
    if not stripped:
        return Remarks()
    complete = stripped.endswith(".") if cut is None else not cut
    body = stripped[:-1] if complete else text
    segments = body.split(SEPARATOR)
    ids: list[IdValue] = []
    aliases: list[Alias] = []
    links: list[str] = []
    dropped: str | None = None
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if not segment.strip():
            if last and not complete:
                break  # cut right after a separator: nothing of the next segment survived
            raise ParseError(f"empty Remarks segment at position {i + 1}")
        item = _cut_segment(segment) if last and not complete else parse_segment(segment)
        if item is None:
            dropped = segment
        elif isinstance(item, IdValue):
            ids.append(item)
        elif isinstance(item, Alias):
            aliases.append(item)
        else:
            links.append(restore_period(item.name, known_names) if last else item.name)
    return Remarks(tuple(ids), tuple(aliases), tuple(links), complete, dropped)
