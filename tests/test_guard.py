"""The pre-trade Guard: window boundaries per cohort, identifier spellings, holders, fail-closed.

Every Guard here pins ``today`` (the shipped listings, as of 2026-01-08 when written, go stale
after 365 days), so these tests give the same answers whenever they run.
"""

from __future__ import annotations

import json
import shutil
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio_guard import guard as guard_module
from portfolio_guard.guard import Decision, Guard
from portfolio_guard.listings import Listings, load_listings, sha256_bytes

TODAY = date(2026, 1, 10)
ONE = timedelta(days=1)
EASTERN = ZoneInfo("America/New_York")

CHINA_MOBILE, HIKVISION, DAWNING, SENSETIME = 30923, 30946, 33113, 33114
# cohort: (listing L, effective E, divestment X, a security of that cohort, its entity)
COHORTS = {
    "annex": (date(2021, 6, 3), date(2021, 8, 2), date(2022, 6, 3), "941 HK", CHINA_MOBILE),
    "sensetime": (date(2021, 12, 10), date(2022, 2, 8), date(2022, 12, 10), "0020 HK", SENSETIME),
    "december": (date(2021, 12, 16), date(2022, 2, 14), date(2022, 12, 16), "603019 CN", DAWNING),
}


@pytest.fixture(scope="module")
def guard(listings: Listings) -> Guard:
    return Guard(listings, today=TODAY)


def status(d: Decision) -> tuple[bool, str]:
    return d.allowed, d.status


# -- windows ------------------------------------------------------------------------------


@pytest.mark.parametrize("cohort", sorted(COHORTS))
def test_cohort_dates_are_the_published_ones(listings: Listings, cohort: str) -> None:
    lst, eff, div, _, uid = COHORTS[cohort]
    entity = listings.entities[uid]
    assert (entity.listing_date, entity.effective_date, entity.divestment_date) == (lst, eff, div)


SPELLINGS: dict[int, list[str | dict[str, str]]] = {
    CHINA_MOBILE: [
        "941 HK",
        "0941.HK",
        "941 HK Equity",
        "HK:941",
        "SEHK:941",
        "941:xhkg",
        "CHL",
        "CHL US",
        "US16941M1099",
        "us16941m1099",
        "ISIN: US16941M1099",
        "16941M109",
        "China Mobile Limited",
        {"symbol": "941", "exchange": "SEHK"},
        {"ticker": "941", "currency": "HKD"},
        {"isin": "US16941M1099"},
        {"cusip": "16941M109"},
        {"symbol": "CHL", "description": "CHINA MOBILE LTD SPONSORED ADR"},
    ],
    HIKVISION: [
        "002415 CN",
        "002415.SZ",
        "002415 CH",
        "CN:002415",
        "CNE100000PM8",
        "Hikvision",
        {"description": "Hangzhou Hikvision Digital Technology Co Ltd"},
    ],
    SENSETIME: [
        "0020 HK",
        "0020.HK",
        "20 HK",
        "80020.HK",
        "SNTMF",
        "KYG8062L1041",
        "SenseTime Group Inc.",
    ],
    DAWNING: [
        "603019 CN",
        "603019.SS",
        "SHA:603019",
        "CNE100001TW7",
        {"name": "Sugon Information Industry Co Ltd"},
    ],
}


COHORT_OF = {CHINA_MOBILE: "annex", HIKVISION: "annex", SENSETIME: "sensetime", DAWNING: "december"}


@pytest.mark.parametrize(
    ("uid", "security"),
    [(uid, s) for uid, spellings in SPELLINGS.items() for s in spellings],
    ids=lambda v: str(v),
)
@pytest.mark.parametrize("side", ["buy", "sell"])
def test_every_window_boundary_for_every_spelling(
    guard: Guard, uid: int, security: str | dict[str, str], side: str
) -> None:
    lst, eff, div, _, _ = COHORTS[COHORT_OF[uid]]

    def check(day: date, purpose: str | None = None) -> tuple[bool, str]:
        d = guard.check_trade(security, side, day, purpose)
        if d.status != "not_listed":
            assert d.entity_uid == uid
        return status(d)

    for purpose in (None, "divest"):
        assert check(lst - ONE, purpose) == (True, "not_listed")
        assert check(lst, purpose) == (True, "pending")
        assert check(eff - ONE, purpose) == (True, "pending")
        assert check(div, purpose) == (False, "prohibited")
        assert check(TODAY, purpose) == (False, "prohibited")
    assert check(eff) == (False, "divestment")
    assert check(div - ONE) == (False, "divestment")
    assert check(eff, "divest") == (True, "divestment")
    assert check(div - ONE, "divest") == (True, "divestment")


