"""OFAC's enhanced XML (``cons_enhanced.xml``, root ``sanctionsData``).

Facts are typed by id: ``features/feature/type@featureTypeId`` points into the file's
``featureTypes`` table (766 Equity Ticker, 806 ISIN, 869 Listing Date (CMIC), ...), and document
types, scripts, alias types and lookup values point into ``referenceValues`` by ``refId``. Type
names are resolved through those tables first (the ids are what OFAC keeps stable), falling back
to the inline text.

The display name is the primary name's primary **Latin** translation; other scripts (Chinese on
six December 2021 entries) go to ``other_names``. Relationships give the linked entity's id.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime
from functools import partial
from pathlib import Path

from portfolio_guard.entity import PROGRAM, Alias, AliasKind, Entity, SourceList
from portfolio_guard.errors import ParseError, UnknownFormatError
from portfolio_guard.sources.fields import (
    DATE_KINDS,
    EntityBuilder,
    Origin,
    finish,
    log,
    parse_date,
    parse_uid,
)
from portfolio_guard.sources.files import locate, read_bytes
from portfolio_guard.sources.xmlsafe import local_name, namespace, parse_xml, text

ROOT = "sanctionsData"
LATIN = "Latin"
ALIAS_TYPES: dict[str, AliasKind] = {"A.K.A.": "aka", "F.K.A.": "fka", "N.K.A.": "aka"}


class _Tables:
    """The file's lookup tables, and element-to-name resolution through them."""

    def __init__(self, root: ET.Element, ns: str) -> None:
        self.ns = ns
        self.refs = {
            rv.get("refId", ""): text(rv.find(f"{ns}value"))
            for rv in root.iterfind(f"{ns}referenceValues/{ns}referenceValue")
        }
        self.features = {
            ft.get("featureTypeId", ""): text(ft.find(f"{ns}type"))
            for ft in root.iterfind(f"{ns}featureTypes/{ns}featureType")
        }

    def ref(self, element: ET.Element | None) -> str:
        if element is None:
            return ""
        return self.refs.get(element.get("refId", ""), "") or text(element)

    def feature_type(self, element: ET.Element | None) -> str:
        if element is None:
            return ""
        return self.features.get(element.get("featureTypeId", ""), "") or text(element)


def _as_of(root: ET.Element, ns: str, path: Path, data: bytes) -> date | None:
    raw = text(root.find(f"{ns}publicationInfo/{ns}dataAsOf"))
    if not raw:
        log.warning("%s: no publicationInfo/dataAsOf; the list's date is unknown", path)
        return None
    try:
        return datetime.fromisoformat(raw).date()
    except ValueError:
        line = locate(data, [rb"<dataAsOf>"])
        raise ParseError(f"dataAsOf {raw!r} is not an ISO date-time", path, line) from None


def _names(builder: EntityBuilder, entity: ET.Element, t: _Tables) -> str:
    """Files aliases and other-script names on ``builder``; returns the display name."""
    ns = t.ns
    primary: list[str] = []
    for name in entity.iterfind(f"{ns}names/{ns}name"):
        latin = ""
        for tr in name.iterfind(f"{ns}translations/{ns}translation"):
            full = text(tr.find(f"{ns}formattedFullName"))
            if t.ref(tr.find(f"{ns}script")) != LATIN:
                builder.add_other_name(full)
            elif not latin or text(tr.find(f"{ns}isPrimary")) == "true":
                latin = full
        if not latin:
            raise builder.fail(f"name id {name.get('id')} has no Latin-script translation")
        if text(name.find(f"{ns}isPrimary")) == "true":
            primary.append(latin)
            continue
        alias_type = t.ref(name.find(f"{ns}aliasType"))
        kind = ALIAS_TYPES.get(alias_type.upper())
        if kind is None:
            raise builder.fail(f"name id {name.get('id')} has unknown alias type {alias_type!r}")
        weak = text(name.find(f"{ns}isLowQuality")) == "true"
        builder.add_alias(Alias(latin, kind, "weak" if weak else "strong"))
    if len(primary) != 1:
        raise builder.fail(f"expected one primary name, found {len(primary)}")
    return primary[0]


def _features(
    builder: EntityBuilder, entity: ET.Element, t: _Tables, path: Path, data: bytes
) -> None:
    ns = t.ns
    entity_pattern = rb'<entity id="' + str(builder.uid).encode() + rb'"'
    for feature in entity.iterfind(f"{ns}features/{ns}feature"):
        kind = t.feature_type(feature.find(f"{ns}type"))
        value = text(feature.find(f"{ns}value")) or t.refs.get(
            text(feature.find(f"{ns}valueRefId")), ""
        )
        pattern = rb'<feature id="' + re.escape(feature.get("id", "").encode()) + rb'"'
        origin = Origin(
            str(path), locate=partial(locate, data, [entity_pattern, pattern, rb"<value>"])
        )
        builder.add_id(kind, value, None, origin)
        iso = text(feature.find(f"{ns}valueDate/{ns}fromDateBegin"))
        if kind in DATE_KINDS and iso:
            try:
                structured = parse_date(iso)
            except ParseError as exc:
                raise builder.fail(f"{kind} valueDate: {exc.detail}", origin) from None
            if structured != builder.dates[kind]:
                raise builder.fail(f"{kind} value {value!r} disagrees with valueDate {iso}", origin)
    for doc in entity.iterfind(f"{ns}identityDocuments/{ns}identityDocument"):
        country = doc.find(f"{ns}issuingCountry")
        builder.add_id(
            t.ref(doc.find(f"{ns}type")),
            text(doc.find(f"{ns}documentNumber")),
            text(country) or None,
        )


def _entity(entity: ET.Element, t: _Tables, path: Path, data: bytes) -> Entity:
    ns = t.ns
    pattern = rb'<entity id="' + re.escape(entity.get("id", "").encode()) + rb'"'
    origin = Origin(str(path), locate=partial(locate, data, [pattern]))
    builder = EntityBuilder(parse_uid(entity.get("id"), origin, "entity id"), "", origin)
    builder.name = _names(builder, entity, t)
    _features(builder, entity, t, path, data)
    for rel in entity.iterfind(f"{ns}relationships/{ns}relationship"):
        related = rel.find(f"{ns}relatedEntity")
        if related is None:
            raise builder.fail(f"relationship {rel.get('id')} names no related entity")
        builder.add_link(
            text(related), parse_uid(related.get("entityId"), origin, "related entityId")
        )
    return builder.build()


def read_enhanced_xml(path: Path) -> SourceList:
    data = read_bytes(path)
    root = parse_xml(path, data)
    ns = namespace(root)
    if local_name(root.tag) != ROOT:
        raise UnknownFormatError(f"root element is <{local_name(root.tag)}>, not <{ROOT}>", path)
    tables = _Tables(root, ns)
    entities: list[Entity] = []
    count = 0
    for entity in root.iterfind(f"{ns}entities/{ns}entity"):
        count += 1
        programs = entity.iterfind(f"{ns}sanctionsPrograms/{ns}sanctionsProgram")
        if PROGRAM in (text(p) for p in programs):
            entities.append(_entity(entity, tables, path, data))
    as_of = _as_of(root, ns, path, data)
    return SourceList("enhanced_xml", (str(path),), as_of, finish(entities, str(path)), count)
