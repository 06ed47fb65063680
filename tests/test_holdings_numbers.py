"""The number grammar: every format the brokerage doc lists, and properties on arbitrary text."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio_guard.errors import ParseError
from portfolio_guard.holdings import parse_number
from portfolio_guard.holdings.numbers import guess_decimal, to_numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$1,234.56", 1234.56),
        ("$4321.09", 4321.09),
        ('"$45,900.35"'.strip('"'), 45900.35),
        ("(1,823.33)", -1823.33),
        ("($1,050.00)", -1050.0),
        ("($1.00)", -1.0),
        ("+$0.57", 0.57),
        ("-$3.10", -3.10),
        ("$-120.00", -120.0),
        ("+0.41%", 0.41),
        ("100.00%", 100.0),
        ("+40", 40.0),
        ("-.0066", -0.0066),
        (".0000", 0.0),
        ("1520.3318842", 1520.3318842),
        ("3,700", 3700.0),
        ("1,500", 1500.0),
        ("12,34", 12.34),
        ("1.234,56", 1234.56),
        ("3'863.58", 3863.58),
        ("$14,80.76", 1480.76),  # odd grouping seen at Merrill: commas are not validated
        ("USD 1234.12", 1234.12),
        ("1234.12 EUR", 1234.12),
        ("\u200b 118.40500 \ufeff", 118.405),
        ("1.5E+3", 1500.0),
    ],
)
def test_formats_from_the_doc(text: str, expected: float) -> None:
    assert parse_number(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "  ", "--", "-- --", "-", "n/a", "N/A", "NA", "$", "."])
def test_no_value_markers(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize("text", ["abc", "+$0.19 +0.33%", "1e999", "(", "12-34", "inf", "0x10"])
def test_not_numbers_raise_parse_error(text: str) -> None:
    with pytest.raises(ParseError):
        parse_number(text)


@pytest.mark.parametrize(
    ("text", "decimal", "expected"),
    [("1,234", ",", 1.234), ("1.234", ",", 1234.0), ("1,234", ".", 1234.0), ("12,34", ".", 1234.0),
     ("1.234,5", ".", 1234.5), ("1,234.5", ",", 1234.5), ("1.234.567", ".", 1234567.0)],
)  # fmt: skip
def test_forced_decimal_separator(text: str, decimal: str, expected: float) -> None:
    assert parse_number(text, decimal) == pytest.approx(expected)  # type: ignore[arg-type]


def test_vectorised_reports_invalid_cells_and_keeps_real_numbers() -> None:
    values = pd.Series(["$1,234.56", "--", "abc", None, 3.5, float("inf")], dtype=object)
    numbers, invalid = to_numbers(values, ".")
    assert numbers[0] == 1234.56
    assert math.isnan(numbers[1]) and math.isnan(numbers[2]) and math.isnan(numbers[3])
    assert numbers[4] == 3.5 and math.isnan(numbers[5])
    assert invalid.tolist() == [False, False, True, False, False, True]


@pytest.mark.parametrize(
    ("values", "expected"),
    [(["12,34", "5"], ","), (["1.234,50"], ","), (["$1,234.00", "7"], "."), (["118.40500"], "."),
     (["1,234", "100"], None), ([], None)],
)  # fmt: skip
def test_guess_decimal(values: list[str], expected: str | None) -> None:
    assert guess_decimal(pd.Series(values, dtype=object)) == expected


_NUMBERISH = st.text(alphabet="0123456789.,+-()$%' \u200bUSDE", max_size=16)


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(st.text(max_size=30), _NUMBERISH))
def test_parse_number_raises_only_parse_error(text: str) -> None:
    try:
        value = parse_number(text)
    except ParseError:
        return
    assert value is None or math.isfinite(value)


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(st.one_of(st.text(max_size=20), _NUMBERISH), max_size=20),
    decimal=st.sampled_from([".", ","]),
)
def test_scalar_and_vectorised_agree(texts: list[str], decimal: str) -> None:
    numbers, invalid = to_numbers(pd.Series(texts, dtype=object), decimal)  # type: ignore[arg-type]
    for text, number, bad in zip(texts, numbers, invalid, strict=True):
        try:
            expected = parse_number(text, decimal)  # type: ignore[arg-type]
        except ParseError:
            assert bad, text
            continue
        assert not bad, text
        if expected is None:
            assert math.isnan(number), text
        else:
            assert number == pytest.approx(expected), text


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_round_trip_of_broker_formatting(value: float) -> None:
    dollars = f"${abs(value):,.2f}"
    formatted = f"({dollars})" if value < 0 else dollars
    assert parse_number(formatted) == pytest.approx(round(value, 2), abs=0.006)
    european = f"{abs(value):,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    assert parse_number(european, ",") == pytest.approx(abs(round(value, 2)), abs=0.006)