@pytest.mark.parametrize("cohort", sorted(COHORTS))
def test_cutover_is_one_minute_past_midnight_eastern(guard: Guard, cohort: str) -> None:
    _, eff, div, security, _ = COHORTS[cohort]

    def at(day: date, hh: int, mm: int, ss: int = 0, purpose: str | None = None) -> str:
        when = datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=EASTERN)
        return guard.check_trade(security, "sell", when, purpose).status

    assert at(eff, 0, 0, 59) == "pending"
    assert at(eff, 0, 1) == "divestment"
    assert at(div, 0, 0, 59, "divest") == "divestment"
    assert at(div, 0, 1, 0, "divest") == "prohibited"


def test_aware_datetimes_are_converted_to_eastern(guard: Guard) -> None:
    # 09:30 HKT on E is 21:30 EDT the day before: still pending (rules.md §5).
    hk = datetime(2021, 8, 2, 9, 30, tzinfo=ZoneInfo("Asia/Hong_Kong"))
    assert guard.check_trade("941 HK", "buy", hk).status == "pending"
    assert guard.check_trade("941 HK", "buy", hk + timedelta(hours=15)).status == "divestment"
    # SenseTime's E falls in winter: 00:01 EST is 05:01 UTC.
    assert guard.check_trade("0020 HK", "buy", datetime(2022, 2, 8, 5, 0, tzinfo=UTC)).allowed
    assert not guard.check_trade("0020 HK", "buy", datetime(2022, 2, 8, 5, 1, tzinfo=UTC)).allowed
    assert guard.check_trade("0020 HK", "buy", "2022-02-08T05:00:30Z").status == "pending"
    assert guard.check_trade("0020 HK", "buy", "2022-02-08T00:01:00").status == "divestment"


def test_a_date_without_a_time_is_that_trade_date(guard: Guard) -> None:
    # 2022-06-02 is the last divestment trade date of the Annex cohort, in any ISO spelling.
    for text in ("2022-06-02", "20220602", "2022-W22-4", " 2022-06-02 "):
        assert status(guard.check_trade("941 HK", "sell", text, "divest")) == (True, "divestment")
    # A time of day before 00:01 ET belongs to the day before.
    assert guard.check_trade("941 HK", "buy", "2021-08-02T00:00").status == "pending"
    assert guard.check_trade("941 HK", "buy", datetime(2021, 8, 2, 0, 1)).status == "divestment"


def test_no_trade_date_means_today(guard: Guard) -> None:
    assert status(guard.check_trade("941 HK", "sell", purpose="divest")) == (False, "prohibited")
    early = Guard(guard.listings, today=date(2021, 7, 1))
    assert status(early.check_trade("941 HK", "buy")) == (True, "pending")


def test_reason_names_issuer_rule_and_dates(guard: Guard) -> None:
    d = guard.check_trade("002415 CN", "sell", date(2023, 1, 3))
    assert d.reason.startswith("PROHIBITED — NS-CMIC: HANGZHOU HIKVISION DIGITAL TECHNOLOGY")
    assert "2022-06-03 00:01 ET" in d.reason
    assert "FAQ 1046/1048" in d.rule
    assert d.entity is not None and d.entity.uid == HIKVISION
    assert d.listings_version == guard.version
    assert d.to_dict()["entity_name"] == d.entity.name
    pending = guard.check_trade("002415 CN", "buy", date(2021, 7, 1))
    assert "prohibited from 2021-08-02 00:01 ET" in pending.reason
    assert "FAQ 857" in pending.rule
    assert "FAQ 865/904" in guard.check_trade("941 HK", "sell", date(2022, 1, 3), "divest").rule


