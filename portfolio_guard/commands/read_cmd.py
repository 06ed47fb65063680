"""``portfolio-guard read FILE``: show what the holdings reader makes of an export."""

from __future__ import annotations

import argparse
import sys


def run(args: argparse.Namespace) -> int:
    from portfolio_guard.holdings.cli_support import read_command

    sys.stdout.write(read_command(args.file, args.broker, args.columns, args.format))
    return 0
