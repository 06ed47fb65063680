"""NS-CMIC date rules: which window a trade date falls in, and what that allows.

Source: ``shared/docs/rules.md`` §5-6 (E.O. 14032; OFAC FAQs 857, 1046-1048). For a listing
date L the order takes effect at 12:01 a.m. US Eastern on E = L + 60 days, and purchases or
sales made solely to divest are allowed until 12:01 a.m. Eastern on X = L + 365 days, so the
last divestment trade date is X - 1. Dates are trade dates in America/New_York; a timestamp
before 00:01 ET on E or X still belongs to the day before.

Windows by Eastern trade date d:
    not_listed  d < L                    no restriction from this list
    pending     L <= d < E               allowed; prohibited from E
    divestment  E <= d < X               only trades made to divest
    closed      d >= X                   every purchase and sale prohibited (holding is allowed)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

EASTERN = ZoneInfo("America/New_York")
CUTOVER = time(0, 1)


class Window(StrEnum):
    NOT_LISTED = "not_listed"
    PENDING = "pending"
    DIVESTMENT = "divestment"
    CLOSED = "closed"


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


# Rule citations carried on every answer.
RULE_PENDING = (
    "E.O. 14032 §1(a); OFAC FAQ 857: prohibition starts 12:01 a.m. ET on the effective date"
)
RULE_DIVESTMENT = (
    "E.O. 14032 §1(b); OFAC FAQ 865/904: divestment-only window until 12:01 a.m. ET on X"
)
RULE_CLOSED = "E.O. 14032 §1; OFAC FAQ 1046/1048: purchases and sales prohibited, holding allowed"
RULE_NON_US = "E.O. 14032 applies to U.S. persons only; OFAC FAQ 1048/863"
RULE_NOT_LISTED = "not on the NS-CMIC list on the trade date"
RULE_NO_50_PERCENT = "OFAC FAQ 857: only listed entities are covered (no 50 Percent Rule)"
RULE_NAME_ONLY = "OFAC FAQ 899: name-only or near matches need review"


@dataclass(frozen=True, slots=True)
class ListingDates:
    listing: date
    effective: date
    divestment: date


def eastern_trade_date(when: date | datetime | str | None, today: date | None = None) -> date:
    """The US-Eastern trade date that decides the window.

    A naive datetime is taken as Eastern already; an aware one is converted. A time before
    00:01 ET counts for the previous day, because each window opens at 12:01 a.m. ET.
    ``None`` means now. Strings are ISO dates or datetimes.
    """
    if when is None:
        when = datetime.now(EASTERN)
    if isinstance(when, str):
        text = when.strip()
        try:
            when = date.fromisoformat(text)  # also the basic form, 20220602
        except ValueError:
            when = datetime.fromisoformat(text)
    if isinstance(when, datetime):
        local = when.astimezone(EASTERN) if when.tzinfo is not None else when
        day = local.date()
        if local.time() < CUTOVER:
            day -= timedelta(days=1)
        return day
    return when


def window_on(dates: ListingDates, day: date, removed: date | None = None) -> Window:
    """The window ``day`` (an Eastern trade date) falls in."""
    if day < dates.listing or (removed is not None and day >= removed):
        return Window.NOT_LISTED
    if day < dates.effective:
        return Window.PENDING
    if day < dates.divestment:
        return Window.DIVESTMENT
    return Window.CLOSED


@dataclass(frozen=True, slots=True)
class TradeRuling:
    """What the rules say about one trade once the issuer is known to be listed."""

    allowed: bool
    status: str
    reason: str
    rule: str


def rule_trade(
    dates: ListingDates,
    name: str,
    side: Side,
    day: date,
    purpose: str | None = None,
    us_person: bool = True,
) -> TradeRuling:
    """Apply the decision table of ``rules.md`` §6 to a trade in a listed issuer's security."""
    if not us_person:
        return TradeRuling(
            True, "not_covered", f"NS-CMIC: {name}; holder is not a U.S. person", RULE_NON_US
        )
    win = window_on(dates, day)
    e, x = dates.effective.isoformat(), dates.divestment.isoformat()
    if win is Window.NOT_LISTED:
        return TradeRuling(
            True,
            "not_listed",
            f"{name} is listed from {dates.listing.isoformat()}; "
            f"not yet on the list on {day.isoformat()}",
            RULE_NOT_LISTED,
        )
    if win is Window.PENDING:
        return TradeRuling(
            True,
            "pending",
            f"NS-CMIC: {name}; listed {dates.listing.isoformat()}, purchases and sales "
            f"prohibited from {e} 00:01 ET",
            RULE_PENDING,
        )
    if win is Window.DIVESTMENT:
        if purpose == "divest":
            return TradeRuling(
                True,
                "divestment",
                f"NS-CMIC: {name}; {side.value} to divest allowed until {x} 00:01 ET "
                f"(last trade date {(dates.divestment - timedelta(days=1)).isoformat()})",
                RULE_DIVESTMENT,
            )
        return TradeRuling(
            False,
            "divestment",
            f"NS-CMIC: {name}; prohibited since {e} 00:01 ET; only trades made to divest "
            f"(purpose=divest) are allowed until {x} 00:01 ET",
            RULE_DIVESTMENT,
        )
    return TradeRuling(
        False,
        "prohibited",
        f"PROHIBITED — NS-CMIC: {name}; divestment window closed {x} 00:01 ET; "
        "holding is allowed, buying and selling are not",
        RULE_CLOSED,
    )


def holding_status(dates: ListingDates, day: date) -> str | None:
    """Screening status of a held security of a listed issuer on ``day`` (None: not yet listed)."""
    win = window_on(dates, day)
    return {
        Window.NOT_LISTED: None,
        Window.PENDING: "pending",
        Window.DIVESTMENT: "divestment",
        Window.CLOSED: "prohibited",
    }[win]
