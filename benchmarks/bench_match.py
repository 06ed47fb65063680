"""Time per distinct description through the name matcher.

Run: python benchmarks/bench_match.py [--n 20000] [--listed-share 0.02] [--repeat 3]

Builds N distinct broker-style descriptions, mostly generated company names that match
nothing (``ACME WIDGETS INC``, ``CHINA NORTHERN RARE EARTH GROUP-A``: many share words with
listed names), plus a share of listed companies' names as brokers print them (share-class
suffixes, ADR wrappers, cut at 30 characters). Each repeat uses a fresh Matcher, so every
description is worked out once, uncached, as the screen does for each distinct value.
Target: < 50 us average per distinct description.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from portfolio_guard.listings import load_listings
from portfolio_guard.match import Matcher

FIRST = (
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
    "GOLDEN",
    "EASTERN",
    "SOUTHERN",
    "WESTERN",
    "NEW",
    "CENTURY",
    "GREAT",
    "WALL",
    "SILVER",
    "DRAGON",
    "PHOENIX",
    "JADE",
    "SHANGHAI",
    "BEIJING",
    "SHENZHEN",
    "HANGZHOU",
    "ZHEJIANG",
    "JIANGSU",
    "GUANGDONG",
)
MIDDLE = (
    "WIDGETS",
    "MOTORS",
    "ENERGY",
    "PHARMACEUTICAL",
    "BIOTECH",
    "SOFTWARE",
    "RETAIL",
    "FOODS",
    "STEEL",
    "CHEMICAL",
    "BANK",
    "INSURANCE",
    "SECURITIES",
    "LOGISTICS",
    "SHIPPING",
    "AIRLINES",
    "PROPERTIES",
    "LAND",
    "MINING",
    "TELECOM",
    "MOBILE",
    "ELECTRONICS",
    "SEMICONDUCTOR",
    "RAILWAY",
    "CONSTRUCTION",
    "POWER",
    "NUCLEAR",
    "AEROSPACE",
    "COMMUNICATIONS",
    "TECHNOLOGY",
    "INDUSTRIES",
    "MACHINERY",
    "RARE",
    "EARTH",
    "GAS",
    "OIL",
)
FORMS = (
    "INC",
    "CORP",
    "CO LTD",
    "LTD",
    "HOLDINGS LTD",
    "GROUP INC",
    "PLC",
    "CO LTD-H",
    "CO LTD-A",
    "LTD-SPON ADR",
    "GROUP CO LTD",
    "CORP-CL A",
    "SA",
    "AG",
)


def descriptions(n: int, listed_share: float, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    listings = load_listings()
    listed_names = [x for e in listings for x in (e.name, *e.alias_names) if x.isascii()]
    out: set[str] = set()
    listed_target = int(n * listed_share)
    while len(out) < listed_target:
        name = rng.choice(listed_names).upper()
        form = rng.choice(("-H", "-A", " SPONSORED ADR", "", " ORD SHS"))
        out.add((name + form)[: rng.choice((30, 35, 60))])
    while len(out) < n:
        words = [rng.choice(FIRST)]
        if rng.random() < 0.4:
            words.insert(0, "CHINA")
        words += rng.sample(MIDDLE, rng.choice((1, 1, 2)))
        out.add(" ".join(words) + " " + rng.choice(FORMS))
    items = sorted(out)
    rng.shuffle(items)
    return items


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--listed-share", type=float, default=0.02)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    texts = descriptions(args.n, args.listed_share)
    listings = load_listings()
    t0 = time.perf_counter()
    Matcher(listings)
    build = time.perf_counter() - t0
    runs = []
    found = confirmed = 0
    for _ in range(args.repeat):
        matcher = Matcher(listings)
        start = time.perf_counter()
        results = [matcher.match_name(t) for t in texts]
        runs.append((time.perf_counter() - start) / len(texts))
        found = sum(1 for r in results if r)
        confirmed = sum(1 for r in results if r and r[0].level == "confirmed")
    per = statistics.median(runs) * 1e6
    print(f"descriptions      {len(texts):>8}")
    print(f"matched (any)     {found:>8}   confirmed {confirmed}")
    print(f"Matcher build     {build * 1e3:8.1f} ms")
    print(f"per description   {per:8.1f} us (median of {args.repeat}; target < 50 us)")
    print(f"total             {statistics.median(runs) * len(texts) * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
