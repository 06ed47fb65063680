"""The ID vocabulary every OFAC format shares, and the builder that turns it into an ``Entity``.

All four formats label a CMIC fact with the same OFAC ID type name (``Equity Ticker``, ``ISIN``,
``Listing Date (CMIC)``, ``Unified Social Credit Code (USCC)``, ...); only the packaging differs.
So each parser reduces its format to ``(kind, value, country)`` triples and feeds them to one
:class:`EntityBuilder`, which is what makes the four parsers yield identical records.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from portfolio_guard.entity import Alias, Entity, Registration
from portfolio_guard.errors import ParseError

log = logging.getLogger("portfolio_guard.sources")

TICKER = "Equity Ticker"
ISSUER_NAME = "Issuer Name"
ISIN = "ISIN"
TARGET_TYPE = "Target Type"
EFFECTIVE_DATE = "Effective Date (CMIC)"
DIVESTMENT_DATE = "Purchase/Sales For Divestment Date (CMIC)"
LISTING_DATE = "Listing Date (CMIC)"
DATE_KINDS = (LISTING_DATE, EFFECTIVE_DATE, DIVESTMENT_DATE)
#: ID types that are facts about the security or the listing; every other ID type is a registration.
SECURITY_KINDS = frozenset({TICKER, ISSUER_NAME, ISIN, TARGET_TYPE, *DATE_KINDS})

#: Registration kinds OFAC prints on CMIC entries, plus other company-register kinds it uses
#: elsewhere; the legacy Remarks grammar needs the list because nothing marks where a key ends.
REGISTRATION_KINDS = (
    "Unified Social Credit Code (USCC)",
    "Legal Entity Number",
    "Company Number",
    "C.R. No.",
    "Business Registration Number",
    "Registration Number",
    "Registration ID",
    "Tax ID No.",
    "Business Number",
    "Commercial Registry Number",
    "Trade License No.",
    "Public Registration Number",
    "Government Gazette Number",
)

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_OFAC_DATE = re.compile(r"(\d{1,2}) ([A-Za-z]{3}) (\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")

# trade.gov's CSL prints ISO 3166 alpha-2 codes where OFAC prints its own country names; these
# are OFAC's spellings (so "Russia", not ISO's "Russian Federation").
COUNTRY_NAMES = {
    "AE": "United Arab Emirates",
    "AR": "Argentina",
    "AT": "Austria",
    "AU": "Australia",
    "BE": "Belgium",
    "BM": "Bermuda",
    "BR": "Brazil",
    "BY": "Belarus",
    "CA": "Canada",
    "CH": "Switzerland",
    "CN": "China",
    "CY": "Cyprus",
    "DE": "Germany",
    "FR": "France",
    "GB": "United Kingdom",
    "HK": "Hong Kong",
    "HT": "Haiti",
    "IE": "Ireland",
    "IN": "India",
    "IR": "Iran",
    "IT": "Italy",
    "JP": "Japan",
    "KP": "Korea, North",
    "KR": "Korea, South",
    "KY": "Cayman Islands",
    "LU": "Luxembourg",
    "MO": "Macau",
    "MY": "Malaysia",
    "NL": "Netherlands",
    "PK": "Pakistan",
    "RU": "Russia",
    "SG": "Singapore",
    "TR": "Turkey",
    "TW": "Taiwan",
    "UA": "Ukraine",
    "US": "United States",
    "VG": "Virgin Islands, British",
}


def parse_date(text: str) -> date:
    """Read a CMIC date as OFAC prints it (``03 Jun 2021``) or as the CSL does (``2021-06-03``).

    >>> parse_date("03 Jun 2021"), parse_date("2021-06-03")
    (datetime.date(2021, 6, 3), datetime.date(2021, 6, 3))

    Raises:
        ParseError: for anything else, including impossible dates such as ``31 Feb 2022``.
    """
    stripped = text.strip()
    try:
        if m := _OFAC_DATE.fullmatch(stripped):
            month = _MONTHS.get(m.group(2).lower())
            if month is not None:
                return date(int(m.group(3)), month, int(m.group(1)))
        elif m := _ISO_DATE.fullmatch(stripped):
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as exc:
        raise ParseError(f"impossible date {text!r} ({exc})") from None
    raise ParseError(f"{text!r} is not a date in OFAC's 'DD Mon YYYY' or ISO 'YYYY-MM-DD' form")


def country_name(value: str | None) -> str | None:
    """OFAC's country name for ``value``: names pass through, CSL's two-letter codes are mapped."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if len(value) == 2 and value.isupper():
        name = COUNTRY_NAMES.get(value)
        if name is None:
            log.warning("unknown country code %r kept as printed; add it to COUNTRY_NAMES", value)
            return value
        return name
    return value


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a record sits, for errors; ``locate`` finds the line only when one is needed."""

    path: str
    line: int | None = None
    locate: Callable[[], int | None] | None = None

    def error(self, detail: str) -> ParseError:
        line = self.line
        if line is None and self.locate is not None:
            line = self.locate()
        return ParseError(detail, self.path, line)


def _append_new(items: list[str], value: str) -> None:
    if value not in items:
        items.append(value)


class EntityBuilder:
    """Collects one CMIC record's facts in file order, deduplicating within the entity."""

    def __init__(self, uid: int, name: str, origin: Origin) -> None:
        self.uid = uid
        self.name = name.strip()
        self.origin = origin
        self.aliases: list[Alias] = []
        self.issuer_names: list[str] = []
        self.isins: list[str] = []
        self.tickers: list[str] = []
        self.registrations: list[Registration] = []
        self.target_type: str | None = None
        self.dates: dict[str, date] = {}
        self.linked_to: list[str] = []
        self.linked_uids: list[int] = []
        self.other_names: list[str] = []

    def fail(self, detail: str, origin: Origin | None = None) -> ParseError:
        return (origin or self.origin).error(f"uid {self.uid}: {detail}")

    def add_id(
        self, kind: str, value: str, country: str | None = None, origin: Origin | None = None
    ) -> None:
        """File one ``kind value (country)`` fact; tickers keep OFAC's inner spacing as printed."""
        kind = kind.strip()
        value = value.strip()
        if not kind or not value:
            raise self.fail(f"empty ID type or value ({kind!r}, {value!r})", origin)
        if kind == TICKER:
            _append_new(self.tickers, value)
        elif kind == ISIN:
            _append_new(self.isins, value)
        elif kind == ISSUER_NAME:
            _append_new(self.issuer_names, value)
        elif kind == TARGET_TYPE:
            if self.target_type not in (None, value):
                raise self.fail(f"two target types: {self.target_type!r} and {value!r}", origin)
            self.target_type = value
        elif kind in DATE_KINDS:
            try:
                parsed = parse_date(value)
            except ParseError as exc:
                raise self.fail(f"{kind}: {exc.detail}", origin) from None
            if self.dates.get(kind, parsed) != parsed:
                raise self.fail(f"two different {kind} values: {self.dates[kind]} and {parsed}")
            self.dates[kind] = parsed
        else:
            reg = Registration(kind, value, country_name(country))
            if reg not in self.registrations:
                self.registrations.append(reg)

    def add_alias(self, alias: Alias) -> None:
        if not alias.name.strip():
            raise self.fail("empty alias")
        if alias not in self.aliases:
            self.aliases.append(alias)

    def add_link(self, name: str, uid: int | None = None) -> None:
        _append_new(self.linked_to, name.strip())
        if uid is not None and uid not in self.linked_uids:
            self.linked_uids.append(uid)

    def add_other_name(self, name: str) -> None:
        if name.strip():
            _append_new(self.other_names, name.strip())

    def build(self) -> Entity:
        self.name = self.name.strip()
        if not self.name:
            raise self.fail("the CMIC record has no name")
        missing = [k for k in DATE_KINDS if k not in self.dates]
        if missing:
            raise self.fail(f"the CMIC record lacks {', '.join(missing)}")
        return Entity(
            uid=self.uid,
            name=self.name,
            listing_date=self.dates[LISTING_DATE],
            effective_date=self.dates[EFFECTIVE_DATE],
            divestment_date=self.dates[DIVESTMENT_DATE],
            aliases=tuple(self.aliases),
            issuer_names=tuple(self.issuer_names),
            isins=tuple(self.isins),
            tickers=tuple(self.tickers),
            registrations=tuple(self.registrations),
            target_type=self.target_type,
            linked_to=tuple(self.linked_to),
            linked_uids=tuple(self.linked_uids),
            other_names=tuple(self.other_names),
        )


def parse_uid(text: str | None, origin: Origin, what: str = "entity number") -> int:
    """An OFAC entity number; anything but a positive integer is a broken record."""
    stripped = (text or "").strip()
    if not stripped.isascii() or not stripped.isdigit() or int(stripped) == 0:
        raise origin.error(f"{what} {text!r} is not a positive integer")
    return int(stripped)


def finish(entities: list[Entity], path: str) -> tuple[Entity, ...]:
    """Sort by uid; a uid listed twice means the file is inconsistent, not that one copy wins."""
    entities.sort(key=lambda e: e.uid)
    for a, b in itertools.pairwise(entities):
        if a.uid == b.uid:
            raise ParseError(f"CMIC uid {a.uid} appears twice", path)
    return tuple(entities)
