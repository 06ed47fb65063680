"""The pre-trade check: may this account buy or sell this security on this date?

``Guard`` is built once from one listings dataset and never changes; share it across threads.
Every answer is a ``Decision`` carrying the reason and the rule that decided (rules.md §5-6).
It fails closed: when it cannot decide (no listings, corrupt, empty or stale listings, a match
that needs a person, a request it cannot read) the trade is blocked and the reason says why.

The hot path is one dict look-up: each distinct (security, side, day, purpose, holder) answer is
computed once and remembered. Staleness is re-evaluated as the clock moves, so a long-running
server stops allowing trades when its data ages out even if nobody reloads it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from portfolio_guard import rules
from portfolio_guard.errors import ListingsError
from portfolio_guard.listings import ListedEntity, Listings, load_listings
from portfolio_guard.match import Match, Matcher
from portfolio_guard.trade_request import (
    Fields,
    RequestError,
    SecurityResolver,
    TradeDate,
    parse_trade_date,
    security_fields,
    trade_day,
)

__all__ = ["Decision", "Guard", "RequestError", "parse_trade_date"]

DEFAULT_MAX_AGE_DAYS = 365
ENV_MAX_AGE = "PORTFOLIO_GUARD_MAX_AGE_DAYS"
# Bounds memory when a caller streams millions of distinct requests; refilling is cheap.
_CACHE_LIMIT = 200_000
RULE_FAIL_CLOSED = "portfolio_guard fail-closed policy: block when the answer is not certain"
RULE_BAD_REQUEST = "portfolio_guard: a request that cannot be read is blocked"


SecurityLike = str | Mapping[str, Any]

_now = time.time  # tests move the clock by replacing this
_SIDES = {"buy": rules.Side.BUY, "sell": rules.Side.SELL}

# Blocked before allowed; among blocked, a confirmed prohibition is the most useful answer.
_RANK = {"error": 0, "invalid": 0, "prohibited": 1, "divestment": 2, "review": 3}
_RANK_ALLOWED = {"pending": 4, "divestment": 5, "not_covered": 6, "not_listed": 7}


@dataclass(frozen=True, slots=True)
class Decision:
    """One pre-trade answer.

    ``status``: ``not_listed`` | ``not_covered`` (holder not a U.S. person) | ``pending`` (allowed,
    prohibited from E) | ``divestment`` (allowed only with purpose=divest) | ``prohibited`` |
    ``review`` (a match a person must confirm) | ``invalid`` (the request cannot be read) |
    ``error`` (the listings cannot be used). Only the first four can be ``allowed``.
    """

    allowed: bool
    status: str
    reason: str
    rule: str
    entity: ListedEntity | None = field(default=None, compare=False, repr=False)
    matched_on: str | None = None
    listings_version: str | None = None

    @property
    def entity_uid(self) -> int | None:
        return None if self.entity is None else self.entity.uid

    @property
    def entity_name(self) -> str | None:
        return None if self.entity is None else self.entity.name

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


class Guard:
    """Pre-trade decisions on one listings dataset (or on none, blocking everything).

    ``max_age_days``: block when the listings' as-of date is more than this many days before
    today (``None``: never). ``today`` pins the clock (tests, back-testing): it is then both the
    day staleness is measured on and the default trade date.
    """

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
        self.max_age_days = max_age_days
        self._pinned = today
        self._clock: tuple[date, float] = (date.min, 0.0)
        self._broken = _broken_reason(listings, failure, max_age_days)
        self._fresh_until = date.max
        if self._broken is None and listings is not None and max_age_days is not None:
            assert listings.as_of is not None
            self._fresh_until = listings.as_of + timedelta(days=max_age_days)
        self._resolver = (
            SecurityResolver(Matcher(listings)) if self._broken is None and listings else None
        )
        self._decisions: dict[tuple[Any, ...], Decision] = {}
        self._resolved: dict[str | Fields, tuple[Match, ...] | str] = {}
        self._unlisted_answers: dict[str | Fields, Decision] = {}

    @classmethod
    def load(
        cls,
        path: str | Path | None = None,
        *,
        max_age_days: int | None = None,
        today: date | None = None,
    ) -> Guard:
        """Load the listings; any failure gives a Guard that blocks every trade with the reason.

        ``max_age_days``: ``None`` reads ``$PORTFOLIO_GUARD_MAX_AGE_DAYS`` (default 365); a
        negative value switches the staleness check off.
        """
        if max_age_days is None:
            env = os.environ.get(ENV_MAX_AGE, "").strip()
            try:
                max_age_days = int(env) if env else DEFAULT_MAX_AGE_DAYS
            except ValueError:
                return cls(None, failure=f"${ENV_MAX_AGE}={env!r} is not a whole number of days")
        try:
            listings = load_listings(path)
        except (ListingsError, OSError, ValueError, KeyError, TypeError) as exc:
            # Only ListingsError is expected; the rest means a dataset that passed its
            # checksums but is not what the builder writes. Either way: block, say why.
            return cls(None, failure=str(exc) or type(exc).__name__, today=today)
        return cls(listings, max_age_days=max_age_days if max_age_days >= 0 else None, today=today)

    # -- health --------------------------------------------------------------------------

    def today(self) -> date:
        """Today's US-Eastern trade date (00:01 ET cut-over), or the pinned day."""
        if self._pinned is not None:
            return self._pinned
        now = _now()
        day, until = self._clock
        if now < until:
            return day
        day = rules.eastern_trade_date(datetime.fromtimestamp(now, rules.EASTERN))
        nxt = datetime.combine(day + timedelta(days=1), rules.CUTOVER, tzinfo=rules.EASTERN)
        self._clock = (day, nxt.timestamp())  # one tuple: readers never see half an update
        return day

    @property
    def failure(self) -> str | None:
        """Why every trade is blocked right now, or None when the Guard can decide."""
        if self._broken is not None:
            return self._broken
        today = self.today()
        return None if today <= self._fresh_until else self._stale_reason(today)

    @property
    def healthy(self) -> bool:
        return self.failure is None

    def _stale_reason(self, today: date) -> str:
        assert self.listings is not None and self.listings.as_of is not None
        age = (today - self.listings.as_of).days
        return (
            f"listings {self.version} are as of {self.listings.as_of.isoformat()}, {age} days "
            f"old, over the maximum of {self.max_age_days} days; rebuild from a current OFAC "
            f"file or raise --max-age-days / ${ENV_MAX_AGE}"
        )

    # -- the check -----------------------------------------------------------------------

    def check_trade(
        self,
        security: SecurityLike,
        side: str,
        trade_date: TradeDate = None,
        purpose: str | None = None,
        us_person: bool = True,
    ) -> Decision:
        """Decide one trade. Never raises: a bad request or unusable data blocks, with the reason.

        ``security``: a ticker in any spelling, ISIN, CUSIP, FIGI or company name, or a mapping
        with ``symbol``/``isin``/``cusip``/``figi``/``exchange``/``currency``/``description``.
        ``side``: ``buy`` | ``sell``. ``purpose="divest"``: the trade is made to divest (selling
        a long, buying to cover a short). ``trade_date``: a date, an ISO string, or a datetime
        (aware ones are converted to US Eastern; naive ones are taken as Eastern); default today.
        """
        if self._broken is not None:
            return self._fail(self._broken)
        today = self.today()
        if today > self._fresh_until:
            return self._fail(self._stale_reason(today))
        sec: str | Fields
        try:
            day = trade_day(trade_date, today)
            if type(security) is str:
                sec = security
            elif isinstance(security, str):
                sec = str(security)
            elif isinstance(security, Mapping):
                sec = security_fields(security)
            else:
                raise RequestError(f"security must be text or an object, not {security!r}")
        except RequestError as exc:
            return self._invalid(str(exc))
        if us_person is not True and us_person is not False:
            # Checked before the cache: 1 == True would otherwise share True's entry.
            return self._invalid(f"us_person {us_person!r} must be true or false")
        key = (sec, side, day, purpose, us_person)
        try:
            hit = self._decisions.get(key)
        except TypeError:  # an unhashable side or purpose: refused by _decide
            return self._decide(sec, side, day, purpose, us_person)
        if hit is None:
            hit = self._decide(sec, side, day, purpose, us_person)
            if len(self._decisions) >= _CACHE_LIMIT:
                self._decisions.clear()
            self._decisions[key] = hit
        return hit

    def _fail(self, why: str) -> Decision:
        return Decision(
            False, "error", f"blocked: {why}", RULE_FAIL_CLOSED, None, None, self.version
        )

    def _invalid(self, why: str) -> Decision:
        return Decision(
            False, "invalid", f"blocked: {why}", RULE_BAD_REQUEST, None, None, self.version
        )

    def _decide(
        self, sec: str | Fields, side: Any, day: date, purpose: Any, us_person: Any
    ) -> Decision:
        side_v = _SIDES.get(side) if isinstance(side, str) else None
        if side_v is None:
            side_v = _SIDES.get(side.strip().lower()) if isinstance(side, str) else None
            if side_v is None:
                return self._invalid(f"side {side!r} must be 'buy' or 'sell'")
        if purpose is not None and purpose != "divest":
            return self._invalid(f"purpose {purpose!r} must be 'divest' or absent")
        found = self._resolve(sec)
        if isinstance(found, str):
            return self._invalid(found)
        if not found:
            return self._unlisted(sec)
        ruled = (self._rule(m, side_v, day, purpose, us_person) for m in found)
        answers = [a for a in ruled if a is not None]
        if not answers:
            return Decision(
                True,
                "not_listed",
                f"the names matched are not on the list on {day.isoformat()}",
                rules.RULE_NOT_LISTED,
                None,
                None,
                self.version,
            )
        return min(answers, key=_rank)

    def _rule(
        self, m: Match, side: rules.Side, day: date, purpose: str | None, us_person: bool
    ) -> Decision | None:
        assert self.listings is not None
        entity = self.listings.entities[m.entity_uid]
        dates = rules.ListingDates(
            entity.listing_date, entity.effective_date, entity.divestment_date
        )
        if not dates.listing <= dates.effective <= dates.divestment:
            return Decision(
                False,
                "error",
                f"blocked: the listings give {entity.name} dates out of order (listed "
                f"{dates.listing}, effective {dates.effective}, divestment {dates.divestment})",
                RULE_FAIL_CLOSED,
                entity,
                m.matched_on,
                self.version,
            )
        if m.level == "review" and us_person:
            if rules.window_on(dates, day) is rules.Window.NOT_LISTED:
                return None
            # Match.relation: the name differs from a listed one by GROUP/HOLDING only.
            rule = rules.RULE_NO_50_PERCENT if m.relation else rules.RULE_NAME_ONLY
            return Decision(
                False,
                "review",
                f"blocked for review: {m.reason}",
                rule,
                entity,
                m.matched_on,
                self.version,
            )
        r = rules.rule_trade(dates, entity.name, side, day, purpose, us_person)
        return Decision(
            r.allowed,
            r.status,
            f"{r.reason} [{m.reason}]",
            r.rule,
            entity,
            m.matched_on,
            self.version,
        )

    def _unlisted(self, sec: str | Fields) -> Decision:
        # The same answer whatever the side, date or holder: one object per security.
        hit = self._unlisted_answers.get(sec)
        if hit is None:
            label = sec if isinstance(sec, str) else next(f for f in sec if f)
            hit = Decision(
                True,
                "not_listed",
                f"no NS-CMIC listed issuer matches {label!r}",
                rules.RULE_NOT_LISTED,
                None,
                None,
                self.version,
            )
            if len(self._unlisted_answers) >= _CACHE_LIMIT:
                self._unlisted_answers.clear()
            self._unlisted_answers[sec] = hit
        return hit

    # -- resolving the security ----------------------------------------------------------

    def _resolve(self, sec: str | Fields) -> tuple[Match, ...] | str:
        """The matches for a security (cached), or why it cannot be read."""
        hit = self._resolved.get(sec)
        if hit is None:
            try:
                assert self._resolver is not None
                hit = tuple(self._resolver.resolve(sec))
            except RequestError as exc:
                hit = str(exc)
            if len(self._resolved) >= _CACHE_LIMIT:
                self._resolved.clear()
            self._resolved[sec] = hit
        return hit


def _rank(d: Decision) -> int:
    return _RANK.get(d.status, 0) if not d.allowed else _RANK_ALLOWED.get(d.status, 8)


def _broken_reason(
    listings: Listings | None, failure: str | None, max_age_days: int | None
) -> str | None:
    """Why this Guard can never decide, whatever the date (None: it can)."""
    if listings is None:
        return failure or "no listings dataset loaded"
    if len(listings) == 0:
        return f"listings {listings.version} hold no entities; a shrunken feed is not trusted"
    if max_age_days is not None and listings.as_of is None:
        return (
            f"listings {listings.version} carry no as-of date, so their age is unknown "
            f"(max age {max_age_days} days)"
        )
    return None
