"""``portfolio-guard listings build|show|search|diff``."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

from portfolio_guard.errors import InputError
from portfolio_guard.listings import MANIFEST_FILE, Listings, load_listings


def _listings(args: argparse.Namespace) -> Listings:
    return load_listings(args.listings)


def run(args: argparse.Namespace) -> int:
    cmd = args.listings_command
    if cmd == "build":
        return _build(args)
    if cmd == "show":
        return _show(_listings(args), args.format)
    if cmd == "search":
        return _search(_listings(args), args.text, args.format)
    return _diff(args.old, args.new, args.format)


def _build(args: argparse.Namespace) -> int:
    from portfolio_guard.builder import build_dataset
    from portfolio_guard.sources import read_source

    source = read_source(*args.files)
    if not source.entities:
        raise InputError(
            f"no {source.format} entries with program CMIC-EO13959 found; "
            "is this the consolidated (non-SDN) list?",
            ", ".join(args.files),
        )
    manifest = build_dataset(source, args.out, curated=args.curated)
    counts = manifest["counts"]
    print(
        f"wrote {args.out}/: {counts['entities']} entities, {counts['securities']} securities "
        f"({', '.join(f'{k} {v}' for k, v in counts['by_kind'].items())}; "
        f"{', '.join(f'{k} {v}' for k, v in counts['by_source'].items())}), "
        f"as of {manifest['as_of'] or 'unknown'}, version {manifest['version']}"
    )
    return 0


def _show(listings: Listings, fmt: str) -> int:
    entities = [e.to_public() for e in listings]
    if fmt == "json":
        json.dump(entities, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(
            [
                "uid",
                "name",
                "listing_date",
                "effective_date",
                "divestment_date",
                "aliases",
                "isins",
                "tickers",
            ]
        )
        for e in listings:
            writer.writerow(
                [
                    e.uid,
                    e.name,
                    e.listing_date,
                    e.effective_date,
                    e.divestment_date,
                    "; ".join(e.alias_names),
                    "; ".join(s.value for s in e.securities if s.kind == "isin"),
                    "; ".join(s.raw for s in e.securities if s.kind == "ticker"),
                ]
            )
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"NS-CMIC listings {listings.version} (as of {listings.as_of}, "
        f"{len(listings)} entities)"
    )
    for col in ("uid", "name", "listed", "effective", "divestment", "securities"):
        table.add_column(col, overflow="fold")
    for e in listings:
        secs = ", ".join(
            s.raw if s.kind == "ticker" else s.value for s in e.securities if s.kind != "cusip"
        )
        table.add_row(
            str(e.uid),
            e.name,
            str(e.listing_date),
            str(e.effective_date),
            str(e.divestment_date),
            secs or "—",
        )
    Console().print(table)
    return 0


def _search(listings: Listings, text: str, fmt: str) -> int:
    from portfolio_guard.match import Matcher

    matches = Matcher(listings).search(text)
    if fmt == "json":
        out = []
        for m in matches:
            ent = listings.entities[m.entity_uid].to_public()
            out.append(
                {
                    "match": {
                        "matched_on": m.matched_on,
                        "matched_value": m.matched_value,
                        "list_value": m.list_value,
                        "score": m.score,
                        "level": m.level,
                        "reason": m.reason,
                    },
                    "entity": ent,
                }
            )
        json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0 if matches else 1
    if not matches:
        print(f"no listed company matches {text!r}")
        return 1
    for m in matches:
        e = listings.entities[m.entity_uid]
        print(f"{e.uid}  {e.name}  [{m.level}, {m.matched_on}, score {m.score:.2f}]")
        print(f"    {m.reason}")
        print(
            f"    listed {e.listing_date}, effective {e.effective_date}, "
            f"divestment {e.divestment_date}"
        )
    return 0


def _entities_of(path: str) -> tuple[str, list[Any]]:
    """Entities from a listings folder (or its manifest) or from an official file."""
    from portfolio_guard.sources import read_source

    p = Path(path)
    if p.is_dir() and (p / MANIFEST_FILE).is_file():
        return f"listings {p}", _listed_as_entities(load_listings(p))
    if p.name == MANIFEST_FILE:
        return f"listings {p.parent}", _listed_as_entities(load_listings(p.parent))
    src = read_source(p)
    return f"{src.format} {p}", list(src.entities)


def _listed_as_entities(listings: Listings) -> list[Any]:
    from portfolio_guard.entity import Alias, Entity, Registration

    out = []
    for e in listings:
        out.append(
            Entity(
                uid=e.uid,
                name=e.name,
                listing_date=e.listing_date,
                effective_date=e.effective_date,
                divestment_date=e.divestment_date,
                aliases=tuple(Alias(a["name"], a["kind"], a["strength"]) for a in e.aliases),
                issuer_names=e.issuer_names,
                isins=tuple(s.raw for s in e.securities if s.kind == "isin" and s.source == "ofac"),
                tickers=tuple(
                    s.raw for s in e.securities if s.kind == "ticker" and s.source == "ofac"
                ),
                registrations=tuple(
                    Registration(r["kind"], r["number"], r["country"]) for r in e.registrations
                ),
                target_type=e.target_type,
                linked_to=tuple(link["name"] for link in e.linked_to),
                other_names=e.other_names,
            )
        )
    return out


def _diff(old: str, new: str, fmt: str) -> int:
    from portfolio_guard.sources import diff_entities

    old_label, old_entities = _entities_of(old)
    new_label, new_entities = _entities_of(new)
    diff = diff_entities(old_entities, new_entities)
    data = diff.to_dict() if hasattr(diff, "to_dict") else diff.__dict__
    if fmt == "json":
        json.dump({"old": old_label, "new": new_label, **data}, sys.stdout, default=str, indent=1)
        sys.stdout.write("\n")
    else:
        print(f"old: {old_label}\nnew: {new_label}")
        print(diff.summary() if hasattr(diff, "summary") else data)
    return 0
