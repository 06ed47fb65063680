"""Market tables behind :mod:`portfolio_guard.tickers`: what each market code means, per namespace.

The same two letters mean different places in different namespaces (the "market-code trap",
ofac-formats.md §7): OFAC's suffix is an ISO 3166 *country* (``CN`` China, ``DE`` Germany, ``SG``
Singapore) while Bloomberg/OpenFIGI exchange codes reuse them (``CN`` Canada, ``DE`` Douala,
``SG`` Belgrade), and Yahoo's ``.SG`` is Stuttgart. So every table here is keyed by one namespace
only, and each value says the ISO country of the market plus the ISO 10383 MIC when the code
names one venue (``None`` for composites such as Bloomberg ``US`` or ``CH``).

Sources: ofac-formats.md §7; openfigi.md §9 (OpenFIGI exchange codes, MICs); brokerage-formats.md
§5/§11 (IBKR exchange names, Yahoo suffixes, Saxo ``TICKER:mic``); ISO 10383 for MICs.
"""

from __future__ import annotations

from dataclasses import dataclass

# (ISO 3166 country of the market, MIC or None)
Place = tuple[str, str | None]

# The countries OFAC's NS-CMIC tickers use; parse_ticker understands these markets fully.
OFAC_COUNTRIES = frozenset({"CN", "HK", "US", "DE", "SG", "BR", "CA", "AR", "RU"})

# ISO 3166-1 alpha-2 (plus the withdrawn AN and CS that old data still carries). OFAC may add a
# listing on a market we have no table for; its ticker must still load, with a generic code.
_ISO_3166 = """
    AD AE AF AG AI AL AM AN AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
    BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CS CU CV CW CX CY CZ DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY
    HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA
    LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY
    MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS
    RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM
    TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
"""
ISO_COUNTRIES = frozenset(_ISO_3166.split())


@dataclass(frozen=True, slots=True)
class Spelling:
    """How one market is written in each namespace (``None``: that namespace has no form)."""

    yahoo: str | None  # suffix without the dot; "" = no suffix (US)
    bloomberg: str  # composite exchange code, also OpenFIGI's
    openfigi: str  # exchCode to send OpenFIGI (venue-level where it helps)
    google: str | None  # Google Finance prefix, ``SHA:600118``
    ibkr: str | None  # IBKR exchange name


# Per venue (MIC) where a market has several; per country otherwise. Shanghai and Shenzhen differ
# in every namespace, so China is split by venue; a CN listing whose venue cannot be told from
# its code gets only the composite forms.
VENUE_SPELLINGS: dict[str, Spelling] = {
    "XHKG": Spelling("HK", "HK", "HK", "HKG", "SEHK"),
    # IBKR reaches A-shares only through Stock Connect: SEHKNTL (Shanghai), SEHKSZSE (Shenzhen).
    "XSHG": Spelling("SS", "CH", "CG", "SHA", "SEHKNTL"),
    "XSHE": Spelling("SZ", "CH", "CS", "SHE", "SEHKSZSE"),
    "BJSE": Spelling("BJ", "CH", "JC", None, None),
}
COUNTRY_SPELLINGS: dict[str, Spelling] = {
    "HK": VENUE_SPELLINGS["XHKG"],
    "CN": Spelling(None, "CH", "CH", None, None),
    "US": Spelling("", "US", "US", None, None),
    "DE": Spelling("DE", "GR", "GR", "ETR", "IBIS"),
    "SG": Spelling("SI", "SP", "SP", "SGX", "SGX"),
    "BR": Spelling("SA", "BZ", "BZ", "BVMF", None),
    "CA": Spelling("TO", "CN", "CN", "TSE", "TSE"),
    "AR": Spelling("BA", "AR", "AR", "BCBA", None),
    "RU": Spelling("ME", "RU", "RU", "MCX", None),
}

# Google Finance prefixes for US venues (Google needs the venue; a bare US listing gets none).
US_GOOGLE_PREFIX: dict[str, str] = {
    "XNYS": "NYSE",
    "XNAS": "NASDAQ",
    "XNGS": "NASDAQ",
    "XNMS": "NASDAQ",
    "XNCM": "NASDAQ",
    "ARCX": "NYSEARCA",
    "XASE": "NYSEAMERICAN",
    "OTCM": "OTCMKTS",
    "OOTC": "OTCMKTS",
    "PINX": "OTCMKTS",
}

