"""Loopback fakes of the remote services the project talks to.

Each fake is a real HTTP server on 127.0.0.1 (port 0, its own thread) speaking the
service's wire protocol as documented in ``shared/docs/openfigi.md``, so the clients are
tested through ``requests`` exactly as in production. All data they serve is synthetic.
"""

from tests.fakes.loopback import LoopbackServer, loopback_only
from tests.fakes.openfigi_server import FakeOpenFigi, Listing, synthetic_figi
from tests.fakes.yahoo_server import FakeYahoo, YahooListing

__all__ = [
    "FakeOpenFigi",
    "FakeYahoo",
    "Listing",
    "LoopbackServer",
    "YahooListing",
    "loopback_only",
    "synthetic_figi",
]
