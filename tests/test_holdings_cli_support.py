"""Rendering of ``portfolio-guard read`` output (the CLI itself is wired by the lead)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from portfolio_guard.errors import InputError, UnknownFormatError
from portfolio_guard.holdings import COLUMNS, read_holdings
from portfolio_guard.holdings.cli_support import parse_columns_option, read_command, render

HOLDINGS = Path(__file__).parent / "fixtures" / "holdings"


def test_json_output_shape() -> None:
    data = json.loads(render(read_holdings(HOLDINGS / "etrade.csv"), "json"))
    assert {"layout", "holdings", "skipped"} <= set(data)
    assert data["layout"] == "etrade"
    assert data["holdings"][0]["market_value"] == 109992.74
    assert data["holdings"][0]["symbol"] is None
    assert all(set(item) == {"line", "reason"} for item in data["skipped"])
    assert len(data["holdings"]) + len(data["skipped"]) == data["rows_read"]


def test_csv_output_round_trips() -> None:
    text = render(read_holdings(HOLDINGS / "degiro_en.csv"), "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(COLUMNS)
    assert rows[3]["isin"] == "KYG9830T1067" and float(rows[3]["market_value"]) == 5012.0
    assert rows[0]["quantity"] == ""


def test_table_output_lists_positions_and_skip_reasons() -> None:
    text = render(read_holdings(HOLDINGS / "schwab_2026.csv"), "table", width=200)
    assert "schwab-2026, 6 positions" in text
    assert "PANW 09/11/2026 327.50 P" in text and "293,703.52" in text
    assert "8 rows read, 2 skipped" in text and "1 x total row" in text


def test_unknown_format_option() -> None:
    with pytest.raises(InputError, match="unknown format"):
        render(read_holdings(HOLDINGS / "degiro_nl.csv"), "xml")  # type: ignore[arg-type]


def test_parse_columns_option() -> None:
    assert parse_columns_option(
        'Wertpapier=description, "Stk.=x"=quantity,Betrag=market_value'
    ) == {
        "Wertpapier": "description",
        "Stk.=x": "quantity",
        "Betrag": "market_value",
    }
    assert parse_columns_option("") == {}
    with pytest.raises(InputError, match="HEADER=column"):
        parse_columns_option("Wertpapier")


def test_read_command_end_to_end(tmp_path: Path) -> None:
    path = tmp_path / "depot.csv"
    path.write_text("Wertpapier;Stk.\nXIAOMI;100\n", encoding="utf-8")
    with pytest.raises(UnknownFormatError, match="Wertpapier"):
        read_command(str(path))
    out = json.loads(read_command(str(path), columns="Wertpapier=description,Stk.=quantity",
                                  fmt="json"))  # fmt: skip
    assert out["holdings"][0]["description"] == "XIAOMI" and out["holdings"][0]["quantity"] == 100
