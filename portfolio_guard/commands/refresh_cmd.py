"""``portfolio-guard listings refresh [--openfigi] [--yahoo]``.

Refreshes the dataset folder in place (``--out``, else ``--listings``, else the default
dataset). Without either flag OpenFIGI is used. A progress bar goes to stderr (``--no-progress``
turns it off), the summary to stdout. Keyless OpenFIGI allows 5 searches a minute, so a full
refresh of the list takes a while; ``OPENFIGI_API_KEY`` raises the limits, and answers are
cached for 30 days so a second run is quick.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from portfolio_guard.errors import RemoteError
from portfolio_guard.listings import SecurityRow, default_listings_dir, load_listings

if TYPE_CHECKING:
    from portfolio_guard.enrich.openfigi import OpenFigiClient
    from portfolio_guard.enrich.refresh import RefreshResult

ProgressFn = Callable[[str, int, int], None]


def dataset_dir(args: argparse.Namespace) -> Path:
    out = getattr(args, "out", None) or getattr(args, "listings", None)
    return Path(out) if out else default_listings_dir()


@contextmanager
def _progress(enabled: bool) -> Iterator[ProgressFn | None]:
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.logging import RichHandler
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    # Retries and rate-limit waits are logged; show them above the bar instead of through it.
    handler = RichHandler(console=console, show_time=False, show_path=False, level=logging.WARNING)
    logger = logging.getLogger("portfolio_guard")
    logger.addHandler(handler)
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
    tasks: dict[str, object] = {}

    def update(phase: str, done: int, total: int) -> None:
        task = tasks.get(phase)
        if task is None:
            task = tasks[phase] = bar.add_task(phase, total=total)
        bar.update(task, completed=done, total=total)  # type: ignore[arg-type]

    try:
        with bar:
            yield update
    finally:
        logger.removeHandler(handler)


def _describe(rows: list[SecurityRow]) -> str:
    ticks = sorted({r.value for r in rows if r.kind == "ticker"})
    figis = sum(r.kind == "figi" for r in rows)
    others = sum(r.kind not in ("ticker", "figi") for r in rows)
    parts = []
    if ticks:
        parts.append(f"ticker{'s' if len(ticks) > 1 else ''} {', '.join(ticks)}")
    if figis:
        parts.append(f"{figis} FIGI{'s' if figis > 1 else ''}")
    if others:
        parts.append(f"{others} other")
    refs = sorted({r.source_ref for r in rows})
    found = refs[0] if len(refs) == 1 else f"{refs[0]} and {len(refs) - 1} more"
    return f"{'; '.join(parts)} ({found})"


def _by_entity(rows: tuple[SecurityRow, ...]) -> dict[int, list[SecurityRow]]:
    out: dict[int, list[SecurityRow]] = {}
    for row in rows:
        out.setdefault(row.entity_uid, []).append(row)
    return out


def summary(result: RefreshResult) -> list[str]:
    """The lines printed after a refresh."""
    names = result.entity_names
    asked = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(result.requests.items()))
    lines = [
        f"refreshed {result.directory} from {' and '.join(result.sources)}: "
        f"version {result.old_version} -> {result.new_version}",
        f"  {len(result.added)} rows added, {len(result.removed)} removed, "
        f"{result.unchanged} found again, {len(result.carried)} kept from the last refresh "
        f"({asked or 'no requests'})",
    ]
    for sign, rows in (("+", result.added), ("-", result.removed), ("=", result.carried)):
        for uid, group in sorted(_by_entity(rows).items()):
            lines.append(f"  {sign} {uid} {names.get(uid, '?')}: {_describe(group)}")
    if result.conflicts:
        lines.append("conflicts (not added; attribute them in curated.csv if right):")
        lines += [f"  {c}" for c in result.conflicts]
    if result.near_misses:
        lines.append("near misses (not added; check by hand):")
        seen: set[tuple[int, str]] = set()
        for c in result.near_misses:
            if (c.entity_uid, c.what) not in seen:
                seen.add((c.entity_uid, c.what))
                lines.append(f"  {c.entity_uid} {names.get(c.entity_uid, '?')}: {c.reason}")
    if result.warnings:
        lines.append("warnings:")
        lines += [f"  {w}" for w in result.warnings]
    return lines


def _keyless_note(client: OpenFigiClient, directory: Path) -> str:
    entities = len(load_listings(directory))
    policy = client.limits.search
    minutes = math.ceil(entities / policy.requests * policy.window / 60)
    return (
        f"note: no OPENFIGI_API_KEY set; OpenFIGI allows {policy.requests} searches per "
        f"{policy.window:g} s without a key, so searching {entities} entities takes at least "
        f"{minutes} min (answers are cached for 30 days)"
    )


def run(args: argparse.Namespace) -> int:
    from portfolio_guard.enrich.openfigi import OpenFigiClient
    from portfolio_guard.enrich.refresh import refresh_dataset
    from portfolio_guard.enrich.yahoo import YahooClient

    want_yahoo = bool(getattr(args, "yahoo", False))
    want_openfigi = bool(getattr(args, "openfigi", False)) or not want_yahoo
    if want_yahoo and importlib.util.find_spec("yfinance") is None:
        raise RemoteError(
            "--yahoo needs the optional yfinance package: pip install 'portfolio-guard[yahoo]'"
        )
    directory = dataset_dir(args)
    show_progress = not getattr(args, "no_progress", False)
    openfigi = OpenFigiClient() if want_openfigi else None
    if openfigi is not None and not openfigi.keyed and show_progress:
        print(_keyless_note(openfigi, directory), file=sys.stderr)
    try:
        with _progress(show_progress) as progress:
            result = refresh_dataset(
                directory,
                openfigi=openfigi,
                yahoo=YahooClient() if want_yahoo else None,
                progress=progress,
            )
    finally:
        if openfigi is not None:
            openfigi.close()
    print("\n".join(summary(result)))
    return 0
