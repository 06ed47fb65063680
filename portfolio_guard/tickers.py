"""Equity tickers: OFAC's ``<code> <country>`` strings and every spelling people type.

Two parsers, on purpose, because the same two letters mean different markets (ofac-formats.md §7):

* :func:`parse_ofac_ticker` reads OFAC's strings, whose suffix is an ISO 3166 **country**
  (``601698  CN`` is China). Strict: anything else raises :class:`IdentifierError`.
* :func:`parse_ticker` reads what users and broker files hold: Yahoo ``0941.HK``, Bloomberg
  ``941 HK Equity`` / ``600118 CG``, colon forms ``HK:0941`` / ``SHA:600118`` / ``941:xhkg``,
  or a bare code with an exchange or currency hint. A trailing code is a Bloomberg/OpenFIGI
  **exchange** code, so ``ABC CN`` is Canada. It never raises; it returns candidates.

Both give :class:`Listing` objects whose :attr:`Listing.key` (``HK:941``, ``CN:600118``,
``US:CHL``) is equal for every spelling of one listing: that key is what matching compares.

>>> parse_ofac_ticker("00981 HK").key
'HK:981'
>>> [x.key for x in parse_ticker("0981.HK")]
['HK:981']
>>> spellings(parse_ofac_ticker("601698  CN"))["yahoo"]
'601698.SS'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from portfolio_guard.errors import IdentifierError
from portfolio_guard.ticker_markets import (
    BLOOMBERG_CODES,
    COUNTRY_SPELLINGS,
    CURRENCY_HINTS,
    EXCHANGE_HINTS,
    ISO_COUNTRIES,
    US_GOOGLE_PREFIX,
    VENUE_SPELLINGS,
    YAHOO_SUFFIXES,
    Place,
)

__all__ = ["Listing", "a_share_mic", "parse_ofac_ticker", "parse_ticker", "spellings"]


@dataclass(frozen=True, slots=True)
class Listing:
    """One equity line on one market.

    ``code`` is the canonical local code (Hong Kong without leading zeros, A-shares 6 digits,
    US/Canada share classes after a dot: ``BRK.B``); ``country`` the ISO 3166 country of the
    market; ``mic`` the ISO 10383 venue when it can be told; ``raw`` the text as given.
    """

    code: str
    country: str
    mic: str | None
    raw: str

    @property
    def key(self) -> str:
        """The matching key, the same for every spelling of this listing.

        >>> Listing("941", "HK", "XHKG", "0941.HK").key
        'HK:941'
        """
        return f"{self.country}:{self.code}"


# -- local codes ----------------------------------------------------------------------------

_US_CODE = re.compile(r"([A-Z]{1,6})(?:[./-]([A-Z]{1,3})| ([A-Z]))?")
_BR_CODE = re.compile(r"[A-Z][A-Z0-9]{3}[0-9]{1,2}")
_GENERIC_CODE = re.compile(r"[A-Z0-9]{1,12}(?:[./][A-Z0-9]{1,4})?")


def _digits(code: str) -> bool:
    # str.isdigit alone accepts superscripts and other scripts' digits.
    return code.isascii() and code.isdigit()


def a_share_mic(code: str) -> str | None:
    """The exchange of a 6-digit mainland China code, by the market's numbering convention.

    >>> a_share_mic("600118"), a_share_mic("002415"), a_share_mic("123456")
    ('XSHG', 'XSHE', None)
    """
    if len(code) != 6 or not _digits(code):
        return None
    if code.startswith(("60", "68", "900")):  # main board, STAR, B shares
        return "XSHG"
    if code.startswith(("00", "30", "200")):  # main board, ChiNext, B shares
        return "XSHE"
    if code.startswith(("43", "83", "87", "920")):
        return "BJSE"
    return None


def _code(country: str, code: str, *, strict: bool) -> str | None:
    """The canonical local code on ``country``'s market, or None if it cannot be one there."""
    if country == "HK":
        if not _digits(code) or len(code) > 5 or int(code) == 0:
            return None
        return str(int(code))
    if country == "CN":
        if not _digits(code) or len(code) > 6 or int(code) == 0:
            return None
        if strict:
            return code if len(code) == 6 else None
        # Spreadsheets drop the leading zeros of Shenzhen codes (002415 -> 2415); a caller that
        # already knows the market is China gets them back.
        return code.zfill(6)
    if country in ("US", "CA"):
        m = _US_CODE.fullmatch(code)
        if m is None:
            return None
        cls = m[2] or m[3]
        # IBKR appends .OLD to the symbol a company had before a rename; same security.
        return m[1] if cls is None or cls == "OLD" else f"{m[1]}.{cls}"
    if country == "BR":
        return code if _BR_CODE.fullmatch(code) else None
    if _GENERIC_CODE.fullmatch(code) is None:
        return None
    return code.replace("/", ".")


