"""OFAC's legacy XML (``consolidated.xml``, root ``sdnList``).

Each ``sdnEntry`` holds ``uid``, ``lastName`` (an entity's whole name), ``programList``,
``idList/id`` (``idType`` = the same keys as the CSV Remarks, ``idNumber``, ``idCountry``),
``akaList/aka`` (``type``, ``category`` strong/weak) and ``remarks`` (``(Linked To: NAME)``).

The uid trap: ``id``, ``aka`` and ``address`` elements carry their own ``uid`` from other number
series that overlap entity numbers (an ``aka`` elsewhere has ``<uid>30923</uid>``), so only the
``uid`` that is a direct child of ``sdnEntry`` identifies the entry.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from functools import partial
from pathlib import Path

from portfolio_guard.entity import PROGRAM, Alias, AliasKind, Entity, SourceList
from portfolio_guard.errors import ParseError, UnknownFormatError
from portfolio_guard.sources.fields import EntityBuilder, Origin, finish, log, parse_uid
from portfolio_guard.sources.files import locate, read_bytes
from portfolio_guard.sources.xmlsafe import local_name, namespace, parse_xml, text

ROOT = "sdnList"
ALIAS_TYPES: dict[str, AliasKind] = {"a.k.a.": "aka", "f.k.a.": "fka", "n.k.a.": "aka"}
_LINKED = re.compile(r"\(Linked To: (.+)\)", re.DOTALL)
_PUBLISH_DATE = re.compile(r"(\d{2})/(\d{2})/(\d{4})")


def _full_name(element: ET.Element, ns: str) -> str:
    last, first = text(element.find(f"{ns}lastName")), text(element.find(f"{ns}firstName"))
    return f"{last}, {first}" if first else last


def _publish_date(root: ET.Element, ns: str, path: Path, data: bytes) -> date | None:
    raw = text(root.find(f"{ns}publshInformation/{ns}Publish_Date"))  # sic: OFAC's spelling
    if not raw:
        log.warning("%s: no publshInformation/Publish_Date; the list's date is unknown", path)
        return None
    m = _PUBLISH_DATE.fullmatch(raw)
    try:
        if m is None:
            raise ValueError("not MM/DD/YYYY")
        return date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
    except ValueError as exc:
        line = locate(data, [rb"<Publish_Date>"])
        raise ParseError(f"Publish_Date {raw!r} is unreadable ({exc})", path, line) from None


def _entry(entry: ET.Element, ns: str, path: Path, data: bytes) -> Entity:
    uid_text = text(entry.find(f"{ns}uid"))  # find() looks at direct children only
    entry_pattern = rb"<sdnEntry>\s*<uid>" + re.escape(uid_text.encode()) + rb"</uid>"
    origin = Origin(str(path), locate=partial(locate, data, [entry_pattern]))
    builder = EntityBuilder(
        parse_uid(uid_text, origin, "sdnEntry uid"), _full_name(entry, ns), origin
    )
    for element in entry.iterfind(f"{ns}idList/{ns}id"):
        id_pattern = rb"<uid>" + re.escape(text(element.find(f"{ns}uid")).encode()) + rb"</uid>"
        builder.add_id(
            text(element.find(f"{ns}idType")),
            text(element.find(f"{ns}idNumber")),
            text(element.find(f"{ns}idCountry")) or None,
            Origin(
                str(path), locate=partial(locate, data, [entry_pattern, id_pattern, rb"<idNumber>"])
            ),
        )
    for element in entry.iterfind(f"{ns}akaList/{ns}aka"):
        kind = ALIAS_TYPES.get(text(element.find(f"{ns}type")).lower())
        category = text(element.find(f"{ns}category")).lower()
        if kind is None or category not in ("strong", "weak"):
            raise builder.fail(f"aka of unknown type/category {kind!r}/{category!r}")
        builder.add_alias(
            Alias(_full_name(element, ns), kind, "strong" if category == "strong" else "weak")
        )
    remarks = text(entry.find(f"{ns}remarks"))
    for segment in filter(None, (s.strip() for s in remarks.split("; "))):
        if m := _LINKED.fullmatch(segment):
            builder.add_link(m.group(1))
        else:
            log.warning(
                "%s: uid %d: remark %r is not a (Linked To: ...) and is not kept",
                path,
                builder.uid,
                segment,
            )
    return builder.build()


def read_legacy_xml(path: Path) -> SourceList:
    data = read_bytes(path)
    root = parse_xml(path, data)
    ns = namespace(root)
    if local_name(root.tag) != ROOT:
        raise UnknownFormatError(f"root element is <{local_name(root.tag)}>, not <{ROOT}>", path)
    as_of = _publish_date(root, ns, path, data)
    entities: list[Entity] = []
    count = 0
    for entry in root.iterfind(f"{ns}sdnEntry"):
        count += 1
        if PROGRAM in (text(p) for p in entry.iterfind(f"{ns}programList/{ns}program")):
            entities.append(_entry(entry, ns, path, data))
    return SourceList("legacy_xml", (str(path),), as_of, finish(entities, str(path)), count)
