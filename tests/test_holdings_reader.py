"""The reader around the layouts: generic files, spreadsheets, errors, and the public API."""

from __future__ import annotations

import csv
import json
import math
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from portfolio_guard.errors import InputError, ParseError, UnknownFormatError
from portfolio_guard.holdings import (
    COLUMNS,
    LAYOUTS,
    Holdings,
    normalize_frame,
    option_underlying,
    read_holdings,
)
from portfolio_guard.holdings import reader as reader_module
from portfolio_guard.holdings import source as source_module

HOLDINGS = Path(__file__).parent / "fixtures" / "holdings"


def write(tmp_path: Path, text: str, name: str = "holdings.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def column(result: Holdings, name: str) -> list[object]:
    return [None if _missing(v) else v for v in result.frame[name]]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def slow_read(monkeypatch: pytest.MonkeyPatch, path: Path, **options: object) -> Holdings:
    """Read with the row engine only (the fast generic path declines)."""
    with monkeypatch.context() as patch:
        patch.setattr(reader_module, "read_fast", lambda *args, **kwargs: None)
        return read_holdings(path, **options)  # type: ignore[arg-type]


def assert_same(fast: Holdings, slow: Holdings) -> None:
    assert fast.layout == slow.layout
    assert fast.rows_read == slow.rows_read
    assert fast.skipped == slow.skipped
    assert fast.warnings == slow.warnings
    left = fast.frame.astype(object).where(fast.frame.notna(), None)
    right = slow.frame.astype(object).where(slow.frame.notna(), None)
    assert left.to_dict("records") == right.to_dict("records")


GENERIC = (
    "\ufeffMy portfolio export\r\n"
    "As of 2026-09-05\r\n"
    "\r\n"
    "Ticker,Name,ISIN,Shares,Market Value (USD),Currency\r\n"
    'BABA,Alibaba Group,US01609W1027,25,"$2,103.00",USD\r\n'
    '0700.HK,Tencent,KYG875721634,100,"40,260.00",HKD\r\n'
    "BRK B,Berkshire Hathaway,US0846707026,(4),-1650.00,USD\r\n"
    "SPAXX,Fidelity Government Money Market,,--,1523.07,USD\r\n"
    "\r\n"
    "Ticker,Name,ISIN,Shares,Market Value (USD),Currency\r\n"
    "CASH,,,,250.00,USD\r\n"
    "NOAMT,No amount here,,,,\r\n"
    'Total,,,,"$44,636.07",\r\n'
    "ZZZZ,Bad quantity,,abc,1.00,USD\r\n"
)


def test_generic_csv_by_column_names(tmp_path: Path) -> None:
    result = read_holdings(write(tmp_path, GENERIC))
    assert result.layout == "generic-csv"
    assert column(result, "symbol") == ["BABA", "0700", "BRK.B", "SPAXX", None, "ZZZZ"]
    assert column(result, "exchange") == [None, "XHKG", None, None, None, None]
    assert column(result, "isin")[:3] == ["US01609W1027", "KYG875721634", "US0846707026"]
    assert column(result, "quantity") == [25.0, 100.0, -4.0, None, None, None]
    assert column(result, "market_value") == [2103.0, 40260.0, -1650.0, 1523.07, 250.0, 1.0]
    assert column(result, "asset_type") == [None, None, None, "cash", "cash", None]
    assert column(result, "source_line") == [5, 6, 7, 8, 11, 14]
    assert [(s.line, s.reason) for s in result.skipped] == [
        (1, "before the positions table (title, preamble or account label)"),
        (2, "before the positions table (title, preamble or account label)"),
        (12, "no quantity or value"),
        (13, "total row"),
    ]
    assert [(w.line, w.reason) for w in result.warnings] == [(14, "quantity 'abc' is not a number")]
    assert len(result.frame) + len(result.skipped) == result.rows_read


def test_fast_path_matches_the_row_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, GENERIC)
    assert_same(read_holdings(path), slow_read(monkeypatch, path))
    semicolon = HOLDINGS / "generic_semicolon.csv"
    assert_same(read_holdings(semicolon), slow_read(monkeypatch, semicolon))