def _make(
    country: str, code: str, mic: str | None, raw: str, *, strict: bool = False
) -> Listing | None:
    canon = _code(country, code, strict=strict)
    if canon is None:
        return None
    if country == "HK":
        mic = "XHKG"
    elif country == "CN":
        # The code's numbering is authoritative; a broker's venue label is only a fallback.
        mic = a_share_mic(canon) or mic
    return Listing(canon, country, mic, raw)


# -- OFAC -----------------------------------------------------------------------------------

_OFAC_RE = re.compile(r"([0-9]+) *([A-Z]{2})|(\S+) +([A-Z]{2})")
_OFAC_SHAPE = {
    "HK": "a Hong Kong code is 1 to 5 digits, not all zeros",
    "CN": "a mainland China code is 6 digits, not all zeros",
    "US": "a US symbol is letters, with an optional share class (BRK.B)",
    "CA": "a Canadian symbol is letters, with an optional share class",
    "BR": "a Brazilian code is 4 characters and 1-2 digits (C1HL34)",
}


def parse_ofac_ticker(raw: str) -> Listing:
    """Read one OFAC ``Equity Ticker`` value: ``<code> <ISO country>``.

    Survives OFAC's own slips: double spaces (``601698  CN``), no space (``603019CN``) and
    varying zero padding (``941 HK``, ``0728 HK``, ``00981 HK``).

    >>> parse_ofac_ticker("603019CN")
    Listing(code='603019', country='CN', mic='XSHG', raw='603019CN')
    >>> parse_ofac_ticker("0728 HK").key
    'HK:728'

    Raises:
        IdentifierError: not ``<code> <country>``, an unknown country, or a code that cannot
            exist on that market.
    """
    if not isinstance(raw, str):
        raise IdentifierError(f"OFAC ticker must be text, not {type(raw).__name__}")
    text = " ".join(raw.split()).upper()
    m = _OFAC_RE.fullmatch(text)
    if m is None:
        raise IdentifierError(
            f"OFAC ticker {raw!r}: expected '<code> <country>' such as '941 HK' or '600118 CN'"
        )
    code, country = (m[1], m[2]) if m[1] is not None else (m[3], m[4])
    if country not in ISO_COUNTRIES:
        raise IdentifierError(
            f"OFAC ticker {raw!r}: {country!r} is not an ISO 3166 country code "
            "(OFAC's suffix names a country, not an exchange)"
        )
    listing = _make(country, code, None, raw, strict=True)
    if listing is None:
        shape = _OFAC_SHAPE.get(country, "letters and digits only")
        raise IdentifierError(f"OFAC ticker {raw!r}: {code!r} cannot be a code there; {shape}")
    return listing


# -- everything else ------------------------------------------------------------------------

_EQUITY_SUFFIX = re.compile(r" EQUITY$")
_YAHOO_RE = re.compile(r"([A-Z0-9][A-Z0-9-]*)\.([A-Z]{1,2})")
_TRAILING_RE = re.compile(r"([0-9]+) ?([A-Z][A-Z0-9])|(.+) ([A-Z][A-Z0-9])")
_A_SHARE_PREFIXES = ("60", "68", "00", "30")
# Futu/moomoo write the market first: HK.00700, US.AAPL, SH.600519, SZ.000001.
_PREFIX_RE = re.compile(r"(HK|US|SH|SZ)\.([A-Z0-9][A-Z0-9.-]*)")
_PREFIX_MARKETS: dict[str, tuple[str, str | None]] = {
    "HK": ("HK", "XHKG"),
    "US": ("US", None),
    "SH": ("CN", "XSHG"),
    "SZ": ("CN", "XSHE"),
}
# Three-letter venue suffixes some data vendors use (600000.SHG, 002415.SHE).
_VENUE_SUFFIXES: dict[str, tuple[str, str | None]] = {
    "SHG": ("CN", "XSHG"),
    "SHH": ("CN", "XSHG"),
    "SHE": ("CN", "XSHE"),
    "SHZ": ("CN", "XSHE"),
    "HKG": ("HK", "XHKG"),
}