# -- identifier spellings -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("uid", "security"),
    [(uid, s) for uid, spellings in SPELLINGS.items() for s in spellings],
    ids=lambda v: str(v),
)
def test_each_spelling_resolves_to_the_listed_issuer(
    guard: Guard, uid: int, security: str | dict[str, str]
) -> None:
    d = guard.check_trade(security, "buy", date(2023, 1, 3))
    assert (d.allowed, d.status, d.entity_uid) == (False, "prohibited", uid), d.reason


def test_bare_code_without_a_market_is_blocked(guard: Guard) -> None:
    # "00941" could be any market's 941: prohibited or sent to review, never allowed.
    d = guard.check_trade("00941", "buy", date(2023, 1, 3))
    assert (d.allowed, d.entity_uid) == (False, CHINA_MOBILE)
    assert d.status in ("prohibited", "review")


@pytest.mark.parametrize(
    ("security", "uid"),
    [
        ("SZ:002415", 30946),
        ("SH:603019", 33113),
        ("HK.00941", 30923),
        ("SZ.002415", 30946),
        ("002415.SHE", 30946),
        ("US.CHL", 30923),
    ],
)
def test_market_prefixed_spellings_resolve(guard: Guard, security: str, uid: int) -> None:
    # Futu-style prefixes and SH:/SZ: (not St Helena / Eswatini) name the listed line.
    for spelled in (security, {"symbol": security}):
        d = guard.check_trade(spelled, "buy", date(2023, 1, 3))
        assert (d.allowed, d.status, d.entity_uid) == (False, "prohibited", uid), d.reason


def test_listed_code_in_an_unread_spelling_is_never_allowed(guard: Guard) -> None:
    # A spelling the parser does not know must not come back "not listed".
    for spelled in ("SZ002415", {"symbol": "SZ002415"}):
        d = guard.check_trade(spelled, "buy", date(2023, 1, 3))
        assert not d.allowed and d.status in ("review", "invalid"), d.reason


def test_ofac_isin_with_a_bad_check_digit_still_matches(guard: Guard) -> None:
    # OFAC prints CND10002K094 (check digit 4, should be 7) for a listed issuer's bond.
    d = guard.check_trade("CND10002K094", "buy", date(2023, 1, 3))
    assert (d.status, d.matched_on) == ("prohibited", "isin")


@pytest.mark.parametrize("security", ["AAPL", "MSFT US", "0700.HK", "US0378331005", "Apple Inc"])
def test_unlisted_securities_are_allowed(guard: Guard, security: str) -> None:
    d = guard.check_trade(security, "buy", date(2023, 1, 3))
    assert status(d) == (True, "not_listed")
    assert d.entity is None


# -- holders ------------------------------------------------------------------------------


@pytest.mark.parametrize("cohort", sorted(COHORTS))
@pytest.mark.parametrize("side", ["buy", "sell"])
def test_non_us_persons_are_not_covered_in_any_window(guard: Guard, cohort: str, side: str) -> None:
    lst, eff, div, security, uid = COHORTS[cohort]
    for day in (lst - ONE, lst, eff - ONE, eff, div - ONE, div, TODAY):
        d = guard.check_trade(security, side, day, us_person=False)
        assert status(d) == (True, "not_covered"), day
        assert d.entity_uid == uid and "not a U.S. person" in d.reason
        assert "FAQ 1048" in d.rule


def test_non_us_person_with_a_review_match_is_not_covered(guard: Guard) -> None:
    security = {"symbol": "941 HK", "description": "Apple Inc"}
    assert guard.check_trade(security, "buy", TODAY).status == "review"
    assert status(guard.check_trade(security, "buy", TODAY, us_person=False)) == (
        True,
        "not_covered",
    )


# -- fail closed --------------------------------------------------------------------------