def test_quoted_cells_spanning_lines_keep_exact_line_numbers(tmp_path: Path) -> None:
    text = 'Symbol,Description,Quantity\nAAPL,"Apple\nInc.",3\n"MSFT","Micro\r\nsoft",4\nNVDA,x,5\n'
    result = read_holdings(write(tmp_path, text))
    assert column(result, "symbol") == ["AAPL", "MSFT", "NVDA"]
    assert column(result, "source_line") == [2, 4, 6]
    assert column(result, "description")[0] == "Apple\nInc."


def test_bare_cr_line_ends(tmp_path: Path) -> None:
    result = read_holdings(write(tmp_path, "Symbol,Quantity\rAAPL,3\r\rMSFT,4\r"))
    assert column(result, "symbol") == ["AAPL", "MSFT"]
    assert column(result, "source_line") == [2, 4]


def test_utf16_tab_separated_excel_text(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufeffSymbol\tQuantity\tValue\nAAPL\t3\t690.00\n", encoding="utf-16-le")
    result = read_holdings(path)
    assert column(result, "symbol") == ["AAPL"] and column(result, "market_value") == [690.0]


def test_cp1252_byte_after_the_head_switches_encoding(tmp_path: Path) -> None:
    rows = "".join(f"T{i:05d},Plain name {i},1\n" for i in range(6000))  # > HEAD_BYTES of ASCII
    data = ("Symbol,Description,Quantity\n" + rows).encode() + "ZZZ,Börse AG,2\n".encode("cp1252")
    path = tmp_path / "late.csv"
    path.write_bytes(data)
    result = read_holdings(path)
    assert result.frame["description"].iloc[-1] == "Börse AG"
    assert result.frame["source_line"].iloc[-1] == 6002


def test_ragged_rows(tmp_path: Path) -> None:
    text = "Symbol,Quantity,Value\nAAPL,3,690,extra,cells,\nMSFT,4\nNVDA\n"
    result = read_holdings(write(tmp_path, text))
    assert column(result, "symbol") == ["AAPL", "MSFT"]
    assert column(result, "market_value") == [690.0, None]
    assert [(s.line, s.reason) for s in result.skipped] == [
        (4, "a single cell, not a position row")
    ]


def test_header_only_file_gives_an_empty_typed_frame(tmp_path: Path) -> None:
    result = read_holdings(write(tmp_path, "Symbol,Quantity,Market Value\n"))
    assert result.frame.empty and list(result.frame.columns) == list(COLUMNS)
    assert result.frame["quantity"].dtype == "float64"
    assert result.frame["source_line"].dtype == "int64"
    assert result.rows_read == 0


def test_frame_columns_and_dtypes() -> None:
    frame = read_holdings(HOLDINGS / "schwab_2026.csv").frame
    assert list(frame.columns) == list(COLUMNS)
    assert {frame[c].dtype.name for c in ("quantity", "price", "market_value")} == {"float64"}
    assert frame["source_line"].dtype == "int64"
    assert all(frame[c].dtype == object for c in ("account", "symbol", "isin", "asset_type"))


def test_unknown_columns_error_lists_them_and_the_fix(tmp_path: Path) -> None:
    path = write(tmp_path, "Wertpapier;Stk.;Betrag\nXIAOMI;100;5012,00\n")
    with pytest.raises(UnknownFormatError) as caught:
        read_holdings(path)
    message = str(caught.value)
    assert "'Wertpapier', 'Stk.', 'Betrag'" in message and "--columns" in message
    assert caught.value.line == 1 and caught.value.path == str(path)
    result = read_holdings(path, columns={"Wertpapier": "description", "Stk.": "quantity",
                                          "betrag": "market_value"})  # fmt: skip
    assert column(result, "description") == ["XIAOMI"] and column(result, "quantity") == [100.0]
    assert column(result, "market_value") == [5012.0]


def test_columns_mapping_either_direction_and_errors(tmp_path: Path) -> None:
    path = write(tmp_path, "Code,Held\nBABA,3\n")
    assert column(
        read_holdings(path, columns={"symbol": "Code", "Held": "quantity"}), "symbol"
    ) == ["BABA"]
    with pytest.raises(InputError, match="not a column"):
        read_holdings(path, columns={"Code": "ticker_symbol"})
    with pytest.raises(InputError, match="not in the header"):
        read_holdings(path, columns={"Missing": "symbol"})


def test_transactions_export_is_refused_unless_columns_are_given(tmp_path: Path) -> None:
    text = (
        '"Date","Action","Symbol","Description","Quantity","Price","Fees & Comm","Amount"\n'
        '"12/19/2022 as of 12/16/2022","Buy","BABA","ALIBABA","10","$80.00","","-$800.00"\n'
    )
    path = write(tmp_path, text)
    with pytest.raises(UnknownFormatError, match="transactions"):
        read_holdings(path)
    assert column(read_holdings(path, broker="generic"), "symbol") == ["BABA"]


def test_broker_option(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown broker 'robinhood'"):
        read_holdings(HOLDINGS / "vanguard.csv", broker="robinhood")
    with pytest.raises(UnknownFormatError, match="not a degiro export"):
        read_holdings(write(tmp_path, "Foo,Bar\n1,2\n"), broker="degiro")
    # A Fidelity file missing columns the signature names is still read when forced.
    path = write(tmp_path, "Account Number,Symbol,Description,Quantity,Current Value\n"
                           "Z1,BABA,ALIBABA,3,$250.00\nZ1,Pending Activity,,,$5.00\n")  # fmt: skip
    forced = read_holdings(path, broker="fidelity")
    assert forced.layout == "fidelity-2023"
    assert column(forced, "symbol") == ["BABA"]
    assert forced.skipped[0].reason == "pending activity (not a holding)"
    assert read_holdings(HOLDINGS / "fidelity_2026.csv", broker="generic").layout == "generic-csv"


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "empty"),
        (b"\r\n  \r\n", "empty"),
        (b"%PDF-1.7\n...", "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "legacy Excel"),
        (b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)), "binary"),
        (bytes(range(1, 32)) * 50, "binary"),
    ],
)
def test_unusable_files_raise_clear_errors(tmp_path: Path, content: bytes, match: str) -> None:
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    with pytest.raises(UnknownFormatError, match=match):
        read_holdings(path)


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("holdings.csv", "Symbol,Quantity\nAAPL,1\n")
    with pytest.raises(UnknownFormatError, match="ZIP archive"):
        read_holdings(path)


