"""What every billing format shares: the normalised cost row and the value parsers.

Files are read in ``csv_files``.

Strict parsing (the default) accepts only what the FOCUS specification allows: plain decimal
numbers, ISO 8601 dates (with the sample's space-separated form), ISO 4217 codes. Lenient parsing,
chosen by the user, also accepts spreadsheet habits (``1,234.56``, ``$12.00``, ``(12.34)``,
``1.2E-07``, US dates ``M/D/YYYY`` and ``M/D/YY``) and converts them exactly through Decimal,
never a float. Both modes apply ``input_rules``: dates in range, unique column names, no NUL bytes;
strict numbers are ASCII digits only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from integrations.billing.input_rules import (
    date_problem,
)

NULL_LITERALS = frozenset({"", "NULL", "null"})
MAX_PROBLEMS_KEPT = 20

_ISO_CODES = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP
BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR
KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK
MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR
SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS
UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
"""
ISO_4217 = frozenset(_ISO_CODES.split())
# Only in lenient mode: symbols and spellings spreadsheets produce.
_LENIENT_CURRENCIES = {"US$": "USD", "$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "C$": "CAD"}

# ASCII: in a str pattern \d also matches Arabic-Indic and full-width digits.
_STRICT_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)", re.ASCII)
_LENIENT_STRIP = re.compile(r"[\s$€£¥\u00a0']|US\$|USD|EUR|GBP")
# Lenient US dates: M/D/YYYY or M/D/YY (two-digit years are 2000-2099), optionally with a time.
_US_DATE = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?", re.ASCII
)


class BillingError(ValueError):
    """A file that cannot be imported; nothing of it is written. Names file, row and column."""

    def __init__(
        self, filename: str, problem: str, *, row: int | None = None, column: str | None = None
    ) -> None:
        where = ", ".join(
            p for p in (f"row {row}" if row else "", f"column {column!r}" if column else "") if p
        )
        super().__init__(f"{filename}: {where}: {problem}" if where else f"{filename}: {problem}")
        self.filename, self.problem, self.row, self.column = filename, problem, row, column


class RowProblem(ValueError):
    """One bad value; strict mode turns it into a BillingError, lenient mode rejects the row."""

    def __init__(self, column: str, problem: str) -> None:
        super().__init__(problem)
        self.column, self.problem = column, problem


@dataclass(slots=True)
class CostRow:
    """One billing row in FOCUS column meanings; amounts exact, account ids as text."""

    row_number: int
    provider: str
    publisher: str
    invoice_issuer: str
    billing_account_id: str
    sub_account_id: str
    billing_period_start: date
    charge_period_start: datetime
    charge_period_end: datetime | None
    charge_category: str
    service_name: str
    region: str
    resource_id: str
    sku_id: str
    billed_cost: Decimal
    effective_cost: Decimal
    list_cost: Decimal | None
    currency: str
    tags: dict[str, str]
    tags_text: str
    team: str = ""  # set by formats that carry a team column; otherwise taken from tags


@dataclass
class ParseStats:
    """What a parser saw: rows read and, in lenient mode, rows rejected with reasons."""

    rows_read: int = 0
    rows_rejected: int = 0
    problems: list[str] = field(default_factory=list)

    def reject(self, row: int, column: str, problem: str) -> None:
        self.rows_rejected += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(f"row {row}, column {column!r}: {problem}")


@dataclass(frozen=True)
class ParseOptions:
    lenient: bool = False
    decimal_comma: bool = False  # set for `;`-separated files in lenient mode: 1.234,56


# --- values --------------------------------------------------------------------------------


def is_null(text: str) -> bool:
    return text in NULL_LITERALS or text.strip() in NULL_LITERALS


def parse_amount(text: str, column: str, options: ParseOptions) -> Decimal:
    value = text.strip()
    if _STRICT_NUMBER.fullmatch(value):
        return Decimal(value)
    if not options.lenient:
        raise RowProblem(column, f"{text!r} is not a plain decimal number (strict mode)")
    return _lenient_amount(value, column, options)


def _lenient_amount(value: str, column: str, options: ParseOptions) -> Decimal:
    negative = False
    if value.startswith("(") and value.endswith(")"):
        negative, value = True, value[1:-1]
    value = _LENIENT_STRIP.sub("", value)
    if value.startswith("-") and value[1:2] == "$":
        value = "-" + value[2:]
    if options.decimal_comma:
        value = value.replace(".", "").replace(",", ".")
    else:
        value = value.replace(",", "")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise RowProblem(column, f"{value!r} is not an amount") from None
    if not amount.is_finite():
        raise RowProblem(column, f"{value!r} is not a finite amount")
    return -amount if negative else amount


