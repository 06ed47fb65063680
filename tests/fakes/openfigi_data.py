"""SYNTHETIC seed data for the fake OpenFIGI server. NOT REAL FIGIs.

Company names, tickers, exchange codes and the three ISINs are real public facts (the
ISINs as OFAC publishes them, see ``shared/docs/ofac-formats.md``). Every FIGI here is
*generated*: syntactically valid (python-stdnum ``figi``), always starting ``BBGTST`` so it
is recognisable as test data, and deliberately not the instrument's real FIGI. Do not
copy any of them into curated data. No public OpenFIGI capture exists for these issuers
(openfigi.md §9), so the row layout (composite ``CH`` row plus ``CG``/``CS`` venue rows,
``HK`` rows as their own composite, Northbound ``C2`` row with its own composite) follows
the documented conventions, not an observed answer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from stdnum import figi as stdnum_figi

_FIGI_BODY = "0123456789BCDFGHJKLMNPQRSTVWXYZ"  # FIGIs contain no vowels


def synthetic_figi(seed: str) -> str:
    """A valid, deterministic, obviously fake FIGI (``BBGTST…``) for ``seed``."""
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    stem = "BBGTST" + "".join(_FIGI_BODY[b % len(_FIGI_BODY)] for b in digest[:5])
    return stem + stdnum_figi.calc_check_digit(stem)


RECORD_KEYS = (
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
)


@dataclass(frozen=True)
class Listing:
    """One FIGI row plus the facts OpenFIGI matches on but never returns (ISIN, MIC…)."""

    figi: str
    name: str
    ticker: str
    exchCode: str
    compositeFIGI: str
    shareClassFIGI: str
    securityType: str = "Common Stock"
    marketSector: str = "Equity"
    securityType2: str = "Common Stock"
    securityDescription: str | None = None
    isin: str | None = None
    mic: str | None = None
    currency: str | None = None
    # Delisted lines still appear in search but answer "No identifier found." to mapping.
    delisted: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def wire(self) -> dict[str, Any]:
        """The record as OpenFIGI writes it: fixed key order, nulls explicit."""
        values = {k: getattr(self, k) for k in RECORD_KEYS}
        if values["securityDescription"] is None:
            values["securityDescription"] = self.ticker
        return values


def _instrument(
    key: str,
    name: str,
    ticker: str,
    venues: list[tuple[str, str | None, str]],
    *,
    composite: str,
    isin: str | None = None,
    **kw: Any,
) -> list[Listing]:
    """Rows for one instrument: ``venues`` = (exchCode, MIC, currency); ``composite``
    names the venue whose row is the country composite. Connect rows (C1/C2/H1/H2) are
    their own composite, as in OpenFIGI's exchange-code table."""
    share_class = synthetic_figi(f"{key}/share-class")
    comp_figi = synthetic_figi(f"{key}/{composite}")
    rows = []
    for exch, mic, currency in venues:
        figi = synthetic_figi(f"{key}/{exch}")
        own = exch == composite or exch in {"C1", "C2", "H1", "H2"}
        rows.append(
            Listing(
                figi=figi,
                name=name,
                ticker=ticker,
                exchCode=exch,
                compositeFIGI=figi if own else comp_figi,
                shareClassFIGI=share_class,
                isin=isin,
                mic=mic,
                currency=currency,
                **kw,
            )
        )
    return rows


def default_listings() -> list[Listing]:
    """NS-CMIC-flavoured instruments: HK lines, A-shares, a Northbound line, a dead ADR."""
    return [
        *_instrument(
            "sensetime",
            "SENSETIME GROUP INC-CL B",
            "20",
            [("HK", "XHKG", "HKD")],
            composite="HK",
        ),
        *_instrument(
            "cloudwalk",
            "CLOUDWALK TECHNOLOGY CO L-A",
            "688327",
            [("CH", None, "CNY"), ("CG", "XSHG", "CNY")],
            composite="CH",
        ),
        *_instrument(
            "chinamobile-hk",
            "CHINA MOBILE LTD",
            "941",
            [("HK", "XHKG", "HKD")],
            composite="HK",
            isin="HK0941009539",
        ),
        *_instrument(
            "chinamobile-a",
            "CHINA MOBILE LTD-A",
            "600941",
            [("CH", None, "CNY"), ("CG", "XSHG", "CNY")],
            composite="CH",
        ),
        *_instrument(
            "chinamobile-adr",
            "CHINA MOBILE LTD-SPON ADR",
            "CHL",
            [("US", None, "USD"), ("UN", "XNYS", "USD")],
            composite="US",
            securityType="ADR",
            securityType2="Depositary Receipt",
            delisted=True,
        ),
        *_instrument(
            "hikvision",
            "HANGZHOU HIKVISION DIGITAL-A",
            "002415",
            [("CH", None, "CNY"), ("CS", "XSHE", "CNY"), ("C2", "XSEC", "CNY")],
            composite="CH",
            isin="CNE100000PM8",
        ),
        *_instrument(
            "chinatelecom-h",
            "CHINA TELECOM CORP LTD-H",
            "728",
            [("HK", "XHKG", "HKD")],
            composite="HK",
            isin="CNE1000002V2",
        ),
        *_instrument(
            "smic-hk",
            "SEMICONDUCTOR MANUFACTURING",
            "981",
            [("HK", "XHKG", "HKD")],
            composite="HK",
        ),
        *_instrument(
            "smic-a",
            "SEMICONDUCTOR MANUFACTURING-A",
            "688981",
            [("CH", None, "CNY"), ("CG", "XSHG", "CNY")],
            composite="CH",
        ),
    ]


