"""``portfolio-guard read FILE``: show what the holdings reader makes of an export."""

from __future__ import annotations

import argparse
import sys

from portfolio_guard.commands.common import parse_columns


def run(args: argparse.Namespace) -> int:
    from portfolio_guard.holdings import read_holdings
    from portfolio_guard.holdings.cli_support import render

    result = read_holdings(args.file, broker=args.broker, columns=parse_columns(args.columns))
    sys.stdout.write(render(result, args.format))
    return 0
