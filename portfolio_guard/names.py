"""Company-name normalisation for matching broker descriptions to listed names.

Brokers abbreviate (``CHINA RAILWAY CONSTR CORP-H``), append share classes and wrappers
(``SPONSORED ADR EACH REP 20 ORD SHS``) and truncate. We reduce a name to canonical tokens:
legal-form and wrapper words are dropped, abbreviations expanded, plurals folded. What is
left is split into *generic* tokens (CHINA, GROUP, ...) that many listed names share, and
*distinctive* ones that tell companies apart: CHINA RAILWAY GROUP and CHINA RAILWAY
CONSTRUCTION differ in a distinctive token and therefore never match each other.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Legal forms, share classes, depositary-receipt wrappers and filler: no identity in them.
NOISE = frozenset(
    [
        "CO",
        "COS",
        "COMPANY",
        "CORP",
        "CORPORATION",
        "INC",
        "INCORPORATED",
        "LTD",
        "LIMITED",
        "LIMITADA",
        "PLC",
        "LLC",
        "LP",
        "SA",
        "AG",
        "NV",
        "THE",
        "OF",
        "AND",
        "FOR",
        "CL",
        "CLASS",
        "A",
        "B",
        "C",
        "D",
        "H",
        "N",
        "R",
        "S",
        "SH",
        "SHS",
        "SHR",
        "SHRS",
        "SHARE",
        "SHARES",
        "ORD",
        "ORDINARY",
        "COM",
        "COMMON",
        "STK",
        "STOCK",
        "SPON",
        "SPONSORED",
        "UNSPONS",
        "UNSPONSORED",
        "ADR",
        "ADRS",
        "ADS",
        "GDR",
        "GDRS",
        "DR",
        "BDR",
        "DRC",
        "DEPOSITARY",
        "DEPOSITORY",
        "RECEIPT",
        "RECEIPTS",
        "EACH",
        "REP",
        "REPR",
        "REPRESENTING",
        "REPRESENTS",
        "NEW",
        "REG",
        "REGISTERED",
        "NPV",
        "PAR",
        "VALUE",
        "EQUITY",
        "EQ",
        "FGN",
        "FOREIGN",
        "F",
        "XX",
    ]
)

# Broker abbreviations and variants, mapped to one canonical spelling.
ABBREVIATIONS = {
    "TECH": "TECHNOLOGY",
    "TECHN": "TECHNOLOGY",
    "TECHNOL": "TECHNOLOGY",
    "TECHNOLOGIES": "TECHNOLOGY",
    "TECHS": "TECHNOLOGY",
    "INTL": "INTERNATIONAL",
    "INTERNATL": "INTERNATIONAL",
    "MFG": "MANUFACTURING",
    "MANUF": "MANUFACTURING",
    "HLDG": "HOLDING",
    "HLDGS": "HOLDING",
    "HOLDINGS": "HOLDING",
    "HLD": "HOLDING",
    "GRP": "GROUP",
    "COMMS": "COMMUNICATION",
    "COMMUN": "COMMUNICATION",
    "COMMUNICATIONS": "COMMUNICATION",
    "COMM": "COMMUNICATION",
    "TELECOMM": "TELECOM",
    "TELECOMMUNICATION": "TELECOMMUNICATIONS",
    "CONSTR": "CONSTRUCTION",
    "CONST": "CONSTRUCTION",
    "CONSTRN": "CONSTRUCTION",
    "ELECTR": "ELECTRONIC",
    "ELEC": "ELECTRONIC",
    "ELECTRONICS": "ELECTRONIC",
    "INDL": "INDUSTRY",
    "IND": "INDUSTRY",
    "INDS": "INDUSTRY",
    "INDUSTRIES": "INDUSTRY",
    "INDUSTRIAL": "INDUSTRY",
    "SYS": "SYSTEM",
    "SYSTEMS": "SYSTEM",
    "SVCS": "SERVICE",
    "SVC": "SERVICE",
    "SERVICES": "SERVICE",
    "SERV": "SERVICE",
    "NATL": "NATIONAL",
    "INFO": "INFORMATION",
    "INF": "INFORMATION",
    "DIGI": "DIGITAL",
    "AERO": "AERO",
    "AVN": "AVIATION",
    "SEMICONDUCTORS": "SEMICONDUCTOR",
    "SEMICON": "SEMICONDUCTOR",
    "SEMICOND": "SEMICONDUCTOR",
    "ENGR": "ENGINEERING",
    "ENG": "ENGINEERING",
    "INV": "INVESTMENT",
    "INVT": "INVESTMENT",
    "INVESTMENTS": "INVESTMENT",
    "MICROELECTR": "MICROELECTRONICS",
    "SCI": "SCIENCE",
    "SCIENCES": "SCIENCE",
    "INSTR": "INSTRUMENTS",
    "INSTRUMENT": "INSTRUMENTS",
    "TECHNOLOGICAL": "TECHNOLOGY",
    "HK": "HONGKONG",
    "HONG": "HONGKONG",
    "KONG": "",
    "ELECTRONIC'S": "ELECTRONIC",
}

# Shared by many names: they never decide a match on their own.
GENERIC = frozenset(
    [
        "CHINA",
        "CHINESE",
        "PRC",
        "GROUP",
        "HOLDING",
        "NATIONAL",
        "INTERNATIONAL",
        "TECHNOLOGY",
        "INDUSTRY",
        "HONGKONG",
        "CAPITAL",
        "INVESTMENT",
        "DEVELOPMENT",
        "SCIENCE",
        "ENGINEERING",
        "SYSTEM",
        "SERVICE",
    ]
)

# Words that turn a company into its parent or a subsidiary of the same name.
RELATION = frozenset({"GROUP", "HOLDING", "PARENT"})

_SPLIT = re.compile(r"[^0-9A-Z]+")
_PAREN = re.compile(r"\((?:HONG KONG|HK)\)")


@lru_cache(maxsize=65536)
def tokens(name: str) -> tuple[str, ...]:
    """Canonical tokens of a company name, in order.

    >>> tokens("China Communications Constr Co Ltd-H")
    ('CHINA', 'COMMUNICATION', 'CONSTRUCTION')
    >>> tokens("CHINA MOBILE LTD SPONSORED ADR EACH REP 5 ORD SHS")
    ('CHINA', 'MOBILE')
    """
    text = _PAREN.sub(" HONGKONG ", name.upper().replace("&", " AND "))
    text = text.replace("'", "")
    out: list[str] = []
    for raw in _SPLIT.split(text):
        if not raw or raw.isdigit():
            continue
        tok = ABBREVIATIONS.get(raw, raw)
        if not tok or tok in NOISE:
            continue
        out.append(tok)
    return tuple(out)


def key(name: str) -> str:
    """A name's canonical form as one string (order kept)."""
    return " ".join(tokens(name))


