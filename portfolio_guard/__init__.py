"""portfolio_guard: screen holdings and trades against OFAC's NS-CMIC list.

Public API (imported lazily so that ``import portfolio_guard`` stays cheap)::

    screen(path_or_dataframe, as_of=None) -> Report
    Guard.load().check_trade(security, side, trade_date=None, purpose=None, us_person=True)
    load_listings(path=None) -> Listings
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Guard", "Report", "load_listings", "read_holdings", "screen"]

if TYPE_CHECKING:
    from portfolio_guard.guard import Guard
    from portfolio_guard.holdings import read_holdings
    from portfolio_guard.listings import load_listings
    from portfolio_guard.report import Report
    from portfolio_guard.screening import screen

_LAZY = {
    "screen": "portfolio_guard.screening",
    "Report": "portfolio_guard.report",
    "Guard": "portfolio_guard.guard",
    "load_listings": "portfolio_guard.listings",
    "read_holdings": "portfolio_guard.holdings",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'portfolio_guard' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
