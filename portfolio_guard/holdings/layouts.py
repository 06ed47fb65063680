"""The registry of broker layouts: one small spec each, facts from docs/brokerage-formats.md.

Header names are matched case-insensitively when reading; ``signature`` spellings are exact so
detection can tell header generations apart. Columns a spec does not name are still recognised by
the generic synonyms (``columns.py``), so an added or renamed column does not break a layout.
"""

from __future__ import annotations

from dataclasses import replace

from portfolio_guard.holdings.spec import LayoutSpec, Rule

_FIDELITY_COLUMNS = {
    "account number": "account",
    "account name": "_account_name",
    "symbol": "symbol",
    "description": "description",
    "quantity": "quantity",
    "last price": "price",
    "current value": "market_value",
    "type": "_margin",  # Cash / Margin / Short: the account type, not the security's
}
_FIDELITY = LayoutSpec(
    name="fidelity",
    broker="fidelity",
    title="Fidelity positions",
    signature=(),
    columns=_FIDELITY_COLUMNS,
    skip=(Rule("symbol", r"pending activity", "pending activity (not a holding)"),),
    end=(
        Rule(
            "*",
            r"(the data and information|brokerage services|date downloaded|fidelity brokerage"
            r"|information is provided|this spreadsheet).*",
            "footer",
        ),
    ),
    end_after_blank=1,
)

_SCHWAB_COLUMNS = {
    "symbol": "symbol",
    "description": "description",
    "quantity": "quantity",
    "qty (quantity)": "quantity",
    "price": "price",
    "market value": "market_value",
    "mkt val (market value)": "market_value",
    "security type": "_type",
    "asset type": "_type",
}
_SCHWAB = LayoutSpec(
    name="schwab",
    broker="schwab",
    title="Schwab positions",
    signature=(),
    columns=_SCHWAB_COLUMNS,
    skip=(
        Rule("symbol", r"(account|positions) total|futures positions market value", "total row"),
    ),
    end_after_blank=1,
    # The single-account title names the account; All-Accounts files put a label line (nickname
    # and masked number, maybe split at a comma) before each account's header.
    account=(
        r"Positions for account (?P<account>.+?) as of ",
        # Labels end in a masked number: "Individual    XXXX-1234", "Roth_IRA ...995".
        r"^(?!Positions for )(?P<account>[^$]*?(?:\.\.\.|XXXX-)\d{3,4})\s*$",
    ),
    marker=r"Positions for account ",
)

_DEGIRO = LayoutSpec(
    name="degiro", broker="degiro", title="Degiro Portfolio.csv", signature=(), decimal=","
)

_MERRILL_WEB = LayoutSpec(
    name="merrill-web",
    broker="merrill",
    title="Merrill web Holdings download",
    signature=(),
    skip=(Rule("symbol", r"balances", "section label"),),
    cash=(Rule("symbol", r"money accounts?", "cash"),),
    account=(r"Selected account\(s\):\s*(?P<account>.+)",),
    end_after_blank=1,
)

_IBKR_COLUMNS = {
    "datadiscriminator": "_detail",
    "asset category": "_category",
    "currency": "currency",
    "symbol": "symbol",
    "description": "description",
    "quantity": "quantity",
    "close price": "price",
    "value": "market_value",
    "account": "account",
}
_IBKR_FLEX_COLUMNS = {
    "clientaccountid": "account",
    "currencyprimary": "currency",
    "assetclass": "_type",
    "symbol": "symbol",
    "description": "description",
    "securityid": "_secid",
    "cusip": "cusip",
    "isin": "isin",
    "figi": "figi",
    "listingexchange": "exchange",
    "quantity": "quantity",
    "position": "quantity",
    "markprice": "price",
    "positionvalue": "market_value",
    "levelofdetail": "_detail",
    "conid": "_conid",
}
_IBKR_FLEX = LayoutSpec(
    name="ibkr-flex",
    broker="ibkr",
    title="Interactive Brokers Flex Query positions",
    columns=_IBKR_FLEX_COLUMNS,
    signature=("Symbol", "Conid"),
    any_of=("Quantity", "Position"),
    none_of=("TradeDate", "TradePrice", "Buy/Sell", "TransactionType", "Date/Time"),
    skip=(Rule("_detail", r"lot", "tax lot (the position is its SUMMARY row)"),),
)