def test_missing_file_directory_and_size_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(InputError, match="cannot read"):
        read_holdings(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="not a file"):
        read_holdings(tmp_path)
    monkeypatch.setattr(source_module, "MAX_FILE_BYTES", 100)
    with pytest.raises(InputError, match="accepts up to"):
        read_holdings(HOLDINGS / "fidelity_2026.csv")


def test_a_cell_too_large_for_a_csv_is_a_parse_error(tmp_path: Path) -> None:
    path = write(tmp_path, 'Account Statement for 1 (x)\n"' + "x" * 200_000 + '"\n')
    with pytest.raises(ParseError):
        read_holdings(path)


def test_statement_without_positions_section(tmp_path: Path) -> None:
    text = (
        "Statement,Header,Field Name,Field Value\n"
        "Trades,Header,Symbol,Quantity\nTrades,Data,AAPL,1\n"
    )
    with pytest.raises(ParseError, match="sections in the file: Statement, Trades"):
        read_holdings(write(tmp_path, text))


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_xlsx_generic_sheet_with_row_numbers(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "book.xlsx",
        {
            "Notes": [["nothing here"]],
            "Holdings": [
                ["Portfolio as of", "2026-09-05"],
                [],
                ["ISIN", "Name", "Units", "Value"],
                ["KYG875721634", "Tencent", 100, 40260.5],
                ["US0378331005", "Apple", 3, "1.234,5"],
                ["Total", None, None, 41495.0],
            ],
        },
    )
    result = read_holdings(path)
    assert result.layout == "generic-xlsx"
    assert column(result, "isin") == ["KYG875721634", "US0378331005"]
    assert column(result, "quantity") == [100.0, 3.0]
    assert column(result, "market_value") == [40260.5, 1234.5]
    assert column(result, "source_line") == [4, 5]
    assert [s.line for s in result.skipped] == [1, 6]


def test_xlsx_in_a_broker_layout(tmp_path: Path) -> None:
    lines = (HOLDINGS / "schwab_2026.csv").read_text().splitlines()
    rows: list[list[object]] = [list(r) for r in csv.reader(lines)]
    result = read_holdings(_workbook(tmp_path / "schwab.xlsx", {"Positions": rows}))
    assert result.layout == "schwab-2026"
    expected = read_holdings(HOLDINGS / "schwab_2026.csv")
    assert column(result, "market_value") == column(expected, "market_value")
    assert column(result, "source_line") == column(expected, "source_line")


