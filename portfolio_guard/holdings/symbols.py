"""What a broker's "symbol" cell holds: a ticker, an ISIN or CUSIP, an option, or a cash line.

Check digits come from python-stdnum. Each function works on one distinct value; callers apply it
to a column's unique values, so a million-row file costs one call per distinct symbol.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from stdnum import cusip as _cusip
from stdnum import figi as _figi
from stdnum import isin as _isin
from stdnum.gb import sedol as _sedol

from portfolio_guard.holdings.model import NO_VALUE

_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060\xa0\u202f"
_TRIMMED = " \t\r\n" + _INVISIBLE

# Option contracts as each broker writes them; group "root" is the underlying's symbol.
_OPTION_PATTERNS = (
    # Fidelity " -AAPL250620C200" (the leading " -" is Fidelity's option marker)
    re.compile(r"-(?P<root>[A-Z][A-Z0-9.]{0,5})\d{6}[CP]\d+(?:\.\d+)?"),
    # OCC / IBKR "AAPL  250620C00200000", also without the padding
    re.compile(r"(?P<root>[A-Z][A-Z0-9.]{0,5})\s*\d{6}[CP]\d{8}"),
    # Schwab "PANW 09/11/2026 327.50 P"
    re.compile(r"(?P<root>[A-Z][A-Z0-9./]{0,6}) \d{2}/\d{2}/\d{4} \d+(?:\.\d+)? [CP]"),
    # E*TRADE "QQQ Dec 31 '26 $600 Put"
    re.compile(
        r"(?P<root>[A-Z][A-Z0-9./]{0,6}) [A-Z][a-z]{2} \d{1,2} '\d{2} \$\d+(?:\.\d+)? (?:Call|Put)"
    ),
    # thinkorswim ".AAPL240119C150"
    re.compile(r"\.(?P<root>[A-Z][A-Z0-9]{0,5})\d{6}[CP]\d+(?:\.\d+)?"),
    # Descriptive: "AAPL 100 19 JAN 24 150 CALL", "CALL AAPL ..." with a date somewhere
    re.compile(
        r"(?P<root>[A-Z][A-Z0-9./]{0,6})\s.*\b\d{1,2}\s?[A-Z]{3}\s?\d{2,4}\b.*\b(?:CALL|PUT)",
        re.IGNORECASE,
    ),
)

# Yahoo-style exchange suffixes and the MIC each stands for ("0700.HK" -> 0700 on XHKG).
_YAHOO_SUFFIX_MIC = {
    "HK": "XHKG", "SS": "XSHG", "SZ": "XSHE", "DE": "XETR", "F": "XFRA", "L": "XLON",
    "PA": "XPAR", "AS": "XAMS", "TO": "XTSE", "V": "XTSX", "T": "XTKS", "SI": "XSES",
    "AX": "XASX", "KS": "XKRX", "KQ": "XKOS", "TW": "XTAI", "SW": "XSWX", "MI": "XMIL",
    "MC": "XMAD", "ST": "XSTO", "CO": "XCSE", "OL": "XOSL", "HE": "XHEL", "VI": "XWBO",
    "BR": "XBRU", "LS": "XLIS", "IR": "XDUB", "NZ": "XNZE", "NS": "XNSE", "BO": "XBOM",
}  # fmt: skip
_YAHOO_RE = re.compile(r"(?P<base>[A-Z0-9]{1,10})\.(?P<suffix>[A-Z]{1,2})")
_MIC_RE = re.compile(r"(?P<base>[A-Za-z0-9.]{1,12}):(?P<mic>[A-Za-z]{4})")
# Share classes written "BRK B" (IBKR) or "BRK/B" (Schwab, Fidelity) become "BRK.B".
_CLASS_RE = re.compile(r"(?P<base>[A-Z]{1,5})[ /](?P<cls>[A-Z]{1,2})")
_MONEY_MARKET_RE = re.compile(r"[A-Z]{3}XX")
# Most cells are plain tickers: too short for an ISIN, CUSIP or SEDOL, no option syntax.
_PLAIN_TICKER_RE = re.compile(
    r"[A-Z][A-Z0-9]{0,5}"
)  # NASDAQ's money-market fund tickers end in "XX"
_MAX_SYMBOL = 80  # option and CD descriptions in symbol cells run to about 50 characters

#: Descriptions (or symbol cells) that are cash or sweep lines. Anchored on purpose: a company
#: named "Cash America" must stay a security.
CASH_TEXT_RE = re.compile(
    r"cash|cash & cash investments|cash and cash (?:investments|equivalents)|cash & money market"
    r"|cash & cash fund.*|futures cash|money accounts?|held in (?:money market|fcash)"
    r"|.*\bdeposit progra?m\b.*|.*\bbank (?:deposit )?sweep\b.*|.*\bcash sweep\b.*"
    r"|core position|.*\bmoney market\b.*",
    re.IGNORECASE,
)

_TYPE_LABELS = (
    ("cash", re.compile(r"cash|money market|sweep", re.I)),
    ("warrant", re.compile(r"warrant|\bwar\b", re.I)),
    ("option", re.compile(r"option|\bopt\b|\bfop\b", re.I)),
    ("future", re.compile(r"futur|\bfut\b", re.I)),
    ("etf", re.compile(r"\betfs?\b|exchange.traded|closed end", re.I)),
    ("fund", re.compile(r"fund|mutual|\bmf\b|unit trust", re.I)),
    ("bond", re.compile(r"bond|fixed income|treasur|debt|\bbills?\b|\bnotes?\b|\bcds?\b|\bbnd\b",
                        re.I)),
    ("crypto", re.compile(r"crypto", re.I)),
    ("equity", re.compile(r"equit|stock|\bstk\b|common|shares?|\badr\b|\bads\b|\breit\b|aktie",
                          re.I)),
)  # fmt: skip
_BOND_TEXT_RE = re.compile(
    r"\b(?:TREAS(?:URY)?|T-BILL|BILL|BONDS?|NOTES?|CPN|COUPON|DEB|CD|MUNI"
    r"|CERT(?:IFICATE)? OF DEP)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SymbolInfo:
    """The parts of one symbol cell."""

    symbol: str | None = None
    isin: str | None = None
    cusip: str | None = None
    sedol: str | None = None
    figi: str | None = None
    exchange: str | None = None
    asset_type: str | None = None
    description: str | None = None  # a CD or bond description that sat in the symbol column


def clean_text(value: str) -> str:
    """Trim spaces and the invisible characters exports carry (BOM, zero-width space, NBSP)."""
    return value.strip(_TRIMMED)


def identify(value: str) -> SymbolInfo | None:
    """An ISIN, CUSIP, SEDOL or FIGI with a valid check digit, or None."""
    code = clean_text(value).upper().replace(" ", "")
    if len(code) == 12 and _isin.is_valid(code):
        return SymbolInfo(isin=code)
    if len(code) == 12 and code.startswith("BBG") and _figi.is_valid(code):
        return SymbolInfo(figi=code)
    if len(code) == 9 and any(c.isdigit() for c in code) and _cusip.is_valid(code):
        return SymbolInfo(cusip=code)
    if len(code) == 7 and any(c.isdigit() for c in code) and _sedol.is_valid(code):
        return SymbolInfo(sedol=code)
    return None


def option_underlying(symbol: str) -> str | None:
    """The underlying's symbol of an option contract as a broker writes it, or None.

    >>> option_underlying(" -BABA260116C80"), option_underlying("PANW 09/11/2026 327.50 P")
    ('BABA', 'PANW')
    """
    text = clean_text(symbol)
    for pattern in _OPTION_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            return match.group("root")
    return None


#: :class:`SymbolInfo`'s fields, in the order :func:`symbol_fields` gives them.
SYMBOL_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(SymbolInfo))
_NO_FIELDS: tuple[str | None, ...] = (None,) * len(SYMBOL_FIELDS)
_SYMBOL_AT = SYMBOL_FIELDS.index("symbol")
_ASSET_TYPE_AT = SYMBOL_FIELDS.index("asset_type")


def symbol_fields(raw: str) -> tuple[str | None, ...]:
    """:func:`classify_symbol`'s answer as a tuple of :data:`SYMBOL_FIELDS`.

    A plain ticker (nearly every cell) is answered without building a :class:`SymbolInfo`:
    a file's tens of thousands of distinct symbols make that object's cost show.
    """
    text = clean_text(raw)
    if _is_plain_ticker(text):
        found = list(_NO_FIELDS)
        found[_SYMBOL_AT] = text
        found[_ASSET_TYPE_AT] = "cash" if _MONEY_MARKET_RE.fullmatch(text) else None
        return tuple(found)
    info = classify_symbol(raw)
    return tuple(getattr(info, name) for name in SYMBOL_FIELDS)


def _is_plain_ticker(text: str) -> bool:
    return _PLAIN_TICKER_RE.fullmatch(text) is not None and text != "CASH"


def classify_symbol(raw: str) -> SymbolInfo:
    """Split a symbol cell into symbol, identifier, exchange and the type its shape shows."""
    text = clean_text(raw)
    if _is_plain_ticker(text):
        return SymbolInfo(
            symbol=text, asset_type="cash" if _MONEY_MARKET_RE.fullmatch(text) else None
        )
    text = re.sub(r"\s+!.*$", "", text)  # Merrill tax lots: "JEPI !  Executed Buy"
    if text.lower() in NO_VALUE:
        return SymbolInfo()
    if len(text) > _MAX_SYMBOL:  # prose, not a symbol; also keeps the patterns below cheap
        return SymbolInfo(description=text)
    if text.endswith("**"):  # Fidelity core (sweep) money-market position
        return SymbolInfo(symbol=text.rstrip("*") or None, asset_type="cash")
    text = text.rstrip("*").strip()
    if option_underlying(text):
        return SymbolInfo(symbol=text.lstrip("-").strip(), asset_type="option")
    found = identify(text)
    if found is not None:
        return found
    if CASH_TEXT_RE.fullmatch(text):
        return SymbolInfo(description=text, asset_type="cash")
    if " " in text and len(text) > 12:
        # A CD, bond or fund described in words where the ticker should be (E*TRADE does this).
        kind = "bond" if _BOND_TEXT_RE.search(text) else None
        return SymbolInfo(description=text, asset_type=kind)
    match = _MIC_RE.fullmatch(text)
    if match:
        return SymbolInfo(symbol=match["base"].upper(), exchange=match["mic"].upper())
    match = _YAHOO_RE.fullmatch(text)
    if match and match["suffix"] in _YAHOO_SUFFIX_MIC:
        return SymbolInfo(symbol=match["base"], exchange=_YAHOO_SUFFIX_MIC[match["suffix"]])
    match = _CLASS_RE.fullmatch(text)
    if match:
        text = f"{match['base']}.{match['cls']}"
    kind = "cash" if _MONEY_MARKET_RE.fullmatch(text) else None
    return SymbolInfo(symbol=text, asset_type=kind)


def asset_type_from_label(label: str) -> str | None:
    """Map a broker's security-type label (``ETFs & Closed End Funds``, ``STK``, ``Option``)."""
    for kind, pattern in _TYPE_LABELS:
        if pattern.search(label):
            return kind
    return None


def looks_like_bond(description: str) -> bool:
    """Whether a description reads like a Treasury, bond, note or CD."""
    return bool(_BOND_TEXT_RE.search(description[:200]))


def is_cash_text(text: str) -> bool:
    """Whether a description or symbol cell names a cash or sweep line."""
    return len(text) <= 200 and CASH_TEXT_RE.fullmatch(text) is not None