def test_review_level_match_is_blocked_with_the_reason(guard: Guard) -> None:
    # The ticker is China Mobile's, but the description names another company.
    d = guard.check_trade({"symbol": "941 HK", "description": "Apple Inc"}, "buy", TODAY)
    assert (d.allowed, d.status, d.entity_uid) == (False, "review", CHINA_MOBILE)
    assert "does not name CHINA MOBILE LIMITED" in d.reason and "FAQ 899" in d.rule
    # Even a sale to divest, in the window, waits for a person.
    in_window = guard.check_trade(
        {"symbol": "941 HK", "description": "Apple Inc"}, "sell", date(2022, 1, 3), "divest"
    )
    assert status(in_window) == (False, "review")
    # Before the listing date there is nothing to review.
    before = guard.check_trade(
        {"symbol": "941 HK", "description": "Apple Inc"}, "buy", "2021-01-04"
    )
    assert status(before) == (True, "not_listed")


def test_parent_or_subsidiary_name_is_review_under_faq_857(guard: Guard) -> None:
    d = guard.check_trade("Hangzhou Hikvision Digital Technology Group", "buy", TODAY)
    assert (d.allowed, d.status) == (False, "review")
    assert "FAQ 857" in d.rule


def test_missing_listings_block_every_trade(tmp_path: Path) -> None:
    g = Guard.load(tmp_path / "nowhere", today=TODAY)
    d = g.check_trade("AAPL", "buy", TODAY)
    assert (d.allowed, d.status) == (False, "error")
    assert "no listings dataset here" in d.reason
    assert not g.healthy and g.failure is not None
    assert status(g.check_trade("941 HK", "buy", TODAY, us_person=False)) == (False, "error")


@pytest.mark.parametrize("victim", ["entities.json", "securities.csv"])
def test_missing_file_blocks(listings_copy: Path, victim: str) -> None:
    (listings_copy / victim).unlink()
    d = Guard.load(listings_copy, today=TODAY).check_trade("AAPL", "buy")
    assert (d.allowed, d.status) == (False, "error")
    assert victim in d.reason and "missing" in d.reason


@pytest.mark.parametrize("victim", ["entities.json", "securities.csv"])
def test_corrupt_file_blocks(listings_copy: Path, victim: str) -> None:
    path = listings_copy / victim
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    d = Guard.load(listings_copy, today=TODAY).check_trade("AAPL", "buy")
    assert (d.allowed, d.status) == (False, "error")
    assert "SHA-256" in d.reason and victim in d.reason


def test_unreadable_manifest_blocks(listings_copy: Path) -> None:
    (listings_copy / "manifest.json").write_text('{"version": ', encoding="utf-8")
    d = Guard.load(listings_copy, today=TODAY).check_trade("AAPL", "buy")
    assert (d.allowed, d.status) == (False, "error")
    assert "not a readable manifest" in d.reason


def _rewrite(folder: Path, entities: list[object], manifest_changes: dict[str, object]) -> None:
    """Write entities.json and a manifest whose checksum matches it (a 'valid' odd build)."""
    data = json.dumps(entities).encode("utf-8")
    (folder / "entities.json").write_bytes(data)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"]["entities.json"] = sha256_bytes(data)
    manifest.update(manifest_changes)
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_structurally_wrong_entities_block_even_with_good_checksums(listings_copy: Path) -> None:
    entities = json.loads((listings_copy / "entities.json").read_text(encoding="utf-8"))
    del entities[0]["listing_date"]
    _rewrite(listings_copy, entities, {})
    d = Guard.load(listings_copy, today=TODAY).check_trade("AAPL", "buy")
    assert (d.allowed, d.status) == (False, "error")


