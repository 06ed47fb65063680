"""Typed OpenFIGI v3 requests and results (pydantic, at the network boundary).

Field names keep OpenFIGI's camelCase so a record reads the same here, in the API docs and
on the wire. Records are frozen: enrichment output is evidence and must not be edited in
place.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from stdnum import figi as stdnum_figi

# Schema enum plus four values seen in a captured /v3/mapping/values/idType answer
# (openfigi.md §1). Used for documentation and by the fake; the client does not reject
# other values, because the server's per-job error is the authority.
ID_TYPES: frozenset[str] = frozenset(
    {
        "ID_ISIN",
        "ID_BB_UNIQUE",
        "ID_SEDOL",
        "ID_COMMON",
        "ID_WERTPAPIER",
        "ID_CUSIP",
        "ID_BB",
        "ID_ITALY",
        "ID_EXCH_SYMBOL",
        "ID_FULL_EXCHANGE_SYMBOL",
        "COMPOSITE_ID_BB_GLOBAL",
        "ID_BB_GLOBAL_SHARE_CLASS_LEVEL",
        "ID_BB_SEC_NUM_DES",
        "ID_BB_GLOBAL",
        "TICKER",
        "ID_CUSIP_8_CHR",
        "OCC_SYMBOL",
        "UNIQUE_ID_FUT_OPT",
        "OPRA_SYMBOL",
        "TRADING_SYSTEM_IDENTIFIER",
        "ID_CINS",
        "ID_SHORT_CODE",
        "BASE_TICKER",
        "VENDOR_INDEX_CODE",
        "BARCLAYS_TICKER",
        "ID_BB_8_CHR",
        "ID_TRACE",
        "TRADEBOOK_TICKER",
    }
)

# The values OpenFIGI's GET /v3/mapping/values/{key} accepts (schema).
VALUE_KEYS: frozenset[str] = frozenset(
    {"idType", "exchCode", "micCode", "currency", "marketSecDes", "securityType", "securityType2"}
)

NO_MATCH_WARNING = "No identifier found."


def _check_figi(value: str | None) -> str | None:
    if value is None:
        return None
    if not stdnum_figi.is_valid(value):
        raise ValueError(f"not a valid FIGI: {value!r}")
    return value


class FigiRecord(BaseModel):
    """One FIGI as OpenFIGI returns it (schema ``FigiResult``), in wire order."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    figi: str
    name: str | None = None
    ticker: str | None = None
    exchCode: str | None = None
    compositeFIGI: str | None = None
    securityType: str | None = None
    marketSector: str | None = None
    shareClassFIGI: str | None = None
    securityType2: str | None = None
    securityDescription: str | None = None
    # "Exists when API is unable to show non-FIGI fields" (schema).
    metadata: str | None = None

    _figi = field_validator("figi", mode="after")(_check_figi)
    _composite = field_validator("compositeFIGI", "shareClassFIGI", mode="after")(_check_figi)

    @property
    def is_composite(self) -> bool:
        """True for the one-row-per-country record (``figi == compositeFIGI``)."""
        return self.compositeFIGI is not None and self.figi == self.compositeFIGI


class _Filters(BaseModel):
    """The filters mapping jobs and searches share (schema ``CommonSearchMappingRequest``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    exchCode: str | None = None
    micCode: str | None = None
    currency: str | None = None
    marketSecDes: str | None = None
    securityType: str | None = None
    securityType2: str | None = None
    includeUnlistedEquities: bool | None = None
    optionType: Literal["Put", "Call"] | None = None
    strike: tuple[float | None, float | None] | None = None
    contractSize: tuple[float | None, float | None] | None = None
    coupon: tuple[float | None, float | None] | None = None
    expiration: tuple[str | None, str | None] | None = None
    maturity: tuple[str | None, str | None] | None = None
    stateCode: str | None = None

    @model_validator(mode="after")
    def _exchange_xor_mic(self) -> _Filters:
        if self.exchCode is not None and self.micCode is not None:
            raise ValueError("give exchCode or micCode, not both")
        return self

    def to_wire(self) -> dict[str, Any]:
        """The JSON object OpenFIGI expects: unset fields left out, not sent as null."""
        return self.model_dump(mode="json", exclude_none=True)


class MappingJob(_Filters):
    """One element of a ``POST /v3/mapping`` body."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    idType: str = Field(min_length=1)
    idValue: str | int

    @field_validator("idValue")
    @classmethod
    def _non_empty_value(cls, value: str | int) -> str | int:
        if isinstance(value, str) and not value.strip():
            raise ValueError("idValue must not be empty")
        return value


class MappingResult(BaseModel):
    """The answer to one mapping job: exactly one of ``data``, ``warning``, ``error``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    data: tuple[FigiRecord, ...] | None = None
    warning: str | None = None
    error: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> MappingResult:
        present = [k for k in ("data", "warning", "error") if getattr(self, k) is not None]
        if len(present) != 1:
            raise ValueError(
                f"a mapping result has exactly one of data/warning/error, got {present}"
            )
        return self

    @property
    def found(self) -> bool:
        return self.data is not None

    @property
    def records(self) -> tuple[FigiRecord, ...]:
        """The records, empty on a warning or an error."""
        return self.data or ()

    def composites(self) -> tuple[FigiRecord, ...]:
        """One record per country (``figi == compositeFIGI``), as OpenSanctions keeps them."""
        return tuple(r for r in self.records if r.is_composite)


class SearchRequest(_Filters):
    """The body of ``POST /v3/search`` or ``/v3/filter`` (``start`` is managed by the client)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    query: str | None = None

    @model_validator(mode="after")
    def _something_set(self) -> SearchRequest:
        # "At least one property in the request object must be populated" (schema).
        if not self.to_wire():
            raise ValueError("a search needs a query or at least one filter")
        return self


class SearchResult(BaseModel):
    """All records of a search/filter, gathered over its pages."""

    model_config = ConfigDict(frozen=True)

    records: tuple[FigiRecord, ...]
    # Only /v3/filter reports a total.
    total: int | None = None
    pages: int
    # True when ``max_pages`` stopped us before the server ran out of pages.
    truncated: bool = False


class YahooQuote(BaseModel):
    """What Yahoo Finance says a symbol is; enrichment to confirm candidates, never proof."""

    model_config = ConfigDict(frozen=True)

    symbol: str
    # Long name when Yahoo has one, else the short name.
    name: str | None = None
    short_name: str | None = None
    # Yahoo's exchange code (``HKG``, ``SHH``, ``SHZ``, ``NMS``…) and display name.
    exchange: str | None = None
    exchange_name: str | None = None
    # Search results carry no currency; symbol lookups do.
    currency: str | None = None
    # ``EQUITY``, ``ETF``, ``MUTUALFUND``…
    quote_type: str | None = None
