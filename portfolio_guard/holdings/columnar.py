"""Columns held as distinct values plus codes, the form every per-value step works on.

A column of a million cells usually holds a few thousand distinct values; working on those and
spreading results back with ``values[codes]`` keeps the reader's cost proportional to them.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

Array = np.ndarray[Any, Any]


class Column:
    """Values (object; None, or NaN straight from the parser, where missing) and a presence mask.

    The mask is computed on first use: many columns never need it.
    """

    def __init__(
        self,
        values: Array,
        present: Array | None = None,
        codes: Array | None = None,
        uniques: Array | None = None,
        present_unique: Array | None = None,
    ) -> None:
        self.values = values
        self._present = present
        self.codes = codes  # when spread from distinct values: values == uniques[codes]
        self.uniques = uniques
        self._present_unique = present_unique

    @property
    def present(self) -> Array:
        if self._present is None:
            if self.codes is not None and self._present_unique is not None:
                self._present = self._present_unique[self.codes]
            else:
                self._present = ~pd.isna(self.values)
        return self._present

    def equals(self, value: str) -> Array:
        """Rows whose value is ``value`` (compared once per distinct value when possible)."""
        if self.codes is not None and self.uniques is not None:
            hits: Array = (self.uniques == value)[self.codes]
            return hits
        return np.asarray(self.values == value, dtype=bool)


def factorize(values: pd.Series) -> tuple[Array, Array]:
    """``(codes, uniques)`` of a text column, ``-1`` for missing, uniques in order of appearance.

    pandas' C parser (``low_memory=False``) hands out one ``str`` object per distinct value of a
    column, so factorising the objects' addresses (hashing integers) is several times cheaper than
    hashing the strings. Equal values held in different objects are merged afterwards, so the result
    never depends on that parser behaviour, only the speed does.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):  # factorised already (unused values allowed)
        return values.cat.codes.to_numpy(), np.asarray(values.cat.categories, dtype=object)
    data = np.ascontiguousarray(values.to_numpy(object))
    if len(data) == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=object)
    addresses = np.ctypeslib.as_array((ctypes.c_ssize_t * len(data)).from_address(data.ctypes.data))
    # Addresses are multiples of 16, which pandas' integer hash spreads badly; divided by 16 they
    # hash well and stay distinct (every object, header alone, takes at least 16 bytes).
    by_object, objects = pd.factorize(addresses >> 4)
    first = np.empty(len(objects), dtype=np.intp)
    first[by_object[::-1]] = np.arange(len(data) - 1, -1, -1)  # first row of each object
    merged, uniques = pd.factorize(data[first], use_na_sentinel=True)
    return np.asarray(merged)[by_object], np.asarray(uniques, dtype=object)


def map_uniques(values: pd.Series, func: Callable[[Any], Any]) -> tuple[Array, Array]:
    """``(codes, results)``: ``results[codes]`` spreads them; the last result (code -1) is None."""
    codes, uniques = factorize(values)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [func(u) for u in uniques]
    mapped[-1] = None
    return codes, mapped


def spread(codes: Array, per_unique: Array) -> Column | None:
    """A column from per-unique values, or None when no value is present at all."""
    present_unique = np.array([v is not None for v in per_unique], dtype=bool)
    if not present_unique.any():
        return None
    return Column(per_unique[codes], None, codes, per_unique, present_unique)


def fill(first: Column | None, second: Column | None) -> Column | None:
    """``first`` where it has a value, else ``second``."""
    if first is None or second is None:
        return first if second is None else second
    if first.present.all():
        return first
    present = first.present | second.present
    if (
        first.codes is not None
        and first.uniques is not None
        and first.uniques.size
        and second.codes is not None
        and second.uniques is not None
        and second.uniques.size
    ):
        # Both spread from distinct values: the result keeps codes, so a later step (screening
        # a million rows) need not factorise the column again.
        offset = len(first.uniques)
        codes = np.where(
            first.present, first.codes % offset, offset + second.codes % len(second.uniques)
        )
        uniques = np.concatenate([first.uniques, second.uniques])
        return Column(uniques[codes], present, codes, uniques)
    return Column(np.where(first.present, first.values, second.values), present)


def key_codes(column: Column | None, n: int, rows: Array | None) -> tuple[Array, list[str]]:
    """``(codes, values)`` of a text column restricted to ``rows`` (a boolean mask, or None for all
    ``n`` rows): ``values[codes]`` is each row's text, ``-1`` where it has none.

    The column's own codes are reused when it has them, so ``values`` may hold values that no
    selected row has, and the same text twice; non-text values appear as ``str``.
    """
    size = n if rows is None else int(np.count_nonzero(rows))
    if column is None:
        # One -1 seen ``size`` times (read-only): a column of a million codes costs page faults.
        return np.broadcast_to(np.intp(-1), (size,)), []
    if column.codes is not None and column.uniques is not None:
        codes, uniques = column.codes, column.uniques  # -1 is the last unique (None) here
    else:
        codes, found = factorize(pd.Series(column.values, dtype=object, copy=False))
        uniques = np.append(found, np.array([None], dtype=object))  # -1 (missing): the None
    if rows is not None:
        codes = codes[rows]
    # Missing values get no text: -1. Vectorised, as a column can hold tens of thousands.
    kept = ~pd.isna(uniques)
    remap = np.full(len(uniques), -1, dtype=np.intp)
    present = int(np.count_nonzero(kept))
    remap[kept] = np.arange(present, dtype=np.intp)
    text = [v if isinstance(v, str) else str(v) for v in uniques[kept].tolist()]
    last = len(uniques) - 1
    if (
        codes.dtype == np.intp
        and present == last
        and not kept[last]
        and int(codes.max(initial=-1)) < last
    ):
        # Only the last unique is missing and no row names it but as -1: the remap is the
        # identity, and the codes are used as they are (a million-row copy saved).
        return codes, text
    return remap[codes], text


class CodedColumns:
    """A read's text columns as codes into distinct values, aligned with its frame's rows.

    Worked out on first request only (reading alone never pays for it): the codes the reader
    already has for columns spread from distinct values are reused, so screening a million rows
    need not factorise them again.
    """

    def __init__(self, columns: Mapping[str, Column | None], n: int, rows: Array | None) -> None:
        self._columns = dict(columns)
        self._n = n  # rows before ``rows`` selects
        self._rows = rows
        self._done: dict[str, tuple[Array, list[str]]] = {}
        self.size = n if rows is None else int(np.count_nonzero(rows))

    def __contains__(self, name: object) -> bool:
        return name in self._columns or name in self._done

    def get(self, name: str) -> tuple[Array, list[str]]:
        """``(codes, values)`` of one column, as :func:`key_codes` gives them."""
        found = self._done.get(name)
        if found is None:
            found = key_codes(self._columns.pop(name), self._n, self._rows)
            self._done[name] = found
        return found