# Bloomberg / OpenFIGI exchange codes, as they trail a ticker (``941 HK``, ``600118 CG``).
# ``CN`` is Canada here; tickers.py reads an all-digit code with ``CN`` as China (see there).
# ``DE`` and ``SG`` are Douala and Belgrade in OpenFIGI, markets no NS-CMIC issuer lists on,
# so a trailing DE/SG is someone copying OFAC's country form: read as Germany and Singapore.
BLOOMBERG_CODES: dict[str, Place] = {
    "HK": ("HK", "XHKG"),
    "H1": ("HK", "XHKG"),  # Southbound Connect lines still list in Hong Kong
    "H2": ("HK", "XHKG"),
    "CH": ("CN", None),
    "CG": ("CN", "XSHG"),
    "CS": ("CN", "XSHE"),
    "C1": ("CN", "XSHG"),  # Northbound Connect (SSE)
    "C2": ("CN", "XSHE"),  # Northbound Connect (SZSE)
    "JC": ("CN", "BJSE"),
    "US": ("US", None),
    "UN": ("US", "XNYS"),
    "UW": ("US", "XNGS"),
    "UQ": ("US", "XNMS"),
    "UR": ("US", "XNCM"),
    "UA": ("US", "XASE"),
    "UP": ("US", "ARCX"),
    "UV": ("US", "OOTC"),
    "UU": ("US", None),
    "PQ": ("US", "OTCM"),
    "GR": ("DE", None),
    "GY": ("DE", "XETR"),
    "GF": ("DE", "XFRA"),
    "GS": ("DE", "XSTU"),
    "GM": ("DE", "XMUN"),
    "GD": ("DE", "XDUS"),
    "GH": ("DE", "XHAM"),
    "GI": ("DE", "XHAN"),
    "DE": ("DE", None),
    "SP": ("SG", "XSES"),
    "SG": ("SG", "XSES"),
    "BZ": ("BR", None),
    "BR": ("BR", None),
    "CN": ("CA", None),
    "CA": ("CA", None),
    "CT": ("CA", "XTSE"),
    "CV": ("CA", "XTSX"),
    "AR": ("AR", None),
    "RU": ("RU", None),
    "RM": ("RU", "MISX"),
}

# Yahoo Finance suffixes (``0941.HK``). ``.SG`` is Stuttgart, Singapore is ``.SI``; ``.CN`` is the
# Canadian Securities Exchange.
YAHOO_SUFFIXES: dict[str, Place] = {
    "HK": ("HK", "XHKG"),
    "SS": ("CN", "XSHG"),
    "SZ": ("CN", "XSHE"),
    "BJ": ("CN", "BJSE"),
    "DE": ("DE", "XETR"),
    "F": ("DE", "XFRA"),
    "SG": ("DE", "XSTU"),
    "BE": ("DE", "XBER"),
    "MU": ("DE", "XMUN"),
    "DU": ("DE", "XDUS"),
    "HM": ("DE", "XHAM"),
    "HA": ("DE", "XHAN"),
    "SI": ("SG", "XSES"),
    "SA": ("BR", "BVMF"),
    "TO": ("CA", "XTSE"),
    "V": ("CA", "XTSX"),
    "CN": ("CA", None),
    "NE": ("CA", None),
    "BA": ("AR", "XBUE"),
    "ME": ("RU", "MISX"),
}

