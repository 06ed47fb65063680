"""End-to-end screening of a 1,000,000-row generic export vs plain pandas.read_csv.

Run: python benchmarks/bench_screen.py [--rows N]
The export has 20,000 distinct securities (ticker, ISIN, description), 0.5% of the rows
hold listed securities (ISINs, HK/A-share tickers and descriptions of NS-CMIC companies).
Target: screen() within 2x the time of pandas.read_csv of the same file. Each measurement
runs in its own process so that peak memory (max RSS) is its own.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from stdnum import isin as stdnum_isin

LISTED = [
    ("0941.HK", "CHINA MOBILE LTD", "HK0941009539"),
    ("002415.SZ", "HANGZHOU HIKVISION DIGITAL-A", "CNE100000PM8"),
    ("0981.HK", "SEMICONDUCTOR MANUFACTURING", "KYG8020E1199"),
    ("", "CHINA RAILWAY CONSTRUCTION CORP LTD-H", ""),
    ("0020.HK", "SENSETIME GROUP INC-CL B", ""),
    ("600118.SS", "CHINA SPACESAT CO LTD-A", ""),
]
WORDS = [
    "ACME",
    "GLOBAL",
    "NORTH",
    "RIVER",
    "PACIFIC",
    "STONE",
    "BRIGHT",
    "UNITED",
    "FIRST",
    "SUMMIT",
    "OAK",
    "BLUE",
]
KINDS = ["INC", "CORP", "HOLDINGS", "LTD", "PLC", "GROUP", "TRUST", "ETF", "FUND"]


def make_file(path: Path, rows: int, distinct: int, listed_share: float) -> None:
    rng = random.Random(7)
    universe = []
    for i in range(distinct - len(LISTED)):
        sym = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4)) + str(i % 10)
        body = f"US{i:09d}"
        isin = body + stdnum_isin.calc_check_digit(body)
        desc = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {i} {rng.choice(KINDS)}"
        universe.append((sym, desc, isin))
    listed_rows = int(rows * listed_share)
    with path.open("w", encoding="utf-8") as fh:
        fh.write("Account,Symbol,Description,ISIN,Quantity,Price,Market Value\n")
        for n in range(rows):
            sym, desc, isin = (
                LISTED[n % len(LISTED)]
                if n % (rows // listed_rows) == 0
                else (universe[n % len(universe)])
            )
            qty = (n % 500) + 1
            fh.write(f"X{n % 40:08d},{sym},{desc},{isin},{qty},12.5,{qty * 12.5:.2f}\n")


CHILD = r"""
import json, resource, sys, time
t = time.perf_counter()
if sys.argv[1] == "read_csv":
    import pandas as pd
    df = pd.read_csv(sys.argv[2])
    n = len(df)
else:
    from portfolio_guard import screen
    r = screen(sys.argv[2], as_of="2026-11-29")
    n = r.rows_screened
    extra = r.summary
elapsed = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
out = {"seconds": elapsed, "rows": n, "max_rss_mb": rss}
if sys.argv[1] != "read_csv":
    out["summary"] = extra
print(json.dumps(out))
"""


def measure(kind: str, path: Path) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(path)], capture_output=True, text=True, check=True
    )
    result: dict[str, float] = json.loads(proc.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    # Both sides import from bytecode, as after any `pip install` (which compiles it): pandas'
    # is in site-packages; ours may be missing in a source tree when PYTHONDONTWRITEBYTECODE
    # is set, and compiling ~30 modules per run would otherwise be timed as screening.
    import compileall

    import portfolio_guard

    compileall.compile_dir(Path(portfolio_guard.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "holdings.csv"
        make_file(path, args.rows, 20_000, 0.005)
        size = path.stat().st_size / 1e6
        print(f"file: {args.rows:,} rows, 20,000 distinct securities, {size:.0f} MB")
        # Interleave the two so that drift in machine load hits both alike.
        bases, ours_runs = [], []
        for _ in range(args.repeat):
            bases.append(measure("read_csv", path))
            ours_runs.append(measure("screen", path))
        base = min(bases, key=lambda r: r["seconds"])
        ours = min(ours_runs, key=lambda r: r["seconds"])
        ratios = sorted(o["seconds"] / b["seconds"] for b, o in zip(bases, ours_runs, strict=True))
        print(f"pandas.read_csv : {base['seconds']:.2f} s, peak RSS {base['max_rss_mb']:.0f} MB")
        print(
            f"screen()        : {ours['seconds']:.2f} s, peak RSS {ours['max_rss_mb']:.0f} MB "
            f"(import + read + match + rules; summary {ours['summary']})"
        )
        print(
            f"ratio           : {ours['seconds'] / base['seconds']:.2f}x best-to-best, "
            f"{ratios[len(ratios) // 2]:.2f}x median of {len(ratios)} paired runs "
            f"(target <= 2.0x)"
        )


if __name__ == "__main__":
    main()
