"""Each broker layout, read from a fixture written from docs/brokerage-formats.md.

Every fixture carries its broker's awkward parts (preamble, footer, totals, cash lines, odd
numbers, BOM/CRLF); each test pins every position's identifier, quantity and market value, and
the reason each other line was set aside. Regenerate the files with
``python tests/fixtures/holdings/make_fixtures.py``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from portfolio_guard.holdings import Holdings, read_holdings

HOLDINGS = Path(__file__).parent / "fixtures" / "holdings"
Row = tuple[Any, ...]


def read(name: str, **options: Any) -> Holdings:
    result = read_holdings(HOLDINGS / name, **options)
    assert len(result.frame) + len(result.skipped) == result.rows_read, result.skipped
    assert result.warnings == []
    return result


def rows(result: Holdings, *columns: str) -> list[Row]:
    """Selected columns per position, missing values as None."""
    out = []
    for record in result.frame[list(columns)].itertuples(index=False, name=None):
        out.append(tuple(None if _missing(v) else v for v in record))
    return out


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def assert_rows(actual: list[Row], expected: list[Row]) -> None:
    assert len(actual) == len(expected), actual
    for got, want in zip(actual, expected, strict=True):
        assert got == pytest.approx(want), (got, want)


def reasons(result: Holdings) -> list[tuple[int, str]]:
    return [(s.line, s.reason) for s in result.skipped]


POSITION = ("symbol", "isin", "cusip", "quantity", "market_value")


def test_fidelity_2026_bom_crlf_trailing_comma_pending_and_footer() -> None:
    result = read("fidelity_2026.csv")
    assert result.layout == "fidelity-2026"
    assert_rows(
        rows(result, "account", *POSITION, "asset_type", "source_line"),
        [
            ("Z37480490", "SPAXX", None, None, None, 1523.07, "cash", 2),
            ("Z37480490", "BABA", None, None, 25, 2103.00, None, 3),
            ("Z37480490", "BRK.B", None, None, 4, 1650.00, None, 4),
            ("Z37480490", "BRK.B", None, None, 1, 412.50, None, 5),  # same ticker, Cash vs Margin
            ("Z37480490", "BABA260116C80", None, None, -1, -610.00, "option", 6),
            ("X12345678", "XIACY", None, None, 100, 1220.00, None, 8),
            ("84562319", None, None, "02315M107", 12.345, 2654.30, None, 9),
            ("84562319", None, None, None, None, 663.58, None, 10),
        ],
    )
    assert result.frame["description"].iloc[-1] == "BROKERAGELINK"
    assert reasons(result)[0] == (7, "pending activity (not a holding)")
    assert [line for line, _ in reasons(result)] == [7, 12, 13, 15]


def test_fidelity_2023_title_case_quoted_thousands() -> None:
    result = read("fidelity_2023.csv")
    assert result.layout == "fidelity-2023"
    assert_rows(
        rows(result, *POSITION, "price", "asset_type"),
        [
            ("FCASH", None, None, None, 3210.55, None, "cash"),
            ("AAPL", None, None, 200, 45900.00, 229.50, None),
            ("TCEHY", None, None, 1500, 72945.00, 48.63, None),
        ],
    )
    assert reasons(result)[0] == (4, "pending activity (not a holding)")


def test_schwab_2026_single_account() -> None:
    result = read("schwab_2026.csv")
    assert result.layout == "schwab-2026"
    assert set(result.frame["account"]) == {"Living Trust ...609"}
    assert_rows(
        rows(result, *POSITION, "price", "asset_type"),
        [
            ("AXTI", None, None, 1500, 92460.00, 61.64, "equity"),
            ("BRK.B", None, None, 10, 4125.00, 412.50, "equity"),
            ("PANW 09/11/2026 327.50 P", None, None, -3, -1612.50, 5.375, "option"),
            (None, None, "912797KX4", 25000, 24780.85, 99.1234, "bond"),
            ("SNYXX", None, None, 202775.94, 202775.94, 1.00, "cash"),
            (None, None, None, None, 293703.52, None, "cash"),
        ],
    )
    assert result.frame["description"].iloc[-1] == "Cash & Cash Investments"
    assert reasons(result) == [
        (1, "before the positions table (title, preamble or account label)"),
        (10, "total row"),
    ]


def test_schwab_2023_padded_title_classic_names() -> None:
    result = read("schwab_2023.csv")
    assert result.layout == "schwab-classic"
    assert set(result.frame["account"]) == {"Individual ...123"}
    assert_rows(
        rows(result, "symbol", "quantity", "market_value", "asset_type"),
        [
            ("MSFT", 50, 16490.50, "equity"),
            ("BABA", 120, 10116.00, "equity"),
            ("SWVXX", 10000, 10000.00, "cash"),
            (None, None, 4500.00, "cash"),
        ],
    )
    assert reasons(result)[-1] == (8, "total row")


def test_schwab_2025_abbreviated_names_and_empty_column() -> None:
    result = read("schwab_2025.csv")
    assert result.layout == "schwab-2025"
    assert_rows(
        rows(result, "account", "symbol", "quantity", "market_value", "asset_type"),
        [
            ("Roth Contributory IRA ...456", "VOO", 12.5, 7651.25, "etf"),
            ("Roth Contributory IRA ...456", "KWEB", 40, 1350.00, "etf"),
            ("Roth Contributory IRA ...456", None, None, 0.0, "cash"),
        ],
    )


def test_schwab_all_accounts_label_lines() -> None:
    result = read("schwab_all_accounts.csv")
    assert result.layout == "schwab-all-accounts"
    assert_rows(
        rows(result, "account", *POSITION, "asset_type"),
        [
            ("Individual XXXX-1234", "AAPL", None, None, 100, 14692.00, "equity"),
            ("Individual XXXX-1234", "CHL", None, None, 50, 1855.00, "equity"),
            ("Individual XXXX-1234", None, None, None, None, 8166.48, "cash"),
            ("Doe Family Trust, Jane Doe ...426", None, None, "912828YK0", 10000, 10094.00,
             "bond"),
            ("Doe Family Trust, Jane Doe ...426", "SPY 12/17/2021 450.00 C", None, None, 2,
             2050.00, "option"),
        ],
    )  # fmt: skip
    assert [r for r in reasons(result) if r[1] == "total row"] == [(8, "total row"),
                                                                  (14, "total row")]  # fmt: skip


def test_vanguard_blocks_and_ignored_transactions() -> None:
    result = read("vanguard.csv")
    assert result.layout == "vanguard"
    assert_rows(
        rows(result, "account", "symbol", "quantity", "price", "market_value", "asset_type"),
        [
            ("12345678", "VTSAX", 543.21, 118.405, 64318.01, None),
            ("12345678", "VMFXX", 2500.05, 1.0, 2500.05, "cash"),
            ("12345678", None, 10000, 99.125, 9912.50, "bond"),
            ("87654321", "VXUS", 120, 62.31, 7477.20, None),
            ("87654321", "MCHI", 35.5, 48.02, 1704.71, None),
        ],
    )
    assert result.frame["description"].iloc[2].startswith("U S TREASURY BILL")
    # The transactions block (header + 2 rows) is listed, not read.
    assert [line for line, _ in reasons(result)] == [11, 12, 13]


def test_ibkr_activity_statement_joins_instrument_details() -> None:
    result = read("ibkr_statement.csv")
    assert result.layout == "ibkr-statement"
    assert_rows(
        rows(result, "account", "symbol", "isin", "exchange", "currency", "quantity",
             "market_value", "asset_type"),
        [
            ("U1234567", "700", "KYG875721634", "SEHK", "HKD", 5000, 2013000, "equity"),
            ("U1234567", "BRK.B", "US0846707026", "NYSE", "USD", 10.0545, 4146.77, "equity"),
            ("U1234567", "MCHI", "US46429B6719", "NASDAQ", "USD", 2, 97, "etf"),
            ("U1234567", "BABA  261218C00090000", None, "CBOE", "USD", -1, -785, "option"),
        ],
    )  # fmt: skip
    skipped = dict(reasons(result))
    assert skipped[14] == skipped[15] == "tax lot (the position is its Summary row)"
    assert skipped[16] == "total row"
    assert skipped[22] == "section 'Trades' does not hold positions"
    assert skipped[25] == "instrument details (joined to the positions)"


@pytest.mark.parametrize(
    ("name", "layout", "first_line"),
    [("ibkr_flex.csv", "ibkr-flex", 2), ("ibkr_flex_sectioned.csv", "ibkr-flex-sectioned", 4)],
)
def test_ibkr_flex_query(name: str, layout: str, first_line: int) -> None:
    result = read(name)
    assert result.layout == layout
    assert_rows(
        rows(result, "account", "symbol", "isin", "cusip", "quantity", "market_value",
             "asset_type"),
        [
            ("U1234567", "AAPL", "US0378331005", "037833100", 150, 34425, "equity"),
            ("U1234567", "981", "KYG8020E1199", None, 2000, 90400, "equity"),
            ("U7654321", "BABA  261218C00090000", None, None, -1, -785, "option"),
            ("U7654321", "ASML", "NL0010273215", None, 3, 1837.2, "equity"),
        ],
    )  # fmt: skip
    assert result.frame["source_line"].iloc[0] == first_line
    lots = [line for line, reason in reasons(result) if reason.startswith("tax lot")]
    assert lots == [first_line + 1, first_line + 2]


def test_etrade_preamble_cash_total_lots_and_footer() -> None:
    result = read("etrade.csv")
    assert result.layout == "etrade"
    assert set(result.frame["account"]) == {"Individual Brokerage -2203"}
    assert_rows(
        rows(result, "symbol", "description", "quantity", "market_value", "asset_type"),
        [
            (None, "KEY BANK CD CLEVELAND OH CD 3.85% 08/24/2026", 110000, 109992.74, "bond"),
            ("LCTX", None, 965, 1167.65, None),  # a zero-width space removed
            ("QQQ Dec 31 '26 $600 Put", None, 1, 1407.50, "option"),
            ("VMFXX", None, 50000, 50000, "cash"),
            ("FUTU", None, -20, -1770, None),
            (None, "CASH", None, 7096.82, "cash"),
        ],
    )
    skipped = dict(reasons(result))
    assert skipped[13] == "tax lot (purchase date as symbol)"
    assert skipped[18] == "total row (its values sit one column left)"
    assert 20 in skipped  # the "Generated at" footer


def test_merrill_export_wizard() -> None:
    result = read("merrill_export.csv")
    assert result.layout == "merrill-export"
    assert_rows(
        rows(result, "account", "symbol", "cusip", "quantity", "market_value", "asset_type"),
        [
            ("73S-98Y50", "AAPL", "037833100", 1200, 275400.00, None),
            ("73S-98Y50", None, "990156937", 5012.44, 5012.44, "cash"),
            ("74T-11Z22", "IIAXX", None, 250, 250, "cash"),
            ("74T-11Z22", "JD", "47215P106", -100, -2844.00, None),
        ],
    )


def test_merrill_web_space_comma_separator() -> None:
    result = read("merrill_web.csv")
    assert result.layout == "merrill-web"
    assert set(result.frame["account"]) == {"CMA-Edge 73S-98Y50"}
    assert_rows(
        rows(result, "symbol", "description", "quantity", "market_value", "asset_type"),
        [
            ("JEPI", "JPMORGAN EQUITY", 122.5084, 7035.66, None),
            ("PDD", "PDD HOLDINGS INC SPON ADS", 250, 31727.50, None),
            ("IIAXX", "BANK OF AMERICA, NA RASP", 106.05, 106.05, "cash"),
            (None, "ML DIRECT DEPOSIT PROGRM", 28, 28.00, "cash"),
        ],
    )
    assert dict(reasons(result))[15] == "section label"
    assert dict(reasons(result))[17] == "total row"


def test_merrill_web_tax_lots() -> None:
    result = read("merrill_web_lots.csv")
    assert result.layout == "merrill-web-lots"
    assert_rows(
        rows(result, "symbol", "quantity", "market_value"),
        [("JEPI", 122.5084, 6936.42), ("NIO", 300, 1479.00)],
    )


def test_thinkorswim_statement_sections() -> None:
    result = read("thinkorswim.csv")
    assert result.layout == "thinkorswim"
    assert set(result.frame["account"]) == {"12345678SCHW"}
    assert_rows(
        rows(result, "symbol", "quantity", "price", "market_value", "asset_type"),
        [
            ("BIDU", 100, 97.25, 9725.00, "equity"),
            ("TAL", -50, 10.85, -542.50, "equity"),
            ("BIDU", 1, 5.95, 595.00, "option"),
            ("SNSXX", 489, 1.00, 489.00, "cash"),
        ],
    )
    assert [line for line, r in reasons(result) if r == "total row"] == [17, 22, 27]


def test_degiro_english_decimal_comma() -> None:
    result = read("degiro_en.csv")
    assert result.layout == "degiro-en"
    assert_rows(
        rows(result, "symbol", "isin", "currency", "quantity", "price", "market_value",
             "asset_type"),
        [
            (None, None, "EUR", None, None, 1079.92, "cash"),
            (None, None, "USD", None, None, -12.50, "cash"),
            (None, "US6536561086", "USD", 13, 91.15, 1184.95, None),
            (None, "KYG9830T1067", "HKD", 1000, 5.012, 5012.00, None),
            (None, "KYG9830T1067", "HKD", 500, 5.012, 2506.00, None),
            (None, "US0079031078", "USD", 20, 162.30, 3246.00, None),
        ],
    )  # fmt: skip
    assert result.frame["description"].iloc[5] == "ADVANCED MIC.DEV. DL-,01..."
    assert result.skipped == []


def test_degiro_dutch() -> None:
    result = read("degiro_nl.csv")
    assert result.layout == "degiro-nl"
    assert_rows(
        rows(result, "isin", "currency", "quantity", "market_value", "asset_type"),
        [
            (None, "CHF", None, 250.00, "cash"),
            ("KYG875721634", "HKD", 100, 40260.00, None),
            ("NL0010273215", "EUR", 2, 1224.80, None),
        ],
    )


def test_degiro_older_layout_with_currency_and_amount_in_one_cell(tmp_path: Path) -> None:
    path = tmp_path / "Portfolio.csv"
    path.write_text(
        "Product,Symbol/ISIN,Amount,Closing,Local value,Value in EUR\n"
        'TENCENT HOLDINGS LTD,KYG875721634,100,"402,60",HKD 40260.00,"4567,12"\n'
        'APPLE INC,US0378331005,3,"229,50",USD 688.50,"590,12"\n',
        encoding="utf-8",
    )
    result = read_holdings(path)
    assert result.layout == "degiro-en"
    assert_rows(
        rows(result, "isin", "currency", "price", "market_value"),
        [("KYG875721634", "HKD", 402.60, 40260.00), ("US0378331005", "USD", 229.50, 688.50)],
    )


def test_generic_semicolon_cp1252_decimal_comma() -> None:
    result = read("generic_semicolon.csv")
    assert result.layout == "generic-csv"
    assert_rows(
        rows(result, "description", "isin", "currency", "quantity", "price", "market_value"),
        [
            ("XIAOMI CORP. CL.B", "KYG9830T1067", "HKD", 1000, 5.012, 5012.00),
            ("SMIC", "KYG8020E1199", "HKD", 2500, 45.20, 113000.00),
        ],
    )
    assert dict(reasons(result))[7] == "total row"


@pytest.mark.parametrize(
    ("name", "broker"),
    [("fidelity_2026.csv", "fidelity"), ("schwab_2025.csv", "schwab-2025"),
     ("degiro_nl.csv", "degiro"), ("etrade.csv", "etrade")],
)  # fmt: skip
def test_forcing_the_broker_reads_the_same(name: str, broker: str) -> None:
    assert_rows(
        rows(read_holdings(HOLDINGS / name, broker=broker), *POSITION),
        rows(read_holdings(HOLDINGS / name), *POSITION),
    )
