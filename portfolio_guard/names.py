"""Company-name normalisation for matching broker descriptions to listed names.

Brokers abbreviate (``CHINA RAILWAY CONSTR CORP-H``), append share classes and wrappers
(``SPONSORED ADR EACH REP 20 ORD SHS``, ``ADR ON ...``, ``/CAYMAN ISL-A``), add par values
(``HD -,10``) and cut names at a fixed width (``HANGZHOU HIKVISION DIGITAL TE``).
:func:`parse` reduces a name to canonical *tokens*: legal forms are set aside (they are
evidence of their own: ``COSTAR GROUP INC`` is not ``COSTAR GROUP CO., LTD.``), wrapper and
class words dropped, abbreviations expanded, plurals folded. Tokens then fall in four classes:

- *generic* (CHINA, TECHNOLOGY, COMMUNICATION ...): shared by many names, never enough alone;
- *relation* (GROUP, HOLDING): the words that turn a company into its parent or subsidiary;
- *places* (HANGZHOU, BEIJING ...): brokers drop them, so a missing one is no difference;
- everything else is *distinctive*: CHINA RAILWAY GROUP and CHINA RAILWAY CONSTRUCTION differ
  in a distinctive word and therefore never match each other.

Names in Chinese script keep a separate core (legal suffixes removed) for exact comparison.
Nothing here raises: any text, however odd, gives a (possibly empty) :class:`ParsedName`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Legal forms: set aside, not discarded. Keys are spellings, values the canonical form.
LEGAL_FORMS = {
    "LTD": "LTD",
    "LIMITED": "LTD",
    "LIMITADA": "LTDA",
    "LTDA": "LTDA",
    "CO": "CO",
    "COS": "CO",
    "COMPANY": "CO",
    "CORP": "CORP",
    "CORPORATION": "CORP",
    "INC": "INC",
    "INCORPORATED": "INC",
    "PLC": "PLC",
    "LLC": "LLC",
    "LP": "LP",
    "LLP": "LLP",
    "SA": "SA",
    "AG": "AG",
    "NV": "NV",
    "BV": "BV",
    "SPA": "SPA",
    "AB": "AB",
    "ASA": "ASA",
    "OYJ": "OYJ",
    "GMBH": "GMBH",
    "KGAA": "KGAA",
    "BHD": "BHD",
    "TBK": "TBK",
    "PCL": "PCL",
    "KK": "KK",
    "SAB": "SAB",
}

# Forms no PRC or Hong Kong issuer on the list uses: in a description they point elsewhere
# (COSTAR GROUP INC, the US company, against COSTAR GROUP CO., LTD., the listed one).
FOREIGN_FORMS = frozenset(
    {
        "INC",
        "PLC",
        "LLC",
        "LP",
        "LLP",
        "SA",
        "AG",
        "NV",
        "BV",
        "SPA",
        "AB",
        "ASA",
        "OYJ",
        "GMBH",
        "KGAA",
        "BHD",
        "TBK",
        "PCL",
        "KK",
        "SAB",
        "LTDA",
    }
)

# Share classes, depositary-receipt and instrument wrappers, domiciles, filler: no identity.
NOISE = frozenset(
    [
        # articles and filler
        "THE",
        "OF",
        "AND",
        "FOR",
        "EACH",
        "REP",
        "REPR",
        "REPS",
        "REPSTG",
        "RPRSNTNG",
        "REPRESENTING",
        "REPRESENTS",
        "RP",
        "XX",
        # share classes and kinds of share
        "CL",
        "CLA",
        "CLB",
        "CLASS",
        "SER",
        "SERIES",
        "A",
        "B",
        "C",
        "D",
        "H",
        "N",
        "R",
        "S",
        "F",
        "SH",
        "SHS",
        "SHR",
        "SHRS",
        "SHARE",
        "SHARES",
        "ORD",
        "ORDS",
        "ORDINARY",
        "COM",
        "COMMON",
        "STK",
        "STOCK",
        "EQ",
        "EQUITY",
        "PFD",
        "PREF",
        "PREFERRED",
        "REG",
        "REGD",
        "REGISTERED",
        "BEARER",
        "NPV",
        "PAR",
        "VALUE",
        "UNITS",
        "FGN",
        "FOREIGN",
        # depositary receipts
        "SP",
        "SPN",
        "SPON",
        "SPONS",
        "SPONSORED",
        "UNSP",
        "UNSPON",
        "UNSPONS",
        "UNSPONSORED",
        "ADR",
        "ADRS",
        "ADS",
        "GDR",
        "GDRS",
        "DR",
        "BDR",
        "BDRS",
        "DRC",
        "DEPOSITARY",
        "DEPOSITORY",
        "RECEIPT",
        "RECEIPTS",
        # German broker wording (flatex, comdirect: "NAMENS-AKTIEN", "REG. SHARES")
        "AKTIE",
        "AKTIEN",
        "NAMENS",
        "NAMEN",
        "INHABER",
        # domiciles IBKR appends ("SEMICONDUCTOR MANUFACTURING/CAYMAN ISL-A")
        "CAYMAN",
        "ISL",
        "ISLANDS",
        "BERMUDA",
        "BVI",
        # bonds, warrants, options: the issuer's name is what is left
        "BOND",
        "BONDS",
        "NOTE",
        "NOTES",
        "NTS",
        "SR",
        "SNR",
        "SENIOR",
        "SUB",
        "UNSEC",
        "UNSECURED",
        "SECURED",
        "GTD",
        "GUARANTEED",
        "PERP",
        "FRN",
        "MTN",
        "CPN",
        "DUE",
        "REGS",
        "144A",
        "WT",
        "WTS",
        "WARRANT",
        "WARRANTS",
        "RTS",
        "RIGHTS",
        "CALL",
        "CALLS",
        "PUT",
        "PUTS",
        "OPTION",
        "OPTIONS",
        "JAN",
        "FEB",
        "MAR",
        "APR",
        "JUN",
        "JUL",
        "AUG",
        "SEP",
        "SEPT",
        "OCT",
        "NOV",
        "DEC",
    ]
)

# Broker abbreviations and variants, mapped to one canonical spelling.
ABBREVIATIONS = {
    "TECH": "TECHNOLOGY",
    "TECHN": "TECHNOLOGY",
    "TECHNOL": "TECHNOLOGY",
    "TECHNOLOGIES": "TECHNOLOGY",
    "TECHNOLOGICAL": "TECHNOLOGY",
    "TECHS": "TECHNOLOGY",
    "INTL": "INTERNATIONAL",
    "INTERNATL": "INTERNATIONAL",
    "MFG": "MANUFACTURING",
    "MANUF": "MANUFACTURING",
    "HLDG": "HOLDING",
    "HLDGS": "HOLDING",
    "HOLDINGS": "HOLDING",
    "HLD": "HOLDING",
    "HOLDCO": "HOLDING",
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
    "HK": "HONGKONG",
    "HONGKONG": "HONGKONG",
}

# Shared by many names: they never decide a match on their own.
GENERIC = frozenset(
    [
        "CHINA",
        "CHINESE",
        "PRC",
        "NATIONAL",
        "INTERNATIONAL",
        "TECHNOLOGY",
        "INDUSTRY",
        "CAPITAL",
        "INVESTMENT",
        "DEVELOPMENT",
        "SCIENCE",
        "ENGINEERING",
        "SYSTEM",
        "SERVICE",
        "COMMUNICATION",
        "ELECTRONIC",
        "INFORMATION",
        # the AVIC group's brand prefixes eight listed names and many unlisted ones
        "AVIC",
    ]
)

# Words that turn a company into its parent or a subsidiary of the same name.
RELATION = frozenset({"GROUP", "HOLDING", "PARENT"})

# Provinces and cities that brokers often leave out of a name (HIKVISION for HANGZHOU
# HIKVISION): missing from a description they do not rule a match out, but they are never
# enough to make one, and one the listed company's names lack makes a match doubtful.
PLACES = frozenset(
    [
        "HONGKONG",
        "BEIJING",
        "SHANGHAI",
        "SHENZHEN",
        "SZ",
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

# Names the market uses that OFAC's record lacks, by OFAC uid. Each needs a public source.

# Fixed-width description columns cut names at 20-40 characters; shorter text is whole.
TRUNCATION_MIN_LENGTH = 18

_SPLIT = re.compile(r"[^0-9A-Z]+")
_WRAPPER_PREFIX = re.compile(
    r"^\s*(?:(?:UN)?SPONS?(?:ORED)?\.?\s+)?(?:ADR|ADS|GDR|BDR|DR)S?\s+(?:ON|OF|FOR)\s+"
)
# Par values as German brokers print them: "HD -,10", "DL-,01", "EO 1", "o.N.".
_PAR_VALUE = re.compile(r"\b(?:DL|HD|EO|SF|LS|YN|RC|YC|RB)\s*-?,\s*\d+|\bO\.\s*N\.")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_CJK_SUFFIX = re.compile(r"(?:股份有限公司|有限责任公司|有限責任公司|股份公司|有限公司|公司)$")


@dataclass(frozen=True, slots=True)
class ParsedName:
    """A name reduced for matching.

    ``tokens`` are the canonical identity words in order; ``forms`` the canonical legal forms
    (``LTD``, ``CO``, ``CORP``, ``INC`` ...); ``open_end`` says the text may have been cut
    short by a fixed-width column (long, and not ending in a legal form or class word);
    ``cjk`` is the core of a name in Chinese script, ``""`` if there is none.
    """

    tokens: tuple[str, ...]
    forms: frozenset[str]
    open_end: bool
    cjk: str
    tail: str = ""  # the last word as written, when the text may be cut (ELEC, not ELECTRONIC)
    form_at: int = 0  # how many tokens precede the first legal form (all of them if none)


_NO_FORMS: frozenset[str] = frozenset()
_EMPTY = ParsedName((), _NO_FORMS, False, "")


def _fold(text: str) -> tuple[str, str]:
    """Latin text without accents or full-width forms, and the Chinese-script core."""
    text = unicodedata.normalize("NFKC", text)
    cjk = "".join(_CJK.findall(text))
    while cjk:
        cut = _CJK_SUFFIX.sub("", cjk)
        if cut == cjk:
            break
        cjk = cut
    decomposed = unicodedata.normalize("NFKD", text)
    latin = "".join(ch for ch in decomposed if ch.isascii())
    return latin, cjk


@lru_cache(maxsize=65536)
def parse(name: str) -> ParsedName:
    """Reduce ``name`` for matching; never raises.

    >>> p = parse("CHINA MOBILE LTD SPONSORED ADR EACH REP 5 ORD SHS")
    >>> p.tokens, sorted(p.forms), p.open_end
    (('CHINA', 'MOBILE'), ['LTD'], False)
    >>> parse("HANGZHOU HIKVISION DIGITAL TE").open_end
    True
    """
    if not isinstance(name, str):
        return _EMPTY
    cjk = ""
    if not name.isascii():
        name, cjk = _fold(name)
    text = name.upper().replace("&", " AND ").replace("'", "").replace("`", "")
    # Each pattern needs a literal its matches all contain: most names have none of them, and
    # a substring test is far cheaper than a regex scan (screening parses every description).
    if "," in text or "O." in text:
        text = _PAR_VALUE.sub(" ", text)
    if "DR" in text or "ADS" in text:
        text = _WRAPPER_PREFIX.sub("", text)
    if text.isascii() and text.replace(" ", "").isalnum():
        # Upper-case ASCII letters, digits and spaces only (most names): _SPLIT's chunks are
        # the space-separated words, and str.split finds them several times faster.
        chunks = text.split()
    else:
        chunks = [c for c in _SPLIT.split(text) if c]
    out: list[str] = []
    forms: set[str] = set()
    tail = ""
    form_at = -1
    legal, expand, noise = LEGAL_FORMS, ABBREVIATIONS.get, NOISE  # locals: looked up per word
    for raw in chunks:
        if raw.isdigit():
            continue
        form = legal.get(raw)
        if form is not None:
            forms.add(form)
            if form_at < 0:
                form_at = len(out)
            continue
        tok = expand(raw, raw)
        if tok in noise:
            continue
        if tok == "KONG" and out and out[-1] == "HONG":
            out[-1] = tok = "HONGKONG"  # HONG KONG, Hong-Kong, (Hong Kong)
        else:
            out.append(tok)
        tail = raw
    open_end = _open_end(text, chunks) and bool(out)
    return ParsedName(
        tuple(out),
        frozenset(forms) if forms else _NO_FORMS,
        open_end,
        cjk,
        tail if open_end else "",
        len(out) if form_at < 0 else form_at,
    )


_CLASS_WORDS = frozenset({"CL", "CLASS", "SER", "SERIES", "SH", "SHS"})
_LONE_LETTER = re.compile(r"[ &]([A-Z])\W*$")


def _open_end(text: str, chunks: list[str]) -> bool:
    """May the text have been cut by a fixed-width column?"""
    stripped = text.strip()
    if len(stripped) < TRUNCATION_MIN_LENGTH or not chunks or chunks[-1].isdigit():
        return False
    last = chunks[-1]
    if last not in LEGAL_FORMS and last not in NOISE:
        return True
    # "... ENGINEERING & C": one letter after a space is a cut word, unless a class word
    # precedes it ("CL B") or a dash does ("-H", which never matches this pattern).
    return (
        len(last) == 1
        and _LONE_LETTER.search(stripped) is not None
        and (len(chunks) < 2 or chunks[-2] not in _CLASS_WORDS)
    )


def tokens(name: str) -> tuple[str, ...]:
    """Canonical tokens of a company name, in order.

    >>> tokens("China Communications Constr Co Ltd-H")
    ('CHINA', 'COMMUNICATION', 'CONSTRUCTION')
    >>> tokens("ADR ON CHINA MOBILE LTD")
    ('CHINA', 'MOBILE')
    >>> tokens("SEMICONDUCTOR MFG INTL CORP/CAYMAN ISL-A")
    ('SEMICONDUCTOR', 'MANUFACTURING', 'INTERNATIONAL')
    """
    return parse(name).tokens


def key(name: str) -> str:
    """A name's canonical form as one string (order kept)."""
    return " ".join(parse(name).tokens)


