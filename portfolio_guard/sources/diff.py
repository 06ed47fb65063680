"""What changed between two readings of the list: added and removed uids, changed fields.

Sequence fields (ISINs, tickers, aliases, ...) are compared as sets by default: OFAC reorders
them between formats and publications without meaning anything by it. ``diff_sources`` compares
two ``SourceList``s on what *both* formats carry, so a CSL (mixed-case names, no alias strength,
no linked-to) can be checked against an XML without reporting the format's gaps as changes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from portfolio_guard.entity import Alias, Entity, SourceList

#: Every Entity field a diff can compare (all but the uid, which is the key).
ENTITY_FIELDS: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(Entity) if f.name != "uid"
)


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old: object
    new: object


@dataclass(frozen=True, slots=True)
class EntityDiff:
    """``added``/``removed`` uids (sorted) and, per uid present in both, the fields that differ."""

    added: tuple[int, ...] = ()
    removed: tuple[int, ...] = ()
    changed: Mapping[int, tuple[FieldChange, ...]] = field(default_factory=dict)
    #: The fields that were compared.
    fields: tuple[str, ...] = ENTITY_FIELDS

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def summary(self) -> list[str]:
        """One human-readable line per difference."""
        lines = [f"added uid {uid}" for uid in self.added]
        lines += [f"removed uid {uid}" for uid in self.removed]
        for uid, changes in self.changed.items():
            lines += [f"uid {uid}: {c.field}: {c.old!r} -> {c.new!r}" for c in changes]
        return lines


def _comparable(value: object, ordered: bool) -> object:
    if isinstance(value, tuple) and not ordered:
        return frozenset(value)
    return value


def _by_uid(entities: Sequence[Entity], side: str) -> dict[int, Entity]:
    result: dict[int, Entity] = {}
    for entity in entities:
        if entity.uid in result:
            raise ValueError(f"uid {entity.uid} appears twice in the {side} entities")
        result[entity.uid] = entity
    return result


def diff_entities(
    old: Sequence[Entity],
    new: Sequence[Entity],
    fields: Iterable[str] | None = None,
    *,
    ordered: bool = False,
) -> EntityDiff:
    """Compare two entity lists by uid.

    Args:
        fields: Entity field names to compare; default all of :data:`ENTITY_FIELDS`.
        ordered: compare sequence fields in order (default: as sets).

    Raises:
        ValueError: an unknown field name, or a uid repeated within one side.
    """
    compared = ENTITY_FIELDS if fields is None else tuple(fields)
    unknown = [f for f in compared if f not in ENTITY_FIELDS]
    if unknown:
        raise ValueError(f"not Entity fields: {', '.join(unknown)}; choose from {ENTITY_FIELDS}")
    before, after = _by_uid(old, "old"), _by_uid(new, "new")
    changed: dict[int, tuple[FieldChange, ...]] = {}
    for uid in sorted(before.keys() & after.keys()):
        a, b = before[uid], after[uid]
        changes = tuple(
            FieldChange(name, getattr(a, name), getattr(b, name))
            for name in compared
            if _comparable(getattr(a, name), ordered) != _comparable(getattr(b, name), ordered)
        )
        if changes:
            changed[uid] = changes
    return EntityDiff(
        added=tuple(sorted(after.keys() - before.keys())),
        removed=tuple(sorted(before.keys() - after.keys())),
        changed=changed,
        fields=compared,
    )


@dataclass(frozen=True, slots=True)
class _Carries:
    upper_case_names: bool
    alias_strength: bool
    strong_aliases: bool
    linked_to: bool
    enhanced_extras: bool

    @classmethod
    def of(cls, source: SourceList) -> _Carries:
        csl = source.format == "csl"
        # A legacy CSV set without cons_alt.csv has weak aliases only; judge from the data.
        has_strong = csl or any(a.strength == "strong" for e in source.entities for a in e.aliases)
        return cls(not csl, not csl, has_strong, not csl, source.format == "enhanced_xml")


def common_ground(
    old: SourceList, new: SourceList
) -> tuple[tuple[str, ...], Callable[[Entity], Entity]]:
    """The fields both sources carry, and a projection making entities comparable on them."""
    a, b = _Carries.of(old), _Carries.of(new)
    fields = list(ENTITY_FIELDS)
    if not (a.linked_to and b.linked_to):
        fields.remove("linked_to")
    if not (a.enhanced_extras and b.enhanced_extras):
        fields.remove("linked_uids")
        fields.remove("other_names")
    fold_case = not (a.upper_case_names and b.upper_case_names)
    with_strength = a.alias_strength and b.alias_strength
    weak_only = not (a.strong_aliases and b.strong_aliases)
    if weak_only and not with_strength:
        fields.remove("aliases")  # one side lacks strong aliases, the other cannot tell them apart

    def alias(x: Alias) -> Alias:
        name = x.name.upper() if fold_case else x.name
        return Alias(name, x.kind, x.strength) if with_strength else Alias(name, "aka", None)

    def project(entity: Entity) -> Entity:
        kept = (x for x in entity.aliases if not (weak_only and x.strength == "strong"))
        return dataclasses.replace(
            entity,
            name=entity.name.upper() if fold_case else entity.name,
            aliases=tuple(alias(x) for x in kept),
        )

    return tuple(fields), project


def diff_sources(old: SourceList, new: SourceList) -> EntityDiff:
    """``diff_entities`` restricted to what both sources' formats carry (see module doc)."""
    fields, project = common_ground(old, new)
    return diff_entities(
        [project(e) for e in old.entities], [project(e) for e in new.entities], fields
    )
