"""``listings refresh`` against the loopback OpenFIGI and Yahoo fakes.

Fixture strategy: each test builds the small dataset of ``enrich_support`` (7 entities, no
curated file) in ``tmp_path`` and refreshes it against a fresh fake serving SYNTHETIC data
(``BBGTST…`` FIGIs). Clients get a ``FakeClock`` (waits recorded, not slept) except in the
pacing test, which needs real time because the fake counts real arrival times.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio_guard.commands.refresh_cmd import _keyless_note, summary
from portfolio_guard.enrich import writeback
from portfolio_guard.enrich.clock import FakeClock, SystemClock
from portfolio_guard.enrich.collect import PHASE_MAPPING, PHASE_SEARCH, ProgressFn
from portfolio_guard.enrich.models import FigiRecord
from portfolio_guard.enrich.openfigi import OpenFigiClient
from portfolio_guard.enrich.ratelimit import RateLimits, RatePolicy
from portfolio_guard.enrich.refresh import RefreshResult, refresh_dataset
from portfolio_guard.enrich.scoring import Judge, clean_name, search_query
from portfolio_guard.enrich.transport import RetryPolicy
from portfolio_guard.enrich.yahoo import YahooClient
from portfolio_guard.errors import ListingsError, RemoteError
from portfolio_guard.listings import SECURITIES_FILE, SecurityRow, load_listings
from portfolio_guard.match import Matcher
from portfolio_guard.names import tokens
from tests.enrich_support import (
    CCCC,
    CHINA_MOBILE,
    CLOUDWALK,
    CMCC,
    DAWNING,
    HIKVISION,
    SENSETIME,
    TODAY,
    build_test_dataset,
    client_for,
    openfigi_fake,
    snapshot,
    yahoo_fake,
)
from tests.fakes.openfigi_server import FakeOpenFigi, synthetic_figi
from tests.fakes.yahoo_server import FakeYahoo

REPO = Path(__file__).resolve().parents[1]


pytestmark = pytest.mark.usefixtures("offline_env")


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    return build_test_dataset(tmp_path)


def refresh(
    folder: Path, fake: FakeOpenFigi, progress: ProgressFn | None = None, search: bool = True
) -> RefreshResult:
    clock = FakeClock()
    client = client_for(fake, clock)
    return refresh_dataset(
        folder, openfigi=client, today=TODAY, clock=clock, progress=progress, search=search
    )


def rows_of(result: RefreshResult, uid: int, kind: str | None = None) -> list[SecurityRow]:
    return [r for r in result.added if r.entity_uid == uid and kind in (None, r.kind)]


def values(rows: list[SecurityRow]) -> set[str]:
    return {r.value for r in rows}


# -- what a refresh finds ----------------------------------------------------------------


def test_entity_known_only_by_name_gets_tickers_and_figis(
    dataset: Path, fake: FakeOpenFigi
) -> None:
    result = refresh(dataset, fake)
    sense = rows_of(result, SENSETIME)
    assert values([r for r in sense if r.kind == "ticker"]) == {"HK:20", "US:SNTMF"}
    assert values([r for r in sense if r.kind == "figi"]) == {
        synthetic_figi("sensetime/HK"),  # the HKEX line, its own composite
        synthetic_figi("sensetime/share-class"),
        synthetic_figi("sensetime-otc/US"),  # US OTC: vouched for by the share class
        synthetic_figi("sensetime-otc/UV"),
    }
    assert {r.source for r in sense} == {"openfigi"}
    assert {r.source_ref for r in sense} == {"openfigi search 'SENSETIME' 2026-11-29"}
    hk = next(r for r in sense if r.value == "HK:20")
    assert (hk.market, hk.country, hk.local_code, hk.raw) == ("XHKG", "HK", "20", "20 HK")
    composite = next(r for r in sense if r.value == synthetic_figi("sensetime/HK"))
    assert composite.detail == "composite FIGI of 20 HK (SENSETIME GROUP INC-CL B, Common Stock)"


def test_star_market_line_of_cloudwalk(dataset: Path, fake: FakeOpenFigi) -> None:
    result = refresh(dataset, fake)
    cloud = rows_of(result, CLOUDWALK)
    tick = [r for r in cloud if r.kind == "ticker"]
    assert [(r.value, r.market) for r in tick] == [("CN:688327", "XSHG")]
    assert values(cloud) >= {synthetic_figi("cloudwalk/CH"), synthetic_figi("cloudwalk/CG")}
    assert {r.source_ref for r in cloud} == {"openfigi search 'CLOUDWALK' 2026-11-29"}


def test_isin_expands_to_every_listing_and_ofac_rows_are_not_repeated(
    dataset: Path, fake: FakeOpenFigi
) -> None:
    result = refresh(dataset, fake)
    hik = rows_of(result, HIKVISION)
    assert values(hik) == {
        synthetic_figi("hikvision/CH"),
        synthetic_figi("hikvision/CS"),
        synthetic_figi("hikvision/C2"),  # Northbound Connect, its own composite
        synthetic_figi("hikvision/share-class"),
    }
    assert {r.source_ref for r in hik} == {"openfigi mapping ID_ISIN CNE100000PM8 2026-11-29"}
    # CN:002415 is OFAC's own ticker: found again, not added again.
    tickers = [
        r for r in load_listings(dataset).entities[HIKVISION].securities if r.kind == "ticker"
    ]
    assert [(r.value, r.source) for r in tickers] == [("CN:002415", "ofac")]


def test_share_lines_ofac_does_not_print(dataset: Path, fake: FakeOpenFigi) -> None:
    result = refresh(dataset, fake)
    mobile = rows_of(result, CHINA_MOBILE)
    assert values([r for r in mobile if r.kind == "ticker"]) == {"CN:600941", "DE:CTM"}
    a_share = next(r for r in mobile if r.value == "CN:600941")
    assert a_share.source_ref == "openfigi search 'CHINA MOBILE' 2026-11-29"
    # The delisted ADR still shows in search; its FIGIs are kept (holdings may carry them).
    assert synthetic_figi("chinamobile-adr/US") in values(mobile)
    # A bond under a published CND ISIN: FIGI only, no ticker row.
    bond = rows_of(result, CCCC)
    assert [(r.kind, r.value) for r in bond] == [("figi", synthetic_figi("cccc-bond/bond"))]
    assert bond[0].source_ref == "openfigi mapping ID_ISIN CND10000GBD8 2026-11-29"


def test_namesakes_parents_and_non_shares_are_left_out(dataset: Path, fake: FakeOpenFigi) -> None:
    result = refresh(dataset, fake)
    everything = values(list(result.added))
    assert synthetic_figi("cmge/US") not in everything  # China Mobile Games: another company
    assert synthetic_figi("sensetime-warrant/HK") not in everything  # a warrant, not shares
    assert rows_of(result, CMCC) == []  # the unlisted parent gets nothing of China Mobile Ltd
    assert rows_of(result, DAWNING) == []  # nothing in the fake
    assert result.conflicts == ()


def test_refreshed_dataset_verifies_and_matches_holdings(dataset: Path, fake: FakeOpenFigi) -> None:
    before = snapshot(dataset)
    result = refresh(dataset, fake)
    after = snapshot(dataset)
    assert after["entities.json"] == before["entities.json"]
    loaded = load_listings(dataset)  # checksums verified
    assert loaded.version == result.new_version != result.old_version
    matcher = Matcher(loaded)
    hits = matcher.match_ticker("0020.HK")
    assert [(m.entity_uid, m.source) for m in hits] == [(SENSETIME, "openfigi")]
    assert [m.entity_uid for m in matcher.match_figi(synthetic_figi("sensetime-otc/UV"))] == [
        SENSETIME
    ]
    entry = loaded.manifest["refreshes"][-1]
    assert entry["sources"] == ["openfigi"]
    assert (entry["added"], entry["removed"]) == (len(result.added), 0)
    assert entry["openfigi_url"] == fake.base_url
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry["at"])
    assert loaded.manifest["counts"]["by_source"]["openfigi"] == len(result.added)


def test_second_refresh_finds_the_same_rows(dataset: Path, fake: FakeOpenFigi) -> None:
    first = refresh(dataset, fake)
    rows = (dataset / SECURITIES_FILE).read_bytes()
    second = refresh(dataset, fake)
    assert (second.added, second.removed, second.unchanged) == ((), (), len(first.added))
    assert (dataset / SECURITIES_FILE).read_bytes() == rows
    assert len(load_listings(dataset).manifest["refreshes"]) == 2


def test_lines_gone_from_openfigi_are_removed(dataset: Path, fake: FakeOpenFigi) -> None:
    refresh(dataset, fake)
    fake.listings = [row for row in fake.listings if row.ticker != "SNTMF"]
    result = refresh(dataset, fake)
    assert result.added == ()
    assert values(list(result.removed)) == {
        "US:SNTMF",
        synthetic_figi("sensetime-otc/US"),
        synthetic_figi("sensetime-otc/UV"),
    }
    kept = load_listings(dataset).entities[SENSETIME].securities
    assert "HK:20" in values(list(kept)) and "US:SNTMF" not in values(list(kept))
    assert (
        "  - 33114 SENSETIME GROUP LIMITED: ticker US:SNTMF; 2 FIGIs "
        "(openfigi search 'SENSETIME' 2026-11-29)"
    ) in summary(result)


def test_incomplete_search_keeps_previous_rows(dataset: Path, fake: FakeOpenFigi) -> None:
    first = refresh(dataset, fake)
    fake.page_size = 1  # every search now has more pages than the refresh reads
    second = refresh(dataset, fake)
    assert second.removed == ()
    # Page 1 and 2 of 'SENSETIME' still hold 20 HK and SNTMF US; the UV venue was on page 3.
    assert synthetic_figi("sensetime-otc/UV") in values(list(second.carried))
    assert any("only those were read" in w for w in second.warnings)
    assert len(load_listings(dataset).entities[SENSETIME].securities) == len(
        rows_of(first, SENSETIME)
    )


def test_identifier_claimed_by_another_entity_is_not_added(
    tmp_path: Path, fake: FakeOpenFigi
) -> None:
    hk_line = synthetic_figi("chinamobile-hk/HK")
    curated = tmp_path / "curated.csv"
    curated.write_text(
        "entity_uid,entity_name,kind,value,market,note,source,source_date\n"
        f"{CMCC},CMCC,figi,{hk_line},,wrongly attributed on purpose,test,2026-11-01\n",
        encoding="utf-8",
    )
    folder = build_test_dataset(tmp_path, curated)
    result = refresh(folder, fake)
    assert any(hk_line in c and f"{CHINA_MOBILE}, {CMCC}" in c for c in result.conflicts)
    owners = {r.entity_uid for r in load_listings(folder).lookup("figi", hk_line)}
    assert owners == {CMCC}


def test_progress_reports_each_phase(dataset: Path, fake: FakeOpenFigi) -> None:
    seen: list[tuple[str, int, int]] = []
    refresh(dataset, fake, progress=lambda phase, done, total: seen.append((phase, done, total)))
    phases = [p for p, _, _ in seen]
    assert phases.index(PHASE_MAPPING) < phases.index(PHASE_SEARCH)
    for phase in (PHASE_MAPPING, PHASE_SEARCH):
        last = [s for s in seen if s[0] == phase][-1]
        assert last[1] == last[2] > 0


def test_refresh_needs_a_service(dataset: Path) -> None:
    with pytest.raises(ValueError, match="OpenFIGI, Yahoo or both"):
        refresh_dataset(dataset)


# -- pacing and faults ---------------------------------------------------------------------


def test_client_never_exceeds_the_configured_rate(dataset: Path) -> None:
    # Real time, short windows. Without rate headers the client's own window is the only
    # brake (the fake rounds its reset header up to whole seconds, which would hide it).
    policy = RateLimits(mapping=RatePolicy(3, 0.25), search=RatePolicy(2, 0.25))
    fake_limits = {"mapping_rate": (3, 0.25), "search_rate": (2, 0.25), "rate_headers": False}
    with openfigi_fake(**fake_limits) as fake:
        client = client_for(fake, SystemClock(), limits=policy)
        refresh_dataset(dataset, openfigi=client, today=TODAY)
        client.close()
        assert fake.count(status=429) == 0
        assert fake.count("/v3/mapping") >= 5 and fake.count("/v3/search") >= 5
        assert fake.max_in_window("mapping", 0.25) <= 3
        assert fake.max_in_window("search", 0.25) <= 2


def _clean_rows(tmp_path: Path) -> bytes:
    folder = build_test_dataset(tmp_path / "clean")
    with openfigi_fake() as fake:
        refresh(folder, fake)
    return (folder / SECURITIES_FILE).read_bytes()


RECOVERABLE = {
    "429 storm": lambda f: f.rate_limit_storm(3, path="/v3/search"),
    "500s": lambda f: f.fail_with_status(500, times=2),
    "503 on search": lambda f: f.fail_with_status(503, times=2, path="/v3/search"),
    "timeout": lambda f: f.delay(1.0, times=1, path="/v3/mapping"),
    "dropped mid-response": lambda f: f.drop_connection(2),
    "dropped before answering": lambda f: f.drop_connection(1, mid_response=False),
}


@pytest.mark.parametrize("fault", sorted(RECOVERABLE))
def test_refresh_rides_out_transient_faults(tmp_path: Path, fault: str) -> None:
    folder = build_test_dataset(tmp_path)
    with openfigi_fake() as fake:
        RECOVERABLE[fault](fake)
        clock = FakeClock()
        client = client_for(fake, clock, timeout=0.3)
        refresh_dataset(folder, openfigi=client, today=TODAY, clock=clock)
        assert not fake._state.faults, "the injected fault was never hit"
    assert (folder / SECURITIES_FILE).read_bytes() == _clean_rows(tmp_path)
    if fault == "429 storm":
        assert max(clock.sleeps) >= 60  # the whole window, as retry-after said


FATAL = {
    "malformed JSON": lambda f: f.malformed_json(1, path="/v3/search"),
    "500s that do not stop": lambda f: f.fail_with_status(500, times=50),
    "429 storm that does not stop": lambda f: f.rate_limit_storm(50, path="/v3/mapping"),
    "connection dropped for good": lambda f: f.drop_connection(50),
}


@pytest.mark.parametrize("fault", sorted(FATAL))
def test_refresh_that_fails_leaves_the_dataset_untouched(tmp_path: Path, fault: str) -> None:
    folder = build_test_dataset(tmp_path)
    before = snapshot(folder)
    with openfigi_fake() as fake:
        FATAL[fault](fake)
        clock = FakeClock()
        client = client_for(fake, clock, retry=RetryPolicy(max_retries=2))
        with pytest.raises(RemoteError) as caught:
            refresh_dataset(folder, openfigi=client, today=TODAY, clock=clock)
    assert "\n" not in str(caught.value)
    assert snapshot(folder) == before
    load_listings(folder)  # still verifies
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no staging left


def test_failed_manifest_swap_restores_securities(
    dataset: Path, fake: FakeOpenFigi, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(dataset)
    real_replace = os.replace

    def flaky(src: str | Path, dst: str | Path) -> None:
        if Path(dst).name == "manifest.json":
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(writeback.os, "replace", flaky)
    with pytest.raises(ListingsError, match="cannot write the refreshed dataset"):
        refresh(dataset, fake)
    assert snapshot(dataset) == before


# -- Yahoo -----------------------------------------------------------------------------------


YahooPair = tuple[FakeYahoo, YahooClient]


@pytest.fixture
def yahoo(tmp_path: Path) -> Iterator[YahooPair]:
    yfinance = pytest.importorskip("yfinance")
    # yfinance memoises search answers per process: one test's fake must not answer another's.
    yfinance.data.YfData.cache_get.cache_clear()
    with yahoo_fake() as server:
        yield server, YahooClient(session=server.session(), timeout=5, cache_dir=tmp_path / "yf")
    # After a 429 yfinance switches its process-wide session to the "csrf" cookie flow;
    # put it back so later tests start from yfinance's default.
    shared = yfinance.data.YfData()
    shared._set_cookie_strategy("basic")
    shared._cookie = shared._crumb = None
    assert not server.errors, server.errors[0]


def test_yahoo_adds_ticker_rows_with_provenance(dataset: Path, yahoo: YahooPair) -> None:
    _, client = yahoo
    clock = FakeClock()
    result = refresh_dataset(dataset, yahoo=client, today=TODAY, clock=clock)
    found = {(r.entity_uid, r.value, r.raw, r.source) for r in result.added}
    assert found == {
        (SENSETIME, "HK:20", "0020.HK", "yahoo"),
        (CLOUDWALK, "CN:688327", "688327.SS", "yahoo"),
        (CHINA_MOBILE, "CN:600941", "600941.SS", "yahoo"),
    }
    refs = {r.source_ref for r in result.added if r.entity_uid == SENSETIME}
    assert refs == {"yahoo search 'SENSETIME' 2026-11-29"}
    assert clock.sleeps and min(clock.sleeps) >= 1.0  # paced, never a burst


def test_yahoo_agreement_is_noted_on_openfigi_rows(
    dataset: Path, fake: FakeOpenFigi, yahoo: YahooPair
) -> None:
    _, yclient = yahoo
    clock = FakeClock()
    result = refresh_dataset(
        dataset, openfigi=client_for(fake, clock), yahoo=yclient, today=TODAY, clock=clock
    )
    assert {r.source for r in result.added} == {"openfigi"}  # Yahoo found nothing new
    hk = next(r for r in result.added if r.value == "HK:20")
    assert hk.detail is not None and hk.detail.endswith("; Yahoo Finance 0020.HK agrees")


def test_yahoo_rate_limit_keeps_previous_yahoo_rows(dataset: Path, yahoo: YahooPair) -> None:
    server, client = yahoo
    first = refresh_dataset(dataset, yahoo=client, today=TODAY, clock=FakeClock())
    server.rate_limited = True
    pytest.importorskip("yfinance").data.YfData.cache_get.cache_clear()
    second = refresh_dataset(dataset, yahoo=client, today=TODAY, clock=FakeClock())
    assert second.removed == () and len(second.carried) == len(first.added)
    assert any("Yahoo Finance stopped answering" in w for w in second.warnings)


# -- the command line --------------------------------------------------------------------------

KEY = "refresh-test-key-0001"


def cli(
    folder: Path, fake: FakeOpenFigi, cache: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "OPENFIGI_BASE_URL": fake.base_url,
        "OPENFIGI_API_KEY": KEY,
        "XDG_CACHE_HOME": str(cache),
        "PYTHONPATH": str(REPO),
    }
    env.pop("PORTFOLIO_GUARD_LISTINGS", None)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "portfolio_guard",
            "listings",
            "refresh",
            "--out",
            str(folder),
            *extra,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_cli_refresh_prints_a_summary(dataset: Path, tmp_path: Path) -> None:
    with openfigi_fake(api_keys=(KEY,)) as fake:
        done = cli(dataset, fake, tmp_path / "cache")
        url = fake.base_url
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    out = done.stdout
    assert re.search(r"^  \d+ rows added, 0 removed", out, re.M), out
    assert re.search(
        r"^  \+ 33114 SENSETIME GROUP LIMITED: tickers HK:20, US:SNTMF; 4 FIGIs", out, re.M
    ), out
    assert fake.count(status=429) == 0 and all(s.keyed for s in fake.seen)
    assert load_listings(dataset).manifest["refreshes"][-1]["openfigi_url"] == url


def test_keyless_note_estimates_the_wait(dataset: Path) -> None:
    client = OpenFigiClient(api_key="", base_url="http://127.0.0.1:9/v3", use_cache=False)
    note = _keyless_note(client, dataset)
    assert note.startswith("note: no OPENFIGI_API_KEY set; OpenFIGI allows 5 searches per 60 s")
    assert "searching 7 entities takes at least 2 min" in note


def test_cli_refresh_failure_is_one_line_and_exit_2(dataset: Path, tmp_path: Path) -> None:
    before = snapshot(dataset)
    with openfigi_fake(api_keys=(KEY,)) as fake:
        fake.malformed_json(1, path="/v3/mapping")
        done = cli(dataset, fake, tmp_path / "cache", "--no-progress")
    assert done.returncode == 2, done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("portfolio-guard: error: OpenFIGI /mapping"), (
        lines
    )
    assert "not valid JSON" in lines[0]
    assert done.stdout == ""
    assert snapshot(dataset) == before


# -- candidate judging (unit) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("bloomberg", "clean"),
    [
        ("CLOUDWALK TECHNOLOGY CO L-A", "CLOUDWALK TECHNOLOGY CO"),  # cut "LTD", class A
        ("SENSETIME GROUP INC-CL B", "SENSETIME GROUP INC"),
        ("CHINA MOBILE LTD-SPON ADR", "CHINA MOBILE LTD"),
        ("CHINA TELECOM CORP LT-H", "CHINA TELECOM CORP"),
        ("HANGZHOU HIKVISION DIGITAL-A", "HANGZHOU HIKVISION DIGITAL"),
        ("COCA-COLA CO", "COCA-COLA CO"),  # a hyphen inside a name is not a class suffix
        ("X-TRADE BROKERS-W", "X-TRADE BROKERS"),
    ],
)
def test_clean_name(bloomberg: str, clean: str) -> None:
    assert clean_name(bloomberg) == clean


@given(st.text(max_size=60))
def test_clean_name_only_trims_the_end(text: str) -> None:
    assert " ".join(text.upper().split()).startswith(clean_name(text))


@given(st.text(max_size=60))
def test_search_query_is_short_and_from_the_name(text: str) -> None:
    query = search_query(text)
    assert query is None or (
        1 <= len(query.split()) <= 3 and set(query.split()) <= set(tokens(text))
    )


def test_judge_rejects_parent_namesake_and_non_shares(dataset: Path) -> None:
    judge = Judge(load_listings(dataset))
    assert judge.name(SENSETIME, "SENSETIME GROUP INC-CL B").ok
    assert not judge.name(CMCC, "CHINA MOBILE LTD").ok  # the parent is not its subsidiary
    assert not judge.name(CHINA_MOBILE, "CHINA MOBILE GAMES & ENTERTAI-ADR").ok
    warrant = FigiRecord(
        figi=synthetic_figi("sensetime-warrant/HK"),
        name="SENSETIME GROUP INC-CL B",
        ticker="20W",
        exchCode="HK",
        marketSector="Equity",
        securityType="Equity WRT",
        securityType2="Warrant",
    )
    verdict = judge.searched_record(SENSETIME, warrant, frozenset())
    assert not verdict.ok and "not shares or receipts" in verdict.reason
