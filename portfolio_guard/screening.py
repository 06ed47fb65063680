"""Screen holdings against the listings: the main job.

Each distinct identifier, symbol and description is matched once (a million-row export of
20,000 securities costs 20,000 look-ups, not a million); only rows with evidence in some column
go through the full tiered match. The rules then give each matched holding its status on
the as-of date.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from portfolio_guard import rules
from portfolio_guard.listings import Listings, load_listings
from portfolio_guard.match import Match, Matcher
from portfolio_guard.suppress import Suppressions, read_suppressions

if TYPE_CHECKING:
    from portfolio_guard.enrich.online import OnlineEvidence
    from portfolio_guard.holdings.columnar import CodedColumns
    from portfolio_guard.report import Report

KEY_COLUMNS = ("symbol", "isin", "cusip", "figi", "exchange", "currency", "description")
FINDING_COLUMNS = (
    "file",
    "line",
    "account",
    "symbol",
    "description",
    "isin",
    "cusip",
    "quantity",
    "market_value",
    "status",
    "entity_uid",
    "entity_name",
    "matched_on",
    "matched_value",
    "list_value",
    "score",
    "reason",
    "rule",
    "listing_date",
    "effective_date",
    "divestment_date",
    "cleared_by",
)
STATUS_ORDER = ("prohibited", "divestment", "pending", "review", "cleared")


@dataclass(frozen=True)
class SourceSummary:
    file: str
    layout: str
    rows_read: int
    skipped: list[dict[str, Any]]


def _matcher_for(listings: Listings) -> Matcher:
    cached = _MATCHERS.get(id(listings))
    if cached is None or cached.listings is not listings:
        cached = Matcher(listings)
        _MATCHERS.clear()
        _MATCHERS[id(listings)] = cached
    return cached


_MATCHERS: dict[int, Matcher] = {}


class _Column:
    """A key column as codes into its distinct values: each value is matched once."""

    __slots__ = ("codes", "values")

    def __init__(self, codes: np.ndarray, uniques: Iterable[Any]) -> None:
        self.codes: np.ndarray = codes
        self.values: list[str] = [str(u).strip() for u in uniques]

    @classmethod
    def of(cls, series: pd.Series) -> _Column:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        return cls(np.asarray(codes), uniques)

    def value(self, code: int | np.integer[Any]) -> str:
        return self.values[code] if code >= 0 else ""

    def rows_where(self, fn: Any) -> np.ndarray:
        """Row mask of the rows whose value ``fn`` finds something for."""
        hit = np.fromiter((bool(v) and bool(fn(v)) for v in self.values), bool, len(self.values))
        if not hit.any():
            return np.zeros(len(self.codes), dtype=bool)
        found: np.ndarray = (self.codes >= 0) & hit[self.codes]
        return found

    def distinct(self, rows: np.ndarray) -> list[str]:
        """The distinct non-empty values among ``rows`` (a boolean mask)."""
        codes = np.unique(self.codes[rows])
        return [self.values[c] for c in codes if c >= 0 and self.values[c]]


def _value(column: _Column, code: int) -> str | None:
    return (column.values[code] or None) if code >= 0 else None


def _candidate_mask(cols: dict[str, _Column], matcher: Matcher) -> np.ndarray:
    mask = cols["isin"].rows_where(matcher.match_isin)
    mask |= cols["cusip"].rows_where(matcher.match_cusip)
    mask |= cols["figi"].rows_where(matcher.match_figi)
    mask |= cols["description"].rows_where(matcher.match_name)
    sym, exch, cur = cols["symbol"], cols["exchange"], cols["currency"]
    has_symbol = sym.codes >= 0
    if has_symbol.any() and not exch.values and not cur.values:
        # No exchange or currency anywhere: one key per symbol, and no million-row arithmetic.
        hit = np.zeros(len(sym.values), dtype=bool)
        for code in pd.unique(sym.codes[has_symbol]).tolist():
            hit[code] = bool(matcher.match_symbol(sym.values[code], None, None))
        if hit.any():
            mask |= has_symbol & hit[sym.codes]
    elif has_symbol.any():
        # One integer per distinct (symbol, exchange, currency) triple.
        width_c = len(cur.values) + 1
        width_e = (len(exch.values) + 1) * width_c
        # In place, in two arrays: each fresh million-row temporary costs its page faults.
        combined = sym.codes.astype(np.int64)
        combined *= width_e
        part = exch.codes.astype(np.int64)
        part += 1
        part *= width_c
        combined += part
        np.add(cur.codes, 1, out=part, casting="unsafe")
        combined += part
        del part
        size = len(sym.values) * width_e  # keys of rows with a symbol lie in [0, size)
        table = size <= 4 * max(len(combined), 1 << 20)
        if table:  # a flag per possible key: no hashing of a million keys
            seen = np.zeros(size, dtype=bool)
            seen[combined[has_symbol]] = True
            keys = np.flatnonzero(seen).tolist()
        else:
            keys = pd.unique(combined[has_symbol]).tolist()
        hits = [
            key
            for key in keys
            if matcher.match_symbol(
                sym.values[key // width_e],
                _value(exch, key % width_e // width_c - 1),
                _value(cur, key % width_c - 1),
            )
        ]
        if hits and table:
            listed = np.zeros(size, dtype=bool)
            listed[hits] = True
            # Rows without a symbol have negative keys (> -size): masked out by has_symbol.
            mask |= has_symbol & listed[combined]
        elif hits:
            mask |= has_symbol & np.isin(combined, np.asarray(hits, dtype=np.int64))
    return mask


def _finding(
    row: dict[str, Any],
    m: Match,
    listings: Listings,
    as_of: date,
    suppressions: Suppressions | None,
) -> dict[str, Any] | None:
    entity = listings.entities[m.entity_uid]
    dates = rules.ListingDates(entity.listing_date, entity.effective_date, entity.divestment_date)
    cleared_by = None
    if m.level == "review":
        status = "review"
        rule = rules.RULE_NO_50_PERCENT if m.relation else rules.RULE_NAME_ONLY
        reason = m.reason
        if rules.window_on(dates, as_of) is rules.Window.NOT_LISTED:
            return None
    else:
        held = rules.holding_status(dates, as_of)
        if held is None:
            return None
        status = held
        ruling = rules.rule_trade(dates, entity.name, rules.Side.BUY, as_of)
        rule = ruling.rule
        reason = f"{m.reason}; {ruling.reason}"
    if suppressions is not None:
        hit = suppressions.find(
            {k: row.get(k) or None for k in ("isin", "cusip", "figi", "symbol", "description")},
            entity.uid,
        )
        if hit is not None:
            if status == "review":
                status = "cleared"
                cleared_by = hit.note()
                reason = f"{reason}; {hit.note()}"
            else:
                reason = (
                    f"{reason}; suppression on line {hit.line} NOT applied: a confirmed "
                    f"{m.matched_on} match cannot be cleared"
                )
    return {
        "file": row["file"],
        "line": int(row["source_line"]),
        "account": row.get("account") or None,
        "symbol": row.get("symbol") or None,
        "description": row.get("description") or None,
        "isin": row.get("isin") or None,
        "cusip": row.get("cusip") or None,
        "quantity": row.get("quantity"),
        "market_value": row.get("market_value"),
        "status": status,
        "entity_uid": entity.uid,
        "entity_name": entity.name,
        "matched_on": m.matched_on,
        "matched_value": m.matched_value,
        "list_value": m.list_value,
        "score": m.score,
        "reason": reason,
        "rule": rule,
        "listing_date": entity.listing_date.isoformat(),
        "effective_date": entity.effective_date.isoformat(),
        "divestment_date": entity.divestment_date.isoformat(),
        "cleared_by": cleared_by,
    }


def _key_columns(
    frame: pd.DataFrame, coded: CodedColumns | None, rows: np.ndarray | None
) -> dict[str, _Column]:
    """The key columns of ``frame`` (``rows`` of it, a mask), reusing the reader's codes."""
    cols: dict[str, _Column] = {}
    for c in KEY_COLUMNS:
        if coded is not None and c in coded:
            codes, values = coded.get(c)
            cols[c] = _Column(codes if rows is None else codes[rows], values)
        else:
            cols[c] = _Column.of(frame[c])  # ``frame`` has only ``rows`` already
    return cols