def test_empty_listings_block(listings_copy: Path) -> None:
    (listings_copy / "securities.csv").write_text(
        (listings_copy / "securities.csv").read_text(encoding="utf-8").splitlines()[0] + "\n",
        encoding="utf-8",
    )
    manifest = json.loads((listings_copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"]["securities.csv"] = sha256_bytes(
        (listings_copy / "securities.csv").read_bytes()
    )
    (listings_copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    _rewrite(listings_copy, [], {})
    d = Guard.load(listings_copy, today=TODAY).check_trade("AAPL", "buy")
    assert (d.allowed, d.status) == (False, "error")
    assert "no entities" in d.reason


def test_listings_without_as_of_block_unless_age_is_unchecked(listings_copy: Path) -> None:
    entities = json.loads((listings_copy / "entities.json").read_text(encoding="utf-8"))
    _rewrite(listings_copy, entities, {"as_of": None})
    d = Guard.load(listings_copy, today=TODAY).check_trade("AAPL", "buy")
    assert (d.allowed, d.status) == (False, "error") and "age is unknown" in d.reason
    unchecked = Guard.load(listings_copy, max_age_days=-1, today=TODAY)
    assert unchecked.check_trade("AAPL", "buy").allowed


def test_stale_listings_block_at_the_configured_age(listings: Listings) -> None:
    as_of = listings.as_of
    assert as_of is not None
    last_good = as_of + timedelta(days=365)
    assert Guard(listings, today=last_good).check_trade("AAPL", "buy").allowed
    stale = Guard(listings, today=last_good + ONE).check_trade("AAPL", "buy")
    assert (stale.allowed, stale.status) == (False, "error")
    assert "366 days old" in stale.reason and "maximum of 365 days" in stale.reason
    assert not Guard(listings, max_age_days=1, today=as_of + 2 * ONE).healthy
    assert Guard(listings, max_age_days=None, today=date(2030, 1, 1)).healthy


def test_max_age_from_the_environment(listings: Listings, monkeypatch: pytest.MonkeyPatch) -> None:
    assert listings.as_of is not None
    monkeypatch.setenv("PORTFOLIO_GUARD_MAX_AGE_DAYS", "1")
    assert Guard.load(today=listings.as_of + ONE).healthy
    assert not Guard.load(today=listings.as_of + 2 * ONE).healthy
    monkeypatch.setenv("PORTFOLIO_GUARD_MAX_AGE_DAYS", "-1")
    assert Guard.load(today=date(2031, 1, 1)).healthy
    monkeypatch.setenv("PORTFOLIO_GUARD_MAX_AGE_DAYS", "a year")
    g = Guard.load(today=TODAY)
    assert not g.healthy and "not a whole number" in str(g.failure)


def test_staleness_follows_the_clock_without_a_reload(
    listings: Listings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def at(day: date) -> float:
        return datetime(day.year, day.month, day.day, 12, tzinfo=EASTERN).timestamp()

    monkeypatch.setattr(guard_module, "_now", lambda: at(date(2026, 6, 1)))
    g = Guard(listings)  # a long-running server's Guard, clock not pinned
    assert g.check_trade("AAPL", "buy").allowed
    assert g.today() == date(2026, 6, 1)
    monkeypatch.setattr(guard_module, "_now", lambda: at(date(2027, 1, 9)))
    assert g.today() == date(2027, 1, 9)
    assert status(g.check_trade("AAPL", "buy")) == (False, "error")
    assert not g.healthy


def test_today_changes_at_one_minute_past_midnight(
    listings: Listings, monkeypatch: pytest.MonkeyPatch
) -> None:
    midnight = datetime(2026, 3, 2, 0, 0, 30, tzinfo=EASTERN).timestamp()
    monkeypatch.setattr(guard_module, "_now", lambda: midnight)
    g = Guard(listings)
    assert g.today() == date(2026, 3, 1)
    monkeypatch.setattr(guard_module, "_now", lambda: midnight + 31)
    assert g.today() == date(2026, 3, 2)


# -- bad requests -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"security": "941 HK", "side": "hold"}, "side"),
        ({"security": "941 HK", "side": ["buy"]}, "side"),
        ({"security": "941 HK", "side": "buy", "purpose": "hedge"}, "purpose"),
        ({"security": "941 HK", "side": "buy", "us_person": 1}, "us_person"),
        ({"security": "941 HK", "side": "buy", "us_person": "false"}, "us_person"),
        ({"security": "941 HK", "side": "buy", "trade_date": "2021-13-01"}, "trade_date"),
        ({"security": "941 HK", "side": "buy", "trade_date": 20210603}, "trade_date"),
        ({"security": "", "side": "buy"}, "empty"),
        ({"security": "###", "side": "buy"}, "we can read"),
        ({"security": 941, "side": "buy"}, "text or an object"),
        ({"security": {"isn": "US16941M1099"}, "side": "buy"}, "unknown field 'isn'"),
        ({"security": {"exchange": "SEHK"}, "side": "buy"}, "no symbol"),
        ({"security": {"isin": "US16941M1098"}, "side": "buy"}, "check digit"),
        ({"security": "US16941M1098", "side": "buy"}, "check digit"),
        ({"security": "16941M108", "side": "buy"}, "check digit"),
        ({"security": "6073556", "side": "buy"}, "SEDOL"),
        ({"security": "BBG000BLNQ16", "side": "buy"}, "no FIGIs"),
        ({"security": {"figi": "BBG000BLNQ16"}, "side": "buy"}, "no FIGIs"),
        ({"security": "X" * 201, "side": "buy"}, "over 200"),
    ],
)
def test_bad_requests_are_blocked_as_invalid(
    guard: Guard, kwargs: dict[str, object], fragment: str
) -> None:
    d = guard.check_trade(**kwargs)  # type: ignore[arg-type]
    assert (d.allowed, d.status) == (False, "invalid")
    assert fragment in d.reason


def test_us_person_one_does_not_borrow_the_cached_true_answer(guard: Guard) -> None:
    assert guard.check_trade("941 HK", "buy", TODAY, us_person=True).status == "prohibited"
    assert guard.check_trade("941 HK", "buy", TODAY, us_person=1).status == "invalid"  # type: ignore[arg-type]
    assert guard.check_trade("941 HK", "buy", TODAY, us_person=0).status == "invalid"  # type: ignore[arg-type]
    assert guard.check_trade("941 HK", "buy", TODAY, us_person=False).status == "not_covered"


# -- properties and threads ---------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    day=st.dates(min_value=date(2021, 1, 1), max_value=date(2024, 12, 31)),
    cohort=st.sampled_from(sorted(COHORTS)),
    side=st.sampled_from(["buy", "sell", "BUY", " Sell "]),
    purpose=st.sampled_from([None, "divest"]),
    us_person=st.booleans(),
)
def test_decision_table_holds_for_any_day(
    guard: Guard, day: date, cohort: str, side: str, purpose: str | None, us_person: bool
) -> None:
    _, eff, div, security, _ = COHORTS[cohort]
    d = guard.check_trade(security, side, day, purpose, us_person)
    if not us_person or day < eff:
        expected = True
    elif day < div:
        expected = purpose == "divest"
    else:
        expected = False
    assert d.allowed is expected
    assert d.status in {"not_listed", "not_covered", "pending", "divestment", "prohibited"}


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=40)
    | st.dictionaries(st.sampled_from(["symbol", "isin", "description"]), st.text(max_size=20))
)
def test_any_security_text_gives_a_decision_never_an_exception(
    guard: Guard, security: str | dict[str, str]
) -> None:
    d = guard.check_trade(security, "buy", TODAY)
    assert isinstance(d, Decision)
    assert d.allowed is (d.status in ("not_listed", "pending", "divestment", "not_covered"))


def test_shared_across_threads_gives_the_same_answers(listings: Listings) -> None:
    requests = [
        (security, side, date(2021, 5, 1) + timedelta(days=7 * k), purpose)
        for security in ["941 HK", "0020.HK", "603019 CN", "AAPL", "CNE100000PM8", "Hikvision"]
        for side in ("buy", "sell")
        for k in range(0, 100, 3)
        for purpose in (None, "divest")
    ]
    reference = Guard(listings, today=TODAY)
    expected = [status(reference.check_trade(*r)) for r in requests]
    shared = Guard(listings, today=TODAY)
    results: list[list[tuple[bool, str]]] = []
    start = threading.Barrier(8)

    def work() -> None:
        start.wait()
        results.append([status(shared.check_trade(*r)) for r in requests])

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and all(r == expected for r in results)


def test_decisions_are_hashable_and_loads_are_independent(tmp_path: Path) -> None:
    shutil.copytree(Path(__file__).resolve().parents[1] / "listings", tmp_path / "a")
    a = Guard(load_listings(tmp_path / "a"), today=TODAY)
    d = a.check_trade("941 HK", "buy", TODAY)
    assert hash(d) == hash(a.check_trade("941 HK", "buy", TODAY))
    assert {d: 1}[d] == 1
