"""Time ``read_holdings`` on a 1,000,000-row generic CSV beside plain ``pandas.read_csv``.

    python benchmarks/bench_read.py [--rows N] [--repeat R] [--limit 1.5]

The file (account, ticker, name, ISIN, quantity, price, value, currency; 5,000 distinct securities)
is generated in a temporary directory. Each reader runs ``--repeat`` times and the best time counts.
Exits 1 when read_holdings takes more than ``--limit`` times as long as pandas (wall clock).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from stdnum import isin

from portfolio_guard.holdings import read_holdings


def make_file(path: Path, rows: int, securities: int = 5_000, seed: int = 13) -> None:
    """Write a generic holdings CSV with ``rows`` positions."""
    rng = np.random.default_rng(seed)
    letters = list("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    tickers: list[str] = []
    seen: set[str] = set()
    while len(tickers) < securities:  # distinct 1-5 letter tickers, as on US exchanges
        ticker = "".join(rng.choice(letters, size=int(rng.integers(1, 6))))
        if ticker not in seen:
            seen.add(ticker)
            tickers.append(ticker)
    isins = [f"US{i:09d}" + isin.calc_check_digit(f"US{i:09d}") for i in range(securities)]
    names = [f"{t} HOLDINGS INC" for t in tickers]
    pick = rng.integers(0, securities, size=rows)
    quantity = rng.integers(1, 10_000, size=rows).astype(float)
    price = np.round(rng.uniform(1, 500, size=securities), 2)[pick]
    frame = pd.DataFrame(
        {
            "Account": rng.choice([f"ACC{i:05d}" for i in range(2_000)], size=rows),
            "Ticker": np.array(tickers, dtype=object)[pick],
            "Name": np.array(names, dtype=object)[pick],
            "ISIN": np.array(isins, dtype=object)[pick],
            "Quantity": quantity,
            "Price": price,
            "Market Value": np.round(quantity * price, 2),
            "Currency": rng.choice(["USD", "HKD", "EUR"], size=rows),
        }
    )
    frame.to_csv(path, index=False)


def best_of(repeat: int, *funcs: Callable[[], object]) -> list[tuple[float, float]]:
    """The fastest of ``repeat`` runs of each function: ``(wall seconds, CPU seconds)``.

    Runs alternate between the functions so that load from other processes hits both alike. CPU
    time is shown too: pandas parses in a worker thread when given a path, so it can exceed wall.
    """
    times: list[list[tuple[float, float]]] = [[] for _ in funcs]
    for _ in range(repeat):
        for func, spent in zip(funcs, times, strict=True):
            wall, cpu = time.perf_counter(), time.process_time()
            func()
            spent.append((time.perf_counter() - wall, time.process_time() - cpu))
    return [(min(w for w, _ in spent), min(c for _, c in spent)) for spent in times]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--limit", type=float, default=1.5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "holdings.csv"
        make_file(path, args.rows)
        size = path.stat().st_size / 2**20
        result = read_holdings(path)
        assert len(result.frame) == args.rows and result.layout == "generic-csv", result.layout
        plain, ours = best_of(args.repeat, lambda: pd.read_csv(path), lambda: read_holdings(path))
    ratio = ours[0] / plain[0]
    print(f"file: {args.rows:,} rows, {size:,.1f} MiB; best of {args.repeat}")
    print(f"pandas.read_csv:  {plain[0]:7.3f} s wall  {plain[1]:7.3f} s CPU")
    print(f"read_holdings:    {ours[0]:7.3f} s wall  {ours[1]:7.3f} s CPU")
    print(
        f"ratio:            {ratio:7.2f}x wall {ours[1] / plain[1]:7.2f}x CPU (limit {args.limit}x)"
    )
    return 0 if ratio <= args.limit else 1


if __name__ == "__main__":
    sys.exit(main())
