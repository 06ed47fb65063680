"""Find the listed company behind a security: identifiers first, then names.

Evidence tiers, strongest first: ISIN (any of an issuer's ISINs: shares, ADRs, bonds), CUSIP
(also the CUSIP inside a US ISIN, and the CINS inside a Cayman one), FIGI, ticker + market
in any spelling, then the description against names, aliases, issuer names and names in
Chinese script. The first identifier tier that finds something decides. A ticker is weaker:
the rest of the row can cast doubt on it (a description that names another company, an ISIN
that is not the listed company's, a bare number with no market). A name match is weaker
still: it is ``confirmed`` only when the description *is* a listed name up to legal forms,
wrappers, abbreviations, places and a cut-off tail; anything else that comes close is
``review`` (OFAC FAQ 899: names must match exactly), and look-alikes that differ in a
distinctive word (CHINA RAILWAY GROUP vs CHINA RAILWAY CONSTRUCTION) are no match at all.

Levels: ``confirmed`` means the security belongs to the listed entity; ``review`` means a
person must look (weak alias, near name, a parent or subsidiary name, conflicting evidence).
Unlisted parents and subsidiaries are never more than review: there is no 50 Percent Rule
(OFAC FAQ 857). Everything here is plain Python on dicts, so the pre-trade check can use it
without pandas; results per distinct description are cached.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache

from rapidfuzz import fuzz

from portfolio_guard import identifiers, names, tickers
from portfolio_guard.listings import ListedEntity, Listings, SecurityRow
from portfolio_guard.name_match import (
    CACHE_SIZE,
    KIND_WORDS,
    Level,
    NameHit,
    NameIndex,
    NameKind,
    NameRef,
)
from portfolio_guard.ticker_markets import CURRENCY_HINTS, EXCHANGE_HINTS

__all__ = ["Level", "Match", "Matcher", "NameKind"]

# Where Chinese issuers' securities are registered; an unknown ISIN from elsewhere casts doubt
# on a name-only match (Eurobonds are XS).
_ISSUER_COUNTRIES = frozenset({"CN", "HK", "KY", "BM", "VG", "XS"})
# The listings hold ISINs and FIGIs (12 characters) and CUSIPs (9). Compacting ASCII text only
# drops characters, so a shorter ASCII symbol cannot be one of them (SEDOLs are never listed).
_SHORTEST_LISTED_ID = 9
_NOT_ALNUM = re.compile(r"[^0-9A-Z]+")


@dataclass(frozen=True, slots=True)
class Match:
    """One piece of evidence that a security belongs to a listed entity."""

    entity_uid: int
    entity_name: str
    matched_on: str  # isin | cusip | figi | ticker | name
    matched_value: str  # what the holding said
    list_value: str  # what the list says, as published
    score: float  # 1.0 for identifiers; name similarity otherwise
    level: Level
    reason: str
    source: str  # ofac | curated | openfigi | yahoo for identifiers, the name kind for names
    # True when the name differs from a listed name only by a parent/subsidiary word
    # (GROUP, HOLDING): the review rule is then OFAC FAQ 857, not FAQ 899.
    relation: bool = False


def _row_match(row: SecurityRow, entity: ListedEntity, on: str, given: str, how: str) -> Match:
    published = row.raw
    note = f" ({row.detail})" if row.detail else ""
    return Match(
        entity_uid=entity.uid,
        entity_name=entity.name,
        matched_on=on,
        matched_value=given,
        list_value=published,
        score=1.0,
        level="confirmed",
        reason=f"{on.upper()} {given}{how} is {published}{note} of {entity.name} "
        f"(source: {row.source})",
        source=row.source,
    )


def _demote(m: Match, doubts: Iterable[str], score: float | None = None) -> Match:
    text = " and ".join(doubts)
    return replace(
        m,
        level="review",
        score=m.score if score is None else score,
        reason=f"{m.reason}; but {text}" if text else m.reason,
    )


def _note(m: Match, note: str) -> Match:
    return replace(m, reason=f"{m.reason}; {note}")


class Matcher:
    """Indexes of one listings dataset; immutable once built, safe to share across threads."""

    def __init__(self, listings: Listings) -> None:
        self.listings = listings
        refs: list[NameRef] = []
        for ent in listings:
            refs.append(NameRef.build(ent.uid, ent.name, "primary"))
            for alias in ent.aliases:
                kind: NameKind = "weak_alias" if alias.get("strength") == "weak" else "alias"
                refs.append(NameRef.build(ent.uid, alias["name"], kind))
            refs.extend(NameRef.build(ent.uid, n, "issuer") for n in ent.issuer_names)
            refs.extend(NameRef.build(ent.uid, n, "other") for n in ent.other_names)
            refs.extend(NameRef.build(ent.uid, n["name"], "market") for n in ent.market_names)
        self._index = NameIndex(refs)
        self._ticker_cores = _ticker_cores(listings)
        self._names = lru_cache(maxsize=CACHE_SIZE)(self._match_name_uncached)
        # The CUSIP/CINS inside each listed ISIN, for CUSIP columns that hold either.
        self._nsin: dict[str, list[SecurityRow]] = {}
        self._isin_countries: dict[int, set[str]] = {}
        self._ticker_keys: dict[int, dict[str, set[str]]] = {}
        for ent in listings:
            for row in ent.securities:
                if row.kind == "isin":
                    self._isin_countries.setdefault(ent.uid, set()).add(row.value[:2])
                    norm = identifiers.normalize_isin(row.value)
                    nsin = identifiers.isin_to_cusip(norm, include_cins=True) if norm else None
                    if nsin:
                        self._nsin.setdefault(nsin, []).append(row)
                elif row.kind == "ticker" and row.country:
                    by_country = self._ticker_keys.setdefault(ent.uid, {})
                    by_country.setdefault(row.country, set()).add(row.value)

    # -- identifiers ---------------------------------------------------------------------

    def _lookup(self, kind: str, value: str, given: str, how: str = "") -> list[Match]:
        out = []
        for row in self.listings.lookup(kind, value):
            out.append(_row_match(row, self.listings.entities[row.entity_uid], kind, given, how))
        return out

    def _known(self, kind: str, compact: str) -> bool:
        return (kind, compact) in self.listings.by_identifier

    def match_isin(self, value: str) -> list[Match]:
        """Listed securities with this ISIN (also through the CUSIP inside a US/CA ISIN)."""
        if not isinstance(value, str) or not value.strip():
            return []
        compact = _compact(value)
        if (
            compact is not None
            and not self._known("isin", compact)
            and not (compact[:2] in ("US", "CA") and self._known("cusip", compact[2:11]))
        ):
            # Fast path: most ISINs in an export are not listed; skip the check-digit work.
            return []
        norm = identifiers.normalize_isin(value)
        # OFAC publishes three malformed ISINs; match them as printed too.
        found = self._lookup("isin", norm or value.strip().upper(), value.strip())
        if found or norm is None:
            return found
        cusip = identifiers.isin_to_cusip(norm)
        if cusip is None:
            return []
        return self._lookup("cusip", cusip, value.strip(), f" (CUSIP {cusip})")

    def match_cusip(self, value: str) -> list[Match]:
        """Listed securities with this CUSIP, or whose ISIN carries it (a CINS included)."""
        if not isinstance(value, str):
            return []
        compact = _compact(value)
        if compact is not None and not self._known("cusip", compact) and compact not in self._nsin:
            return []
        norm = identifiers.normalize_cusip(value)
        if norm is None:
            return []
        found = self._lookup("cusip", norm, value.strip())
        if found:
            return found
        out = []
        for row in self._nsin.get(norm, ()):
            entity = self.listings.entities[row.entity_uid]
            out.append(
                _row_match(row, entity, "cusip", value.strip(), f" (inside ISIN {row.value})")
            )
        return out

    def match_figi(self, value: str) -> list[Match]:
        if not isinstance(value, str):
            return []
        compact = _compact(value)
        if compact is not None and not self._known("figi", compact):
            return []
        norm = identifiers.normalize_figi(value)
        return self._lookup("figi", norm, value.strip()) if norm else []

    def match_ticker(
        self, symbol: str, exchange: str | None = None, currency: str | None = None
    ) -> list[Match]:
        """Listed lines this ticker text denotes, in any spelling (Yahoo, Bloomberg, colon,
        IBKR symbol + exchange, bare code with a currency hint)."""
        if not isinstance(symbol, str) or not self._may_name_listed_line(symbol):
            return []
        out: list[Match] = []
        seen: set[tuple[int, str]] = set()
        for cand in tickers.parse_ticker(symbol, exchange=exchange, currency=currency):
            hint = f" on {exchange}" if exchange else ""
            for m in self._lookup("ticker", cand.key, symbol.strip(), f"{hint} (= {cand.key})"):
                if (m.entity_uid, m.list_value) not in seen:
                    seen.add((m.entity_uid, m.list_value))
                    out.append(m)
        return out

    def match_symbol(
        self, symbol: str, exchange: str | None = None, currency: str | None = None
    ) -> list[Match]:
        """A broker's symbol cell: may hold an ISIN, CUSIP or FIGI instead of a ticker."""
        if not isinstance(symbol, str):
            return []
        if not (symbol.isascii() and len(symbol) < _SHORTEST_LISTED_ID):
            for kind, value in identifiers.detect_identifiers(symbol):
                found = self._identifier(kind, value)
                if found:
                    return [replace(m, matched_value=symbol.strip()) for m in found]
        return self.match_ticker(symbol, exchange, currency)

    def _may_name_listed_line(self, symbol: str) -> bool:
        """False only when no spelling of a listed ticker can be read from ``symbol``.

        Every listing ``parse_ticker`` reads takes its code from the text: a part of it,
        without leading zeros (HK), with zeros put back (A-shares) or with the share class
        separator changed (BRK/B). So the code's letters and digits, leading zeros aside,
        occur together in the text's own. Checking that first spares the full parse for the
        thousands of symbols in an export that are not listed lines (non-ASCII text, which
        normalisation may change, always gets the full parse).
        """
        if self._ticker_cores is None or not symbol.isascii():
            return True
        return self._ticker_cores.search(_NOT_ALNUM.sub("", symbol.upper())) is not None

    def _identifier(self, kind: str, value: str) -> list[Match]:
        if kind == "isin":
            return self.match_isin(value)
        if kind == "cusip":
            return self.match_cusip(value)
        if kind == "figi":
            return self.match_figi(value)
        return []  # the listings carry no SEDOLs

    # -- names ---------------------------------------------------------------------------

    def match_name(self, text: str) -> list[Match]:
        """Match a description against names, aliases, issuer and market names.

        Each distinct text is worked out once per Matcher (cached); never raises.
        """
        if not isinstance(text, str) or not text.strip():
            return []
        return list(self._names(text))

    def _match_name_uncached(self, text: str) -> tuple[Match, ...]:
        hits = self._index.match(text)
        return tuple(self._name_match(hit, text) for hit in hits) if hits else ()

    def _name_match(self, hit: NameHit, text: str) -> Match:
        ref = hit.ref
        entity = self.listings.entities[ref.uid]
        what = KIND_WORDS[ref.kind]
        doubts = list(hit.doubts)
        if ref.weak:
            doubts.insert(0, "short or weak names need review (OFAC FAQ 899)")
        if hit.exact:
            reason = f"name {text!r} equals {what} {ref.text!r} of {entity.name}"
            if not doubts:
                reason += " (up to legal form, share class and wrapper words)"
        else:
            reason = (
                f"name {text!r} is similar ({hit.score:.2f}) to {what} {ref.text!r} "
                f"of {entity.name}"
            )
        if doubts:
            reason += "; but " + "; ".join(doubts)
            if not (hit.relation and len(doubts) == 1):
                reason += "; needs review (OFAC FAQ 899)"
        return Match(
            entity_uid=entity.uid,
            entity_name=entity.name,
            matched_on="name",
            matched_value=text,
            list_value=ref.text,
            score=round(hit.score, 3),
            level=hit.level,
            reason=reason,
            source=ref.kind,
            relation=hit.relation,
        )

    def legal_form_conflict(self, text: str, uid: int) -> bool:
        """True when ``text`` carries a legal form (INC, PLC ...) no name of ``uid`` has."""
        return self._index.legal_form_conflict(text, uid)

    def names_entity(self, description: str, uid: int) -> bool:
        """True when ``description`` matches a name of ``uid`` or shares a distinctive word."""
        if any(m.entity_uid == uid for m in self.match_name(description)):
            return True
        return self._index.shares_word(description, uid)

    # -- one security --------------------------------------------------------------------

    def match_security(
        self,
        symbol: str | None = None,
        isin: str | None = None,
        cusip: str | None = None,
        figi: str | None = None,
        exchange: str | None = None,
        currency: str | None = None,
        description: str | None = None,
    ) -> list[Match]:
        """All evidence for one security, strongest tier first; [] when nothing matches.

        Never raises on odd input: anything that is not text counts as missing.
        """
        symbol, isin, cusip, figi, exchange, currency, description = (
            v if isinstance(v, str) and v.strip() else None
            for v in (symbol, isin, cusip, figi, exchange, currency, description)
        )
        unknown: list[tuple[str, str]] = []  # valid identifiers in the row, not on the list
        for kind, value in (("isin", isin), ("cusip", cusip), ("figi", figi)):
            if value is None:
                continue
            found = self._identifier(kind, value)
            if found:
                return found
            norm = identifiers.get_kind(kind).normalize(value)
            if norm is not None:
                unknown.append((kind, norm))
        by_ticker: list[Match] = []
        if symbol is not None:
            detected = [(k, v) for k, v in identifiers.detect_identifiers(symbol) if k != "sedol"]
            for kind, value in detected:
                found = self._identifier(kind, value)
                if found:
                    return [replace(m, matched_value=symbol.strip()) for m in found]
            unknown.extend(detected[:1])
            by_ticker = self.match_ticker(symbol, exchange, currency)
        by_name = self.match_name(description) if description is not None else []
        if by_ticker:
            return self._with_ticker(
                by_ticker, by_name, symbol, exchange, currency, description, unknown
            )
        return self._name_only(by_name, symbol, exchange, currency, description, unknown)

    def _with_ticker(
        self,
        by_ticker: list[Match],
        by_name: list[Match],
        symbol: str | None,
        exchange: str | None,
        currency: str | None,
        description: str | None,
        unknown: list[tuple[str, str]],
    ) -> list[Match]:
        out: list[Match] = []
        conflict = False
        for m in by_ticker:
            entity = self.listings.entities[m.entity_uid]
            agrees = description is not None and self.names_entity(description, m.entity_uid)
            other = (
                description is not None
                and not agrees
                and any(names.is_distinctive(t) for t in names.tokens(description))
            )
            doubts = []
            if other:
                conflict = True
                doubts.append(f"the description {description!r} does not name {entity.name}")
            if unknown and not agrees:
                kind, value = unknown[0]
                doubts.append(
                    f"the row's {kind.upper()} {value} is not a listed security of {entity.name}"
                )
            if symbol is not None and _guessed_market(symbol, exchange, currency) and not agrees:
                doubts.append(
                    f"{symbol.strip()!r} gives no market or currency, so {m.list_value!r} is "
                    "only a guess"
                )
            if doubts:
                out.append(_demote(m, doubts, 0.5))
                continue
            if agrees:
                m = _note(m, f"the description {description!r} agrees")
            if unknown:
                m = _note(m, _not_listed_note(unknown[0], entity.name))
            out.append(m)
        if conflict:
            # The description names a listed company the symbol does not: show it, for review.
            ticker_uids = {m.entity_uid for m in by_ticker}
            for n in by_name:
                if n.entity_uid not in ticker_uids:
                    out.append(
                        _demote(n, [f"the symbol {symbol!r} is a line of another listed company"])
                        if n.level == "confirmed"
                        else n
                    )
        return out

    def _name_only(
        self,
        by_name: list[Match],
        symbol: str | None,
        exchange: str | None,
        currency: str | None,
        description: str | None,
        unknown: list[tuple[str, str]],
    ) -> list[Match]:
        out: list[Match] = []
        listing = _explicit_listing(symbol, exchange, currency) if symbol else None
        # The listings carry few FIGIs, so an unknown FIGI says nothing either way.
        foreign_id = any(kind != "figi" for kind, _ in unknown)
        for m in by_name:
            if (
                foreign_id
                and description is not None
                and self.legal_form_conflict(description, m.entity_uid)
            ):
                # A foreign legal form and an ISIN/CUSIP that is not on the list: two
                # independent signs of another company (COSTAR GROUP INC, US22160N1090).
                continue
            if m.level != "confirmed":
                out.append(m)
                continue
            doubts: list[str] = []
            notes: list[str] = []
            for kind, value in unknown:
                country = _identifier_country(kind, value)
                plausible = _ISSUER_COUNTRIES | self._isin_countries.get(m.entity_uid, set())
                if country is not None and country not in plausible:
                    doubts.append(
                        f"the row's {kind.upper()} {value} ({country}) is not a listed security "
                        f"of {m.entity_name}"
                    )
                elif kind != "figi":
                    notes.append(_not_listed_note((kind, value), m.entity_name))
            if listing is not None:
                lines = self._ticker_keys.get(m.entity_uid, {}).get(listing.country)
                if lines and listing.key not in lines:
                    doubts.append(
                        f"the symbol {symbol!r} ({listing.key}) is not a listed line of "
                        f"{m.entity_name} (listed there: {', '.join(sorted(lines))})"
                    )
            if doubts:
                out.append(_demote(m, doubts))
                continue
            for note in notes:
                m = _note(m, note)
            out.append(m)
        return out

    # -- search (CLI) --------------------------------------------------------------------

    def search(self, text: str) -> list[Match]:
        """Lenient lookup for people: any identifier spelling, else names containing the words."""
        if not isinstance(text, str):
            return []
        text = text.strip()
        if not text:
            return []
        found = self.match_symbol(text) or self.match_isin(text)
        if found:
            return found
        found = self.match_name(text)
        if found:
            return found
        words = names.tokens(text)
        if not words:
            return []
        hits: dict[int, Match] = {}
        for ref in self._index.refs:
            if all(any(t.startswith(w) for t in ref.toks) for w in words):
                entity = self.listings.entities[ref.uid]
                _keep(
                    hits,
                    Match(
                        entity_uid=ref.uid,
                        entity_name=entity.name,
                        matched_on="name",
                        matched_value=text,
                        list_value=ref.text,
                        score=round(fuzz.partial_ratio(text.upper(), ref.text.upper()) / 100, 3),
                        level="review",
                        reason=f"{ref.text!r} contains {text!r}",
                        source=ref.kind,
                    ),
                )
        return list(_ordered(hits))


