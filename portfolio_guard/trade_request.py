"""Reading a pre-trade request: the trade date, and which listed issuer the security is.

Used by :class:`portfolio_guard.guard.Guard`. Everything here fails closed in the same way:
a value it cannot read raises :class:`RequestError` with the reason, and the Guard turns that
into a blocked ``invalid`` decision, because "no listed issuer matches" must only ever be said
about a security that was actually read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from portfolio_guard import identifiers, names, rules, tickers
from portfolio_guard.errors import IdentifierError
from portfolio_guard.match import Match, Matcher

SECURITY_KEYS = ("symbol", "isin", "cusip", "figi", "exchange", "currency", "description")
_KEY_ALIASES = {"ticker": "symbol", "name": "description"}
MAX_SECURITY_CHARS = 200
_ID_LABEL = re.compile(r"^(?:ISIN|CUSIP|FIGI|SEDOL)\s*[:#]?\s*", re.IGNORECASE)
# A bare string is read as a company name only if it has a word and no run of digits that
# looks like a listing code: "HK.00941" or "002415.SHE" is a ticker we cannot read, and
# calling it a name that matches nothing would let it through as unlisted.
_NAME_LIKE = re.compile(r"[A-Za-z]{3}")
_CODE_LIKE = re.compile(r"\d{4}")

TradeDate = date | datetime | str | None
Fields = tuple[str | None, ...]


class RequestError(ValueError):
    """A trade request that cannot be read; the message says which field and why."""


@lru_cache(maxsize=4096)
def parse_trade_date(text: str) -> date:
    """An ISO date or datetime string → its US-Eastern trade date (rules.eastern_trade_date).

    A date without a time (``2022-06-02``, ``20220602``) is that trade date; only a time of
    day can move it (before 00:01 ET counts for the day before).
    """
    stripped = text.strip()
    try:
        if stripped.isascii() and not any(ch in stripped for ch in "T :+"):
            # Basic-format dates must not reach datetime parsing, which would read them as
            # midnight, i.e. the day before.
            return date.fromisoformat(stripped)
        return rules.eastern_trade_date(stripped)
    except (ValueError, TypeError):
        raise RequestError(
            f"trade_date {text!r} is not an ISO date or datetime (YYYY-MM-DD[THH:MM[+HH:MM]])"
        ) from None


def trade_day(when: TradeDate, today: date) -> date:
    """The Eastern trade date of ``when`` (``None``: ``today``); raises RequestError."""
    if when is None:
        return today
    if type(when) is date:
        return when
    if isinstance(when, str):
        return parse_trade_date(when)
    if isinstance(when, datetime):
        return rules.eastern_trade_date(when)
    if isinstance(when, date):
        return date(when.year, when.month, when.day)
    raise RequestError(f"trade_date must be a date, datetime or ISO string, not {when!r}")


def security_fields(security: Mapping[str, Any]) -> Fields:
    """A security object → the matcher's 7 fields, in SECURITY_KEYS order; raises RequestError.

    Unknown keys are refused: a misspelt ``"isn"`` silently ignored would be a silent allow.
    ``ticker`` is accepted for ``symbol`` and ``name`` for ``description``.
    """
    out: dict[str, str | None] = dict.fromkeys(SECURITY_KEYS)
    for raw_key, value in security.items():
        key = _KEY_ALIASES.get(raw_key, raw_key)
        if key not in out:
            raise RequestError(
                f"security has unknown field {raw_key!r}; expected {', '.join(SECURITY_KEYS)}"
            )
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise RequestError(f"security field {raw_key!r} must be text, not {value!r}")
        text = str(value).strip()
        if len(text) > MAX_SECURITY_CHARS:
            raise RequestError(f"security field {raw_key!r} is over {MAX_SECURITY_CHARS} chars")
        if text:
            if out[key] is not None and out[key] != text:
                raise RequestError(f"security gives two different values for {key!r}")
            out[key] = text
    fields = tuple(out[k] for k in SECURITY_KEYS)
    if not any(fields[i] for i in (0, 1, 2, 3, 6)):
        raise RequestError("security has no symbol, isin, cusip, figi or description")
    return fields


class SecurityResolver:
    """Which listed entities a request's security belongs to, via the Matcher.

    Adds to ``Matcher.match_security`` what a pre-trade check needs: a bare string may be a
    ticker, an identifier or a company name; an identifier that fails its check digit, a
    SEDOL, or a FIGI when the listings carry none is refused rather than reported as unlisted.
    """

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        self.has_figis = any(kind == "figi" for kind, _ in matcher.listings.by_identifier)

    def resolve(self, sec: str | Fields) -> list[Match]:
        return self.resolve_text(sec) if isinstance(sec, str) else self.resolve_fields(sec)

    def resolve_text(self, raw: str) -> list[Match]:
        text = raw.strip()
        if not text:
            raise RequestError("security is empty")
        if len(text) > MAX_SECURITY_CHARS:
            raise RequestError(f"security is over {MAX_SECURITY_CHARS} characters")
        found = self.matcher.match_security(symbol=text)
        if found:
            return found
        ids = dict(identifiers.detect_identifiers(text))
        parsed = tickers.parse_ticker(text)
        if parsed:
            return self._a_share_look_alike(text, parsed)  # else a ticker not on the list
        if ids.keys() - {"sedol"}:
            self._refuse_figi(ids)
            return []  # a valid identifier that is not on the list
        if ids:
            raise RequestError(
                f"{text!r} is a SEDOL; the listings carry no SEDOLs, so it cannot be screened: "
                "give the ticker, ISIN or company name"
            )
        # OFAC prints three ISINs that fail their check digit; they still name listed issuers.
        found = self.matcher.match_security(isin=text)
        if found:
            return found
        _refuse_broken_identifier(text)
        if _NAME_LIKE.search(text) and not _CODE_LIKE.search(text) and names.tokens(text):
            return self.matcher.match_security(description=text)
        raise RequestError(
            f"security {text!r} is not a ticker, ISIN, CUSIP, FIGI or company name we can read"
        )

    def resolve_fields(self, fields: Fields) -> list[Match]:
        symbol, isin, cusip, figi, exchange, currency, description = fields
        found = self.matcher.match_security(
            symbol, isin, cusip, figi, exchange, currency, description
        )
        if found:
            return found
        for kind, value in (("isin", isin), ("cusip", cusip), ("figi", figi)):
            if value is not None:
                try:
                    identifiers.get_kind(kind).validate(value)
                except IdentifierError as exc:
                    raise RequestError(f"{kind} is not valid: {exc}") from None
        if figi and not (symbol or isin or cusip or description):
            self._refuse_figi({"figi": figi})
        parsed = (
            tickers.parse_ticker(symbol, exchange=exchange, currency=currency) if symbol else []
        )
        if symbol and parsed:
            look_alike = self._a_share_look_alike(symbol, parsed)
            if look_alike:
                return look_alike
        if not (isin or cusip or figi or (description and names.tokens(description)) or parsed):
            raise RequestError(
                f"symbol {symbol!r} is not a ticker we can read; give an isin or a description"
            )
        return []

    def _a_share_look_alike(self, text: str, parsed: list[tickers.Listing]) -> list[Match]:
        """A six-digit A-share-shaped code read as another market's (``SZ:002415`` taken as
        Eswatini) is sent to review when that code is a listed issuer's A share."""
        out: list[Match] = []
        for listing in parsed:
            code = listing.code
            if listing.country == "CN" or len(code) != 6 or not code.isdigit():
                continue
            for m in self.matcher.match_security(symbol=f"CN:{code}"):
                why = (
                    f"{text!r} reads as {listing.key}, but {code} is the A-share code of "
                    f"{m.entity_name}; a person must confirm the market"
                )
                out.append(replace(m, level="review", reason=why))
        return out

    def _refuse_figi(self, ids: Mapping[str, str]) -> None:
        figi = ids.get("figi")
        if self.has_figis or figi is None:
            return
        if "isin" in ids and not figi.startswith("BBG"):
            return  # reads as an ISIN too (BB is Barbados); the ISIN reading is enough
        raise RequestError(
            f"FIGI {figi} cannot be screened: these listings carry no FIGIs (refresh them with "
            "OpenFIGI); give the ticker, ISIN or company name"
        )


def _refuse_broken_identifier(text: str) -> None:
    """Raise when ``text`` is shaped like an ISIN/FIGI/CUSIP but fails validation: a typo there
    must not read as 'no listed issuer matches'."""
    body = _ID_LABEL.sub("", text).replace(" ", "").replace("-", "").upper()
    digits = sum(ch.isdigit() for ch in body)
    kind = None
    if len(body) == 12 and body[:2].isalpha() and body.isalnum() and digits >= 3:
        kind = "figi" if body.startswith("BBG") else "isin"
    elif len(body) == 9 and body.isalnum() and digits >= 4:
        kind = "cusip"
    if kind is None:
        return
    try:
        identifiers.get_kind(kind).validate(body)
    except IdentifierError as exc:
        raise RequestError(f"{exc}; not a valid {kind.upper()}, so it cannot be screened") from None
