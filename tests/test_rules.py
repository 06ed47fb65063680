"""Date rules at every window boundary of the three listing cohorts (rules.md §5-6)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio_guard import rules
from portfolio_guard.rules import ListingDates, Side, Window, eastern_trade_date, rule_trade

COHORTS = {
    "annex": ListingDates(date(2021, 6, 3), date(2021, 8, 2), date(2022, 6, 3)),
    "sensetime": ListingDates(date(2021, 12, 10), date(2022, 2, 8), date(2022, 12, 10)),
    "december": ListingDates(date(2021, 12, 16), date(2022, 2, 14), date(2022, 12, 16)),
}
ONE = timedelta(days=1)


@pytest.mark.parametrize("cohort", sorted(COHORTS))
def test_windows_at_every_boundary(cohort: str) -> None:
    d = COHORTS[cohort]
    assert rules.window_on(d, d.listing - ONE) is Window.NOT_LISTED
    assert rules.window_on(d, d.listing) is Window.PENDING
    assert rules.window_on(d, d.effective - ONE) is Window.PENDING
    assert rules.window_on(d, d.effective) is Window.DIVESTMENT
    assert rules.window_on(d, d.divestment - ONE) is Window.DIVESTMENT
    assert rules.window_on(d, d.divestment) is Window.CLOSED


@pytest.mark.parametrize("cohort", sorted(COHORTS))
@pytest.mark.parametrize("side", [Side.BUY, Side.SELL])
def test_decision_table(cohort: str, side: Side) -> None:
    d = COHORTS[cohort]

    def ruling(day: date, purpose: str | None = None, us: bool = True) -> tuple[bool, str]:
        r = rule_trade(d, "X CORP", side, day, purpose, us)
        return r.allowed, r.status

    assert ruling(d.listing - ONE) == (True, "not_listed")
    assert ruling(d.listing) == (True, "pending")
    assert ruling(d.effective - ONE) == (True, "pending")
    assert ruling(d.effective) == (False, "divestment")
    assert ruling(d.effective, "divest") == (True, "divestment")
    assert ruling(d.divestment - ONE, "divest") == (True, "divestment")
    assert ruling(d.divestment - ONE) == (False, "divestment")
    assert ruling(d.divestment, "divest") == (False, "prohibited")
    assert ruling(d.divestment) == (False, "prohibited")
    for day in (d.listing - ONE, d.effective, d.divestment, date(2026, 11, 29)):
        assert ruling(day, us=False) == (True, "not_covered")


def test_reason_carries_dates_and_rule() -> None:
    d = COHORTS["annex"]
    r = rule_trade(d, "HANGZHOU HIKVISION", Side.BUY, date(2026, 1, 5))
    assert "divestment window closed 2022-06-03 00:01 ET" in r.reason
    assert "FAQ 1046" in r.rule
    r = rule_trade(d, "HANGZHOU HIKVISION", Side.SELL, date(2022, 6, 2), "divest")
    assert "last trade date 2022-06-02" in r.reason


def test_hong_kong_morning_is_previous_eastern_day() -> None:
    # 09:30 HKT on 2021-08-02 is 21:30 EDT on 2021-08-01: still before the effective date.
    hkt = datetime(2021, 8, 2, 9, 30, tzinfo=ZoneInfo("Asia/Hong_Kong"))
    assert eastern_trade_date(hkt) == date(2021, 8, 1)
    assert rules.window_on(COHORTS["annex"], eastern_trade_date(hkt)) is Window.PENDING


def test_cutover_is_one_minute_past_midnight() -> None:
    assert eastern_trade_date(datetime(2021, 8, 2, 0, 0, 30)) == date(2021, 8, 1)
    assert eastern_trade_date(datetime(2021, 8, 2, 0, 1, 0)) == date(2021, 8, 2)
    # EST in winter: 05:00:30 UTC is 00:00:30 EST.
    utc = datetime(2022, 12, 16, 5, 0, 30, tzinfo=UTC)
    assert eastern_trade_date(utc) == date(2022, 12, 15)
    assert eastern_trade_date("2022-12-16T05:01:00+00:00") == date(2022, 12, 16)
    assert eastern_trade_date("2022-12-16") == date(2022, 12, 16)


@given(st.datetimes(timezones=st.timezones()))
def test_eastern_date_is_within_a_day_of_utc(moment: datetime) -> None:
    day = eastern_trade_date(moment)
    utc_day = moment.astimezone(UTC).date()
    assert utc_day - timedelta(days=1) <= day <= utc_day


def test_holding_status() -> None:
    d = COHORTS["december"]
    assert rules.holding_status(d, date(2021, 12, 15)) is None
    assert rules.holding_status(d, date(2021, 12, 16)) == "pending"
    assert rules.holding_status(d, date(2022, 2, 14)) == "divestment"
    assert rules.holding_status(d, date(2022, 12, 16)) == "prohibited"
