"""``portfolio-guard check FILE...``: screen holdings exports."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from portfolio_guard.commands.common import parse_as_of


def run(args: argparse.Namespace) -> int:
    from portfolio_guard.holdings.cli_support import parse_columns_option
    from portfolio_guard.screening import screen

    report = screen(
        args.files,
        as_of=parse_as_of(args.as_of),
        broker=args.broker,
        columns=parse_columns_option(args.columns) if args.columns else None,
        suppress=args.suppress,
        listings=args.listings,
        online=args.online,
    )
    fmt = args.format
    if fmt == "table" and args.output is None:
        report.print()
        return report.exit_code
    if fmt == "json":
        text = report.to_json()
    elif fmt == "csv":
        text = report.to_csv()
    elif fmt == "html":
        text = report.to_html()
    else:
        text = "\n".join(report.explain(i) for i in range(len(report.findings)))
    if args.output:
        Path(args.output).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        print(f"wrote {args.output}: {report!r}".replace("\n", "; "), file=sys.stderr)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return report.exit_code