LAYOUTS: tuple[LayoutSpec, ...] = (
    replace(
        _FIDELITY,
        name="fidelity-2023",
        title="Fidelity positions (headers from 2023 on, title case)",
        signature=("Symbol", "Description", "Quantity", "Last Price", "Last Price Change",
                   "Current Value"),
    ),
    replace(
        _FIDELITY,
        name="fidelity-2026",
        title="Fidelity positions (sentence-case headers, from July 2026)",
        signature=("Symbol", "Description", "Quantity", "Last price", "Last price change",
                   "Current value"),
    ),
    replace(
        _SCHWAB,
        name="schwab-classic",
        title="Schwab positions (2019-2024 column names)",
        signature=("Symbol", "Description", "Quantity", "Price", "Market Value", "Security Type"),
    ),
    replace(
        _SCHWAB,
        name="schwab-2025",
        title="Schwab positions (2025 abbreviated names)",
        signature=("Symbol", "Description", "Qty (Quantity)", "Price", "Mkt Val (Market Value)",
                   "Security Type"),
    ),
    replace(
        _SCHWAB,
        name="schwab-2026",
        title="Schwab positions (2026: Asset Type, trailing commas)",
        signature=("Symbol", "Description", "Qty (Quantity)", "Price", "Mkt Val (Market Value)",
                   "Asset Type"),
    ),
    replace(
        _SCHWAB,
        name="schwab-all-accounts",
        title="Schwab All-Accounts positions (one block per account)",
        signature=("Symbol", "Description", "Price"),
        any_of=("Quantity", "Qty (Quantity)"),
        marker=r"Positions for All-Accounts",
        marker_required=True,  # the signature alone would fit any Symbol/Description/Price file
    ),
    LayoutSpec(
        name="vanguard",
        broker="vanguard",
        title="Vanguard OfxDownload.csv holdings (transactions block ignored)",
        signature=("Account Number", "Investment Name", "Symbol", "Shares", "Share Price",
                   "Total Value"),
        columns={"account number": "account", "investment name": "description",
                 "symbol": "symbol", "shares": "quantity", "share price": "price",
                 "total value": "market_value"},
        none_of=("Trade Date",),
        end_after_blank=3,  # one blank line between accounts, three after the holdings
    ),
    LayoutSpec(
        name="vanguard-legacy",
        broker="vanguard",
        title="Vanguard fund-account holdings (older layout)",
        signature=("Fund Account Number", "Fund Name", "Price", "Shares", "Total Value"),
        columns={"fund account number": "account", "fund name": "description",
                 "price": "price", "shares": "quantity", "total value": "market_value"},
        end_after_blank=3,
    ),
    LayoutSpec(
        name="ibkr-statement",
        broker="ibkr",
        title="Interactive Brokers activity statement (Open Positions + instrument details)",
        signature=("DataDiscriminator", "Symbol"),
        any_of=("Quantity", "Menge", "Anzahl"),
        columns=_IBKR_COLUMNS,
        marker=r"Statement, (Header|Data)",
        sections=("Open Positions", "Long Open Positions", "Short Open Positions",
                  "Offene Positionen", "Offene Long-Positionen", "Offene Short-Positionen"),
        skip=(Rule("_detail", r"lot", "tax lot (the position is its Summary row)"),),
        account=(r"^(?:Account Information|Kontoinformation), Data, (?:Account|Konto), "
                 r"(?P<account>[^,]+)",),
        lookup_sections=("Financial Instrument Information",),
        lookup_columns={"asset category": "_category", "symbol": "symbol",
                        "description": "description", "security id": "_secid",
                        "listing exch": "exchange", "type": "_type", "conid": "_conid"},
        lookup_key=("_category", "symbol"),
    ),
    _IBKR_FLEX,
    replace(
        _IBKR_FLEX,
        name="ibkr-flex-sectioned",
        title="Interactive Brokers Flex Query positions with section codes (HEADER/DATA,POST)",
        sections=("POST",),
        section_cell=1,
        kind_cell=0,
    ),
    LayoutSpec(
        name="etrade",
        broker="etrade",
        title="E*TRADE PortfolioDownload.csv",
        signature=("Symbol", "Last Price $", "Value $"),
        any_of=("Quantity", "Qty #"),
        columns={"symbol": "symbol", "last price $": "price", "quantity": "quantity",
                 "qty #": "quantity", "value $": "market_value"},
        skip=(
            Rule("symbol", r"total", "total row (its values sit one column left)"),
            Rule("symbol", r"\d{1,2}/\d{1,2}/\d{2,4}.*", "tax lot (purchase date as symbol)"),
        ),
        cash=(Rule("symbol", r"cash", "cash"),),
        end=(Rule("*", r"generated at .*", "footer"),),
        end_after_blank=1,
        account=(r"^(?P<account>[^,]+ -\d{3,5})(?:,|$)",),
    ),
    LayoutSpec(
        name="merrill-export",
        broker="merrill",
        title="Merrill export wizard holdings (ExportData*.csv)",
        signature=("COB Date", "Security #", "Symbol", "CUSIP #"),
        columns={"account #": "account", "symbol": "symbol", "cusip #": "cusip",
                 "security description": "description", "quantity": "quantity",
                 "price ($)": "price", "value ($)": "market_value", "cob date": "_as_of",
                 "security #": "_merrill_number", "account nickname": "_nickname"},
    ),
    replace(
        _MERRILL_WEB,
        name="merrill-web",
        title="Merrill web Holdings download",
        signature=("Symbol", "Description", "Quantity", "Price", "Day's Price $ Chg % Chg",
                   "Value"),
    ),
    replace(
        _MERRILL_WEB,
        name="merrill-web-lots",
        title="Merrill web Holdings download, tax-lot view",
        signature=("Symbol", "Quantity", "Unit Cost", "Cost Basis", "Value"),
    ),
    LayoutSpec(
        name="thinkorswim",
        broker="tdameritrade",
        title="thinkorswim / TD Ameritrade account statement (position sections)",
        signature=("Symbol", "Qty", "Trade Price", "Mark", "Mark Value"),
        columns={"symbol": "symbol", "description": "description", "qty": "quantity",
                 "mark": "price", "mark value": "market_value", "trade price": "_cost",
                 "option code": "description"},
        marker=r"Account Statement for ",
        skip=(Rule("description", r"overall totals?", "total row"),
              Rule("*", r"overall totals?", "total row")),
        end_after_blank=1,
        account=(r"Account Statement for (?P<account>\S+)",),
        context_types={"equities": "equity", "options": "option", "mutual funds": "fund",
                       "futures": "future"},
    ),
    replace(
        _DEGIRO,
        name="degiro-en",
        title="Degiro Portfolio.csv (English)",
        signature=("Product", "Symbol/ISIN", "Amount", "Closing"),
        columns={"product": "description", "symbol/isin": "symbol", "amount": "quantity",
                 "closing": "price", "local value": "_money", "local value+": "market_value"},
    ),
    replace(
        _DEGIRO,
        name="degiro-nl",
        title="Degiro Portfolio.csv (Dutch)",
        signature=("Product", "Symbool/ISIN", "Aantal", "Slotkoers"),
        columns={"product": "description", "symbool/isin": "symbol", "aantal": "quantity",
                 "slotkoers": "price", "lokale waarde": "_money",
                 "lokale waarde+": "market_value"},
    ),
    replace(
        _DEGIRO,
        name="degiro-de",
        title="Degiro Portfolio.csv (German)",
        signature=("Produkt", "Symbol/ISIN", "Anzahl"),
        any_of=("Schlusskurs", "Schlußkurs"),
        columns={"produkt": "description", "symbol/isin": "symbol", "anzahl": "quantity",
                 "schlusskurs": "price", "wert": "_money",
                 "wert+": "market_value"},
    ),
)  # fmt: skip

#: ``--broker`` values: a broker name, or a layout name to force one generation.
BROKERS: tuple[str, ...] = tuple(sorted({spec.broker for spec in LAYOUTS} | {"generic"}))


def layouts_for(broker: str | None) -> tuple[LayoutSpec, ...]:
    """The layouts a ``broker`` option allows (all of them for None)."""
    if broker is None:
        return LAYOUTS
    wanted = broker.strip().lower()
    return tuple(s for s in LAYOUTS if wanted in (s.broker, s.name))
