"""The record checks every service area shares: validation errors, the stale-edit refusal, safe web
links, bounded text, exact amounts, known people and row locks.

They raise ``InvalidRecord`` (a ValueError), whose message the page shows as it is.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from sqlmodel import Session, SQLModel, col, select

from db.models import Person
from services.core.emails import EmailError, check_one

MAX_NAME_CHARS = 200
MAX_URL_CHARS = 500
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


class InvalidRecord(ValueError):
    """A change that breaks a rule; nothing was changed."""


class StaleEdit(InvalidRecord):
    """The record changed after the form was opened; the earlier change is kept.

    ``message`` replaces the default wording where the form names the record itself (a person's
    name, an agenda item's title).
    """

    def __init__(self, what: str, message: str | None = None) -> None:
        super().__init__(
            message
            or f"This {what} was changed by someone else since you opened it. "
            "Nothing was saved: reload it and apply your change again."
        )


def check_web_url(url: str | None, what: str = "website") -> str | None:
    """``url`` trimmed when it is an http or https address; None for blank; refused otherwise.

    Refuses ``javascript:``, ``data:`` and every other scheme however it is cased or padded,
    and any address with spaces or control characters inside (a browser would strip them).
    """
    if url is None or not url.strip():
        return None
    cleaned = url.strip()
    lowered = cleaned.lower()
    if not lowered.startswith(("http://", "https://")) or _CONTROL.search(cleaned):
        raise InvalidRecord(f"{what} must be an http:// or https:// address, got {cleaned[:80]!r}")
    if len(cleaned) > MAX_URL_CHARS:
        raise InvalidRecord(f"{what} is longer than {MAX_URL_CHARS} characters")
    if len(lowered.split("://", 1)[1].split("/", 1)[0]) == 0:
        raise InvalidRecord(f"{what} has no host: {cleaned[:80]!r}")
    return cleaned


def check_text(value: str, what: str, max_chars: int = MAX_NAME_CHARS) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise InvalidRecord(f"{what} cannot be blank")
    if len(cleaned) > max_chars:
        raise InvalidRecord(f"{what} is longer than {max_chars} characters")
    return cleaned


def check_choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise InvalidRecord(f"unknown {what} {value!r}: use one of {', '.join(allowed)}")
    return value


def check_currency(code: str) -> str:
    cleaned = (code or "").strip().upper()
    if not _CURRENCY.match(cleaned):
        raise InvalidRecord(f"currency must be a three-letter ISO 4217 code, got {code!r}")
    return cleaned


def check_amount(value: Decimal | str | None, what: str, *, allow_negative: bool = False) -> Any:
    """An exact Decimal (never a float) or None; negative only where asked for."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float):
        raise InvalidRecord(f"{what} must be an exact decimal, not a float")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except ArithmeticError as exc:
        raise InvalidRecord(f"{what} is not a number: {value!r}") from exc
    if not amount.is_finite():
        raise InvalidRecord(f"{what} must be a finite number")
    if amount < 0 and not allow_negative:
        raise InvalidRecord(f"{what} cannot be negative")
    return amount


def person_id_for_email(session: Session, email: str | None) -> int | None:
    """The Person with ``email`` (case-insensitive), None for blank; refused when unknown."""
    if email is None or not email.strip():
        return None
    person = session.exec(select(Person).where(Person.email == email.strip().lower())).first()
    if person is None:
        raise InvalidRecord(f"unknown person {email.strip()!r}: add them under People first")
    return person.id


def check_person(session: Session, person_id: int | None) -> int | None:
    if person_id is not None and session.get(Person, person_id) is None:
        raise InvalidRecord(f"unknown person id {person_id}")
    return person_id


def people_by_id(session: Session, ids: set[int | None]) -> dict[int, Person]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(wanted))) if p.id}


def locked_get(session: Session, model: type[SQLModel], record_id: int, what: str) -> Any:
    """Load a row for update (row lock on Postgres; SQLite writers are already serialised)."""
    row = session.get(model, record_id, with_for_update=True)
    if row is None:
        raise InvalidRecord(f"no {what} with id {record_id}")
    return row


def check_version(row: Any, expected_version: int, what: str, message: str | None = None) -> None:
    """Refuse an edit made on a form opened before the row's last change (optimistic lock)."""
    if row.version != expected_version:
        raise StaleEdit(what, message)


def check_email_address(email: str | None) -> str | None:
    """One address, checked as everywhere (``services.core.emails.check_one``); None for blank."""
    if email is None or not email.strip():
        return None
    try:
        return check_one(email)
    except EmailError as exc:
        raise InvalidRecord(str(exc)) from exc
