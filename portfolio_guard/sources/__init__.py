"""Readers for OFAC's official files that carry the NS-CMIC list (program ``CMIC-EO13959``).

Four formats, one result: every reader yields the same :class:`~portfolio_guard.entity.Entity`
records (see ``docs/ofac-formats.md`` for where each fact lives in each format)::

    >>> src = read_source("cons_prim.csv", "cons_alt.csv", "cons_comments.csv")  # doctest: +SKIP
    >>> src.format, len(src.entities)                                            # doctest: +SKIP
    ('legacy_csv', 68)

Problems in the data that do not stop reading (a Remarks cut at 1,000 characters with no
``cons_comments.csv`` to continue it, a cut-short non-CMIC CSL row, an unknown country code) are
logged as warnings on the ``portfolio_guard.sources`` logger.
"""

from portfolio_guard.sources.detect import EXPECTED, FORMATS, Format, detect_format
from portfolio_guard.sources.diff import (
    ENTITY_FIELDS,
    EntityDiff,
    FieldChange,
    common_ground,
    diff_entities,
    diff_sources,
)
from portfolio_guard.sources.reader import read_source

__all__ = [
    "ENTITY_FIELDS",
    "EXPECTED",
    "FORMATS",
    "EntityDiff",
    "FieldChange",
    "Format",
    "common_ground",
    "detect_format",
    "diff_entities",
    "diff_sources",
    "read_source",
]
