"""``check --online``: resolve holdings identifiers that match nothing offline via OpenFIGI.

A holding may carry an identifier the list does not print: the ISIN of another share line of
a listed issuer, a venue FIGI, a CUSIP of an ADR program. OpenFIGI maps it to its FIGI
records, whose FIGI, composite FIGI and share-class FIGI are compared with the FIGIs the
dataset knows (OpenFIGI rows from ``listings refresh``, curated FIGIs):

* **confirmed** when one of them is a FIGI of a listed entity (same line, same country
  composite, or same share class), or when the record's ticker on its market is a listed
  ticker *and* its name names the same entity (tickers get reused, so the name must agree);
* **review** when only the record's name matches a listed name (another share line or a
  bond of the issuer, or a namesake: a person decides).

Only called with ``online=True``; nothing else in the package opens a connection.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from portfolio_guard import identifiers
from portfolio_guard.enrich.models import FigiRecord, MappingJob
from portfolio_guard.enrich.openfigi import OpenFigiClient
from portfolio_guard.enrich.rows import record_listing
from portfolio_guard.enrich.scoring import Judge, clean_name
from portfolio_guard.listings import Listings
from portfolio_guard.match import Level, Match, Matcher

# For a FIGI we ask all three levels: a holding may give a composite or share-class FIGI.
_FIGI_ID_TYPES = ("ID_BB_GLOBAL", "COMPOSITE_ID_BB_GLOBAL", "ID_BB_GLOBAL_SHARE_CLASS_LEVEL")
_ROLES = (("", "figi"), ("composite ", "compositeFIGI"), ("share-class ", "shareClassFIGI"))


def _jobs(kind: str, value: str) -> list[MappingJob]:
    if kind == "isin":
        norm = identifiers.normalize_isin(value)
        return [] if norm is None else [MappingJob(idType="ID_ISIN", idValue=norm)]
    if kind == "cusip":
        norm = identifiers.normalize_cusip(value)
        return [] if norm is None else [MappingJob(idType="ID_CUSIP", idValue=norm)]
    norm = identifiers.normalize_figi(value)
    return [] if norm is None else [MappingJob(idType=t, idValue=norm) for t in _FIGI_ID_TYPES]


def _describe(record: FigiRecord) -> str:
    where = f"{record.ticker} {record.exchCode}" if record.ticker and record.exchCode else None
    bits = [b for b in (record.name, where) if b]
    return ", ".join(bits) or record.figi


class Resolver:
    """Explains OpenFIGI records of one holding identifier against one dataset."""

    def __init__(self, listings: Listings) -> None:
        self.listings = listings
        self.judge = Judge(listings)

    def explain(self, kind: str, value: str, records: Sequence[FigiRecord]) -> list[Match]:
        """Matches for identifier ``value`` of ``kind`` whose OpenFIGI records are ``records``."""
        found: dict[int, Match] = {}
        head = f"{kind.upper()} {value} →"
        for record in records:
            for role, attr in _ROLES:
                figi = getattr(record, attr)
                if figi is None or (attr == "compositeFIGI" and record.is_composite):
                    continue
                if attr == "figi" and record.is_composite:
                    role = "composite "
                for row in self.listings.lookup("figi", figi):
                    if row.entity_uid in found:
                        continue
                    entity = self.listings.entities[row.entity_uid]
                    what = row.detail or "a FIGI"
                    found[row.entity_uid] = self._match(
                        row.entity_uid,
                        kind,
                        value,
                        row.raw,
                        1.0,
                        "confirmed",
                        f"{head} OpenFIGI {role}FIGI {figi} ({_describe(record)}) = {what} "
                        f"of {entity.name} (source: {row.source})",
                    )
        for record in records:
            listing = record_listing(record)
            if listing is None:
                continue
            for row in self.listings.lookup("ticker", listing.key):
                uid = row.entity_uid
                if uid in found:
                    continue
                entity = self.listings.entities[uid]
                verdict = self.judge.name(uid, record.name)
                chain = (
                    f"{head} OpenFIGI {record.figi} ({_describe(record)}) trades as "
                    f"{listing.key}, listed as {row.raw} of {entity.name}"
                )
                if verdict.ok:
                    found[uid] = self._match(uid, kind, value, row.raw, 1.0, "confirmed", chain)
                else:
                    found[uid] = self._match(
                        uid,
                        kind,
                        value,
                        row.raw,
                        0.5,
                        "review",
                        f"{chain}; but {verdict.reason}: the ticker may have been reused",
                    )
        if any(m.level == "confirmed" for m in found.values()):
            return _ordered(found)
        for record in records:
            if not record.name:
                continue
            for m in self.judge.matcher.match_name(clean_name(record.name)):
                if m.entity_uid in found:
                    continue
                found[m.entity_uid] = self._match(
                    m.entity_uid,
                    kind,
                    value,
                    m.list_value,
                    m.score,
                    "review",
                    f"{head} OpenFIGI {record.figi} ({_describe(record)}): no FIGI or ticker "
                    f"of it is listed, but {m.reason}; another line or a namesake of "
                    f"{m.entity_name}: needs review",
                )
        return _ordered(found)

    def _match(
        self, uid: int, kind: str, value: str, listed: str, score: float, level: Level, reason: str
    ) -> Match:
        return Match(
            entity_uid=uid,
            entity_name=self.listings.entities[uid].name,
            matched_on=kind,
            matched_value=value,
            list_value=listed,
            score=score,
            level=level,
            reason=reason,
            source="openfigi",
        )


def _ordered(found: dict[int, Match]) -> list[Match]:
    return sorted(found.values(), key=lambda m: (m.level != "confirmed", -m.score, m.entity_uid))


def resolve_unmatched(
    listings: Listings,
    isins: Iterable[str],
    cusips: Iterable[str],
    figis: Iterable[str],
    client: OpenFigiClient | None = None,
) -> dict[tuple[str, str], list[Match]]:
    """Resolve identifiers through OpenFIGI; one entry per distinct value given.

    Keys are ``(kind, value)`` with ``value`` as given (stripped); the list is empty when
    OpenFIGI does not know the identifier, it is malformed, or nothing ties it to the list.
    ``client`` defaults to ``OpenFigiClient()`` (``OPENFIGI_API_KEY``, ``OPENFIGI_BASE_URL``,
    the user cache), closed afterwards.

    Raises:
        RemoteError: OpenFIGI could not be asked (after the client's retries).
    """
    asked: dict[tuple[str, str], list[MappingJob]] = {}
    for kind, values in (("isin", isins), ("cusip", cusips), ("figi", figis)):
        for raw in values:
            value = raw.strip()
            if value and (kind, value) not in asked:
                asked[(kind, value)] = _jobs(kind, value)
    jobs = [job for js in asked.values() for job in js]
    if not jobs:
        return {key: [] for key in asked}
    own = client is None
    active = client or OpenFigiClient()
    try:
        results = active.map(jobs)
    finally:
        if own:
            active.close()
    resolver = Resolver(listings)
    out: dict[tuple[str, str], list[Match]] = {}
    at = 0
    for (kind, value), js in asked.items():
        records: list[FigiRecord] = []
        for result in results[at : at + len(js)]:
            records.extend(result.records)
        at += len(js)
        out[(kind, value)] = resolver.explain(kind, value, records) if records else []
    return out


IDENTIFIER_KINDS = ("isin", "cusip", "figi")
_MATCHERS = {"isin": Matcher.match_isin, "cusip": Matcher.match_cusip, "figi": Matcher.match_figi}


class OnlineEvidence:
    """Online matches for one holdings file, shaped for the screen.

    ``gather`` asks OpenFIGI once about every distinct identifier that matches nothing
    offline; ``merge`` adds what it found to one row's offline matches.
    """

    def __init__(self, hits: dict[tuple[str, str], list[Match]]) -> None:
        self.hits = hits

    @classmethod
    def gather(
        cls,
        listings: Listings,
        matcher: Matcher,
        columns: Mapping[str, Iterable[str]],
        client: OpenFigiClient | None = None,
    ) -> OnlineEvidence:
        """``columns`` maps ``isin``/``cusip``/``figi`` to a column's values ('' = none)."""
        todo: dict[str, list[str]] = {}
        for kind in IDENTIFIER_KINDS:
            seen: set[str] = set()
            for raw in columns.get(kind, ()):
                value = raw.strip() if isinstance(raw, str) else ""
                if value and value not in seen:
                    seen.add(value)
                    if not _MATCHERS[kind](matcher, value):
                        todo.setdefault(kind, []).append(value)
        hits = resolve_unmatched(
            listings, todo.get("isin", ()), todo.get("cusip", ()), todo.get("figi", ()), client
        )
        return cls(hits)

    def values(self, kind: str) -> set[str]:
        """Values of ``kind`` with at least one online match (to widen the screen's mask)."""
        return {v for (k, v), found in self.hits.items() if k == kind and found}

    def merge(
        self, offline: list[Match], isin: str | None, cusip: str | None, figi: str | None
    ) -> list[Match]:
        """``offline`` plus online matches for the row's identifiers. Per entity the stronger
        evidence wins: an online identifier match replaces offline matches that are weaker
        (a name, a ticker, any ``review``); an offline identifier match always stays."""
        online: dict[int, Match] = {}
        for kind, value in zip(IDENTIFIER_KINDS, (isin, cusip, figi), strict=True):
            for m in self.hits.get((kind, (value or "").strip()), ()):
                old = online.get(m.entity_uid)
                if old is None or _strength(m) > _strength(old):
                    online[m.entity_uid] = m
        if not online:
            return offline
        out = list(offline)
        for uid, m in online.items():
            mine = [o for o in out if o.entity_uid == uid]
            if not mine:
                out.append(m)
            elif _strength(m) > max(_strength(o) for o in mine):
                out = [o for o in out if o.entity_uid != uid] + [m]
        return sorted(out, key=lambda m: -_strength(m))


def _strength(m: Match) -> int:
    """Confirmed by an identifier > confirmed by name or ticker > review."""
    if m.level != "confirmed":
        return 0
    return 2 if m.matched_on in IDENTIFIER_KINDS else 1
