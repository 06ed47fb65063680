"""diff_entities / diff_sources: what changed between two readings of the list."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from pathlib import Path

import pytest

from portfolio_guard.entity import Alias, Entity, SourceList
from portfolio_guard.sources import (
    ENTITY_FIELDS,
    FieldChange,
    common_ground,
    diff_entities,
    diff_sources,
    read_source,
)

FIXTURES = Path(__file__).parent / "fixtures" / "ofac"
LEGACY_XML = FIXTURES / "legacy_xml_fixture.xml"


def _entries(xml: str) -> dict[int, str]:
    return {
        int(m.group(1)): m.group(0)
        for m in re.finditer(r"(?s)  <sdnEntry>\s*<uid>(\d+)</uid>.*?</sdnEntry>\r\n", xml)
    }


def test_fixture_edit_shows_added_removed_changed_date_and_isin(tmp_path: Path) -> None:
    xml = LEGACY_XML.read_bytes().decode("ascii")
    entries = _entries(xml)
    new_entry = (
        entries[33113]
        .replace("<uid>33113</uid>", "<uid>33896</uid>")
        .replace("DAWNING INFORMATION INDUSTRY CO., LTD", "XIAMEN MEIYA PICO INFORMATION CO., LTD.")
    )
    edited = (
        xml.replace(entries[33114], new_entry)  # 33114 removed, 33896 added
        .replace(entries[30944], entries[30944].replace("02 Aug 2021", "09 Aug 2021"))
        .replace("<idNumber>US16941M1099</idNumber>", "<idNumber>US16941M1008</idNumber>")
    )
    path = tmp_path / "consolidated.xml"
    path.write_bytes(edited.encode("ascii"))

    diff = diff_sources(read_source(LEGACY_XML), read_source(path))

    assert diff.added == (33896,) and diff.removed == (33114,)
    assert diff.changed == {
        30923: (
            FieldChange(
                "isins", ("US16941M1099", "HK0941009539"), ("US16941M1008", "HK0941009539")
            ),
        ),
        30944: (FieldChange("effective_date", date(2021, 8, 2), date(2021, 8, 9)),),
    }
    assert diff and len(diff.summary()) == 4
    assert (
        "uid 30944: effective_date: datetime.date(2021, 8, 2) -> datetime.date(2021, 8, 9)"
        in diff.summary()
    )


def test_identical_readings_have_no_diff() -> None:
    source = read_source(LEGACY_XML)
    diff = diff_entities(source.entities, source.entities)
    assert not diff and diff.summary() == [] and diff.fields == ENTITY_FIELDS


ENTITY = Entity(
    uid=1,
    name="X CO., LTD.",
    listing_date=date(2021, 6, 3),
    effective_date=date(2021, 8, 2),
    divestment_date=date(2022, 6, 3),
    isins=("A", "B"),
    aliases=(Alias("X", "aka", "weak"), Alias("XX", "fka", "strong")),
)


def test_sequence_order_is_ignored_unless_asked_for() -> None:
    reordered = dataclasses.replace(ENTITY, isins=("B", "A"))
    assert not diff_entities([ENTITY], [reordered])
    assert diff_entities([ENTITY], [reordered], ordered=True).changed == {
        1: (FieldChange("isins", ("A", "B"), ("B", "A")),)
    }


def test_fields_limits_the_comparison() -> None:
    renamed = dataclasses.replace(ENTITY, name="Y", isins=("C",))
    assert diff_entities([ENTITY], [renamed], fields=["listing_date", "isins"]).changed == {
        1: (FieldChange("isins", ("A", "B"), ("C",)),)
    }


def test_bad_arguments_are_value_errors() -> None:
    with pytest.raises(ValueError, match="not Entity fields: colour"):
        diff_entities([], [], fields=["colour"])
    with pytest.raises(ValueError, match="uid 1 appears twice in the new"):
        diff_entities([], [ENTITY, ENTITY])


def _source(fmt: str, *entities: Entity) -> SourceList:
    return SourceList(fmt, ("f",), None, entities)  # type: ignore[arg-type]


def test_common_ground_with_the_csl_folds_case_and_drops_strength_and_links() -> None:
    csl = dataclasses.replace(
        ENTITY, name="X Co., Ltd.", aliases=(Alias("x", "aka", None), Alias("Xx", "aka", None))
    )
    fields, project = common_ground(_source("legacy_xml", ENTITY), _source("csl", csl))
    assert "linked_to" not in fields and "linked_uids" not in fields and "aliases" in fields
    assert project(csl).aliases == project(ENTITY).aliases == (Alias("X"), Alias("XX"))
    assert not diff_sources(_source("legacy_xml", ENTITY), _source("csl", csl))


def test_common_ground_with_a_set_lacking_cons_alt_compares_weak_aliases_only() -> None:
    weak_only = dataclasses.replace(ENTITY, aliases=(Alias("X", "aka", "weak"),))
    full, partial = _source("enhanced_xml", ENTITY), _source("legacy_csv", weak_only)
    assert not diff_sources(full, partial)
    fields, _ = common_ground(partial, _source("csl", ENTITY))
    assert "aliases" not in fields  # the CSL cannot say which of its aliases are weak


def test_linked_uids_and_other_names_only_between_enhanced_files() -> None:
    linked = dataclasses.replace(ENTITY, linked_uids=(2,), other_names=("某",))
    assert not diff_sources(_source("legacy_xml", ENTITY), _source("enhanced_xml", linked))
    changed = diff_sources(_source("enhanced_xml", ENTITY), _source("enhanced_xml", linked))
    assert [c.field for c in changed.changed[1]] == ["linked_uids", "other_names"]
