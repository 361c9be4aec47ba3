"""`opsdesk import-records vendors FILE`: one vendor per row.

Columns (header row, UTF-8 CSV):

| column | required | meaning |
| --- | --- | --- |
| name | yes | the vendor's name (unique, case-insensitive) |
| category | yes | LLM API, ML platform, Experiment tracking, Data labeling, GPU cloud, |
| | | Monitoring, Data warehouse or Other (blank = other); any case, and the stored |
| | | values (llm_api...) are accepted too |
| website | yes (may be blank) | an http:// or https:// address; `javascript:`, `data:` |
| | | and every other scheme are refused |
| status | no | Evaluating, Active (default), Offboarding or Retired |
| owner_email | no | email of an existing Person who owns the vendor |
| aliases | no | names the vendor appears under in billing files, separated by `;` |
| notes | no | free text |

Also the small parsers the other vendor-area kinds share.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlmodel import Session

from integrations.billing.input_rules import date_problem
from services.access import audit
from services.access.access import Actor
from services.access.users import check_owner
from services.core.choices import Choices
from services.core.records import (
    InvalidRecord,
    check_web_url,
    person_id_for_email,
)
from services.record_imports import RecordError, Row
from services.vendors.choices import VENDOR_CATEGORY, VENDOR_STATUS
from services.vendors.vendors import find_vendor, new_vendor

KIND = "vendors"
PERMISSION = "vendors.edit"
REQUIRED = ("name", "category", "website")
DateValue = TypeVar("DateValue", date, datetime)


def in_range(row: int, column: str, value: DateValue) -> DateValue:
    """``value`` when it falls within the dates every importer accepts; else RecordError."""
    problem = date_problem(value)
    if problem is not None:
        raise RecordError(row, column, problem)
    return value


def parse_date(row: int, values: dict[str, str], column: str) -> date:
    text = values.get(column, "")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise RecordError(row, column, f"{text!r} is not a date (use YYYY-MM-DD)") from None
    return in_range(row, column, day)


def parse_datetime(
    row: int, values: dict[str, str], column: str, tz: ZoneInfo, *, optional: bool = False
) -> datetime | None:
    """An ISO date-time; one without an offset is read in the workspace time zone."""
    text = values.get(column, "")
    if not text and optional:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise RecordError(
            row, column, f"{text!r} is not a date-time (use YYYY-MM-DD HH:MM)"
        ) from None
    return in_range(row, column, value if value.tzinfo else value.replace(tzinfo=tz))


def parse_int(
    row: int, values: dict[str, str], column: str, *, default: int | None = None
) -> int | None:
    text = values.get(column, "")
    if not text:
        return default
    if not text.isascii():  # int() reads Arabic-Indic and full-width digits
        raise RecordError(row, column, f"{text!r} is not a whole number in ASCII digits")
    try:
        return int(text)
    except ValueError:
        raise RecordError(row, column, f"{text!r} is not a whole number") from None


def parse_decimal(row: int, values: dict[str, str], column: str) -> Decimal | None:
    text = values.get(column, "")
    if not text:
        return None
    if not text.isascii():  # Decimal() reads Arabic-Indic and full-width digits
        raise RecordError(row, column, f"{text!r} is not a number in ASCII digits (use 1234.56)")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise RecordError(row, column, f"{text!r} is not a number (use 1234.56)") from None
    if not value.is_finite():
        raise RecordError(row, column, f"{text!r} is not a finite number")
    return value


def vendor_id(session: Session, row: int, values: dict[str, str], column: str = "vendor") -> int:
    name = values.get(column, "")
    vendor = find_vendor(session, name)
    if vendor is None or vendor.id is None:
        raise RecordError(row, column, f"unknown vendor {name!r}")
    return vendor.id


def person_id(session: Session, row: int, values: dict[str, str], column: str) -> int | None:
    try:
        return person_id_for_email(session, values.get(column))
    except InvalidRecord as exc:
        raise RecordError(row, column, str(exc)) from None


def governance_owner_id(
    session: Session, row: int, values: dict[str, str], column: str, what: str
) -> int | None:
    """``person_id``, refusing a user whose role may not see governance records (their
    reminders would tell them what the app hides), with the row and column named."""
    found = person_id(session, row, values, column)
    try:
        check_owner(session, found, "governance.read", what)
    except ValueError as exc:
        raise RecordError(row, column, str(exc)) from None
    return found


def checked_column(row: int, column: str, check: Callable[..., object], *args: object) -> object:
    """Run one field check, naming the row and column when it refuses the value."""
    try:
        return check(*args)
    except InvalidRecord as exc:
        raise RecordError(row, column, str(exc)) from None


def _choice(row: int, column: str, choices: Choices, text: str) -> str:
    try:
        return choices.parse(text)
    except ValueError as exc:
        raise RecordError(row, column, str(exc)) from None


def import_rows(session: Session, actor: Actor, rows: list[Row]) -> int:
    for number, values in rows:
        checked_column(number, "website", check_web_url, values["website"])
        # People's words or the stored value: "Experiment tracking", "data labeling", "llm_api".
        category = _choice(number, "category", VENDOR_CATEGORY, values["category"] or "other")
        status = _choice(number, "status", VENDOR_STATUS, values.get("status") or "active")
        try:
            vendor = new_vendor(
                session,
                name=values["name"],
                category=category,
                status=status,
                owner_id=person_id(session, number, values, "owner_email"),
                website=values["website"],
                notes=values.get("notes", ""),
                aliases=[a for a in values.get("aliases", "").split(";") if a.strip()],
            )
        except InvalidRecord as exc:
            raise RecordError(number, None, str(exc)) from None
        audit.record(session, actor, "create", "vendor", vendor.id, after=audit.snapshot(vendor))
    return len(rows)
