"""Find the listed company behind a security: identifiers first, then names.

Evidence tiers, strongest first: ISIN, CUSIP, FIGI, ticker + market (any spelling), then the
description against names, aliases and issuer names. The first tier that finds something
decides; weaker tiers only add doubt (a ticker whose description names another company is
sent to review, not prohibited). Everything here is plain Python on dicts, so the pre-trade
check can use it without pandas; the screen calls it once per distinct security.

Levels: ``confirmed`` means the security belongs to the listed entity; ``review`` means a
person must look (weak alias, near name, a parent or subsidiary name, conflicting evidence).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from portfolio_guard import identifiers, names, tickers
from portfolio_guard.listings import ListedEntity, Listings, SecurityRow

Level = Literal["confirmed", "review"]
NameKind = Literal["primary", "alias", "weak_alias", "issuer", "other"]

# Per-token similarity that still counts as the same word (typos, transliteration slips).
TOKEN_TYPO_RATIO = 90.0


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


@dataclass(frozen=True, slots=True)
class _NameRef:
    uid: int
    text: str
    kind: NameKind
    toks: tuple[str, ...]
    distinct: frozenset[str]


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


class Matcher:
    """Indexes of one listings dataset; immutable once built, safe to share across threads."""

    def __init__(self, listings: Listings) -> None:
        self.listings = listings
        refs: list[_NameRef] = []
        for ent in listings:
            refs.append(self._ref(ent.uid, ent.name, "primary"))
            for alias in ent.aliases:
                kind: NameKind = "weak_alias" if alias.get("strength") == "weak" else "alias"
                refs.append(self._ref(ent.uid, alias["name"], kind))
            refs.extend(self._ref(ent.uid, n, "issuer") for n in ent.issuer_names)
            refs.extend(self._ref(ent.uid, n, "other") for n in ent.other_names)
        self._refs = [r for r in refs if r.toks]
        self._exact: dict[tuple[str, ...], list[_NameRef]] = {}
        self._sorted: dict[tuple[str, ...], list[_NameRef]] = {}
        self._by_token: dict[str, list[_NameRef]] = {}
        for ref in self._refs:
            self._exact.setdefault(ref.toks, []).append(ref)
            self._sorted.setdefault(tuple(sorted(ref.toks)), []).append(ref)
            for tok in ref.distinct:
                self._by_token.setdefault(tok, []).append(ref)
        self._vocabulary = sorted(self._by_token)

    @staticmethod
    def _ref(uid: int, text: str, kind: NameKind) -> _NameRef:
        toks = names.tokens(text)
        return _NameRef(uid, text, kind, toks, _distinct(toks))

    # -- identifiers ---------------------------------------------------------------------

    def _lookup(self, kind: str, value: str, given: str, how: str = "") -> list[Match]:
        out = []
        for row in self.listings.lookup(kind, value):
            out.append(_row_match(row, self.listings.entities[row.entity_uid], kind, given, how))
        return out

    def match_isin(self, value: str) -> list[Match]:
        norm = identifiers.normalize_isin(value)
        # OFAC publishes three malformed ISINs; match them as printed too.
        return self._lookup("isin", norm or value.strip().upper(), value.strip())

    def match_cusip(self, value: str) -> list[Match]:
        norm = identifiers.normalize_cusip(value)
        return self._lookup("cusip", norm, value.strip()) if norm else []

    def match_figi(self, value: str) -> list[Match]:
        norm = identifiers.normalize_figi(value)
        return self._lookup("figi", norm, value.strip()) if norm else []

    def match_ticker(
        self, symbol: str, exchange: str | None = None, currency: str | None = None
    ) -> list[Match]:
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
        """A broker's symbol cell: may hold an ISIN or CUSIP instead of a ticker."""
        for kind, value in identifiers.detect_identifiers(symbol):
            found = self._lookup(kind, value, symbol.strip()) if kind != "sedol" else []
            if found:
                return found
        return self.match_ticker(symbol, exchange, currency)

    # -- names ---------------------------------------------------------------------------

    def match_name(self, text: str) -> list[Match]:
        """Match a description against names, aliases and issuer names."""
        toks = names.tokens(text)
        if not toks:
            return []
        best: dict[int, Match] = {}
        for ref in self._exact.get(toks, ()) or self._sorted.get(tuple(sorted(toks)), ()):
            _keep(best, self._name_match(ref, text, 1.0, exact=True))
        if best:
            return _ordered(best)
        distinct = _distinct(toks)
        if not distinct:
            return []
        for ref in self._candidates(distinct, toks):
            m = self._compare(ref, text, toks, distinct)
            if m is not None:
                _keep(best, m)
        return _ordered(best)

    def _candidates(self, distinct: frozenset[str], toks: tuple[str, ...]) -> Iterable[_NameRef]:
        seen: set[int] = set()
        for tok in distinct:
            for ref in self._by_token.get(tok, ()):
                if id(ref) not in seen:
                    seen.add(id(ref))
                    yield ref
        # A truncated last word ("HIKVISION DIGITAL TE") or a typo finds no exact token.
        last = toks[-1]
        for tok in distinct:
            if tok in self._by_token or len(tok) < 4:
                continue
            for vocab in self._vocabulary:
                if (tok == last and vocab.startswith(tok)) or (
                    len(vocab) >= 6 and fuzz.ratio(tok, vocab) >= TOKEN_TYPO_RATIO
                ):
                    for ref in self._by_token[vocab]:
                        if id(ref) not in seen:
                            seen.add(id(ref))
                            yield ref

    def _compare(
        self, ref: _NameRef, text: str, toks: tuple[str, ...], distinct: frozenset[str]
    ) -> Match | None:
        mine = set(distinct)
        theirs = set(ref.distinct)
        exact_words = True
        for tok in list(mine):
            if tok in theirs:
                mine.discard(tok)
                theirs.discard(tok)
                continue
            partner = _partner(tok, theirs, truncated=tok == toks[-1])
            if partner is None:
                return None
            if not ref.toks[-1].startswith(tok):
                exact_words = False
            mine.discard(tok)
            theirs.discard(partner)
        leftover = {t for t in theirs if t not in names.PLACES}
        if leftover:
            return None
        extra_theirs = set(ref.toks) - set(toks)
        extra_mine = set(toks) - set(ref.toks)
        score = fuzz.token_sort_ratio(" ".join(toks), " ".join(ref.toks)) / 100.0
        relation = (extra_theirs | extra_mine) & names.RELATION
        if relation:
            reason = (
                f"name {text!r} differs from {ref.text!r} only by {', '.join(sorted(relation))}: "
                "possibly an unlisted parent or subsidiary (no 50 Percent Rule, OFAC FAQ 857)"
            )
            return self._name_match(ref, text, min(score, 0.9), exact=False, reason=reason)
        if exact_words and not theirs and not (extra_theirs - names.GENERIC):
            # Same words, one cut short by the broker: the same company.
            return self._name_match(ref, text, max(score, 0.95), exact=True)
        return self._name_match(ref, text, score, exact=False)

    def _name_match(
        self, ref: _NameRef, text: str, score: float, exact: bool, reason: str | None = None
    ) -> Match:
        entity = self.listings.entities[ref.uid]
        what = {
            "primary": "the listed name",
            "alias": "a.k.a.",
            "weak_alias": "weak a.k.a.",
            "issuer": "issuer name",
            "other": "name in another script",
        }[ref.kind]
        level: Level = "confirmed"
        if not exact or ref.kind == "weak_alias" or names.acronym_like(ref.text):
            level = "review"
        if reason is None:
            if level == "confirmed":
                reason = f"name {text!r} matches {what} {ref.text!r} of {entity.name}"
            elif exact:
                reason = (
                    f"name {text!r} equals {what} {ref.text!r} of {entity.name}; short or "
                    "low-quality names need review (OFAC FAQ 899)"
                )
            else:
                reason = (
                    f"name {text!r} is similar ({score:.2f}) to {what} {ref.text!r} of "
                    f"{entity.name}; needs review (OFAC FAQ 899)"
                )
        return Match(
            entity_uid=entity.uid,
            entity_name=entity.name,
            matched_on="name",
            matched_value=text,
            list_value=ref.text,
            score=round(score, 3),
            level=level,
            reason=reason,
            source=ref.kind,
        )

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
        """All evidence for one security, strongest tier first; [] when nothing matches."""
        strong_given = False
        for value, fn in (
            (isin, self.match_isin),
            (cusip, self.match_cusip),
            (figi, self.match_figi),
        ):
            if value and value.strip():
                strong_given = True
                found = fn(value)
                if found:
                    return found
        by_name = self.match_name(description) if description and description.strip() else []
        if symbol and symbol.strip():
            found = self.match_symbol(symbol, exchange, currency)
            if found:
                return [self._cross_check(m, description, by_name, strong_given) for m in found]
        return by_name

    def _cross_check(
        self, m: Match, description: str | None, by_name: list[Match], strong_given: bool
    ) -> Match:
        """A ticker is weak evidence: demote it when the rest of the row disagrees."""
        if m.matched_on not in ("ticker",):
            return m
        doubts = []
        if strong_given:
            doubts.append("the row's ISIN/CUSIP/FIGI is not on the list")
        if (
            description
            and names.tokens(description)
            and all(n.entity_uid != m.entity_uid for n in by_name)
            and not self._names_overlap(description, m.entity_uid)
        ):
            doubts.append(f"the description {description!r} does not name {m.entity_name}")
        if not doubts:
            return m
        return Match(
            m.entity_uid,
            m.entity_name,
            m.matched_on,
            m.matched_value,
            m.list_value,
            0.5,
            "review",
            m.reason + "; but " + " and ".join(doubts),
            m.source,
        )

    def _names_overlap(self, description: str, uid: int) -> bool:
        mine = _distinct(names.tokens(description))
        for ref in self._refs:
            if ref.uid == uid and any(_partner(t, set(ref.distinct), truncated=True) for t in mine):
                return True
        return False

    # -- search (CLI) --------------------------------------------------------------------

    def search(self, text: str) -> list[Match]:
        """Lenient lookup for people: any identifier spelling, else names containing the words."""
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
        hits: dict[int, Match] = {}
        for ref in self._refs:
            if all(any(t.startswith(w) for t in ref.toks) for w in words):
                _keep(
                    hits,
                    self._name_match(
                        ref,
                        text,
                        fuzz.partial_ratio(text.upper(), ref.text.upper()) / 100,
                        exact=False,
                        reason=f"{ref.text!r} contains {text!r}",
                    ),
                )
        return _ordered(hits)


def _distinct(toks: tuple[str, ...]) -> frozenset[str]:
    return frozenset(t for t in toks if t not in names.GENERIC and t not in names.PLACES)


def _partner(tok: str, pool: set[str], truncated: bool) -> str | None:
    for cand in pool:
        if truncated and len(tok) >= 2 and cand.startswith(tok):
            return cand
    if len(tok) >= 6:
        for cand in pool:
            if len(cand) >= 6 and fuzz.ratio(tok, cand) >= TOKEN_TYPO_RATIO:
                return cand
    return None


def _keep(best: dict[int, Match], m: Match) -> None:
    old = best.get(m.entity_uid)
    rank = (m.level == "confirmed", m.score)
    if old is None or rank > (old.level == "confirmed", old.score):
        best[m.entity_uid] = m


def _ordered(best: dict[int, Match]) -> list[Match]:
    return sorted(best.values(), key=lambda m: (m.level != "confirmed", -m.score, m.entity_uid))