def _ticker_cores(listings: Listings) -> re.Pattern[str] | None:
    """A pattern finding any listed ticker's code (letters and digits, leading zeros dropped);
    None when some code has no such core, so that nothing may be ruled out by it."""
    cores: set[str] = set()
    for kind, key in listings.by_identifier:
        if kind == "ticker":
            core = _NOT_ALNUM.sub("", key.partition(":")[2].upper()).lstrip("0")
            if not core:
                return None
            cores.add(core)
    if not cores:
        return None
    return re.compile("|".join(re.escape(c) for c in sorted(cores, key=len, reverse=True)))


def _keep(best: dict[int, Match], m: Match) -> None:
    old = best.get(m.entity_uid)
    if old is None or (m.level == "confirmed", m.score) > (old.level == "confirmed", old.score):
        best[m.entity_uid] = m


def _ordered(best: dict[int, Match]) -> tuple[Match, ...]:
    return tuple(
        sorted(best.values(), key=lambda m: (m.level != "confirmed", -m.score, m.entity_uid))
    )


def _identifier_country(kind: str, value: str) -> str | None:
    if kind == "isin":
        return value[:2]
    if kind == "cusip":
        # A CUSIP starting with a digit is US/Canadian; a CINS (letter first) is foreign.
        return "US" if value[0].isdigit() else None
    return None


