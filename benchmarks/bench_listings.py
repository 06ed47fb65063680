"""Time to load and verify the shipped listings dataset (target: under 50 ms).

Run: python benchmarks/bench_listings.py
Each load reads the three files, checks both SHA-256 sums and builds the lookup indexes;
the in-process cache is bypassed by loading the folder path directly.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from portfolio_guard.listings import load_listings, packaged_listings_dir


def main() -> None:
    path = packaged_listings_dir()
    times = []
    for _ in range(50):
        start = time.perf_counter()
        listings = load_listings(path)
        times.append((time.perf_counter() - start) * 1000)
    print(f"dataset: {path} ({len(listings)} entities, version {listings.version})")
    print(
        f"load + verify, warm process: median {statistics.median(times):.2f} ms, "
        f"max {max(times):.2f} ms over {len(times)} loads"
    )
    code = (
        "import time; t=time.perf_counter();"
        "from portfolio_guard.listings import load_listings; load_listings();"
        "print((time.perf_counter()-t)*1000)"
    )
    cold = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(5)
    ]
    print(f"import + load + verify, cold process: median {statistics.median(cold):.1f} ms")


if __name__ == "__main__":
    main()
