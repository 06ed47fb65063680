"""Read brokerage holdings exports into one normalised pandas DataFrame.

>>> from portfolio_guard.holdings import read_holdings   # doctest: +SKIP
>>> holdings = read_holdings("Portfolio_Positions_Jul-31-2026.csv")   # doctest: +SKIP
>>> holdings.layout, list(holdings.frame.columns)[:3]   # doctest: +SKIP
('fidelity-2026', ['account', 'symbol', 'description'])

What it does, in the order it happens:

* **Opening** (``source``): files over ``MAX_FILE_BYTES`` (1 GiB), empty, binary, PDF, legacy
  ``.xls`` and non-workbook ZIPs are refused with ``UnknownFormatError``/``InputError``. Text is
  UTF-8 (BOM dropped) or UTF-16 with a BOM, else cp1252, else latin-1; the delimiter (``,``, ``;``,
  tab, ``|``) is sniffed. ``.xlsx`` sheets are read in order until one holds positions.
* **Layout** (``detect``, ``layouts``): every spec in ``LAYOUTS`` is scored against the first rows;
  the best header match wins (exact header spelling beats case-insensitive; a title marker such as
  ``Positions for All-Accounts`` breaks ties). No match: the generic reader takes the row whose
  cells name the most known columns (``columns.SYNONYMS``); a transactions export is refused.
* **Rows** (``engine``, or ``fast`` for generic CSV): tables start at header rows; totals, tax lots,
  pending activity, footers, other sections are set aside, each with its line and reason in
  ``Holdings.skipped``. Accounts come from an account column, a title, or a label line.
* **Values** (``normalize``): numbers per ``parse_number`` (decimal comma decided per column);
  ISIN/CUSIP/SEDOL/FIGI found in a symbol column move to their columns (stdnum check digits);
  ``BRK/B`` and ``BRK B`` become ``BRK.B``; ``0700.HK`` becomes ``0700`` on ``XHKG``; options get
  ``asset_type == "option"`` (``option_underlying`` gives the root); cash, sweep and money-market
  lines get ``asset_type == "cash"`` and must not be screened as securities.

Text columns are ``object`` with None (or NaN, in columns the fast path took straight from the
parser) for missing values: test with ``isna()``. ``quantity``, ``price``, ``market_value`` are
float64 in the position's currency; ``source_line`` is the 1-based physical line (sheet row).
"""

from portfolio_guard.holdings.layouts import BROKERS, LAYOUTS
from portfolio_guard.holdings.model import ASSET_TYPES, COLUMNS, Holdings, Skipped
from portfolio_guard.holdings.numbers import parse_number
from portfolio_guard.holdings.reader import normalize_frame, read_holdings
from portfolio_guard.holdings.spec import LayoutSpec, Rule
from portfolio_guard.holdings.symbols import option_underlying

__all__ = [
    "ASSET_TYPES",
    "BROKERS",
    "COLUMNS",
    "LAYOUTS",
    "Holdings",
    "LayoutSpec",
    "Rule",
    "Skipped",
    "normalize_frame",
    "option_underlying",
    "parse_number",
    "read_holdings",
]
