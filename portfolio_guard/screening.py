"""Screen holdings against the listings: the main job.

Each distinct identifier, symbol and description is matched once (a million-row export of
20,000 securities costs 20,000 look-ups, not a million); only rows with evidence in some column
go through the full tiered match. The rules then give each matched holding its status on
the as-of date.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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

    def __init__(self, series: pd.Series) -> None:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        self.codes: np.ndarray = np.asarray(codes)
        self.values: list[str] = [str(u).strip() for u in uniques]

    def text(self, row: int | np.integer[Any]) -> str:
        code = self.codes[row]
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


def _candidate_mask(cols: dict[str, _Column], matcher: Matcher) -> np.ndarray:
    mask = cols["isin"].rows_where(matcher.match_isin)
    mask |= cols["cusip"].rows_where(matcher.match_cusip)
    mask |= cols["figi"].rows_where(matcher.match_figi)
    mask |= cols["description"].rows_where(matcher.match_name)
    sym, exch, cur = cols["symbol"], cols["exchange"], cols["currency"]
    has_symbol = sym.codes >= 0
    if has_symbol.any():
        # One integer per distinct (symbol, exchange, currency) triple.
        width_c = len(cur.values) + 1
        width_e = (len(exch.values) + 1) * width_c
        combined = (
            sym.codes.astype(np.int64) * width_e
            + (exch.codes.astype(np.int64) + 1) * width_c
            + (cur.codes.astype(np.int64) + 1)
        )
        triples, first = np.unique(combined[has_symbol], return_index=True)
        rows = np.flatnonzero(has_symbol)[first]
        hits = [
            key
            for key, row in zip(triples, rows, strict=True)
            if matcher.match_symbol(sym.text(row), exch.text(row) or None, cur.text(row) or None)
        ]
        if hits:
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


def screen_frame(
    frame: pd.DataFrame,
    file: str,
    listings: Listings,
    as_of: date,
    suppressions: Suppressions | None = None,
    online: bool = False,
) -> tuple[list[dict[str, Any]], int]:
    """Findings for one normalised holdings frame, and how many rows were screened."""
    if "asset_type" in frame.columns:
        frame = frame[frame["asset_type"].astype("string").fillna("") != "cash"]
    screened = len(frame)
    if not screened:
        return [], 0
    cols = {c: _Column(frame[c]) for c in KEY_COLUMNS}
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
    memo: dict[tuple[str, ...], list[Match]] = {}
    for pos, (account, qty, value, line) in zip(
        positions, extra.itertuples(index=False, name=None), strict=True
    ):
        tup = tuple(cols[c].text(pos) for c in KEY_COLUMNS)
        matches = memo.get(tup)
        if matches is None:
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
            memo[tup] = matches
        row: dict[str, Any] = dict(zip(KEY_COLUMNS, tup, strict=True))
        row.update(
            file=file,
            account=None if pd.isna(account) else account,
            quantity=None if pd.isna(qty) else float(qty),
            market_value=None if pd.isna(value) else float(value),
            source_line=line,
        )
        for m in matches:
            f = _finding(row, m, listings, as_of, suppressions)
            if f is not None:
                findings.append(f)
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
        read = read_holdings(path, broker=broker, columns=columns)
        found, n = screen_frame(read.frame, str(path), loaded, day, suppressions, online)
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