def test_broken_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<not really>")
    with pytest.raises(UnknownFormatError, match="xlsx"):
        read_holdings(path)


@pytest.mark.parametrize(
    ("symbol", "expected"),
    [
        ("US01609W1027", {"isin": "US01609W1027", "symbol": None}),
        ("02315M107", {"cusip": "02315M107", "symbol": None}),
        ("B0YBKJ7", {"sedol": "B0YBKJ7", "symbol": None}),
        ("BBG000B9XRY4", {"figi": "BBG000B9XRY4", "symbol": None}),
        ("VWRL:xams", {"symbol": "VWRL", "exchange": "XAMS"}),
        ("600519.SS", {"symbol": "600519", "exchange": "XSHG"}),
        ("BRK/B", {"symbol": "BRK.B"}),
        ("SPAXX**", {"symbol": "SPAXX", "asset_type": "cash"}),
        (" -AAPL250620C200", {"symbol": "AAPL250620C200", "asset_type": "option"}),
        ("AAPL  250620C00200000", {"asset_type": "option"}),
        ("JEPI !  Executed Buy", {"symbol": "JEPI"}),
        ("Cash & Cash Investments", {"symbol": None, "asset_type": "cash"}),
    ],
)
def test_symbol_cells(symbol: str, expected: dict[str, object]) -> None:
    frame = normalize_frame(pd.DataFrame({"Symbol": [symbol], "Quantity": [1]}))
    for name, value in expected.items():
        got = frame[name].iloc[0]
        assert (None if _missing(got) else got) == value, (name, got)


@pytest.mark.parametrize(
    ("symbol", "root"),
    [(" -BABA260116C80", "BABA"), ("PANW 09/11/2026 327.50 P", "PANW"),
     ("QQQ Dec 31 '26 $600 Put", "QQQ"), ("BABA  261218C00090000", "BABA"),
     (".BIDU261218C100", "BIDU"), ("BABA", None)],
)  # fmt: skip
def test_option_underlying(symbol: str, root: str | None) -> None:
    assert option_underlying(symbol) == root


def test_normalize_frame_for_a_dataframe_in_hand() -> None:
    df = pd.DataFrame(
        {"ticker": ["BABA", " 700 ", None, "US0378331005"], "qty": ["1,000", "5", "2", None]},
        index=[10, 20, 30, 40],
    )
    frame = normalize_frame(df)
    assert list(frame.columns) == list(COLUMNS)
    assert list(frame.index) == [10, 20, 30, 40]
    assert [None if _missing(v) else v for v in frame["symbol"]] == ["BABA", "700", None, None]
    assert frame["isin"].iloc[3] == "US0378331005"
    assert frame["quantity"].tolist()[:3] == [1000.0, 5.0, 2.0]
    assert frame["source_line"].tolist() == [1, 2, 3, 4]
    kept = normalize_frame(pd.DataFrame({"Symbol": ["A"], "source_line": [42]}))
    assert kept["source_line"].tolist() == [42]
    with pytest.raises(UnknownFormatError, match="columns: 'a', 'b'"):
        normalize_frame(pd.DataFrame({"a": [1], "b": [2]}))
    mapped = normalize_frame(pd.DataFrame({"a": ["BABA"], "b": [2]}), columns={"a": "symbol"})
    assert mapped["symbol"].iloc[0] == "BABA"


def test_bad_identifier_check_digits_are_warned(tmp_path: Path) -> None:
    result = read_holdings(write(tmp_path, "ISIN,Quantity\nUS0378331006,1\nUS0378331005,2\n"))
    assert [(w.line, w.reason) for w in result.warnings] == [
        (2, "isin 'US0378331006' fails its check digit")
    ]


def test_json_dict() -> None:
    result = read_holdings(HOLDINGS / "degiro_en.csv")
    data = result.to_json_dict()
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text) == data
    assert data["layout"] == "degiro-en" and data["skipped"] == []
    first = data["holdings"][0]
    assert list(first) == list(COLUMNS)
    assert first["quantity"] is None and first["market_value"] == 1079.92
    assert first["source_line"] == 2 and isinstance(first["source_line"], int)
    skipped = read_holdings(HOLDINGS / "etrade.csv").to_json_dict()["skipped"]
    assert {"line": 18, "reason": "total row (its values sit one column left)"} in skipped