def _findings_for(
    tup: tuple[str, ...],
    file: str,
    matcher: Matcher,
    evidence: OnlineEvidence | None,
    listings: Listings,
    as_of: date,
    suppressions: Suppressions | None,
) -> list[dict[str, Any]]:
    """The findings for one distinct key, without the row's line, account and amounts."""
    symbol, isin, cusip, figi, exchange, currency, description = tup
    matches = matcher.match_security(
        symbol=symbol or None,
        isin=isin or None,
        cusip=cusip or None,
        figi=figi or None,
        exchange=exchange or None,
        currency=currency or None,
        description=description or None,
    )
    if evidence is not None:
        matches = evidence.merge(matches, isin or None, cusip or None, figi or None)
    row: dict[str, Any] = dict(zip(KEY_COLUMNS, tup, strict=True))
    row.update(file=file, account=None, quantity=None, market_value=None, source_line=0)
    found = (_finding(row, m, listings, as_of, suppressions) for m in matches)
    return [f for f in found if f is not None]


def screen_frame(
    frame: pd.DataFrame,
    file: str,
    listings: Listings,
    as_of: date,
    suppressions: Suppressions | None = None,
    online: bool = False,
    coded: CodedColumns | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Findings for one normalised holdings frame, and how many rows were screened.

    ``coded`` (``Holdings.coded`` of the read that gave ``frame``) saves factorising the key
    columns again; it is ignored unless it has as many rows as ``frame``.
    """
    if online or (coded is not None and coded.size != len(frame)):
        coded = None  # online look-ups go by the values of the screened rows only
    rows: np.ndarray | None = None
    if "asset_type" in frame.columns:
        securities = ~frame["asset_type"].isin(["cash"]).to_numpy(bool)
        if not securities.all():
            rows = securities
            frame = frame[securities]
    screened = len(frame)
    if not screened:
        return [], 0
    cols = _key_columns(frame, coded, rows)
    matcher = _matcher_for(listings)
    mask = _candidate_mask(cols, matcher)
    findings: list[dict[str, Any]] = []
    evidence = None
    if online:
        from portfolio_guard.enrich.online import OnlineEvidence

        # Asks OpenFIGI only about identifiers that match nothing offline, each once.
        evidence = OnlineEvidence.gather(
            listings, matcher, {k: cols[k].values for k in ("isin", "cusip", "figi")}
        )
        for kind in ("isin", "cusip", "figi"):
            hits = evidence.values(kind)
            if hits:
                mask |= cols[kind].rows_where(hits.__contains__)
    if not mask.any():
        return findings, screened
    positions = np.flatnonzero(mask)
    extra = frame.iloc[positions][["account", "quantity", "market_value", "source_line"]]
    keys = np.stack([cols[c].codes[positions] for c in KEY_COLUMNS], axis=1).tolist()
    # Findings depend on the key columns alone but for the row's line, account and amounts:
    # they are worked out once per distinct key and copied for each row that has it.
    memo: dict[tuple[int, ...], list[dict[str, Any]]] = {}
    for key, (account, qty, value, line) in zip(
        map(tuple, keys), extra.itertuples(index=False, name=None), strict=True
    ):
        found = memo.get(key)
        if found is None:
            tup = tuple(cols[c].value(k) for c, k in zip(KEY_COLUMNS, key, strict=True))
            found = _findings_for(tup, file, matcher, evidence, listings, as_of, suppressions)
            memo[key] = found
        for f in found:
            findings.append(
                {
                    **f,
                    "line": int(line),
                    "account": None if pd.isna(account) else (account or None),
                    "quantity": None if pd.isna(qty) else float(qty),
                    "market_value": None if pd.isna(value) else float(value),
                }
            )
    return findings, screened


def screen(
    holdings: str | Path | pd.DataFrame | Sequence[str | Path],
    as_of: date | str | None = None,
    *,
    broker: str | None = None,
    columns: dict[str, str] | None = None,
    suppress: str | Path | None = None,
    listings: Listings | str | Path | None = None,
    online: bool = False,
) -> Report:
    """Screen one or more holdings exports (or a DataFrame) on ``as_of`` (default: today, ET).

    A DataFrame needs only one recognisable column (``ticker``, ``isin``, ``description``…).
    ``online=True`` resolves ISINs, CUSIPs and FIGIs that match nothing offline through
    OpenFIGI (another share line of a listed issuer); without it nothing touches the network.
    """
    with _collector_paused():
        return _screen(holdings, as_of, broker, columns, suppress, listings, online)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Hold off the cyclic garbage collector while one screen runs.

    Reading and matching a large export creates many short-lived containers and next to no
    reference cycles, yet each automatic full collection walks every object in the process
    (a tenth of the whole run on a million rows). Cycles made meanwhile are collected once it
    is back on; it is turned back on only if it was on before.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _screen(
    holdings: str | Path | pd.DataFrame | Sequence[str | Path],
    as_of: date | str | None,
    broker: str | None,
    columns: dict[str, str] | None,
    suppress: str | Path | None,
    listings: Listings | str | Path | None,
    online: bool,
) -> Report:
    from portfolio_guard.holdings import normalize_frame, read_holdings
    from portfolio_guard.report import Report

    loaded = listings if isinstance(listings, Listings) else load_listings(listings)
    day = rules.eastern_trade_date(as_of)
    suppressions = Suppressions(read_suppressions(suppress)) if suppress else None
    sources: list[SourceSummary] = []
    findings: list[dict[str, Any]] = []
    screened = 0
    inputs: Iterable[Any]
    if isinstance(holdings, pd.DataFrame):
        frame = normalize_frame(holdings, columns)
        found, n = screen_frame(frame, "<DataFrame>", loaded, day, suppressions, online)
        findings += found
        screened += n
        sources.append(SourceSummary("<DataFrame>", "dataframe", len(frame), []))
        inputs = ()
    elif isinstance(holdings, (str, Path)):
        inputs = [holdings]
    else:
        inputs = holdings
    for path in inputs:
        # The report does not list check-digit warnings, so the reader need not work them out.
        read = read_holdings(path, broker=broker, columns=columns, check_digits=False)
        found, n = screen_frame(
            read.frame, str(path), loaded, day, suppressions, online, coded=read.coded
        )
        findings += found
        screened += n
        sources.append(
            SourceSummary(
                str(path),
                read.layout,
                read.rows_read,
                [{"line": s.line, "reason": s.reason} for s in read.skipped],
            )
        )
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    findings.sort(key=lambda f: (rank.get(f["status"], 9), f["file"], f["line"]))
    frame_out = pd.DataFrame(findings, columns=list(FINDING_COLUMNS))
    return Report(
        findings=frame_out,
        as_of=day,
        listings_version=loaded.version,
        listings_as_of=loaded.as_of,
        sources=sources,
        rows_screened=screened,
    )