def legal_forms(name: str) -> frozenset[str]:
    """Canonical legal forms in a name.

    >>> sorted(legal_forms("China Telecom Corporation Limited"))
    ['CORP', 'LTD']
    """
    return parse(name).forms


# Beginnings of wrapper and legal-form words: a cut-off last word that is one of these
# ("... SPONSORED ADR EACH RE") is noise, not a name word.
_NOISE_PREFIXES = frozenset(
    w[:end] for w in NOISE | set(LEGAL_FORMS) for end in range(1, len(w) + 1)
)


def legal_completion(tok: str) -> str | None:
    """The one canonical legal form a cut-off word can begin (``CORPOR`` -> ``CORP``).

    >>> legal_completion("LIMI"), legal_completion("C")
    ('LTD', None)
    """
    found = {canon for spelling, canon in LEGAL_FORMS.items() if spelling.startswith(tok)}
    # PRC and Hong Kong forms first: LIMI is LIMITED far more often than LIMITADA.
    local = found - FOREIGN_FORMS
    if local:
        found = local
    return found.pop() if len(found) == 1 else None


def noise_prefix(tok: str) -> bool:
    """True when ``tok`` could be the cut-off start of a wrapper or legal-form word."""
    return tok in _NOISE_PREFIXES


def is_place(tok: str) -> bool:
    return tok in PLACES


def is_relation(tok: str) -> bool:
    return tok in RELATION


def is_generic(tok: str) -> bool:
    return tok in GENERIC


def is_distinctive(tok: str) -> bool:
    """A word that tells companies apart (not generic, relational or a place)."""
    return tok not in GENERIC and tok not in RELATION and tok not in PLACES


def distinctive(toks: tuple[str, ...]) -> frozenset[str]:
    return frozenset(t for t in toks if is_distinctive(t))


def weight(tok: str) -> float:
    """How much a word says about identity: places nothing, shared words a quarter."""
    if tok in PLACES:
        return 0.0
    if tok in GENERIC or tok in RELATION:
        return 0.25 * len(tok)
    return float(len(tok))


def acronym_like(name: str) -> bool:
    """True for short one-word names such as AECC or SMIC, which are only ever a review."""
    stripped = name.strip()
    return " " not in stripped and len(stripped) <= 6
