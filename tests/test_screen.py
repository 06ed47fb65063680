"""Screening: statuses on the as-of date, explanations, suppressions, distinct matching."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from portfolio_guard import screen
from portfolio_guard.errors import ParseError
from portfolio_guard.listings import Listings
from portfolio_guard.match import Matcher

AS_OF = date(2026, 11, 29)


def statuses(report_findings: pd.DataFrame) -> dict[int, str]:
    return {int(r.line): str(r.status) for r in report_findings.itertuples()}


def test_notebook_style_ticker_column_only(listings: Listings) -> None:
    df = pd.DataFrame({"ticker": ["0941.HK", "AAPL", "600118.SS", "0020.HK", "MSFT"]})
    report = screen(df, as_of=AS_OF, listings=listings)
    found = report.findings
    assert list(found["line"]) == [1, 3, 4]
    assert set(found["status"]) == {"prohibited"}
    assert list(found["entity_uid"]) == [30923, 30934, 33114]
    assert report.rows_screened == 5
    assert report.exit_code == 1


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        # Dawning Information Industry (603019 CN): listed 2021-12-16, E 2022-02-14, X 2022-12-16.
        (date(2021, 12, 15), None),
        (date(2021, 12, 16), "pending"),
        (date(2022, 2, 13), "pending"),
        (date(2022, 2, 14), "divestment"),
        (date(2022, 12, 15), "divestment"),
        (date(2022, 12, 16), "prohibited"),
    ],
)
def test_status_at_each_boundary(listings: Listings, as_of: date, expected: str | None) -> None:
    report = screen(pd.DataFrame({"symbol": ["603019.SS"]}), as_of=as_of, listings=listings)
    got = list(report.findings["status"])
    assert got == ([] if expected is None else [expected])
    assert report.exit_code == (1 if expected in ("divestment", "prohibited") else 0)


def test_sensetime_cohort_boundaries(listings: Listings) -> None:
    df = pd.DataFrame({"symbol": ["0020.HK"]})
    assert screen(df, as_of=date(2021, 12, 9), listings=listings).findings.empty
    for day, status in [
        (date(2021, 12, 10), "pending"),
        (date(2022, 2, 8), "divestment"),
        (date(2022, 12, 9), "divestment"),
        (date(2022, 12, 10), "prohibited"),
    ]:
        assert list(screen(df, as_of=day, listings=listings).findings["status"]) == [status]


def test_every_evidence_tier(listings: Listings) -> None:
    df = pd.DataFrame(
        {
            "isin": ["KYG8020E1199", None, None, None, None],
            "cusip": [None, "16941M109", None, None, None],
            "symbol": [None, None, "941", None, None],
            "exchange": [None, None, "SEHK", None, None],
            "description": [
                None,
                None,
                None,
                "HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO LTD-A",
                "SMIC",
            ],
        }
    )
    found = screen(df, as_of=AS_OF, listings=listings).findings.set_index("line")
    assert found.loc[1, "matched_on"] == "isin" and found.loc[1, "entity_uid"] == 30951
    assert found.loc[2, "matched_on"] == "cusip" and found.loc[2, "entity_uid"] == 30923
    assert found.loc[3, "matched_on"] == "ticker" and found.loc[3, "entity_uid"] == 30923
    assert found.loc[4, "matched_on"] == "name" and found.loc[4, "status"] == "prohibited"
    # A bare acronym (OFAC's weak alias) is only ever a review.
    assert found.loc[5, "status"] == "review"


def test_findings_explain_themselves(listings: Listings) -> None:
    report = screen(pd.DataFrame({"isin": ["US16941M1099"]}), as_of=AS_OF, listings=listings)
    f = report.findings.iloc[0]
    assert f["matched_value"] == "US16941M1099"
    assert f["list_value"] == "US16941M1099"
    assert "CHINA MOBILE LIMITED" in f["reason"] and "2022-06-03" in f["reason"]
    assert "FAQ 1046" in f["rule"]
    text = report.explain(0)
    assert "line 1" in text and "score 1.00" in text


def test_cash_is_never_screened(listings: Listings) -> None:
    df = pd.DataFrame(
        {
            "symbol": ["941", "SPAXX**"],
            "description": [None, "HELD IN MONEY MARKET"],
            "exchange": ["SEHK", None],
        }
    )
    report = screen(df, as_of=AS_OF, listings=listings)
    assert list(report.findings["line"]) == [1]
    assert report.rows_screened == 1


def test_distinct_descriptions_are_matched_once(
    listings: Listings, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    original = Matcher.match_name

    def counting(self: Matcher, text: str) -> list:  # type: ignore[type-arg]
        calls.append(text)
        return original(self, text)

    monkeypatch.setattr(Matcher, "match_name", counting)
    df = pd.DataFrame({"description": ["CHINA MOBILE LTD", "APPLE INC"] * 500})
    report = screen(df, as_of=AS_OF, listings=listings)
    assert report.findings["line"].nunique() == 500
    # once per distinct value to find candidates, once more per distinct matching row key
    assert calls.count("APPLE INC") == 1
    assert calls.count("CHINA MOBILE LTD") <= 2


def test_suppression_clears_review_but_never_a_confirmed_match(
    listings: Listings, tmp_path: Path
) -> None:
    sup = tmp_path / "suppress.csv"
    sup.write_text(
        "kind,value,entity_uid,cleared_by,reason,cleared_on\n"
        "description,china united network communications ltd-a,30942,j.doe,"
        "A-share company is not the listed group,2026-11-02\n"
        "symbol,941,,j.doe,wrong on purpose,2026-11-02\n"
    )
    df = pd.DataFrame(
        {
            "description": ["CHINA UNITED NETWORK COMMUNICATIONS LTD-A", None],
            "symbol": [None, "941"],
            "exchange": [None, "SEHK"],
        }
    )
    found = screen(df, as_of=AS_OF, listings=listings, suppress=sup).findings.set_index("line")
    assert found.loc[1, "status"] == "cleared"
    assert "j.doe" in found.loc[1, "cleared_by"]
    assert found.loc[2, "status"] == "prohibited"
    assert "NOT applied" in found.loc[2, "reason"]


def test_bad_suppression_file_names_the_line(tmp_path: Path, listings: Listings) -> None:
    sup = tmp_path / "suppress.csv"
    sup.write_text("kind,value,entity_uid,cleared_by,reason,cleared_on\nisin,X,,me,ok,yesterday\n")
    with pytest.raises(ParseError) as info:
        screen(pd.DataFrame({"symbol": ["AAPL"]}), as_of=AS_OF, listings=listings, suppress=sup)
    assert (info.value.line, info.value.column) == (2, 6)


def test_report_formats(listings: Listings) -> None:
    report = screen(pd.DataFrame({"symbol": ["0941.HK", "AAPL"]}), as_of=AS_OF, listings=listings)
    data = report.to_dict()
    assert data["summary"]["prohibited"] == 1
    assert data["rows"] == {"read": 2, "skipped": 0, "screened": 2}
    assert data["listings"]["version"] == listings.version
    assert report.to_csv().splitlines()[0].startswith("file,line,account")
    page = report.to_html()
    assert page.startswith("<!DOCTYPE html>") and "CHINA MOBILE LIMITED" in page
    assert "<script" not in page and "http" not in page.split("<body>")[0]
    assert "pg-findings" in report._repr_html_()
    assert "background-color" in report.styled().to_html()


HOLDINGS_FIXTURES = sorted((Path(__file__).parent / "fixtures" / "holdings").glob("*.csv"))


@pytest.mark.parametrize("path", HOLDINGS_FIXTURES, ids=lambda p: p.name)
@pytest.mark.parametrize("as_of", [date(2021, 7, 1), date(2022, 3, 1), AS_OF])
def test_reader_codes_give_the_same_findings_as_a_fresh_frame(
    listings: Listings, path: Path, as_of: date
) -> None:
    """The screen reuses the reader's per-value codes; a DataFrame is coded afresh."""
    from portfolio_guard.holdings import read_holdings

    by_path = screen(path, as_of=as_of, listings=listings).findings
    frame = read_holdings(path).frame
    by_frame = screen(frame, as_of=as_of, listings=listings).findings
    cols = ["line", "status", "entity_uid", "matched_on", "matched_value", "reason"]
    assert by_path[cols].to_dict("records") == by_frame[cols].to_dict("records")
