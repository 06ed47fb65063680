"""Judge remote candidates (OpenFIGI records, Yahoo quotes) against one listed entity.

A candidate is kept only when every test passes; each failure is a reason a person can read:

* **name**: the candidate's name, cleaned of Bloomberg's share-class suffix and truncation,
  matches the entity's name, an a.k.a. or an issuer name at the matcher's ``confirmed``
  level (:mod:`portfolio_guard.match`, rapidfuzz underneath), and no other listed entity's
  name just as well. Parent and subsidiary names (GROUP, HOLDING) and acronyms are only
  ``review`` there, so they never pass: OFAC's 50 Percent Rule does not apply to NS-CMIC.
* **security type**: equity common stock or a depositary receipt; funds, warrants, options
  and indices that merely carry the name are not the company's shares.
* **country**: a line on a home market of the entity (mainland China, Hong Kong, or a
  country where the list already shows a line), a depositary receipt anywhere, or a line of a
  share class already confirmed elsewhere (a US OTC line of Hong Kong shares).

Bloomberg names are cut at about 30 characters and carry class suffixes
(``HANGZHOU HIKVISION DIGITAL-A``, ``CLOUDWALK TECHNOLOGY CO L-A``); :func:`clean_name`
undoes both before the comparison.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from portfolio_guard import names
from portfolio_guard.enrich.models import FigiRecord
from portfolio_guard.listings import ListedEntity, Listings
from portfolio_guard.match import Matcher
from portfolio_guard.ticker_markets import BLOOMBERG_CODES

# Words Bloomberg appends after the last hyphen to name a line or class.
_CLASS_WORDS = frozenset(
    {
        "CL",
        "CLASS",
        "SPON",
        "SP",
        "UNSP",
        "UNSPON",
        "ADR",
        "ADS",
        "GDR",
        "REG",
        "REGS",
        "144A",
        "ORD",
        "SHS",
        "NPV",
        "PFD",
        "RTS",
        "W",
        "SW",
        "SDR",
        "CDR",
        "BDR",
        "DRC",
    }
)
_SUFFIX = re.compile(r"^(?P<base>.*?[A-Z0-9.)])\s*-\s*(?P<suffix>[A-Z0-9 /]{1,14})$")
# Legal forms a cut-off last word may have been (``CO L-A`` was ``CO LTD-A``). Other cut words
# are left to the matcher, which reads a long name's last word as possibly truncated.
_LEGAL = frozenset({"LIMITED", "LTD", "CORPORATION", "CORP", "COMPANY", "CO", "INC"})

EQUITY_TYPES2 = frozenset({"Common Stock", "Depositary Receipt"})
RECEIPT_TYPES = frozenset({"ADR", "GDR", "EDR", "NVDR", "Depositary Receipt", "BDR"})
HOME_COUNTRIES = frozenset({"CN", "HK"})


def clean_name(name: str) -> str:
    """Bloomberg's name without class suffix or a cut-off last word.

    >>> clean_name("CLOUDWALK TECHNOLOGY CO L-A")
    'CLOUDWALK TECHNOLOGY CO'
    >>> clean_name("CHINA MOBILE LTD-SPON ADR")
    'CHINA MOBILE LTD'
    >>> clean_name("COCA-COLA CO")
    'COCA-COLA CO'
    """
    text = " ".join(name.upper().split())
    m = _SUFFIX.match(text)
    if m is not None:
        words = m["suffix"].replace("/", " ").split()
        if words and all(w in _CLASS_WORDS or len(w) == 1 for w in words):
            text = m["base"]
    words = text.split()
    if len(words) > 1:
        last = words[-1].strip(".,")
        # A lone letter or the head of a legal form (``CO L``, ``CORP LT``) is what
        # Bloomberg's length limit left of the last word.
        cut = last.isalpha() and (
            len(last) == 1 or (last not in _LEGAL and any(w.startswith(last) for w in _LEGAL))
        )
        if cut:
            words = words[:-1]
    return " ".join(words)


def market_of(exch_code: str | None) -> tuple[str, str | None] | None:
    """(ISO country, MIC or None) of an OpenFIGI exchange code, None when we have no table."""
    if exch_code is None:
        return None
    return BLOOMBERG_CODES.get(exch_code.strip().upper())


def is_receipt(record: FigiRecord) -> bool:
    return record.securityType in RECEIPT_TYPES or record.securityType2 == "Depositary Receipt"


def is_equity(record: FigiRecord) -> bool:
    """Shares of the company (common stock or a depositary receipt for them)."""
    if record.marketSector not in (None, "Equity"):
        return False
    return record.securityType2 in EQUITY_TYPES2 or is_receipt(record)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a candidate belongs to the entity, and why (or why not)."""

    ok: bool
    score: float
    reason: str
    # True for "almost": the name is similar but not enough; worth a person's look.
    near_miss: bool = False


