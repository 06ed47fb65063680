"""Securities identifiers (ISIN, CUSIP, SEDOL, FIGI) on python-stdnum, plus a registry of kinds.

The same verbs for every kind, after stdnum: ``normalize_<kind>`` gives the canonical value or
``None``, ``is_valid_<kind>`` a bool, ``validate_<kind>`` the canonical value or raises
:class:`~portfolio_guard.errors.IdentifierError` saying what is wrong (characters, length,
country prefix, check digit). Input is compacted first: Unicode compatibility forms folded
(full-width digits from Asian spreadsheets), whitespace and dashes removed, upper-cased.
Check digits are stdnum's; nothing here computes one.

>>> normalize_isin(" us-0378331005 ")
'US0378331005'
>>> normalize_isin("BRC1EODR004") is None  # published by OFAC, one character short
True
>>> cusip_to_isin("16941M109")
'US16941M1099'
>>> isin_to_cusip("US16941M1099")
'16941M109'
>>> isin_kind("CNE100000PM8")
'cn_equity'
>>> detect_identifiers("02315M107")
[('cusip', '02315M107')]
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType
from typing import ClassVar, Literal

from stdnum import cusip as _cusip
from stdnum import figi as _figi
from stdnum import isin as _isin
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError
from stdnum.gb import sedol as _sedol

from portfolio_guard import tickers
from portfolio_guard.errors import IdentifierError

__all__ = [
    "CUSIP",
    "FIGI",
    "ISIN",
    "KINDS",
    "SEDOL",
    "IdKind",
    "IsinKind",
    "Ticker",
    "cusip_to_isin",
    "detect_identifiers",
    "get_kind",
    "is_valid_cusip",
    "is_valid_figi",
    "is_valid_isin",
    "is_valid_sedol",
    "isin_kind",
    "isin_to_cusip",
    "isin_to_sedol",
    "normalize_cusip",
    "normalize_figi",
    "normalize_isin",
    "normalize_sedol",
    "sedol_to_isin",
    "validate_cusip",
    "validate_figi",
    "validate_isin",
    "validate_sedol",
]

_DASHES = str.maketrans("", "", "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212")
_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _compact(value: str) -> str:
    text = "".join(unicodedata.normalize("NFKC", value).split()).translate(_DASHES)
    # Upper-case ASCII only: "ı".upper() is "I", and a dotless i is no identifier character.
    return "".join(ch.upper() if ch.isascii() else ch for ch in text)


@dataclass(frozen=True, slots=True)
class _Spec:
    title: str
    module: ModuleType
    length: int
    alphabet: str
    alphabet_text: str


_SPECS = {
    "isin": _Spec("ISIN", _isin, 12, _ALNUM, "digits and letters"),
    "cusip": _Spec("CUSIP", _cusip, 9, _ALNUM + "*@#", "digits, letters and * @ #"),
    "sedol": _Spec("SEDOL", _sedol, 7, "0123456789BCDFGHJKLMNPQRSTVWXYZ", "digits and consonants"),
    "figi": _Spec("FIGI", _figi, 12, "0123456789BCDFGHJKLMNPQRSTVWXYZ", "digits and consonants"),
}


def _why(kind: str, number: str, exc: ValidationError) -> str:
    """Say what stdnum objected to, in terms a user can check against the document."""
    spec = _SPECS[kind]
    if isinstance(exc, InvalidChecksum):
        expected = spec.module.calc_check_digit(number[:-1])
        return f"check digit is {number[-1]}, expected {expected}"
    if kind == "isin" and isinstance(exc, InvalidComponent):
        return f"{number[:2]!r} is not a country code (ISO 3166, or XS/EU/XA-XD/XF/QS/QT/XK)"
    if kind == "figi":
        if number[0].isdigit() or number[1].isdigit():
            return "the first two characters must be letters"
        if number[2] != "G":
            return f"the third character must be 'G', not {number[2]!r}"
        return f"prefix {number[:2]!r} is reserved (it would clash with ISIN country codes)"
    if kind == "sedol":
        return "starts with a digit but has letters (old SEDOLs are all digits, new ones a letter)"
    return str(exc)


def _validate(kind: str, value: str) -> str:
    spec = _SPECS[kind]
    if not isinstance(value, str):
        raise IdentifierError(f"{spec.title} must be text, not {type(value).__name__}")
    number = _compact(value)
    if not number:
        raise IdentifierError(f"empty {spec.title}")
    bad = "".join(dict.fromkeys(ch for ch in number if ch not in spec.alphabet))
    if bad:
        raise IdentifierError(
            f"{spec.title} {value!r}: characters {bad!r} not allowed ({spec.alphabet_text} only)"
        )
    if len(number) != spec.length:
        raise IdentifierError(
            f"{spec.title} {value!r}: {len(number)} characters instead of {spec.length}"
        )
    try:
        return str(spec.module.validate(number))
    except ValidationError as exc:
        raise IdentifierError(f"{spec.title} {value!r}: {_why(kind, number, exc)}") from None


def _normalize(kind: str, value: str) -> str | None:
    if not isinstance(value, str):
        return None
    number = _compact(value)
    if len(number) != _SPECS[kind].length or not number.isascii():
        return None
    try:
        return str(_SPECS[kind].module.validate(number))
    except ValidationError:
        return None


def normalize_isin(value: str) -> str | None:
    """The canonical ISIN, or None if ``value`` is not a valid one."""
    return _normalize("isin", value)


def is_valid_isin(value: str) -> bool:
    return _normalize("isin", value) is not None


def validate_isin(value: str) -> str:
    """The canonical ISIN; raises IdentifierError saying what is wrong.

    >>> validate_isin("CND10002K094")
    Traceback (most recent call last):
        ...
    portfolio_guard.errors.IdentifierError: ISIN 'CND10002K094': check digit is 4, expected 7
    """
    return _validate("isin", value)


def normalize_cusip(value: str) -> str | None:
    """The canonical CUSIP (CINS included), or None if ``value`` is not a valid one."""
    return _normalize("cusip", value)


def is_valid_cusip(value: str) -> bool:
    return _normalize("cusip", value) is not None


def validate_cusip(value: str) -> str:
    """The canonical CUSIP; raises IdentifierError saying what is wrong."""
    return _validate("cusip", value)


def normalize_sedol(value: str) -> str | None:
    """The canonical SEDOL, or None if ``value`` is not a valid one."""
    return _normalize("sedol", value)


def is_valid_sedol(value: str) -> bool:
    return _normalize("sedol", value) is not None


def validate_sedol(value: str) -> str:
    """The canonical SEDOL; raises IdentifierError saying what is wrong."""
    return _validate("sedol", value)


def normalize_figi(value: str) -> str | None:
    """The canonical FIGI, or None if ``value`` is not a valid one."""
    return _normalize("figi", value)


def is_valid_figi(value: str) -> bool:
    return _normalize("figi", value) is not None


def validate_figi(value: str) -> str:
    """The canonical FIGI; raises IdentifierError saying what is wrong.

    >>> validate_figi("BBG000BLNQ16")
    'BBG000BLNQ16'
    """
    return _validate("figi", value)


# -- conversions ----------------------------------------------------------------------------

_CUSIP_COUNTRIES = ("US", "CA")
# SEDOL-based ISINs: the UK, Ireland and the Crown Dependencies ("00" + SEDOL).
_SEDOL_COUNTRIES = ("GB", "IE", "JE", "GG", "IM")


def cusip_to_isin(cusip: str, country: str = "US") -> str:
    """The ISIN of a CUSIP: ``country`` + CUSIP + check digit.

    ``country`` is US or CA for a CUSIP; a CINS (a CUSIP whose first character is a letter, as
    issued for foreign issuers) may take its issuer's country, e.g. ``G8020E119`` in KY.

    >>> cusip_to_isin("G8020E119", "KY")
    'KYG8020E1199'
    """
    number = validate_cusip(cusip)
    cc = country.strip().upper() if isinstance(country, str) else ""
    if any(ch in number for ch in "*@#"):
        raise IdentifierError(f"CUSIP {cusip!r}: private-placement characters (* @ #) have no ISIN")
    if cc not in _CUSIP_COUNTRIES and not number[0].isalpha():
        raise IdentifierError(
            f"CUSIP {cusip!r}: a CUSIP-based ISIN is US or CA, not {country!r} "
            "(only a CINS, starting with a letter, takes another country)"
        )
    return validate_isin(_isin.from_natid(cc, number))


def isin_to_cusip(isin: str, *, include_cins: bool = False) -> str | None:
    """The CUSIP inside a US or CA ISIN; None for other ISINs.

    With ``include_cins``, also the CINS inside a foreign ISIN (``KYG8020E1199`` -> ``G8020E119``),
    which some brokers show in their CUSIP column. None also when the embedded part fails the
    CUSIP check digit (not CUSIP-based). Raises IdentifierError if ``isin`` itself is invalid.

    >>> isin_to_cusip("HK0941009539") is None
    True
    """
    number = validate_isin(isin)
    nsin = number[2:11]
    if number[:2] not in _CUSIP_COUNTRIES and not (include_cins and nsin[0].isalpha()):
        return None
    return nsin if _cusip.is_valid(nsin) else None


def sedol_to_isin(sedol: str, country: str = "GB") -> str:
    """The ISIN of a SEDOL (GB, IE, JE, GG or IM): country + ``00`` + SEDOL + check digit.

    >>> sedol_to_isin("B15KXQ8")
    'GB00B15KXQ89'
    """
    number = validate_sedol(sedol)
    cc = country.strip().upper() if isinstance(country, str) else ""
    if cc not in _SEDOL_COUNTRIES:
        raise IdentifierError(
            f"SEDOL {sedol!r}: SEDOL-based ISINs are {'/'.join(_SEDOL_COUNTRIES)}"
        )
    return validate_isin(_isin.from_natid(cc, number))


def isin_to_sedol(isin: str) -> str | None:
    """The SEDOL inside a GB/IE/JE/GG/IM ISIN, or None. Raises IdentifierError if invalid."""
    number = validate_isin(isin)
    if number[:2] not in _SEDOL_COUNTRIES or number[2:4] != "00":
        return None
    return normalize_sedol(number[4:11])


IsinKind = Literal[
    "cn_equity", "cn_bond", "cn_other", "eurobond", "us", "hk", "ky", "br", "ar", "other"
]
_PREFIX_KINDS: dict[str, IsinKind] = {
    "CNE": "cn_equity",
    "CND": "cn_bond",
    "XS": "eurobond",
    "US": "us",
    "HK": "hk",
    "KY": "ky",
    "BR": "br",
    "AR": "ar",
}


def isin_kind(isin: str) -> IsinKind:
    """What an ISIN denotes, by prefix (ofac-formats.md §7).

    Works on the value as published, valid or not: OFAC's malformed ISINs still need a kind.
    ``cn_equity`` (``CNE``: shares of PRC issuers, A and H), ``cn_bond`` (``CND``: onshore
    bonds), ``cn_other`` (any other ``CN``, e.g. the older ``CN0`` form), ``eurobond`` (``XS``),
    ``us`` (for our issuers: ADRs), ``hk``, ``ky``, ``br`` (BDRs), ``ar``, else ``other``.

    >>> isin_kind("CND10002K094"), isin_kind("US16941M1099"), isin_kind("DE0007164600")
    ('cn_bond', 'us', 'other')
    """
    number = _compact(isin) if isinstance(isin, str) else ""
    kind = _PREFIX_KINDS.get(number[:3]) or _PREFIX_KINDS.get(number[:2])
    if kind is not None:
        return kind
    return "cn_other" if number.startswith("CN") and len(number) > 2 else "other"


# -- registry of kinds ----------------------------------------------------------------------


class IdKind:
    """One kind of identifier. ``STRONG`` kinds name one security worldwide; a weak one (a bare
    ticker) means something only together with its market."""

    NAME: ClassVar[str]
    TITLE: ClassVar[str]
    STRONG: ClassVar[bool]

    @classmethod
    def normalize(cls, value: str) -> str | None:
        """The canonical value, or None if ``value`` is not one."""
        raise NotImplementedError

    @classmethod
    def is_valid(cls, value: str) -> bool:
        return cls.normalize(value) is not None

    @classmethod
    def validate(cls, value: str) -> str:
        """The canonical value; raises IdentifierError saying what is wrong."""
        raise NotImplementedError


class _StdnumKind(IdKind):
    STRONG = True

    @classmethod
    def normalize(cls, value: str) -> str | None:
        return _normalize(cls.NAME, value)

    @classmethod
    def validate(cls, value: str) -> str:
        return _validate(cls.NAME, value)


class ISIN(_StdnumKind):
    NAME = "isin"
    TITLE = "ISIN"


class CUSIP(_StdnumKind):
    NAME = "cusip"
    TITLE = "CUSIP"


class SEDOL(_StdnumKind):
    NAME = "sedol"
    TITLE = "SEDOL"


class FIGI(_StdnumKind):
    NAME = "figi"
    TITLE = "FIGI"


class Ticker(IdKind):
    """A ticker, normalised to the listing key of its most likely reading (``0941.HK`` ->
    ``HK:941``). Weak: use :func:`portfolio_guard.tickers.parse_ticker` with the line's
    exchange and currency to see every reading."""

    NAME = "ticker"
    TITLE = "Ticker"
    STRONG = False

    @classmethod
    def normalize(cls, value: str) -> str | None:
        found = tickers.parse_ticker(value)
        return found[0].key if found else None

    @classmethod
    def validate(cls, value: str) -> str:
        key = cls.normalize(value)
        if key is None:
            raise IdentifierError(f"ticker {value!r}: not a ticker on any market we know")
        return key


# Strongest first: the order detect_identifiers reports in.
KINDS: dict[str, type[IdKind]] = {k.NAME: k for k in (ISIN, FIGI, CUSIP, SEDOL, Ticker)}
_ALIASES = {
    "id_isin": "isin",
    "isin_code": "isin",
    "id_cusip": "cusip",
    "cins": "cusip",
    "id_sedol": "sedol",
    "openfigi": "figi",
    "id_bb_global": "figi",
    "bbgid": "figi",
    "composite_figi": "figi",
    "composite_id_bb_global": "figi",
    "share_class_figi": "figi",
    "id_bb_global_share_class_level": "figi",
    "symbol": "ticker",
    "equity_ticker": "ticker",
    "id_exch_symbol": "ticker",
    "base_ticker": "ticker",
}


def get_kind(name: str) -> type[IdKind]:
    """The kind called ``name`` (case, spaces and dashes ignored; OpenFIGI idTypes accepted).

    >>> get_kind("ID_BB_GLOBAL").TITLE, get_kind("Equity Ticker").STRONG
    ('FIGI', False)
    """
    key = re.sub(r"[\s-]+", "_", name.strip().lower()) if isinstance(name, str) else ""
    kind = KINDS.get(_ALIASES.get(key, key))
    if kind is None:
        raise IdentifierError(f"unknown identifier kind {name!r}; known: {', '.join(KINDS)}")
    return kind


# -- detection ------------------------------------------------------------------------------

_LABEL = re.compile(r"(?:ISIN|CUSIP|SEDOL|FIGI)\s*[:#]?\s*", re.IGNORECASE)
_BY_LENGTH = {12: ("isin", "figi"), 9: ("cusip",), 7: ("sedol",)}


def _readings(text: str) -> tuple[tuple[str, str], ...]:
    number = _compact(text)
    found = ((kind, _normalize(kind, number)) for kind in _BY_LENGTH.get(len(number), ()))
    return tuple((kind, norm) for kind, norm in found if norm is not None)


@lru_cache(maxsize=65536)
def _detect(text: str) -> tuple[tuple[str, str], ...]:
    found = _readings(text)
    label = _LABEL.match(text.strip())
    if not found and label is not None:
        found = _readings(text.strip()[label.end() :])
    return found


def detect_identifiers(text: str, *, include_weak: bool = False) -> list[tuple[str, str]]:
    """The strong identifiers a raw cell validly is, as ``(kind, normalized)``, strongest first.

    For broker "symbol" columns that hold CUSIPs or ISINs. Only the whole cell counts (after an
    optional ``ISIN:``-style label), and only a passing check digit: ordinary tickers (``AAPL``,
    ``BRK.B``, ``941``) give nothing. With ``include_weak``, ticker readings follow as
    ``("ticker", key)``. Several pairs mean the cell validly reads more than one way.

    >>> detect_identifiers("ISIN: US16941M1099")
    [('isin', 'US16941M1099')]
    >>> detect_identifiers("AAPL"), detect_identifiers("AAPL", include_weak=True)
    ([], [('ticker', 'US:AAPL')])
    """
    if not isinstance(text, str):
        return []
    found = list(_detect(text))
    if include_weak:
        found.extend(("ticker", x.key) for x in tickers.parse_ticker(text))
    return found