def bulk_listings(count: int, stem: str = "TESTBULK") -> list[Listing]:
    """``count`` single-venue filler instruments named ``<stem> HOLDINGS <n>``, for paging."""
    rows = []
    for n in range(count):
        rows.extend(
            _instrument(
                f"{stem}/{n}",
                f"{stem} HOLDINGS {n:05d}",
                f"TB{n:05d}",
                [("US", None, "USD")],
                composite="US",
            )
        )
    return rows


# -- extra SYNTHETIC rows for the listings-refresh and check --online tests ---------------
#
# Same rules as above: real names and tickers, generated ``BBGTST…`` FIGIs, and ISINs that
# are either OFAC's (as published) or obviously fake (``CNTEST…``, valid check digit only).

# A fake ISIN for China Mobile's A shares (the real one is not needed: the tests only need
# an ISIN that the list does not print).
CHINA_MOBILE_A_ISIN = "CNTESTMOBA06"
# A fake ISIN for a China Mobile bond (the list prints none).
CHINA_MOBILE_BOND_ISIN = "CNTESTBOND02"
# A fake ISIN OpenFIGI does not know.
UNKNOWN_ISIN = "CNTESTNONE07"


def _same_class(
    key: str,
    of: str,
    name: str,
    ticker: str,
    venues: list[tuple[str, str | None, str]],
    *,
    composite: str,
    **kw: Any,
) -> list[Listing]:
    """Rows of another line of ``of``'s share class (a US OTC or German line of HK shares):
    own FIGIs and composite, ``of``'s share-class FIGI."""
    share_class = synthetic_figi(f"{of}/share-class")
    comp_figi = synthetic_figi(f"{key}/{composite}")
    return [
        Listing(
            figi=synthetic_figi(f"{key}/{exch}"),
            name=name,
            ticker=ticker,
            exchCode=exch,
            compositeFIGI=comp_figi,
            shareClassFIGI=share_class,
            mic=mic,
            currency=currency,
            **kw,
        )
        for exch, mic, currency in venues
    ]


def refresh_listings() -> list[Listing]:
    """``default_listings()`` plus what the refresh tests need to tell right from wrong:

    * SenseTime's US OTC line ``SNTMF`` (same share class as ``20 HK``);
    * China Mobile's A-share line with an ISIN the list does not print, a bond, and a
      Frankfurt line of the HK shares known only by share class (no ISIN, so ISIN mapping
      never returns it);
    * things that must *not* be attributed: a namesake (China Mobile Games & Entertainment, a
      different company), and a SenseTime warrant (not shares);
    * a bond under one of CCCC's published ``CND`` ISINs.
    """
    rows = [
        r if r.ticker != "600941" else Listing(**{**vars(r), "isin": CHINA_MOBILE_A_ISIN})
        for r in default_listings()
    ]
    rows += _same_class(
        "sensetime-otc",
        "sensetime",
        "SENSETIME GROUP INC-CL B",
        "SNTMF",
        [("US", None, "USD"), ("UV", "OOTC", "USD")],
        composite="US",
    )
    rows += _same_class(
        "chinamobile-frankfurt",
        "chinamobile-hk",
        "CHINA MOBILE LTD",
        "CTM",
        [("GR", None, "EUR"), ("GF", "XFRA", "EUR")],
        composite="GR",
    )
    rows += _instrument(
        "cmge",
        "CHINA MOBILE GAMES & ENTERTAI-ADR",
        "CMGE",
        [("US", None, "USD"), ("UW", "XNGS", "USD")],
        composite="US",
        securityType="ADR",
        securityType2="Depositary Receipt",
    )
    rows += _instrument(
        "sensetime-warrant",
        "SENSETIME GROUP INC-CL B",
        "20W",
        [("HK", "XHKG", "HKD")],
        composite="HK",
        securityType="Equity WRT",
        securityType2="Warrant",
    )
    rows += [
        Listing(
            figi=synthetic_figi(f"{key}/bond"),
            name=name,
            ticker=ticker,
            exchCode="NOT LISTED",
            # Bonds have no composite or share-class FIGI: OpenFIGI writes null.
            compositeFIGI=None,  # type: ignore[arg-type]
            shareClassFIGI=None,  # type: ignore[arg-type]
            securityType="DOMESTIC MTN",
            marketSector="Corp",
            securityType2="Note",
            isin=isin,
            currency="CNY",
        )
        for key, name, ticker, isin in (
            ("cccc-bond", "CHINA COMMUNICATIONS CONSTRU", "CHCOMU 3.8 03/25/30", "CND10000GBD8"),
            ("chinamobile-bond", "CHINA MOBILE LTD", "CHMOBI 3.5 06/01/31", CHINA_MOBILE_BOND_ISIN),
        )
    ]
    return rows
