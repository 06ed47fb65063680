"""``portfolio-guard listings build|show|search|diff``."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from portfolio_guard.entity import Alias, Entity, Registration, SourceList
from portfolio_guard.errors import InputError, ListingsError
from portfolio_guard.listings import MANIFEST_FILE, Listings, SecurityRow, load_listings

OWN_SOURCES = ("ofac", "curated")


def _listings(args: argparse.Namespace) -> Listings:
    return load_listings(args.listings)


def run(args: argparse.Namespace) -> int:
    cmd = args.listings_command
    if cmd == "build":
        return _build(args)
    if cmd == "refresh":
        from portfolio_guard.commands import refresh_cmd

        return refresh_cmd.run(args)
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
    # Keep what earlier refreshes found (OpenFIGI, Yahoo): a rebuild must not lose it.
    kept: list[SecurityRow] = []
    out = Path(args.out)
    if (out / MANIFEST_FILE).is_file():
        try:
            previous = load_listings(out)
        except ListingsError as exc:
            print(f"portfolio-guard: warning: not keeping enrichment rows: {exc}", file=sys.stderr)
        else:
            kept = [s for e in previous for s in e.securities if s.source not in OWN_SOURCES]
    manifest = build_dataset(source, args.out, curated=args.curated, extra_rows=kept)
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


def _source_of(path: str) -> tuple[str, SourceList, Listings | None]:
    """A listings folder (or its manifest) or an official file, as a SourceList."""
    from portfolio_guard.sources import read_source

    p = Path(path)
    if p.name == MANIFEST_FILE:
        p = p.parent
    if p.is_dir() and (p / MANIFEST_FILE).is_file():
        listings = load_listings(p)
        sources = listings.manifest.get("sources") or [{}]
        fmt = sources[0].get("format", "enhanced_xml")
        src = SourceList(fmt, (str(p),), listings.as_of, tuple(_as_entities(listings)))
        return f"listings {p} ({listings.version})", src, listings
    src = read_source(p)
    return f"{src.format} {p}", src, None


def _as_entities(listings: Listings) -> list[Entity]:
    """Rebuild the source-level records of a dataset (OFAC's own identifiers only)."""
    out = []
    for e in listings:
        ofac = [s for s in e.securities if s.source == "ofac"]
        out.append(
            Entity(
                uid=e.uid,
                name=e.name,
                listing_date=e.listing_date,
                effective_date=e.effective_date,
                divestment_date=e.divestment_date,
                aliases=tuple(Alias(a["name"], a["kind"], a["strength"]) for a in e.aliases),
                issuer_names=e.issuer_names,
                isins=tuple(s.raw for s in ofac if s.kind == "isin"),
                tickers=tuple(s.raw for s in ofac if s.kind == "ticker"),
                registrations=tuple(
                    Registration(r["kind"], r["number"], r["country"]) for r in e.registrations
                ),
                target_type=e.target_type,
                linked_to=tuple(link["name"] for link in e.linked_to),
                linked_uids=tuple(link["uid"] for link in e.linked_to if link.get("uid")),
                other_names=e.other_names,
            )
        )
    return out


def _security_changes(old: Listings, new: Listings) -> dict[str, list[str]]:
    def rows(lst: Listings) -> set[tuple[int, str, str, str]]:
        return {(s.entity_uid, s.kind, s.value, s.source) for e in lst for s in e.securities}

    a, b = rows(old), rows(new)
    fmt = "uid {0}: {1} {2} ({3})".format
    return {
        "securities_added": [fmt(*r) for r in sorted(b - a)],
        "securities_removed": [fmt(*r) for r in sorted(a - b)],
    }


def _diff(old: str, new: str, fmt: str) -> int:
    from portfolio_guard.sources import diff_sources

    old_label, old_src, old_listings = _source_of(old)
    new_label, new_src, new_listings = _source_of(new)
    diff = diff_sources(old_src, new_src)
    extra: dict[str, list[str]] = {}
    if old_listings is not None and new_listings is not None:
        extra = _security_changes(old_listings, new_listings)
    changed = {
        str(uid): [{"field": c.field, "old": c.old, "new": c.new} for c in changes]
        for uid, changes in diff.changed.items()
    }
    if fmt == "json":
        out = {
            "old": old_label,
            "new": new_label,
            "compared_fields": list(diff.fields),
            "added": list(diff.added),
            "removed": list(diff.removed),
            "changed": changed,
            **extra,
        }
        json.dump(out, sys.stdout, default=str, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        print(f"old: {old_label}\nnew: {new_label}")
        lines = diff.summary() + [
            f"{k.replace('_', ' ')}: {v}" for k, vals in extra.items() for v in vals
        ]
        print(
            f"{len(old_src.entities)} -> {len(new_src.entities)} entities; "
            f"{len(diff.added)} added, {len(diff.removed)} removed, {len(diff.changed)} changed"
        )
        for line in lines:
            print(f"  {line}")
    return 0