def amount_of(value: Any, column: str, options: ParseOptions) -> Decimal:
    """An amount from a CSV cell or a Parquet value (float through its shortest repr)."""
    if type(value) is str:
        return parse_amount(value, column, options)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, float):
        amount = Decimal(repr(value))
        if not amount.is_finite():
            raise RowProblem(column, f"{value!r} is not a finite amount")
        return amount
    if value is None:
        raise RowProblem(column, "amount is missing")
    raise RowProblem(column, f"{value!r} is not an amount")


def optional_amount_of(value: Any, column: str, options: ParseOptions) -> Decimal | None:
    if value is None or (type(value) is str and is_null(value)):
        return None
    return amount_of(value, column, options)


def datetime_of(value: Any, column: str, options: ParseOptions) -> datetime:
    """An instant in UTC from a CSV cell or a Parquet value, within the accepted dates."""
    if type(value) is str:
        if is_null(value):
            raise RowProblem(column, "date is missing")
        moment = parse_datetime(value, column, options)
    elif isinstance(value, datetime):
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day, tzinfo=UTC)
    else:
        raise RowProblem(column, "date is missing" if value is None else f"{value!r} is not a date")
    problem = date_problem(moment)
    if problem is not None:
        raise RowProblem(column, problem)
    return moment


def optional_datetime_of(value: Any, column: str, options: ParseOptions) -> datetime | None:
    if value is None or (type(value) is str and is_null(value)):
        return None
    return datetime_of(value, column, options)


def parse_optional_amount(text: str | None, column: str, options: ParseOptions) -> Decimal | None:
    if text is None or is_null(text):
        return None
    return parse_amount(text, column, options)


def parse_datetime(text: str, column: str, options: ParseOptions) -> datetime:
    """An instant in UTC. A value without an offset is taken as UTC (FOCUS requires UTC)."""
    value = text.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except (ValueError, OverflowError):
        fallback = _lenient_datetime(value, column) if options.lenient else None
        if fallback is None:
            raise RowProblem(column, f"{text!r} is not an ISO 8601 date or time") from None
        parsed = fallback
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _lenient_datetime(value: str, column: str) -> datetime | None:
    match = _US_DATE.fullmatch(value)
    if match is None:
        return None
    month, day, year, hour, minute, second = match.groups()
    if len(year) == 2:
        year = f"20{year}"
    try:
        return datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
        )
    except ValueError:
        raise RowProblem(column, f"{value!r} is not a valid date") from None


def parse_currency(text: str, column: str, options: ParseOptions) -> str:
    value = text.strip()
    if not value or value in NULL_LITERALS:
        raise RowProblem(column, "currency is blank")
    code = value.upper()
    if options.lenient:
        code = _LENIENT_CURRENCIES.get(value, code)
    if code not in ISO_4217:
        raise RowProblem(column, f"{value!r} is not an ISO 4217 currency code")
    return code


def parse_tags(text: Any, column: str, options: ParseOptions) -> tuple[dict[str, str], str]:
    """FOCUS Tags: a JSON object. Also accepts GCP's list of {key, value} pairs."""
    if text is None or (type(text) is str and is_null(text)):
        return {}, ""
    if not isinstance(text, str):  # a Parquet map or struct
        tags = tags_from_json(text, column, options)
        return tags, json.dumps(tags, sort_keys=True) if tags else ""
    try:
        loaded: Any = json.loads(text)
    except ValueError:
        if options.lenient:
            return {}, ""
        raise RowProblem(column, "Tags is not a JSON object") from None
    return tags_from_json(loaded, column, options), text


def tags_from_json(loaded: Any, column: str, options: ParseOptions) -> dict[str, str]:
    if isinstance(loaded, dict):
        return {str(k): "" if v is None else str(v) for k, v in loaded.items()}
    if isinstance(loaded, list):
        out: dict[str, str] = {}
        for item in loaded:
            if isinstance(item, dict) and "key" in item:
                out[str(item["key"])] = str(item.get("value") or "")
            elif isinstance(item, list | tuple) and len(item) == 2:  # pyarrow map
                out[str(item[0])] = str(item[1] or "")
        return out
    if options.lenient:
        return {}
    raise RowProblem(column, "Tags is not a JSON object")


def text_or_blank(value: Any) -> str:
    """A cell as text, the NULL literal and None as blank; never a number (keeps zeros)."""
    if value is None:
        return ""
    text = str(value)
    return "" if text in NULL_LITERALS else text


def month_start(moment: datetime | date) -> date:
    return date(moment.year, moment.month, 1)


Converter = Callable[[int, dict[str, Any]], CostRow]
