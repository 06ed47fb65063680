"""Ask OpenFIGI and Yahoo about every listed entity and keep the confident answers.

Three passes, each reported through ``progress(phase, done, total)``:

1. **OpenFIGI mapping** of the identifiers the list already has (OFAC's and curated ISINs,
   tickers, FIGIs). An ISIN or FIGI names one instrument, so every listing it maps to is
   kept; a ticker can have been reused by another company since OFAC printed it, so its
   answer is kept only when the name agrees (:class:`~portfolio_guard.enrich.scoring.Judge`).
2. **OpenFIGI search** by name (then issuer names and a.k.a.s, at most ``max_queries``
   queries, stopping at the first that finds something) for the share lines OFAC does not
   print and for entities without identifiers. Equity only; candidates must pass the name,
   type and country tests.
3. **Yahoo Finance search** by name, for ticker rows on markets we can place.

An OpenFIGI failure that survives the client's retries ends the refresh (``RemoteError``).
Yahoo is enrichment only: its first failure ends the Yahoo pass with a warning, and the
entities it did not reach keep their previous Yahoo rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from portfolio_guard import tickers
from portfolio_guard.enrich.clock import Clock
from portfolio_guard.enrich.models import FigiRecord, MappingJob, SearchResult, YahooQuote
from portfolio_guard.enrich.openfigi import OpenFigiClient
from portfolio_guard.enrich.rows import quote_listing, quote_row, record_rows, source_ref
from portfolio_guard.enrich.scoring import Judge, Verdict, clean_name, home_countries, is_equity
from portfolio_guard.enrich.scoring import search_query as make_query
from portfolio_guard.enrich.yahoo import YahooClient
from portfolio_guard.errors import RemoteError
from portfolio_guard.listings import ListedEntity, Listings, SecurityRow
from portfolio_guard.names import acronym_like

ProgressFn = Callable[[str, int, int], None]
PHASE_MAPPING = "OpenFIGI mapping"
PHASE_SEARCH = "OpenFIGI search"
PHASE_YAHOO = "Yahoo Finance search"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A remote answer that was considered for an entity, and the decision."""

    entity_uid: int
    source: str
    what: str
    found_by: str
    kept: bool
    reason: str
    near_miss: bool = False


@dataclass
class Findings:
    """What the passes found: rows per entity and source, plus the paper trail."""

    rows: dict[tuple[int, str], list[SecurityRow]] = field(default_factory=dict)
    # (entity, source) pairs whose lookups did not all complete: keep their old rows.
    incomplete: set[tuple[int, str]] = field(default_factory=set)
    candidates: list[Candidate] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)

    def add(self, uid: int, source: str, rows: Iterable[SecurityRow]) -> None:
        self.rows.setdefault((uid, source), []).extend(rows)

    def count(self, what: str, n: int = 1) -> None:
        self.requests[what] = self.requests.get(what, 0) + n


@dataclass(frozen=True, slots=True)
class _Job:
    uid: int
    job: MappingJob
    label: str
    strong: bool


def _jobs_for(entity: ListedEntity) -> list[_Job]:
    out: list[_Job] = []
    seen: set[str] = set()
    for row in entity.securities:
        if row.source not in ("ofac", "curated") or not row.valid:
            continue
        job: MappingJob | None = None
        if row.kind == "isin":
            job = MappingJob(idType="ID_ISIN", idValue=row.value)
        elif row.kind == "figi":
            job = MappingJob(idType="ID_BB_GLOBAL", idValue=row.value)
        elif row.kind == "cusip" and not (row.detail or "").startswith("derived from ISIN"):
            job = MappingJob(idType="ID_CUSIP", idValue=row.value)
        elif row.kind == "ticker" and row.local_code and row.country:
            listing = tickers.Listing(row.local_code, row.country, row.market, row.raw)
            sp = tickers.spellings(listing)
            if "openfigi_ticker" in sp:
                job = MappingJob(
                    idType="TICKER",
                    idValue=sp["openfigi_ticker"],
                    exchCode=sp["openfigi_exch_code"],
                    marketSecDes="Equity",
                )
        if job is None:
            continue
        label = f"{job.idType} {job.idValue}" + (f" {job.exchCode}" if job.exchCode else "")
        if label not in seen:
            seen.add(label)
            out.append(_Job(entity.uid, job, label, strong=row.kind != "ticker"))
    return out


