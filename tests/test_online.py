"""``check --online``: OpenFIGI resolution of identifiers that match nothing offline; and the
promise that without ``--online`` nothing in the package opens a connection.

Fixture strategy: the small dataset of ``enrich_support``, refreshed (or not) against the
loopback fake with SYNTHETIC ``BBGTST…`` FIGIs, then ``resolve_unmatched`` with holdings
identifiers the dataset does not print.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from portfolio_guard.cli import main
from portfolio_guard.enrich.clock import FakeClock
from portfolio_guard.enrich.models import FigiRecord
from portfolio_guard.enrich.online import OnlineEvidence, Resolver, resolve_unmatched
from portfolio_guard.enrich.openfigi import OpenFigiClient
from portfolio_guard.enrich.refresh import refresh_dataset
from portfolio_guard.errors import RemoteError
from portfolio_guard.listings import Listings, load_listings
from portfolio_guard.match import Matcher
from portfolio_guard.screening import screen
from tests.enrich_support import (
    CHINA_MOBILE,
    CMCC,
    HIKVISION,
    SENSETIME,
    TODAY,
    build_test_dataset,
    client_for,
)
from tests.fakes.loopback import NetworkAccessError
from tests.fakes.openfigi_data import CHINA_MOBILE_A_ISIN, CHINA_MOBILE_BOND_ISIN, UNKNOWN_ISIN
from tests.fakes.openfigi_server import FakeOpenFigi, synthetic_figi

FRANKFURT = synthetic_figi("chinamobile-frankfurt/GF")  # same share class as 941 HK, no ISIN
HIK_NORTHBOUND = synthetic_figi("hikvision/C2")


pytestmark = pytest.mark.usefixtures("offline_env")


@pytest.fixture
def client(fake: FakeOpenFigi) -> OpenFigiClient:
    return client_for(fake, FakeClock())


def dataset(tmp_path: Path, client: OpenFigiClient, refresh: str) -> Listings:
    """The test dataset: not refreshed, refreshed by identifiers only, or fully."""
    folder = build_test_dataset(tmp_path)
    if refresh != "none":
        refresh_dataset(
            folder, openfigi=client, today=TODAY, clock=FakeClock(), search=refresh == "full"
        )
    return load_listings(folder)


def test_another_share_line_confirmed_by_composite_figi(
    tmp_path: Path, client: OpenFigiClient
) -> None:
    listings = dataset(tmp_path, client, "full")
    assert Matcher(listings).match_isin(CHINA_MOBILE_A_ISIN) == []  # not printed anywhere
    found = resolve_unmatched(listings, [CHINA_MOBILE_A_ISIN], [], [], client=client)
    [m] = found[("isin", CHINA_MOBILE_A_ISIN)]
    assert (m.entity_uid, m.level, m.matched_on, m.source) == (
        CHINA_MOBILE,
        "confirmed",
        "isin",
        "openfigi",
    )
    assert m.list_value == synthetic_figi("chinamobile-a/CH")
    assert m.reason.startswith(
        f"ISIN {CHINA_MOBILE_A_ISIN} → OpenFIGI composite FIGI {synthetic_figi('chinamobile-a/CH')}"
    )
    assert "= composite FIGI of 600941 CH" in m.reason and "of CHINA MOBILE LIMITED" in m.reason


def test_venue_figi_confirmed_by_share_class(tmp_path: Path, client: OpenFigiClient) -> None:
    # Refreshed by identifiers only: the dataset knows 941 HK's FIGIs, not the Frankfurt line.
    listings = dataset(tmp_path, client, "mapping")
    assert Matcher(listings).match_figi(FRANKFURT) == []
    [m] = resolve_unmatched(listings, [], [], [FRANKFURT], client=client)[("figi", FRANKFURT)]
    assert (m.entity_uid, m.level) == (CHINA_MOBILE, "confirmed")
    assert f"OpenFIGI share-class FIGI {synthetic_figi('chinamobile-hk/share-class')}" in m.reason


def test_listed_ticker_with_agreeing_name_confirms(tmp_path: Path, client: OpenFigiClient) -> None:
    listings = dataset(tmp_path, client, "none")  # no FIGIs at all, only OFAC's 002415 CN
    [m] = resolve_unmatched(listings, [], [], [HIK_NORTHBOUND], client=client)[
        ("figi", HIK_NORTHBOUND)
    ]
    assert (m.entity_uid, m.level, m.list_value) == (HIKVISION, "confirmed", "002415 CN")
    assert "trades as CN:002415, listed as 002415 CN" in m.reason


def test_name_only_is_review_and_never_the_parent(tmp_path: Path, client: OpenFigiClient) -> None:
    listings = dataset(tmp_path, client, "full")
    found = resolve_unmatched(listings, [CHINA_MOBILE_BOND_ISIN], [], [], client=client)
    [m] = found[("isin", CHINA_MOBILE_BOND_ISIN)]
    assert (m.entity_uid, m.level) == (CHINA_MOBILE, "review")
    assert m.entity_uid != CMCC
    assert "no FIGI or ticker of it is listed" in m.reason and "needs review" in m.reason


def test_reused_ticker_is_only_a_review(tmp_path: Path, client: OpenFigiClient) -> None:
    listings = dataset(tmp_path, client, "none")
    record = FigiRecord(
        figi=synthetic_figi("reused-ticker/US"),
        name="CHL HOLDINGS INC",
        ticker="CHL",
        exchCode="US",
        compositeFIGI=synthetic_figi("reused-ticker/US"),
        securityType="Common Stock",
        marketSector="Equity",
        securityType2="Common Stock",
    )
    [m] = Resolver(listings).explain("isin", "US0000000000", [record])
    assert (m.entity_uid, m.level, m.list_value) == (CHINA_MOBILE, "review", "CHL US")
    assert "the ticker may have been reused" in m.reason


def test_every_value_gets_an_entry_and_bad_ones_cost_no_request(
    tmp_path: Path, client: OpenFigiClient, fake: FakeOpenFigi
) -> None:
    listings = dataset(tmp_path, client, "none")
    fake.reset()
    found = resolve_unmatched(
        listings, [f" {UNKNOWN_ISIN} ", "CN123", UNKNOWN_ISIN], ["BADCUSIP"], ["BBG"], client=client
    )
    assert found == {
        ("isin", UNKNOWN_ISIN): [],
        ("isin", "CN123"): [],
        ("cusip", "BADCUSIP"): [],
        ("figi", "BBG"): [],
    }
    [request] = fake.seen
    assert [job["idValue"] for job in request.body] == [UNKNOWN_ISIN]


def test_nothing_to_ask_makes_no_client(tmp_path: Path, fake: FakeOpenFigi) -> None:
    listings = load_listings(build_test_dataset(tmp_path))
    assert resolve_unmatched(listings, ["CN123"], [], []) == {("isin", "CN123"): []}
    assert fake.seen == []


def test_default_client_reads_the_environment(
    tmp_path: Path, fake: FakeOpenFigi, monkeypatch: pytest.MonkeyPatch
) -> None:
    listings = load_listings(build_test_dataset(tmp_path))
    monkeypatch.setenv("OPENFIGI_BASE_URL", fake.base_url)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    found = resolve_unmatched(listings, [], [], [HIK_NORTHBOUND])
    assert [m.entity_uid for m in found[("figi", HIK_NORTHBOUND)]] == [HIKVISION]
    assert fake.count("/v3/mapping") == 1


def test_openfigi_failure_is_a_remote_error(
    tmp_path: Path, client: OpenFigiClient, fake: FakeOpenFigi
) -> None:
    listings = load_listings(build_test_dataset(tmp_path))
    fake.malformed_json(1, path="/v3/mapping")
    with pytest.raises(RemoteError, match="not valid JSON"):
        resolve_unmatched(listings, [CHINA_MOBILE_A_ISIN], [], [], client=client)


# -- without --online nothing goes out ----------------------------------------------------------


def test_the_guard_itself_catches_a_connection() -> None:
    with pytest.raises(NetworkAccessError):
        socket.create_connection(("192.0.2.1", 443), timeout=0.5)


def test_screen_and_cli_stay_offline_without_online(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = build_test_dataset(tmp_path)
    export = tmp_path / "holdings.csv"
    export.write_text(
        "Symbol,Description,Quantity,ISIN\n"
        "0941.HK,CHINA MOBILE LTD,100,HK0941009539\n"
        # An A-share ISIN the list does not print: only --online could resolve it.
        f"600941,CHINA MOBILE LTD-A,50,{CHINA_MOBILE_A_ISIN}\n"
        "0020.HK,SENSETIME GROUP INC,10,\n"
        "AAPL,APPLE INC,5,US0378331005\n",
        encoding="utf-8",
    )
    report = screen(export, as_of=TODAY, listings=load_listings(folder))
    found = report.findings
    assert set(found["entity_uid"]) >= {CHINA_MOBILE, SENSETIME}
    assert main(["--listings", str(folder), "check", str(export), "--format", "json"]) == 1
    code = main(["--listings", str(folder), "check-trade", "0941.HK", "--side", "buy"])
    assert code == 1
    assert "NetworkAccessError" not in capsys.readouterr().err


def test_online_evidence_for_the_screen(
    tmp_path: Path, client: OpenFigiClient, fake: FakeOpenFigi
) -> None:
    listings = dataset(tmp_path, client, "full")
    matcher = Matcher(listings)
    fake.reset()
    evidence = OnlineEvidence.gather(
        listings,
        matcher,
        {"isin": ["HK0941009539", CHINA_MOBILE_A_ISIN, "", CHINA_MOBILE_A_ISIN], "figi": [""]},
        client=client,
    )
    # Only what matches nothing offline is asked, once.
    [request] = fake.seen
    assert [job["idValue"] for job in request.body] == [CHINA_MOBILE_A_ISIN]
    assert evidence.values("isin") == {CHINA_MOBILE_A_ISIN}
    # The description alone is a review; the online ISIN evidence confirms it.
    offline = matcher.match_security(isin=CHINA_MOBILE_A_ISIN, description="CHINA MOBILE LTD-A")
    merged = evidence.merge(offline, CHINA_MOBILE_A_ISIN, None, None)
    assert [(m.entity_uid, m.level, m.matched_on) for m in merged] == [
        (CHINA_MOBILE, "confirmed", "isin")
    ]
    assert evidence.merge([], None, None, None) == []
    assert evidence.merge(offline, "HK0941009539", None, None) == offline


def test_screen_online_turns_an_unprinted_share_line_into_identifier_evidence(
    tmp_path: Path, client: OpenFigiClient, fake: FakeOpenFigi, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pandas as pd

    listings = dataset(tmp_path, client, "full")
    monkeypatch.setenv("OPENFIGI_BASE_URL", fake.base_url)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    df = pd.DataFrame(
        {
            "isin": [CHINA_MOBILE_A_ISIN, "US0378331005"],
            "description": ["CHINA MOBILE LTD-A", "APPLE INC"],
        }
    )
    offline = screen(df, as_of=TODAY, listings=listings).findings
    assert set(offline["matched_on"]) <= {"name"}
    fake.reset()
    online = screen(df, as_of=TODAY, listings=listings, online=True).findings
    assert list(online["line"]) == [1]
    row = online.iloc[0]
    assert (row["entity_uid"], row["matched_on"]) == (CHINA_MOBILE, "isin")
    assert "OpenFIGI" in row["reason"]
    # Only the identifiers that matched nothing offline went out, in one request.
    asked = [job["idValue"] for request in fake.seen for job in request.body]
    assert sorted(set(asked)) == sorted({CHINA_MOBILE_A_ISIN, "US0378331005"})