def _not_listed_note(unknown: tuple[str, str], entity_name: str) -> str:
    kind, value = unknown
    return (
        f"{kind.upper()} {value} is not among the identifiers listed for {entity_name} "
        "(OFAC's identifiers are not exhaustive)"
    )


def _hint(value: str | None) -> str | None:
    if value is None:
        return None
    norm = "".join(ch for ch in value.upper() if ch.isalnum())
    return norm or None


def _guessed_market(symbol: str, exchange: str | None, currency: str | None) -> bool:
    """True for a bare number with no exchange or currency that places it (941 could be
    Hong Kong, Tokyo or Taipei); the parser then assumes Hong Kong or Shanghai/Shenzhen."""
    code = symbol.strip()
    if not (code.isascii() and code.isdigit()):
        return False
    ex = _hint(exchange)
    if ex is not None and ex in EXCHANGE_HINTS:
        return False
    cur = _hint(currency)
    return not (cur is not None and cur in CURRENCY_HINTS)


def _explicit_listing(
    symbol: str, exchange: str | None, currency: str | None
) -> tickers.Listing | None:
    """The one listing a symbol names when its market is stated (in the text or exchange)."""
    ex = _hint(exchange)
    stated = (ex is not None and ex in EXCHANGE_HINTS) or any(c in symbol.strip() for c in ".: ")
    if not stated:
        return None
    found = tickers.parse_ticker(symbol, exchange=exchange, currency=currency)
    return found[0] if len(found) == 1 else None


def _compact(value: str) -> str | None:
    """The plain-ASCII compact form of an identifier cell, or None when it needs the full
    normaliser (non-ASCII text such as full-width digits)."""
    if not value.isascii():
        return None
    return "".join(value.split()).replace("-", "").upper()