def test_registry_is_declarative_and_consistent() -> None:
    names = [spec.name for spec in LAYOUTS]
    assert len(names) == len(set(names))
    for spec in LAYOUTS:
        assert spec.signature and spec.broker and spec.title
        assert all(key == key.casefold() for key in spec.columns)


def test_every_fixture_is_detected_without_help() -> None:
    expected = {
        "fidelity_2026.csv": "fidelity-2026", "fidelity_2023.csv": "fidelity-2023",
        "schwab_2026.csv": "schwab-2026", "schwab_2025.csv": "schwab-2025",
        "schwab_2023.csv": "schwab-classic", "schwab_all_accounts.csv": "schwab-all-accounts",
        "vanguard.csv": "vanguard", "ibkr_statement.csv": "ibkr-statement",
        "ibkr_flex.csv": "ibkr-flex", "ibkr_flex_sectioned.csv": "ibkr-flex-sectioned",
        "etrade.csv": "etrade", "merrill_export.csv": "merrill-export",
        "merrill_web.csv": "merrill-web", "merrill_web_lots.csv": "merrill-web-lots",
        "thinkorswim.csv": "thinkorswim", "degiro_en.csv": "degiro-en",
        "degiro_nl.csv": "degiro-nl", "generic_semicolon.csv": "generic-csv",
    }  # fmt: skip
    found = {p.name: read_holdings(p).layout for p in sorted(HOLDINGS.glob("*.csv"))}
    assert found == expected


def test_large_generic_file_uses_vectorised_path(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    n = 20_000
    frame = pd.DataFrame(
        {
            "Symbol": rng.choice(["AAPL", "BABA", "MSFT", "TCEHY"], n),
            "Shares": rng.integers(1, 100, n),
            "Market Value": rng.uniform(1, 1e5, n).round(2),
        }
    )
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    result = read_holdings(path)
    assert len(result.frame) == n and result.rows_read == n
    assert result.frame["source_line"].iloc[-1] == n + 1
    assert np.allclose(result.frame["market_value"], frame["Market Value"])


def test_hostile_cells_stay_cheap(tmp_path: Path) -> None:
    long_number = "1" * 100_000 + "x"
    option_like = "AAPL " + "1 JAN 24 " * 5_000
    text = f"Symbol,Description,Quantity\nAAPL,{option_like},{long_number}\n{option_like},x,1\n"
    result = read_holdings(write(tmp_path, text))
    assert column(result, "symbol")[0] == "AAPL"
    assert result.warnings[0].line == 2 and "is not a number" in result.warnings[0].reason
    assert column(result, "symbol")[1] is None  # prose in the symbol column is not a symbol
    wide = "Account Statement for 1 (x)\n" + "," * 20_000 + "\n"
    with pytest.raises(ParseError, match="cells"):
        read_holdings(write(tmp_path, wide, "wide.csv"))


def test_asset_types_stay_in_the_vocabulary() -> None:
    from portfolio_guard.holdings import ASSET_TYPES

    for path in HOLDINGS.glob("*.csv"):
        kinds = set(read_holdings(path).frame["asset_type"].dropna())
        assert kinds <= set(ASSET_TYPES), (path.name, kinds)


@pytest.mark.parametrize(
    "header",
    [
        "Run Date,Action,Symbol,Description,Type,Price ($),Quantity,Amount ($),Settlement Date",
        '"Activity Date","Process Date","Settle Date","Instrument","Trans Code","Quantity"',
        "Date,Time,Product,ISIN,Reference exchange,Venue,Quantity,Price,,Local value,Order ID",
        "Action,Time,ISIN,Ticker,Name,No. of shares,Price / share",
        '"ClientAccountID","Symbol","Conid","TradeDate","Quantity","TradePrice"',
    ],
    ids=["fidelity-history", "robinhood", "degiro-transactions", "trading212", "flex-trades"],
)
def test_other_exports_users_mix_up_are_named(tmp_path: Path, header: str) -> None:
    with pytest.raises(UnknownFormatError, match="transactions or activity export"):
        read_holdings(write(tmp_path, header + "\nX,BABA,1,2,3,4,5,6,7,8,9\n"))
