"""The one CSV export helper: safe to open in a spreadsheet (CWE-1236).

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with
an apostrophe so a spreadsheet shows it instead of evaluating it. Numbers (Decimal, int, float)
are written as numbers, so negative credits stay negative numbers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return format(value, "f") if isinstance(value, Decimal) else value
    if isinstance(value, date | datetime):
        return value.isoformat()
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def to_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Rows as CSV text with ``columns`` in order, every text cell neutralised."""
    out = io.StringIO()
    # CRLF as RFC 4180 says; it also makes csv quote a cell holding a bare carriage return,
    # which a spreadsheet would otherwise read as a new row starting with that cell's tail.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(c) for c in columns])
    for row in rows:
        writer.writerow([neutralise(row.get(c)) for c in columns])
    return out.getvalue()


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")  # an exact decimal string, never a float
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"cannot export {type(value).__name__} as JSON")


def to_json(rows: Iterable[Mapping[str, Any]]) -> str:
    """Rows as a JSON array: money as exact decimal strings, dates as ISO 8601."""
    return json.dumps(list(rows), indent=2, ensure_ascii=False, default=_json_value) + "\n"


def render(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], fmt: str) -> str:
    """A report in ``fmt`` (csv or json): the one place CLI reports are written."""
    return to_json(rows) if fmt == "json" else to_csv(rows, columns)