def _in(place: Place, token: str, code: str, raw: str) -> tuple[Listing, ...]:
    country, mic = place
    # The market-code trap: Bloomberg/OpenFIGI "CN" is Canada, OFAC's is China. Canadian
    # symbols are letters, A-share codes digits, so an all-digit code with CN is China.
    if token == "CN" and _digits(code):
        country, mic = "CN", None
    listing = _make(country, code, mic, raw)
    return () if listing is None else (listing,)


def _colon(text: str, raw: str) -> tuple[Listing, ...]:
    left, _, right = (part.strip() for part in text.partition(":"))
    if ":" in right or not left or not right:
        return ()
    if left in ("SH", "SZ", "SS") and right.isdigit() and len(right) == 6:
        # SH:600519 / SZ:002415 name Shanghai and Shenzhen, not St Helena and Eswatini.
        return _in(_PREFIX_MARKETS.get(left, ("CN", "XSHG")), left, right, raw)
    if len(left) == 2 and left in ISO_COUNTRIES:
        # Two letters before the colon are a country, as in our own keys (HK:941, CN:600118,
        # TW:2330); Bloomberg's CH/GR style codes come after a space, not before a colon.
        return _in((left, None), left, right, raw)
    if left in EXCHANGE_HINTS:  # SEHK:941, SHA:600118, NYSE:CHL, UN:CHL
        return _in(EXCHANGE_HINTS[left], left, right, raw)
    if right in EXCHANGE_HINTS:  # Saxo: 941:xhkg
        return _in(EXCHANGE_HINTS[right], right, left, raw)
    return ()


def _prefix_fits(market: str, code: str) -> bool:
    """Whether a Futu-style ``MARKET.code`` reading is plausible (``SZ.BA`` is Yahoo's SZ)."""
    if market in ("SH", "SZ"):
        return code.isdigit() and len(code) == 6
    if market == "HK":
        return code.isdigit() and len(code) <= 5
    return code not in YAHOO_SUFFIXES


def _bare(code: str, exchange: str | None, currency: str | None, raw: str) -> tuple[Listing, ...]:
    if exchange is not None and exchange in EXCHANGE_HINTS:
        # A broker's exchange column is structured data: if the code cannot exist there, the
        # line is not an equity we can place, and guessing another market would mislead.
        return _in(EXCHANGE_HINTS[exchange], exchange, code, raw)
    if currency is not None and currency in CURRENCY_HINTS:
        found = [_make(c, code, None, raw) for c in CURRENCY_HINTS[currency]]
        hinted = tuple(x for x in found if x is not None)
        if hinted:
            return hinted
        # A currency is a weak hint (USD lines of HK stocks exist): fall through.
    if _digits(code):
        if len(code) == 6 and code.startswith(_A_SHARE_PREFIXES):
            return _in(("CN", None), "CN", code, raw)
        if len(code) <= 5:
            return _in(("HK", "XHKG"), "HK", code, raw)
        return ()
    for country in ("US", "BR"):
        listing = _make(country, code, None, raw)
        if listing is not None:
            return (listing,)
    return ()


def _hint(value: str | None) -> str | None:
    if not isinstance(value, str):
        return None
    norm = "".join(ch for ch in unicodedata.normalize("NFKC", value).upper() if ch.isalnum())
    return norm if norm.isascii() and norm else None


@lru_cache(maxsize=65536)
def _parse(raw: str, exchange: str | None, currency: str | None) -> tuple[Listing, ...]:
    text = " ".join(unicodedata.normalize("NFKC", raw).split()).upper()
    if not text or len(text) > 40 or not text.isascii():
        return ()
    text = _EQUITY_SUFFIX.sub("", text)
    if ":" in text:
        return _colon(text, raw)
    m = _PREFIX_RE.fullmatch(text)
    if m is not None and _prefix_fits(m[1], m[2]):
        return _in(_PREFIX_MARKETS[m[1]], m[1], m[2], raw)
    head, dot, tail = text.rpartition(".")
    if dot and tail in _VENUE_SUFFIXES:
        return _in(_VENUE_SUFFIXES[tail], tail, head, raw)
    m = _YAHOO_RE.fullmatch(text)
    if m is not None and m[2] in YAHOO_SUFFIXES:
        return _in(YAHOO_SUFFIXES[m[2]], m[2], m[1], raw)
    m = _TRAILING_RE.fullmatch(text)
    if m is not None:
        code, token = (m[1], m[2]) if m[1] is not None else (m[3], m[4])
        if token in BLOOMBERG_CODES:
            return _in(BLOOMBERG_CODES[token], token, code, raw)
    return _bare(text, exchange, currency, raw)