def _unique_queries(texts: Iterable[str]) -> list[str]:
    out: list[str] = []
    for text in texts:
        query = make_query(text)
        if query is not None and query not in out:
            out.append(query)
    return out


class Collector:
    """Runs the passes over one dataset; create one per refresh."""

    def __init__(
        self,
        listings: Listings,
        *,
        openfigi: OpenFigiClient | None = None,
        yahoo: YahooClient | None = None,
        today: date,
        clock: Clock,
        progress: ProgressFn | None = None,
        search: bool = True,
        max_pages: int = 2,
        max_queries: int = 3,
        yahoo_interval: float = 2.0,
    ) -> None:
        self.listings = listings
        self.openfigi = openfigi
        self.yahoo = yahoo
        self.today = today
        self.clock = clock
        self.progress = progress or (lambda phase, done, total: None)
        self.search = search
        self.max_pages = max_pages
        self.max_queries = max_queries
        self.yahoo_interval = yahoo_interval
        self.judge = Judge(listings)
        self.found = Findings()
        self._share_classes: dict[int, set[str]] = {}
        self._figi_names: dict[int, list[str]] = {}
        self._searches: dict[str, SearchResult] = {}

    def run(self) -> Findings:
        entities = sorted(self.listings, key=lambda e: e.uid)
        if self.openfigi is not None:
            self._map(entities)
            if self.search:
                self._search(entities)
        if self.yahoo is not None:
            self._yahoo(entities)
        return self.found

    def _note(self, uid: int, source: str, what: str, by: str, verdict: Verdict) -> None:
        self.found.candidates.append(
            Candidate(uid, source, what, by, verdict.ok, verdict.reason, verdict.near_miss)
        )

    def _accept(self, uid: int, record: FigiRecord, ref: str) -> None:
        self.found.add(uid, "openfigi", record_rows(uid, record, ref))
        if is_equity(record):
            if record.shareClassFIGI is not None:
                self._share_classes.setdefault(uid, set()).add(record.shareClassFIGI)
            if record.name:
                self._figi_names.setdefault(uid, []).append(record.name)

    # -- 1. mapping ----------------------------------------------------------------------

    def _map(self, entities: list[ListedEntity]) -> None:
        jobs = [j for e in entities for j in _jobs_for(e)]
        assert self.openfigi is not None
        client = self.openfigi
        self.progress(PHASE_MAPPING, 0, len(jobs))
        start = 0
        while start < len(jobs):
            # One request per step, so the bar moves with the requests (max_jobs can shrink
            # after a 413).
            chunk = jobs[start : start + client.max_jobs]
            results = client.map([j.job for j in chunk])
            start += len(chunk)
            self.found.count("openfigi_mapping_jobs", len(chunk))
            for job, result in zip(chunk, results, strict=True):
                self._mapped(job, result.error, result.records)
            self.progress(PHASE_MAPPING, start, len(jobs))

    def _mapped(self, job: _Job, error: str | None, records: tuple[FigiRecord, ...]) -> None:
        ref = source_ref("openfigi", "mapping", job.label, self.today)
        if error is not None:
            self.found.warnings.append(f"entity {job.uid}: OpenFIGI {job.label}: {error}")
            self.found.incomplete.add((job.uid, "openfigi"))
            return
        for record in records:
            if job.strong:
                self._accept(job.uid, record, ref)
                continue
            verdict = self.judge.name(job.uid, record.name)
            self._note(job.uid, "openfigi", f"{record.figi} {record.name}", ref, verdict)
            if verdict.ok:
                self._accept(job.uid, record, ref)

    # -- 2. search -----------------------------------------------------------------------

    def _queries(self, entity: ListedEntity) -> list[str]:
        texts = [entity.name, *(clean_name(n) for n in self._figi_names.get(entity.uid, ()))]
        texts += list(entity.issuer_names)
        texts += [
            a["name"]
            for a in entity.aliases
            if a.get("strength") != "weak" and not acronym_like(a["name"])
        ]
        return _unique_queries(texts)[: self.max_queries]

    def _search(self, entities: list[ListedEntity]) -> None:
        self.progress(PHASE_SEARCH, 0, len(entities))
        for done, entity in enumerate(entities, 1):
            for query in self._queries(entity):
                if self._search_one(entity, query):
                    break
            self.progress(PHASE_SEARCH, done, len(entities))

    def _search_one(self, entity: ListedEntity, query: str) -> bool:
        result = self._searches.get(query)
        if result is None:
            assert self.openfigi is not None
            result = self.openfigi.search(query, marketSecDes="Equity", max_pages=self.max_pages)
            self.found.count("openfigi_searches")
            self._searches[query] = result
        ref = source_ref("openfigi", "search", repr(query), self.today)
        if result.truncated:
            self.found.warnings.append(
                f"entity {entity.uid}: OpenFIGI search {query!r} has more than "
                f"{result.pages} pages; only those were read"
            )
            self.found.incomplete.add((entity.uid, "openfigi"))
        uid = entity.uid
        # Home-market lines and receipts first, so that their share classes can vouch for
        # the same shares traded elsewhere (a US OTC line of Hong Kong shares).
        later: list[FigiRecord] = []
        kept = False
        for record in result.records:
            verdict = self.judge.searched_record(uid, record, frozenset())
            if verdict.ok:
                self._note(uid, "openfigi", f"{record.figi} {record.name}", ref, verdict)
                self._accept(uid, record, ref)
                kept = True
            else:
                later.append(record)
        for record in later:
            known = frozenset(self._share_classes.get(uid, ()))
            verdict = self.judge.searched_record(uid, record, known)
            if verdict.ok or verdict.near_miss:
                self._note(uid, "openfigi", f"{record.figi} {record.name}", ref, verdict)
            if verdict.ok:
                self._accept(uid, record, ref)
                kept = True
        return kept

    # -- 3. Yahoo ------------------------------------------------------------------------

    def _yahoo(self, entities: list[ListedEntity]) -> None:
        self.progress(PHASE_YAHOO, 0, len(entities))
        first = True
        for done, entity in enumerate(entities, 1):
            for query in _unique_queries([entity.name, *entity.issuer_names])[: self.max_queries]:
                if not first:
                    # Yahoo publishes no limits; a steady pace is what avoids its 429 waves.
                    self.clock.sleep(self.yahoo_interval)
                first = False
                try:
                    assert self.yahoo is not None
                    quotes = self.yahoo.search_name(query)
                    self.found.count("yahoo_searches")
                except RemoteError as exc:
                    self.found.warnings.append(
                        f"Yahoo Finance stopped answering ({exc}); previous Yahoo rows of "
                        f"{len(entities) - done + 1} entities kept"
                    )
                    for rest in entities[done - 1 :]:
                        self.found.incomplete.add((rest.uid, "yahoo"))
                    self.progress(PHASE_YAHOO, len(entities), len(entities))
                    return
                if self._yahoo_quotes(entity, query, quotes):
                    break
            self.progress(PHASE_YAHOO, done, len(entities))

    def _yahoo_quotes(self, entity: ListedEntity, query: str, quotes: list[YahooQuote]) -> bool:
        ref = source_ref("yahoo", "search", repr(query), self.today)
        kept = False
        homes = home_countries(entity)
        for quote in quotes:
            listing = quote_listing(quote)
            if listing is None:
                continue
            verdict = self.judge.name(entity.uid, quote.name)
            if verdict.ok and listing.country not in homes:
                verdict = Verdict(
                    False,
                    verdict.score,
                    f"{quote.symbol} trades in {listing.country}, not a home market of "
                    f"{entity.name}",
                    near_miss=True,
                )
            if verdict.ok or verdict.near_miss:
                self._note(entity.uid, "yahoo", f"{quote.symbol} {quote.name}", ref, verdict)
            if verdict.ok:
                self.found.add(entity.uid, "yahoo", [quote_row(entity.uid, quote, listing, ref)])
                kept = True
        return kept
