"""Recognising columns by their header text, for the generic reader and on top of every layout.

Header cells are compared trimmed, case-insensitively, with runs of spaces collapsed
(:func:`header_key`). An empty header cell is named after its left neighbour plus ``+`` (Degiro's
unnamed amount column after ``Local value`` is ``local value+``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from portfolio_guard.errors import InputError
from portfolio_guard.holdings.model import COLUMNS
from portfolio_guard.holdings.symbols import clean_text

#: Where a column can go: a normalised column, or an input the normaliser interprets.
#: ``_type`` a broker's security-type label; ``_secid`` an identifier of unknown kind (told apart by
#: check digits); ``_money`` a cell holding currency and amount (``USD 1234.12``).
AUX_TARGETS: tuple[str, ...] = ("_type", "_secid", "_money")
TARGETS: tuple[str, ...] = (*(c for c in COLUMNS if c != "source_line"), *AUX_TARGETS)

# Most specific first: when two headers could fill one column, the earlier synonym wins.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "account": (
        "account number", "account #", "account no", "account no.", "account id", "account",
        "acct", "acct #", "clientaccountid", "client account id", "account name", "portfolio",
        "konto", "rekening", "compte",
    ),
    "symbol": (
        "symbol", "ticker", "ticker symbol", "tickersymbol", "instrument symbol", "symbol/isin",
        "symbool/isin", "symbol/cusip", "symbol/cusip #", "stock symbol", "security symbol",
        "symbole", "stock code", "instrument", "security id/symbol",
    ),
    "description": (
        "description", "security description", "name", "security name", "investment name",
        "instrument name", "product", "produkt", "fund name", "security", "company",
        "company name", "holding", "investment", "instruments", "bezeichnung", "naam",
        "wertpapier", "wertpapiername", "titel", "libellé",
        "issuer", "issuer name", "product name", "asset name",
    ),
    "isin": ("isin", "isin code", "instrument isin", "isin number", "isin-code"),
    "cusip": ("cusip", "cusip #", "cusip number", "cusip no"),
    "sedol": ("sedol", "sedol code", "sedol number"),
    "figi": ("figi", "openfigi", "bbg figi", "figi code", "composite figi"),
    "exchange": (
        "exchange", "listing exchange", "listingexchange", "listing exch", "exchange mic", "mic",
        "market", "primary exchange", "börse", "beurs",
    ),
    "currency": (
        "currency", "ccy", "currencyprimary", "trade currency", "price currency", "devise",
        "währung", "valuta", "munt",
    ),
    "quantity": (
        "quantity", "qty", "qty (quantity)", "qty #", "qty.", "shares", "units", "position",
        "no. of shares", "number of shares", "share count", "shares held", "quantity held",
        "aantal", "anzahl", "stück", "quantité", "nominal",
    ),
    "price": (
        "price", "last price", "last price $", "share price", "close price", "closing price",
        "closing", "current price", "market price", "markprice", "mark", "price ($)",
        "unit price", "price / share", "slotkoers", "schlusskurs", "schlußkurs", "kurs", "cours",
    ),
    "market_value": (
        "market value", "mkt val (market value)", "market value ($)", "current value", "value",
        "value ($)", "value $", "total value", "positionvalue", "position value", "mark value",
        "marktwert", "kurswert", "waarde", "valeur", "current value ($)", "market value (usd)",
    ),
    "_type": (
        "asset type", "security type", "asset category", "asset class", "assetclass",
        "product type", "instrument type", "sectype", "security class",
    ),
    "_secid": ("security id", "securityid", "identifier", "security identifier"),
}  # fmt: skip

# Looser patterns for headers no synonym names exactly ("Value (EUR)", "Qty held 31/12").
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("isin", re.compile(r"\bisin\b")),
    ("cusip", re.compile(r"\bcusip\b")),
    ("sedol", re.compile(r"\bsedol\b")),
    ("symbol", re.compile(r"\b(ticker|symbol)\b")),
    ("quantity", re.compile(r"^(qty|quantity|shares|units)\b")),
    ("market_value", re.compile(r"^(market value|mkt val|current value|value)\b")),
    ("price", re.compile(r"^(last |close |closing |current )?price\b")),
    ("currency", re.compile(r"\bcurrency\b")),
    ("description", re.compile(r"^(security |instrument |fund |product )?(name|description)\b")),
)

#: Headers that mark a transactions or activity export rather than positions.
TRANSACTION_HEADERS = frozenset(
    {
        "action", "trans code", "transaction type", "transaction description", "activity date",
        "run date", "buy/sell", "settlement date", "settle date", "process date", "order id",
        "tradedate", "trade date", "transaction", "trans type",
    }
)  # fmt: skip

IDENTIFYING = ("symbol", "isin", "cusip", "sedol", "figi", "_secid")


def header_key(cell: str) -> str:
    """The comparable form of a header cell."""
    return " ".join(clean_text(cell).strip('"').split()).casefold()


def header_keys(cells: Sequence[str]) -> list[str]:
    """Header keys for a header row, naming empty cells after their left neighbour plus ``+``."""
    keys: list[str] = []
    for cell in cells:
        key = header_key(cell)
        if not key and keys:
            key = keys[-1] + "+"
        keys.append(key)
    return keys


def user_mapping(columns: Mapping[str, str] | None) -> dict[str, str]:
    """Normalise a user's ``{header: column}`` mapping (the other direction is accepted too)."""
    if not columns:
        return {}
    result: dict[str, str] = {}
    for left, right in columns.items():
        if not isinstance(left, str) or not isinstance(right, str):
            raise InputError(
                f"columns must map header text to a column name, got {left!r}: {right!r}"
            )
        target = right.strip().lower()
        header = left
        if target == "type":
            target = "_type"
        if target not in TARGETS and left.strip().lower() in TARGETS:
            target, header = left.strip().lower(), right
        if target == "asset_type":
            target = "_type"
        if target not in TARGETS:
            names = ", ".join(c for c in TARGETS if c != "asset_type")
            raise InputError(f"columns: {right!r} is not a column; use one of {names}")
        result[header_key(header)] = target
    return result


def recognise(
    keys: Sequence[str],
    user: Mapping[str, str] | None = None,
    layout: Mapping[str, str] | None = None,
) -> dict[int, str]:
    """Assign header positions to targets: the user's mapping, then the layout's, then synonyms."""
    assigned: dict[int, str] = {}
    taken: set[str] = set()

    def take(index: int, target: str) -> None:
        if index not in assigned and target not in taken:
            assigned[index] = target
            taken.add(target)

    positions: dict[str, int] = {}
    for index, key in enumerate(keys):
        positions.setdefault(key, index)
    for mapping in (user or {}, layout or {}):
        for key, target in mapping.items():
            if key in positions:
                take(positions[key], target)
    for target, names in SYNONYMS.items():
        for name in names:
            if name in positions:
                take(positions[name], target)
    for target, pattern in _PATTERNS:
        for index, key in enumerate(keys):
            if pattern.search(key):
                take(index, target)
    return assigned


def is_positions_table(targets: set[str]) -> bool:
    """Whether recognised columns are enough to read positions from."""
    has_id = any(t in targets for t in IDENTIFYING)
    has_amount = "quantity" in targets or "market_value" in targets
    return has_id or ("description" in targets and has_amount)


def transaction_markers(keys: Sequence[str]) -> list[str]:
    """Header keys that only a transactions export has."""
    return [k for k in keys if k in TRANSACTION_HEADERS]