def home_countries(entity: ListedEntity) -> frozenset[str]:
    """Markets where a line of ``entity`` is expected: CN, HK and any the list already shows."""
    seen = {s.country for s in entity.securities if s.kind == "ticker" and s.country}
    return HOME_COUNTRIES | frozenset(seen)


class Judge:
    """Name, type and country tests of candidates against the entities of one dataset."""

    def __init__(self, listings: Listings) -> None:
        self.listings = listings
        self.matcher = Matcher(listings)

    def name(self, uid: int, text: str | None) -> Verdict:
        """Does ``text`` (a remote name) name entity ``uid``, and no other listed entity?"""
        entity = self.listings.entities[uid]
        if text is None or not text.strip():
            return Verdict(False, 0.0, "the candidate has no name")
        cleaned = clean_name(text)
        found = self.matcher.match_name(cleaned)
        mine = next((m for m in found if m.entity_uid == uid), None)
        if mine is None:
            return Verdict(False, 0.0, f"name {text!r} does not match {entity.name}")
        if mine.level != "confirmed":
            return Verdict(False, mine.score, f"name {text!r}: {mine.reason}", near_miss=True)
        rivals = [m for m in found if m.entity_uid != uid and m.level == "confirmed"]
        if rivals:
            return Verdict(
                False,
                mine.score,
                f"name {text!r} names {entity.name} and {rivals[0].entity_name} alike; ambiguous",
                near_miss=True,
            )
        return Verdict(True, mine.score, mine.reason)

    def searched_record(
        self, uid: int, record: FigiRecord, known_share_classes: frozenset[str]
    ) -> Verdict:
        """All three tests, for a record found by a name search."""
        if not is_equity(record):
            kind = record.securityType2 or record.securityType or record.marketSector
            return Verdict(False, 0.0, f"{record.figi} is {kind}, not shares or receipts")
        by_name = self.name(uid, record.name)
        if not by_name.ok:
            return by_name
        market = market_of(record.exchCode)
        entity = self.listings.entities[uid]
        country = market[0] if market is not None else None
        if is_receipt(record) or (country is not None and country in home_countries(entity)):
            return by_name
        if record.shareClassFIGI is not None and record.shareClassFIGI in known_share_classes:
            return Verdict(
                True,
                by_name.score,
                f"{by_name.reason}; same share class {record.shareClassFIGI} as a confirmed line",
            )
        where = record.exchCode or "no exchange"
        return Verdict(
            False,
            by_name.score,
            f"{record.figi} trades on {where}, not a home market of {entity.name}, "
            "and shares no share class with a confirmed line",
            near_miss=True,
        )


def search_query(name: str) -> str | None:
    """A short OpenFIGI/Yahoo query for a listed name: its distinctive head.

    Places in front and generic or relation words (GROUP, HOLDING) at the end are dropped
    and at most three words kept,
    because Bloomberg cuts names short and a query word missing from a cut name loses it.

    >>> search_query("HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO., LTD.")
    'HIKVISION DIGITAL'
    >>> search_query("SENSETIME GROUP LIMITED"), search_query("CHINA MOBILE LIMITED")
    ('SENSETIME', 'CHINA MOBILE')
    >>> search_query("CHINA NATIONAL GROUP") is None
    True
    """
    toks = list(names.tokens(name))
    while toks and toks[0] in names.PLACES and len(toks) > 1:
        toks.pop(0)
    while toks and (toks[-1] in names.GENERIC or toks[-1] in names.RELATION):
        toks.pop()
    if not any(t not in names.GENERIC and t not in names.PLACES for t in toks):
        return None
    return " ".join(toks[:3])
