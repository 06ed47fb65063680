"""Property tests: on any input the reader returns positions or raises the project's own errors.

Also: its two generic paths (pandas' parser and the row engine) agree, and every non-blank line is
accounted for.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio_guard.errors import PortfolioGuardError
from portfolio_guard.holdings import Holdings, read_holdings
from portfolio_guard.holdings import reader as reader_module

HOLDINGS = Path(__file__).parent / "fixtures" / "holdings"
FIXTURES = sorted(p.read_bytes() for p in HOLDINGS.glob("*.csv"))
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read_bytes(data: bytes, **options: object) -> Holdings | None:
    """Read ``data`` as a file; None when the reader refused it with one of our errors."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.csv"
        path.write_bytes(data)
        try:
            result = read_holdings(path, **options)  # type: ignore[arg-type]
        except PortfolioGuardError as exc:
            assert str(exc), "errors carry a message"
            return None
    assert len(result.frame) + len(result.skipped) == result.rows_read
    assert result.frame["source_line"].is_monotonic_increasing
    return result


@FUZZ
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(data: bytes) -> None:
    read_bytes(data)


@FUZZ
@given(st.text(max_size=600))
def test_arbitrary_text(text: str) -> None:
    read_bytes(text.encode("utf-8", "surrogatepass"))


_CELLS = st.sampled_from(
    ["Symbol", "Quantity", "Market Value", "ISIN", "Description", "Total", "CASH", "--", "n/a",
     "$1,234.56", "(12.5)", "12,34", "BABA", "US0378331005", "02315M107", '"a,b"', '"x\ny"', "",
     "Account Statement for 1", "Open Positions", "Header", "Data", "Statement", "\u200b", "é"]
)  # fmt: skip
_LINES = st.lists(st.lists(_CELLS, max_size=7).map(",".join), max_size=12)


@FUZZ
@given(_LINES, st.sampled_from(["\n", "\r\n", "\r"]))
def test_csv_shaped_text(lines: list[str], newline: str) -> None:
    read_bytes(newline.join(lines).encode())


@FUZZ
@given(st.data())
def test_mutated_fixtures(data: st.DataObject) -> None:
    original = data.draw(st.sampled_from(FIXTURES))
    lines = original.splitlines(keepends=True)
    cut = data.draw(st.integers(0, len(original)))
    mutation = data.draw(st.sampled_from(["truncate", "drop", "duplicate", "swap", "garbage"]))
    if mutation == "truncate":
        mutated = original[:cut]
    elif mutation == "garbage":
        mutated = original[:cut] + data.draw(st.binary(max_size=40)) + original[cut:]
    else:
        i = data.draw(st.integers(0, max(len(lines) - 1, 0)))
        j = data.draw(st.integers(0, max(len(lines) - 1, 0)))
        if mutation == "drop":
            del lines[i]
        elif mutation == "duplicate":
            lines.insert(i, lines[j])
        else:
            lines[i], lines[j] = lines[j], lines[i]
        mutated = b"".join(lines)
    read_bytes(mutated)


_GENERIC_CELL = st.one_of(
    st.sampled_from(["AAPL", "BABA", "0700.HK", "BRK/B", "US0378331005", "Total", "CASH", "--",
                     "", " ", "n/a", "N/a", "nAn", "SPAXX**", "x y z", " pad ", "\u200bBABA",
                     "HELD IN MONEY MARKET", "US TREASURY BILL", "Symbol", "Quantity"]),
    st.text(alphabet="ABCXYZ0123456789.,$()- ", max_size=8),
)  # fmt: skip


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.lists(_GENERIC_CELL, min_size=0, max_size=5), max_size=15),
    blank_every=st.integers(0, 4),
)
def test_fast_and_row_engine_paths_agree(rows: list[list[str]], blank_every: int) -> None:
    body = []
    for i, row in enumerate(rows):
        if blank_every and i % blank_every == 0:
            body.append("")
        body.append(",".join(f'"{c}"' if "," in c else c for c in row))
    text = "Symbol,Description,Quantity,Price,Market Value\n" + "\n".join(body) + "\n"
    data = text.encode()
    fast = read_bytes(data)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reader_module, "read_fast", lambda *args, **kwargs: None)
        slow = read_bytes(data)
    assert (fast is None) == (slow is None)
    if fast is None or slow is None:
        return
    assert fast.skipped == slow.skipped and fast.rows_read == slow.rows_read
    assert fast.warnings == slow.warnings
    left = fast.frame.astype(object).where(fast.frame.notna(), None).to_dict("records")
    right = slow.frame.astype(object).where(slow.frame.notna(), None).to_dict("records")
    assert left == right


def _workbook_bytes() -> bytes:
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["Symbol", "Quantity", "Value"], ["BABA", 3, 250.5], ["Total", None, 250.5]):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


WORKBOOK = _workbook_bytes()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(WORKBOOK) - 1), st.binary(min_size=1, max_size=16))
def test_damaged_workbooks(at: int, junk: bytes) -> None:
    read_bytes(WORKBOOK[:at] + junk + WORKBOOK[at + len(junk) :])