def parse_ticker(
    text: str, exchange: str | None = None, currency: str | None = None
) -> list[Listing]:
    """The listings a user's or a broker's ticker text may denote, most likely first.

    A market written into ``text`` wins over the hints. ``exchange`` may be an IBKR exchange
    (``SEHK``, ``SEHKNTL``, ``SEHKSZSE``, ``NYSE``, ``PINK``, ``IBIS``, ``SGX``...), a MIC
    (``XHKG``) or a Bloomberg/OpenFIGI code (``HK``, ``CG``, ``UN``); a code that cannot exist
    on a known exchange gives ``[]``. An unknown exchange is ignored. ``currency`` is weaker:
    ``HKD`` means Hong Kong, ``CNY``/``CNH`` China A (or an HK RMB counter), ``USD`` the US, and
    when the code does not fit it is ignored. Without hints: 6 digits starting 60/68/00/30 are
    an A-share, 1-5 digits Hong Kong, letters a US symbol. Never raises; ``[]`` for garbage.

    >>> [x.key for x in parse_ticker("600118 CH")]
    ['CN:600118']
    >>> [x.key for x in parse_ticker("CNU CN")]  # Bloomberg CN is Canada
    ['CA:CNU']
    >>> [x.key for x in parse_ticker("700", exchange="SEHK")]
    ['HK:700']
    """
    if not isinstance(text, str):
        return []
    return list(_parse(text, _hint(exchange), _hint(currency)))


# -- spellings ------------------------------------------------------------------------------


def spellings(listing: Listing) -> dict[str, str]:
    """How each system writes ``listing``; keys present only where the system has a form.

    Keys: ``ofac``, ``colon``, ``yahoo``, ``bloomberg``, ``google``, ``ibkr_symbol``,
    ``ibkr_exchange``, ``openfigi_ticker``, ``openfigi_exch_code``. Every value parses back
    (``parse_ticker``; the IBKR and OpenFIGI pairs as text plus ``exchange``) to the same key.

    >>> s = spellings(parse_ofac_ticker("941 HK"))
    >>> s["yahoo"], s["bloomberg"], s["colon"], s["ibkr_exchange"], s["openfigi_exch_code"]
    ('0941.HK', '941 HK', 'HK:0941', 'SEHK', 'HK')
    """
    code, country = listing.code, listing.country
    padded = code.zfill(4) if country == "HK" else code
    out = {"ofac": f"{code} {country}", "colon": f"{country}:{padded}"}
    sp = None
    if country == "CN" and listing.mic is not None:
        sp = VENUE_SPELLINGS.get(listing.mic)
    if sp is None:
        sp = COUNTRY_SPELLINGS.get(country)
    if sp is None:
        return out
    base, dot, cls = code.partition(".")
    classed = country in ("US", "CA") and bool(dot)
    if sp.yahoo is not None:
        local = f"{base}-{cls}" if classed else padded
        out["yahoo"] = f"{local}.{sp.yahoo}" if sp.yahoo else local
    slashed = f"{base}/{cls}" if classed else code
    out["bloomberg"] = f"{slashed} {sp.bloomberg}"
    google = sp.google
    if country == "US" and listing.mic is not None:
        google = US_GOOGLE_PREFIX.get(listing.mic)
    if google is not None:
        out["google"] = f"{google}:{padded}"
    ibkr = sp.ibkr
    if country == "CN" and not code.startswith(_A_SHARE_PREFIXES):
        ibkr = None  # Stock Connect carries A-shares only
    if ibkr is not None or country == "US":
        out["ibkr_symbol"] = f"{base} {cls}" if classed else code
        if ibkr is not None:
            out["ibkr_exchange"] = ibkr
    out["openfigi_ticker"] = slashed
    out["openfigi_exch_code"] = sp.openfigi
    return out
