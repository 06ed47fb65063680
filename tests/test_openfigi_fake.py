"""The fake OpenFIGI server speaks the documented wire protocol (openfigi.md §§1-6, §11).

Checked with raw ``requests`` calls, not our client, so a client bug cannot hide a fake
bug. Fixture strategy: one fresh fake per test (they start in milliseconds), default
synthetic data unless a test needs bulk rows for paging.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from stdnum import figi as stdnum_figi

from tests.fakes.loopback import NetworkAccessError, loopback_only
from tests.fakes.openfigi_server import FakeOpenFigi, bulk_listings

HTML = "text/html; charset=utf-8"
RATE_HEADERS = ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "ratelimit-policy")


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture
def fake() -> Iterator[FakeOpenFigi]:
    with FakeOpenFigi(api_keys=("good-key",)) as server:
        yield server
    assert not server.errors, server.errors[0]


def post(fake: FakeOpenFigi, path: str, body: object, **headers: str) -> requests.Response:
    return requests.post(f"{fake.base_url}{path}", json=body, headers=headers, timeout=5)


def test_mapping_answers_one_result_per_job_in_order(fake: FakeOpenFigi) -> None:
    jobs = [
        {"idType": "TICKER", "idValue": "941", "exchCode": "HK"},
        {"idType": "ID_ISIN", "idValue": "US0378331005"},  # valid ISIN, not in the data
        {"idType": "ID_ISIN", "idValue": "INVALID12345"},
        {"idType": "INVALID", "idValue": "x"},
        {"idType": "TICKER", "idValue": 2415, "exchCode": "CS"},  # integer idValue allowed
    ]
    resp = post(fake, "/mapping", jobs)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "application/json; charset=utf-8"
    body = resp.json()
    assert [next(iter(r)) for r in body] == ["data", "warning", "error", "error", "warning"]
    assert body[0]["data"][0]["name"] == "CHINA MOBILE LTD"
    assert body[1] == {"warning": "No identifier found."}
    assert body[2] == {"error": "Invalid idValue format."}
    assert body[3] == {"error": "Invalid value for idType."}


def test_records_are_in_wire_order_with_valid_synthetic_figis_and_no_isin(
    fake: FakeOpenFigi,
) -> None:
    resp = post(fake, "/mapping", [{"idType": "ID_ISIN", "idValue": "CNE100000PM8"}])
    records = resp.json()[0]["data"]
    assert {r["exchCode"] for r in records} == {"CH", "CS", "C2"}
    for record in records:
        assert list(record) == [
            "figi",
            "name",
            "ticker",
            "exchCode",
            "compositeFIGI",
            "securityType",
            "marketSector",
            "shareClassFIGI",
            "securityType2",
            "securityDescription",
        ]
        assert "CNE100000PM8" not in resp.text  # ISINs are input only
        for key in ("figi", "compositeFIGI", "shareClassFIGI"):
            assert stdnum_figi.is_valid(record[key])
            assert record[key].startswith("BBGTST")
    composite = [r for r in records if r["figi"] == r["compositeFIGI"]]
    assert [r["exchCode"] for r in composite] == ["CH", "C2"]  # Connect lines are their own


def test_delisted_adr_answers_no_identifier_found(fake: FakeOpenFigi) -> None:
    resp = post(fake, "/mapping", [{"idType": "TICKER", "idValue": "CHL", "exchCode": "US"}])
    assert resp.json() == [{"warning": "No identifier found."}]


@pytest.mark.parametrize(
    ("method", "path", "status", "text"),
    [
        ("POST", "/v3/nothing", 404, "Invalid url."),
        ("GET", "/v3/mapping", 405, "Invalid HTTP method."),
        ("POST", "/v3/mapping/values/idType", 405, "Invalid HTTP method."),
    ],
)
def test_routing_errors_are_plain_html(
    fake: FakeOpenFigi, method: str, path: str, status: int, text: str
) -> None:
    url = f"http://127.0.0.1:{fake.port}{path}"
    resp = requests.request(method, url, json=[], timeout=5)
    assert (resp.status_code, resp.text) == (status, text)
    assert resp.headers["content-type"] == HTML


def test_unknown_path_and_bad_key_carry_no_rate_headers(fake: FakeOpenFigi) -> None:
    bad_key = post(fake, "/mapping", [], **{"X-OPENFIGI-APIKEY": "wrong"})
    assert (bad_key.status_code, bad_key.text) == (401, "Invalid API key.")
    missing = requests.post(f"http://127.0.0.1:{fake.port}/v2/x", json=[], timeout=5)
    for resp in (bad_key, missing):
        assert not any(h in resp.headers for h in RATE_HEADERS)


def test_body_errors(fake: FakeOpenFigi) -> None:
    url = f"{fake.base_url}/mapping"
    not_json = requests.post(url, data=b"[{", headers={"Content-Type": "application/json"})
    assert (not_json.status_code, not_json.text) == (400, "Bad request.")
    not_array = post(fake, "/mapping", {"idType": "TICKER", "idValue": "941"})
    assert not_array.status_code == 400
    form = requests.post(url, data=b"[]", headers={"Content-Type": "text/plain"}, timeout=5)
    assert form.status_code == 415
    text_json = requests.post(url, data=b"[1]", headers={"Content-Type": "text/json"}, timeout=5)
    assert text_json.status_code == 400  # text/json is accepted; [1] is not a job
    assert post(fake, "/search", {}).status_code == 400  # nothing populated


def test_job_limit_depends_on_the_key(fake: FakeOpenFigi) -> None:
    jobs = [{"idType": "TICKER", "idValue": str(n), "exchCode": "HK"} for n in range(11)]
    over = post(fake, "/mapping", jobs)
    assert (over.status_code, over.text) == (413, "Payload too large.")
    assert len(post(fake, "/mapping", jobs[:10]).json()) == 10
    keyed = post(fake, "/mapping", jobs, **{"X-OPENFIGI-APIKEY": "good-key"})
    assert keyed.status_code == 200
    assert fake.seen[-1].keyed and fake.seen[-1].jobs == 11


def test_rate_headers_count_down_and_429_follows() -> None:
    with FakeOpenFigi(search_rate=(2, 30.0)) as fake:
        first = post(fake, "/search", {"query": "china"})
        second = post(fake, "/filter", {"query": "china"})  # same bucket as search
        third = post(fake, "/search", {"query": "china"})
    assert first.headers["ratelimit-limit"] == "2"
    assert first.headers["ratelimit-policy"] == "2;w=30"
    assert [r.headers["ratelimit-remaining"] for r in (first, second)] == ["1", "0"]
    assert int(first.headers["ratelimit-reset"]) in (29, 30)
    assert third.status_code == 429
    assert third.text == "Too many requests, please try again later."
    assert third.headers["retry-after"] == "30"  # whole window, as in the 2023 capture
    assert fake.count(status=429) == 1


def test_mapping_bucket_is_separate_from_search() -> None:
    with FakeOpenFigi(search_rate=(1, 30.0), mapping_rate=(1, 30.0)) as fake:
        assert post(fake, "/search", {"query": "x"}).status_code == 200
        job = [{"idType": "TICKER", "idValue": "20", "exchCode": "HK"}]
        assert post(fake, "/mapping", job).status_code == 200
        assert (
            requests.get(f"{fake.base_url}/mapping/values/exchCode", timeout=5).status_code == 429
        )


def test_search_pages_of_100_with_next_omitted_on_the_last() -> None:
    with FakeOpenFigi(bulk_listings(230)) as fake:
        pages = []
        body: dict[str, object] = {"query": "testbulk holdings"}
        while True:
            page = post(fake, "/search", body).json()
            pages.append(page)
            if "next" not in page:
                break
            assert "." in page["next"]  # opaque base64.signature shape
            body = {**body, "start": page["next"]}
    assert [len(p["data"]) for p in pages] == [100, 100, 30]
    assert all("total" not in p for p in pages)
    names = [r["name"] for p in pages for r in p["data"]]
    assert len(set(names)) == 230


def test_filter_sorts_by_figi_and_reports_total(fake: FakeOpenFigi) -> None:
    page = post(fake, "/filter", {"exchCode": "HK"}).json()
    figis = [r["figi"] for r in page["data"]]
    assert figis == sorted(figis)
    assert page["total"] == len(figis) == 4
    assert "next" not in page
    assert post(fake, "/filter", {"query": "no such company"}).json() == {"data": [], "total": 0}


def test_forged_cursor_is_a_bad_request(fake: FakeOpenFigi) -> None:
    assert post(fake, "/search", {"query": "x", "start": "abc.def"}).status_code == 400


def test_mapping_values(fake: FakeOpenFigi) -> None:
    resp = requests.get(f"{fake.base_url}/mapping/values/exchCode", timeout=5)
    assert resp.json() == {"values": ["C2", "CG", "CH", "CS", "HK", "UN", "US"]}
    assert "ID_ISIN" in requests.get(f"{fake.base_url}/mapping/values/idType").json()["values"]


def test_faults_status_delay_malformed_and_drops(fake: FakeOpenFigi) -> None:
    job = [{"idType": "TICKER", "idValue": "20", "exchCode": "HK"}]
    fake.fail_with_status(503)
    assert post(fake, "/mapping", job).text == "Service Unavailable."
    fake.malformed_json()
    with pytest.raises(requests.JSONDecodeError):
        post(fake, "/mapping", job).json()
    fake.drop_connection()
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        post(fake, "/mapping", job)
    fake.drop_connection(mid_response=False)
    with pytest.raises(requests.ConnectionError):
        post(fake, "/mapping", job)
    fake.delay(1.0)
    with pytest.raises(requests.Timeout):
        requests.post(f"{fake.base_url}/mapping", json=job, timeout=0.2)
    fake.rate_limit_storm(1, reset=7, retry_after=None)
    storm = post(fake, "/mapping", job)
    assert storm.status_code == 429 and storm.headers["ratelimit-reset"] == "7"
    assert "retry-after" not in storm.headers
    assert post(fake, "/mapping", job).status_code == 200  # faults are used up


def test_fault_can_target_one_path(fake: FakeOpenFigi) -> None:
    fake.fail_with_status(500, path="/v3/search")
    job = [{"idType": "TICKER", "idValue": "20", "exchCode": "HK"}]
    assert post(fake, "/mapping", job).status_code == 200
    assert post(fake, "/search", {"query": "x"}).status_code == 500


def test_max_in_window_counts_arrivals() -> None:
    with FakeOpenFigi(mapping_rate=(100, 60.0)) as fake:
        for _ in range(3):
            requests.get(f"{fake.base_url}/mapping/values/currency", timeout=5)
    assert fake.max_in_window("mapping", 60.0) == 3
    assert fake.max_in_window("search", 60.0) == 0


def test_guard_blocks_the_real_host() -> None:
    with pytest.raises(NetworkAccessError):
        requests.get("https://api.openfigi.com/v3/mapping/values/idType", timeout=1)
