"""Columns held as distinct values plus codes, the form every per-value step works on.

A column of a million cells usually holds a few thousand distinct values; working on those and
spreading results back with ``values[codes]`` keeps the reader's cost proportional to them.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
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
    by_object, objects = pd.factorize(addresses)
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
    return Column(
        np.where(first.present, first.values, second.values), first.present | second.present
    )