# Exchange names as brokers and data sites write them: IBKR, Google Finance, MICs, plain names.
# Keys are upper case with spaces and punctuation removed (``NYSE Arca`` -> ``NYSEARCA``).
_EXCHANGE_NAMES: dict[str, Place] = {
    # Hong Kong
    "SEHK": ("HK", "XHKG"),
    "HKEX": ("HK", "XHKG"),
    "HKSE": ("HK", "XHKG"),
    "HKG": ("HK", "XHKG"),
    "XHKG": ("HK", "XHKG"),
    # China A (IBKR reaches them through Stock Connect)
    "SEHKNTL": ("CN", "XSHG"),
    "SEHKSTAR": ("CN", "XSHG"),
    "SEHKSZSE": ("CN", "XSHE"),
    "SHA": ("CN", "XSHG"),
    "SHE": ("CN", "XSHE"),
    "SSE": ("CN", "XSHG"),
    "SZSE": ("CN", "XSHE"),
    "XSHG": ("CN", "XSHG"),
    "XSHE": ("CN", "XSHE"),
    "XSSC": ("CN", "XSHG"),  # Northbound Connect MICs: the listing is on the home exchange
    "XSEC": ("CN", "XSHE"),
    "BJSE": ("CN", "BJSE"),
    # United States
    "NYSE": ("US", "XNYS"),
    "XNYS": ("US", "XNYS"),
    "NASDAQ": ("US", "XNAS"),
    "ISLAND": ("US", "XNAS"),
    "XNAS": ("US", "XNAS"),
    "XNGS": ("US", "XNGS"),
    "XNMS": ("US", "XNMS"),
    "XNCM": ("US", "XNCM"),
    "ARCA": ("US", "ARCX"),
    "NYSEARCA": ("US", "ARCX"),
    "ARCX": ("US", "ARCX"),
    "AMEX": ("US", "XASE"),
    "NYSEAMERICAN": ("US", "XASE"),
    "NYSEMKT": ("US", "XASE"),
    "XASE": ("US", "XASE"),
    "BATS": ("US", "BATS"),
    "PINK": ("US", "PINX"),
    "PINX": ("US", "PINX"),
    "OTC": ("US", None),
    "OTCMKTS": ("US", "OTCM"),
    "OTCM": ("US", "OTCM"),
    "OOTC": ("US", "OOTC"),
    # Germany
    "IBIS": ("DE", "XETR"),
    "IBIS2": ("DE", "XETR"),
    "XETRA": ("DE", "XETR"),
    "ETR": ("DE", "XETR"),
    "XETR": ("DE", "XETR"),
    "FWB": ("DE", "XFRA"),
    "FWB2": ("DE", "XFRA"),
    "FRA": ("DE", "XFRA"),
    "XFRA": ("DE", "XFRA"),
    "SWB": ("DE", "XSTU"),
    "XSTU": ("DE", "XSTU"),
    "XBER": ("DE", "XBER"),
    "XMUN": ("DE", "XMUN"),
    "XDUS": ("DE", "XDUS"),
    "XHAM": ("DE", "XHAM"),
    "XHAN": ("DE", "XHAN"),
    "GETTEX": ("DE", None),
    "TGATE": ("DE", None),
    # Singapore, Brazil, Canada, Argentina, Russia
    "SGX": ("SG", "XSES"),
    "XSES": ("SG", "XSES"),
    "BVMF": ("BR", "BVMF"),
    "BOVESPA": ("BR", "BVMF"),
    "B3": ("BR", "BVMF"),
    "TSE": ("CA", "XTSE"),  # Toronto for IBKR and Google (IBKR's Tokyo is TSEJ)
    "TSX": ("CA", "XTSE"),
    "XTSE": ("CA", "XTSE"),
    "VENTURE": ("CA", "XTSX"),
    "CVE": ("CA", "XTSX"),
    "XTSX": ("CA", "XTSX"),
    "BCBA": ("AR", "XBUE"),
    "BYMA": ("AR", "XBUE"),
    "XBUE": ("AR", "XBUE"),
    "MCX": ("RU", "MISX"),
    "MOEX": ("RU", "MISX"),
    "MISX": ("RU", "MISX"),
    "RTSX": ("RU", "RTSX"),
}

# Every exchange hint parse_ticker accepts; Bloomberg/OpenFIGI codes included.
EXCHANGE_HINTS: dict[str, Place] = {**BLOOMBERG_CODES, **_EXCHANGE_NAMES}

# Currency of the line -> the countries it suggests, most likely first. CNH is what IBKR settles
# Stock Connect A-shares in, and also the currency of Hong Kong's RMB counters (8xxxx).
CURRENCY_HINTS: dict[str, tuple[str, ...]] = {
    "HKD": ("HK",),
    "CNY": ("CN", "HK"),
    "RMB": ("CN", "HK"),
    "CNH": ("CN", "HK"),
    "USD": ("US",),
    "SGD": ("SG",),
    "BRL": ("BR",),
    "CAD": ("CA",),
    "ARS": ("AR",),
    "RUB": ("RU",),
    "RUR": ("RU",),
}
