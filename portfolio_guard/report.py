"""A screening report: findings as a DataFrame plus everything needed to trust them.

Rendered as a rich table (terminal), JSON, CSV, a self-contained HTML file, and HTML in
Jupyter (``_repr_html_``). Exit code for scripts: 1 when a holding is ``prohibited`` or in a
``divestment`` window (the prohibition is in force either way), else 0.
"""

from __future__ import annotations

import html
import io
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler
    from rich.console import Console

    from portfolio_guard.screening import SourceSummary

STATUS_COLOURS = {
    "prohibited": "#c62828",
    "divestment": "#ef6c00",
    "pending": "#f9a825",
    "review": "#1565c0",
    "cleared": "#2e7d32",
}
BLOCKING = ("prohibited", "divestment")


def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return _jsonable(value.item())
    return value


@dataclass
class Report:
    findings: pd.DataFrame
    as_of: date
    listings_version: str
    listings_as_of: date | None
    sources: list[SourceSummary] = field(default_factory=list)
    rows_screened: int = 0

    # -- figures ---------------------------------------------------------------------

    @property
    def rows_read(self) -> int:
        return sum(s.rows_read for s in self.sources)

    @property
    def rows_skipped(self) -> int:
        return sum(len(s.skipped) for s in self.sources)

    @property
    def summary(self) -> dict[str, int]:
        counts = Counter(self.findings["status"]) if len(self.findings) else Counter()
        return {s: int(counts.get(s, 0)) for s in STATUS_COLOURS}

    @property
    def exit_code(self) -> int:
        return 1 if any(self.summary[s] for s in BLOCKING) else 0

    def explain(self, index: int) -> str:
        """One finding in words: what matched what, the score, the rule."""
        f = self.findings.iloc[index]
        return (
            f"{f['file']} line {f['line']}: {str(f['status']).upper()} — {f['entity_name']} "
            f"(OFAC uid {f['entity_uid']})\n"
            f"  matched on {f['matched_on']}: {f['matched_value']!r} ~ {f['list_value']!r} "
            f"(score {f['score']:.2f})\n"
            f"  why: {f['reason']}\n"
            f"  rule: {f['rule']}\n"
            f"  listed {f['listing_date']}, effective {f['effective_date']}, "
            f"divestment {f['divestment_date']}"
        )

    # -- machine formats ----------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        records = [
            {k: _jsonable(v) for k, v in rec.items()}
            for rec in self.findings.to_dict(orient="records")
        ]
        return {
            "as_of": self.as_of.isoformat(),
            "listings": {
                "version": self.listings_version,
                "as_of": self.listings_as_of.isoformat() if self.listings_as_of else None,
            },
            "summary": self.summary,
            "rows": {
                "read": self.rows_read,
                "skipped": self.rows_skipped,
                "screened": self.rows_screened,
            },
            "sources": [
                {"file": s.file, "layout": s.layout, "rows_read": s.rows_read, "skipped": s.skipped}
                for s in self.sources
            ],
            "findings": records,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1)

    def to_csv(self) -> str:
        buf = io.StringIO()
        self.findings.to_csv(buf, index=False, lineterminator="\n")
        return buf.getvalue()

    # -- people -------------------------------------------------------------------------

    def _header_lines(self) -> list[str]:
        s = self.summary
        return [
            f"NS-CMIC screen as of {self.as_of.isoformat()} — listings {self.listings_version}"
            f" (list as of {self.listings_as_of or 'unknown'})",
            f"rows read {self.rows_read}, skipped {self.rows_skipped}, "
            f"screened {self.rows_screened}",
            ", ".join(f"{k} {v}" for k, v in s.items()),
        ]

    def _table_html(self) -> str:
        cols = [
            "status",
            "file",
            "line",
            "symbol",
            "description",
            "entity_name",
            "matched_on",
            "score",
            "reason",
        ]
        head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
        body = []
        for rec in self.findings.to_dict(orient="records"):
            colour = STATUS_COLOURS.get(str(rec["status"]), "#555")
            cells = []
            for c in cols:
                val = _jsonable(rec.get(c))
                if isinstance(val, float) and math.isnan(val):
                    val = None
                text = "" if val is None else (f"{val:.2f}" if c == "score" else str(val))
                style = (
                    f' style="color:#fff;background:{colour};font-weight:600"'
                    if c == "status"
                    else ""
                )
                cells.append(f"<td{style}>{html.escape(text)}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        if not body:
            body.append(f'<tr><td colspan="{len(cols)}">no findings</td></tr>')
        return (
            '<table class="pg-findings"><thead><tr>'
            + head
            + "</tr></thead><tbody>"
            + "".join(body)
            + "</tbody></table>"
        )

    def _repr_html_(self) -> str:
        lines = "".join(f"<div>{html.escape(x)}</div>" for x in self._header_lines())
        return f'<div class="pg-report">{lines}{self._table_html()}</div>'

    def to_html(self) -> str:
        """A self-contained HTML page (inline CSS, no scripts, no external resources)."""
        style = (
            "body{font-family:system-ui,sans-serif;margin:2em}"
            "table{border-collapse:collapse;font-size:13px}"
            "th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}"
            "th{background:#f0f0f0}"
        )
        return (
            '<!DOCTYPE html><html><head><meta charset="utf-8">'
            f"<title>NS-CMIC screen {self.as_of.isoformat()}</title><style>{style}</style>"
            f"</head><body><h1>NS-CMIC screen</h1>{self._repr_html_()}</body></html>\n"
        )

    def styled(self) -> Styler:
        """The findings as a pandas Styler, status cells coloured (for Jupyter)."""

        def colour(val: Any) -> str:
            c = STATUS_COLOURS.get(str(val))
            return f"background-color:{c};color:white;font-weight:600" if c else ""

        return self.findings.style.map(colour, subset=["status"])

    def print(self, console: Console | None = None) -> None:
        from rich.console import Console
        from rich.table import Table

        console = console or Console()
        for line in self._header_lines():
            console.print(line, highlight=False)
        if not len(self.findings):
            console.print("no findings")
            return
        table = Table(show_lines=False)
        for col in ("#", "status", "where", "holding", "listed entity", "evidence"):
            table.add_column(col, overflow="fold")
        records = self.findings.to_dict(orient="records")
        for n, rec in enumerate(records, start=1):
            colour = STATUS_COLOURS.get(str(rec["status"]), "white")
            holding = " ".join(
                str(v) for v in (_jsonable(rec["symbol"]), _jsonable(rec["description"])) if v
            )
            table.add_row(
                str(n),
                f"[bold {colour}]{rec['status']}[/]",
                f"{rec['file']}:{rec['line']}",
                holding,
                f"{rec['entity_name']} ({rec['entity_uid']})",
                f"{rec['matched_on']} {rec['score']:.2f}",
            )
        console.print(table)
        for n, rec in enumerate(records, start=1):
            console.print(f"[{n}] {rec['reason']}", highlight=False, markup=False)
            console.print(f"    rule: {rec['rule']}", highlight=False, markup=False)

    def __repr__(self) -> str:
        return "\n".join(self._header_lines())
