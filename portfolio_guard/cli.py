"""The ``portfolio-guard`` command line.

This module imports only the standard library at start-up; each command imports what it
needs, so ``check-trade`` never pays for pandas. Exit codes: 0 success (nothing
prohibited / trade allowed), 1 a finding (something prohibited / trade blocked),
2 bad input or unusable data. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from portfolio_guard.errors import PortfolioGuardError

# 1 (a finding, a blocked trade) is returned by the commands themselves.
EXIT_OK, EXIT_ERROR = 0, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="portfolio-guard",
        description="Screen holdings and trades against OFAC's NS-CMIC list.",
    )
    parser.add_argument(
        "--listings",
        metavar="DIR",
        help="listings dataset folder (default: $PORTFOLIO_GUARD_LISTINGS or the shipped one)",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    lst = sub.add_parser("listings", help="build, show, search and compare the listings dataset")
    lsub = lst.add_subparsers(dest="listings_command", required=True, parser_class=_Parser)
    build = lsub.add_parser("build", help="build the dataset from official OFAC files")
    build.add_argument("files", nargs="+", metavar="FILE", help="an OFAC file or legacy CSV set")
    build.add_argument("--out", default="listings", metavar="DIR", help="output folder")
    build.add_argument("--curated", metavar="FILE", help="curated additions CSV")
    refresh = lsub.add_parser(
        "refresh", help="add the securities OFAC does not print, from OpenFIGI and Yahoo"
    )
    refresh.add_argument(
        "--openfigi", action="store_true", help="map and search via OpenFIGI (the default)"
    )
    refresh.add_argument(
        "--yahoo", action="store_true", help="search Yahoo for listings, name-confirmed"
    )
    refresh.add_argument(
        "--out", metavar="DIR", help="dataset folder to refresh (default: --listings)"
    )
    refresh.add_argument("--no-progress", action="store_true", help="no progress bar")
    show = lsub.add_parser("show", help="print the listed companies and their securities")
    show.add_argument("--format", choices=("table", "json", "csv"), default="table")
    search = lsub.add_parser("search", help="find listed companies by name or identifier")
    search.add_argument("text", metavar="TEXT")
    search.add_argument("--format", choices=("table", "json"), default="table")
    diff = lsub.add_parser("diff", help="compare two builds or two official files")
    diff.add_argument("old", metavar="OLD", help="a listings folder or an official OFAC file")
    diff.add_argument("new", metavar="NEW", help="a listings folder or an official OFAC file")
    diff.add_argument("--format", choices=("table", "json"), default="table")

    read = sub.add_parser("read", help="read a brokerage holdings export")
    read.add_argument("file", metavar="FILE")
    read.add_argument("--broker", metavar="X", help="force a layout (see --broker list)")
    read.add_argument(
        "--columns",
        metavar="MAP",
        help="map headers: 'Header=column,...' e.g. 'Ticker Code=symbol'",
    )
    read.add_argument("--format", choices=("table", "json", "csv"), default="table")

    check = sub.add_parser("check", help="screen holdings exports against the list")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.add_argument("--broker", metavar="X", help="force a layout")
    check.add_argument("--columns", metavar="MAP", help="map headers: 'Header=column,...'")
    check.add_argument("--as-of", metavar="DATE", help="screen on this date (default: today, ET)")
    check.add_argument("--format", choices=("table", "json", "csv", "html"), default="table")
    check.add_argument("-o", "--output", metavar="OUT", help="write the report to OUT")
    check.add_argument("--suppress", metavar="FILE", help="reviewed false positives (CSV)")
    check.add_argument(
        "--online",
        action="store_true",
        help="resolve identifiers that match nothing offline through OpenFIGI",
    )

    trade = sub.add_parser("check-trade", help="may a U.S. person buy or sell this security?")
    trade.add_argument(
        "security",
        nargs="?",
        metavar="SECURITY",
        help="ticker in any spelling, ISIN, CUSIP or FIGI",
    )
    trade.add_argument("--side", choices=("buy", "sell"))
    trade.add_argument("--date", metavar="D", help="trade date or datetime (default: now, ET)")
    trade.add_argument("--purpose", choices=("divest",), help="the trade is made to divest")
    trade.add_argument(
        "--non-us-person", action="store_true", help="the holder is not a U.S. person"
    )
    trade.add_argument(
        "--exchange", metavar="X", help="listing exchange (MIC, IBKR or Bloomberg code)"
    )
    trade.add_argument("--currency", metavar="CCY", help="trading currency, a hint for bare codes")
    trade.add_argument("--description", metavar="TEXT", help="security description, cross-checked")
    trade.add_argument("--stdin", action="store_true", help="JSON lines in, one JSON line out each")
    trade.add_argument("--format", choices=("text", "json"), default="text")
    trade.add_argument(
        "--max-age-days",
        type=int,
        metavar="N",
        help="block when the listings are older than N days (default 365; -1: off)",
    )

    srv = sub.add_parser("serve", help="serve the pre-trade check over HTTP")
    srv.add_argument("--host", default="127.0.0.1")
    srv.add_argument("--port", type=int, default=8750)
    srv.add_argument("--max-age-days", type=int, metavar="N")
    srv.add_argument(
        "--reload-seconds",
        type=float,
        default=5.0,
        metavar="S",
        help="how often to look for new listings on disk",
    )
    srv.add_argument("--verbose", action="store_true", help="log each request")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "listings":
            from portfolio_guard.commands import listings_cmd

            return listings_cmd.run(args)
        if args.command == "read":
            from portfolio_guard.commands import read_cmd

            return read_cmd.run(args)
        if args.command == "check":
            from portfolio_guard.commands import check_cmd

            return check_cmd.run(args)
        if args.command == "check-trade":
            from portfolio_guard.commands import trade_cmd

            return trade_cmd.run(args)
        if args.command == "serve":
            from portfolio_guard.server import serve

            serve(
                args.host,
                args.port,
                args.listings,
                args.max_age_days,
                args.reload_seconds,
                args.verbose,
            )
            return EXIT_OK
    except PortfolioGuardError as exc:
        print(f"portfolio-guard: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    parser.error(f"unknown command {args.command!r}")
    return EXIT_ERROR
