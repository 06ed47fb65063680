"""The pre-trade check: may this account buy or sell this security on this date?

``Guard`` is loaded once and is immutable; share it across threads. Every answer is a
``Decision`` carrying the reason and the rule that decided. It fails closed: when it cannot
decide (no listings, corrupt or stale listings, a match that needs a person, an unreadable
security) the trade is blocked and the reason says why.

The hot path is dict look-ups: the match for each distinct security is computed once and
remembered, and each (entities, window, side, purpose) ruling is built once.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from portfolio_guard import rules
from portfolio_guard.errors import ListingsError, PortfolioGuardError
from portfolio_guard.listings import ListedEntity, Listings, load_listings
from portfolio_guard.match import Match, Matcher

DEFAULT_MAX_AGE_DAYS = 365
ENV_MAX_AGE = "PORTFOLIO_GUARD_MAX_AGE_DAYS"
_CACHE_LIMIT = 200_000
RULE_FAIL_CLOSED = "portfolio_guard fail-closed policy: block when the answer is not certain"

SecurityLike = str | Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    # not_listed | not_covered | pending | divestment | prohibited | review | error
    status: str
    reason: str
    entity_uid: int | None
    entity_name: str | None
    rule: str
    matched_on: str | None = None
    listings_version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "status": self.status,
            "reason": self.reason,
            "entity_uid": self.entity_uid,
            "entity_name": self.entity_name,
            "rule": self.rule,
            "matched_on": self.matched_on,
            "listings_version": self.listings_version,
        }


def _side(value: str) -> rules.Side:
    try:
        return rules.Side(value.strip().lower())
    except (ValueError, AttributeError):
        raise PortfolioGuardError(f"side {value!r} must be 'buy' or 'sell'") from None


def _security_fields(security: SecurityLike) -> tuple[str | None, ...]:
    if isinstance(security, str):
        return (security.strip() or None, None, None, None, None, None, None)
    get = security.get
    symbol = get("symbol") or get("ticker") or get("security")
    return tuple(
        (str(v).strip() or None) if v is not None else None
        for v in (
            symbol,
            get("isin"),
            get("cusip"),
            get("figi"),
            get("exchange"),
            get("currency"),
            get("description"),
        )
    )


class Guard:
    """Pre-trade decisions on one listings dataset (or on none, blocking everything)."""

    def __init__(
        self,
        listings: Listings | None,
        *,
        max_age_days: int | None = DEFAULT_MAX_AGE_DAYS,
        failure: str | None = None,
        today: date | None = None,
    ) -> None:
        self.listings = listings
        self.version = listings.version if listings is not None else None
        self._matcher = Matcher(listings) if listings is not None else None
        self._failure = failure if listings is None else None
        if self._failure is None and listings is not None and max_age_days is not None:
            self._failure = _staleness(listings, max_age_days, today)
        if listings is None and self._failure is None:
            self._failure = "no listings dataset loaded"
        self._matches: dict[
            tuple[str | None, ...], tuple[tuple[Match, ...], tuple[rules.ListingDates, ...]]
        ] = {}
        self._rulings: dict[tuple[Any, ...], Decision] = {}
        self._lock = threading.Lock()

    @classmethod
    def load(
        cls,
        path: str | Path | None = None,
        *,
        max_age_days: int | None = None,
        today: date | None = None,
    ) -> Guard:
        """Load the listings; a failure gives a Guard that blocks every trade with the reason."""
        if max_age_days is None:
            env = os.environ.get(ENV_MAX_AGE)
            max_age_days = int(env) if env else DEFAULT_MAX_AGE_DAYS
        try:
            listings = load_listings(path)
        except ListingsError as exc:
            return cls(None, failure=str(exc))
        # A negative maximum age switches the staleness check off.
        return cls(listings, max_age_days=max_age_days if max_age_days >= 0 else None, today=today)

    @property
    def healthy(self) -> bool:
        return self._failure is None

    @property
    def failure(self) -> str | None:
        return self._failure

    def check_trade(
        self,
        security: SecurityLike,
        side: str,
        trade_date: date | datetime | str | None = None,
        purpose: str | None = None,
        us_person: bool = True,
    ) -> Decision:
        """Decide one trade. Never raises for a bad security or a data problem: it blocks."""
        if self._failure is not None:
            return Decision(
                False,
                "error",
                f"blocked: {self._failure}",
                None,
                None,
                RULE_FAIL_CLOSED,
                None,
                self.version,
            )
        try:
            side_v = _side(side)
            day = rules.eastern_trade_date(trade_date)
        except (PortfolioGuardError, ValueError, TypeError) as exc:
            return Decision(
                False, "error", f"blocked: {exc}", None, None, RULE_FAIL_CLOSED, None, self.version
            )
        if purpose is not None and purpose not in ("divest",):
            return Decision(
                False,
                "error",
                f"blocked: purpose {purpose!r} is not 'divest'",
                None,
                None,
                RULE_FAIL_CLOSED,
                None,
                self.version,
            )
        fields = _security_fields(security)
        matches = self._match(fields)
        if matches is None:
            return Decision(
                False,
                "error",
                "blocked: no security given (symbol, ISIN, CUSIP, FIGI or description)",
                None,
                None,
                RULE_FAIL_CLOSED,
                None,
                self.version,
            )
        if not matches:
            label = next((f for f in fields if f), "")
            return Decision(
                True,
                "not_listed",
                f"no NS-CMIC listed issuer matches {label!r}",
                None,
                None,
                rules.RULE_NOT_LISTED,
                None,
                self.version,
            )
        return self._rule(fields, matches, side_v, day, purpose, us_person)

    def _match(self, fields: tuple[str | None, ...]) -> tuple[Match, ...] | None:
        cached = self._matches.get(fields)
        if cached is not None:
            return cached[0]
        symbol, isin, cusip, figi, exchange, currency, description = fields
        if not any((symbol, isin, cusip, figi, description)):
            return None
        assert self._matcher is not None
        found = tuple(
            self._matcher.match_security(symbol, isin, cusip, figi, exchange, currency, description)
        )
        assert self.listings is not None
        dates = tuple(_dates(self.listings.entities[m.entity_uid]) for m in found)
        with self._lock:
            if len(self._matches) >= _CACHE_LIMIT:
                self._matches.clear()
            self._matches[fields] = (found, dates)
        return found

    def _rule(
        self,
        fields: tuple[str | None, ...],
        matches: tuple[Match, ...],
        side: rules.Side,
        day: date,
        purpose: str | None,
        us_person: bool,
    ) -> Decision:
        entry = self._matches.get(fields)
        dates = (
            entry[1]
            if entry is not None
            else tuple(
                _dates(self.listings.entities[m.entity_uid])  # type: ignore[union-attr]
                for m in matches
            )
        )
        windows = tuple(rules.window_on(d, day) for d in dates)
        key = (fields, windows, side, purpose, us_person)
        cached = self._rulings.get(key)
        if cached is not None:
            return cached
        decision = self._decide(matches, side, day, purpose, us_person)
        with self._lock:
            if len(self._rulings) >= _CACHE_LIMIT:
                self._rulings.clear()
            self._rulings[key] = decision
        return decision

    def _decide(
        self,
        matches: tuple[Match, ...],
        side: rules.Side,
        day: date,
        purpose: str | None,
        us_person: bool,
    ) -> Decision:
        # Strictest answer wins: a blocked ruling on any matched entity blocks the trade.
        worst: Decision | None = None
        for m in matches:
            entity = self.listings.entities[m.entity_uid]  # type: ignore[union-attr]
            dates = _dates(entity)
            if m.level == "review" and us_person:
                if rules.window_on(dates, day) is rules.Window.NOT_LISTED:
                    continue
                d = Decision(
                    False,
                    "review",
                    f"blocked for review: {m.reason}",
                    entity.uid,
                    entity.name,
                    rules.RULE_NAME_ONLY,
                    m.matched_on,
                    self.version,
                )
            else:
                r = rules.rule_trade(dates, entity.name, side, day, purpose, us_person)
                d = Decision(
                    r.allowed,
                    r.status,
                    f"{r.reason} [{m.reason}]",
                    entity.uid,
                    entity.name,
                    r.rule,
                    m.matched_on,
                    self.version,
                )
            if worst is None or (worst.allowed and not d.allowed):
                worst = d
        if worst is None:
            return Decision(
                True,
                "not_listed",
                f"matched names are not on the list on {day.isoformat()}",
                None,
                None,
                rules.RULE_NOT_LISTED,
                None,
                self.version,
            )
        return worst


def _dates(entity: ListedEntity) -> rules.ListingDates:
    return rules.ListingDates(entity.listing_date, entity.effective_date, entity.divestment_date)


def _staleness(listings: Listings, max_age_days: int, today: date | None) -> str | None:
    as_of = listings.as_of
    if as_of is None:
        return (
            f"listings {listings.version} carry no as-of date, so their age is unknown "
            f"(max age {max_age_days} days)"
        )
    now = today or rules.eastern_trade_date(None)
    age = (now - as_of).days
    if age > max_age_days:
        return (
            f"listings {listings.version} are as of {as_of.isoformat()}, {age} days old, "
            f"older than the maximum of {max_age_days} days; rebuild from a current OFAC file "
            f"or raise --max-age-days / ${ENV_MAX_AGE}"
        )
    return None