def distinctive(toks: tuple[str, ...]) -> frozenset[str]:
    return frozenset(t for t in toks if t not in GENERIC)


def acronym_like(name: str) -> bool:
    """True for short one-word names such as AECC or SMIC, which only match exactly."""
    stripped = name.strip()
    return " " not in stripped and len(stripped) <= 6


# Provinces and cities that brokers often leave out of a name (HIKVISION for HANGZHOU
# HIKVISION): missing from a description they do not rule a match out, but they are never
# enough to make one.
PLACES = frozenset(
    [
        "BEIJING",
        "SHANGHAI",
        "SHENZHEN",
        "HANGZHOU",
        "NANJING",
        "XIAMEN",
        "CHANGSHA",
        "GUIZHOU",
        "JIANGXI",
        "SHAANXI",
        "FUJIAN",
        "ANHUI",
        "BAOTOU",
        "DONGAN",
        "ZHEJIANG",
        "GUANGDONG",
        "JIANGSU",
        "SICHUAN",
        "HUBEI",
        "HUNAN",
        "SHANDONG",
        "TIANJIN",
        "CHONGQING",
        "WUHAN",
        "CHENGDU",
        "XIAN",
        "HENAN",
        "HEBEI",
        "LIAONING",
        "JILIN",
        "HEILONGJIANG",
        "SHANXI",
        "YUNNAN",
        "GUANGXI",
        "HAINAN",
        "GANSU",
        "QINGHAI",
        "NINGXIA",
        "XINJIANG",
        "TIBET",
        "INNER",
        "MONGOLIA",
        "ZHUHAI",
        "SUZHOU",
        "HEFEI",
        "ZHENGZHOU",
        "GUANGZHOU",
    ]
)
