"""Input rules every importer applies at the edge (billing files and record imports alike).

- Dates fall within ``EARLIEST`` .. ``LATEST``: a typo such as ``9999-12-31`` or ``0001-01-01``
  is refused with its row and column instead of breaking every page that adds a day to it.
- Column names are unique: a file with two ``BilledCost`` columns is refused naming both, never
  read with one silently winning.
- No NUL byte in any value: Postgres text cannot hold one, SQLite would store it and cut the
  value short in most tools; refused with the row and column on both databases.
- Strict numbers are ASCII: ``str.isdigit``, ``int`` and ``Decimal`` all read Arabic-Indic
  (``١٢٣``) and full-width (``１２３``) digits, so strict parsers check ``isascii`` first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

EARLIEST = date(1970, 1, 1)
LATEST = date(2199, 12, 31)
NUL = "\x00"


def date_problem(value: date | datetime) -> str | None:
    """Why ``value`` is outside the range every importer accepts, or None when it is inside."""
    day = value.date() if isinstance(value, datetime) else value
    if EARLIEST <= day <= LATEST:
        return None
    return (
        f"{value.isoformat()} is outside the accepted dates "
        f"{EARLIEST.isoformat()} to {LATEST.isoformat()}"
    )


def duplicate_problem(header: Sequence[str]) -> tuple[str, str] | None:
    """(column, problem) for the first column name that appears twice, naming both places."""
    first: dict[str, int] = {}
    for index, name in enumerate(header, start=1):
        if name in first:
            return name, (
                f"columns {first[name]} and {index} are both named {name!r}; "
                "remove or rename one (the file is ambiguous)"
            )
        first[name] = index
    return None


def nul_column(header: Sequence[str], cells: Sequence[str]) -> str | None:
    """The name of the first column whose value holds a NUL byte, or None."""
    for name, cell in zip(header, cells, strict=False):
        if NUL in cell:
            return name
    return None


NUL_PROBLEM = "the value contains a NUL byte (\\x00); remove it and import again"


def is_ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()
