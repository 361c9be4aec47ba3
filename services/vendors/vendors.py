"""Vendors: who the team buys ML services from, their aliases in billing files and their contacts.

Also the shared rules of the vendor area (validation errors, stale-edit refusal, safe web links,
owner lookup) that contracts, seats and tickets use too.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, func, select

from db.engine import Database
from db.models import (
    CONTACT_ROLES,
    VENDOR_CATEGORIES,
    VENDOR_STATUSES,
    ActionItem,
    Budget,
    Contract,
    CostRollup,
    Meeting,
    MeetingSeries,
    Person,
    SeatPool,
    SupportTicket,
    Vendor,
    VendorAlias,
    VendorContact,
)
from services.access import audit
from services.access.access import Actor, can, require
from services.core.clock import today as workspace_today
from services.core.emails import EmailError, check_one

if TYPE_CHECKING:
    from services.vendors.contracts import ContractView
    from services.vendors.seats import SeatPoolView
    from services.vendors.tickets import TicketView

OPEN_ACTION_STATUSES = ("open", "in_progress", "waiting", "blocked")
MAX_NAME_CHARS = 200
MAX_URL_CHARS = 500
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


class VendorError(ValueError):
    """A vendor-area change that breaks a rule; nothing was changed."""


class StaleEdit(VendorError):
    """The record changed after the form was opened; the earlier change is kept."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"This {what} was changed by someone else since you opened it. "
            "Nothing was saved: reload it and apply your change again."
        )


# --- shared checks -----------------------------------------------------------------------------


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
        raise VendorError(f"{what} must be an http:// or https:// address, got {cleaned[:80]!r}")
    if len(cleaned) > MAX_URL_CHARS:
        raise VendorError(f"{what} is longer than {MAX_URL_CHARS} characters")
    if len(lowered.split("://", 1)[1].split("/", 1)[0]) == 0:
        raise VendorError(f"{what} has no host: {cleaned[:80]!r}")
    return cleaned


def check_text(value: str, what: str, max_chars: int = MAX_NAME_CHARS) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise VendorError(f"{what} cannot be blank")
    if len(cleaned) > max_chars:
        raise VendorError(f"{what} is longer than {max_chars} characters")
    return cleaned


def check_choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise VendorError(f"unknown {what} {value!r}: use one of {', '.join(allowed)}")
    return value


def check_currency(code: str) -> str:
    cleaned = (code or "").strip().upper()
    if not _CURRENCY.match(cleaned):
        raise VendorError(f"currency must be a three-letter ISO 4217 code, got {code!r}")
    return cleaned


def check_amount(value: Decimal | str | None, what: str, *, allow_negative: bool = False) -> Any:
    """An exact Decimal (never a float) or None; negative only where asked for."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float):
        raise VendorError(f"{what} must be an exact decimal, not a float")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except ArithmeticError as exc:
        raise VendorError(f"{what} is not a number: {value!r}") from exc
    if not amount.is_finite():
        raise VendorError(f"{what} must be a finite number")
    if amount < 0 and not allow_negative:
        raise VendorError(f"{what} cannot be negative")
    return amount


def person_id_for_email(session: Session, email: str | None) -> int | None:
    """The Person with ``email`` (case-insensitive), None for blank; refused when unknown."""
    if email is None or not email.strip():
        return None
    person = session.exec(select(Person).where(Person.email == email.strip().lower())).first()
    if person is None:
        raise VendorError(f"unknown person {email.strip()!r}: add them under People first")
    return person.id


def check_person(session: Session, person_id: int | None) -> int | None:
    if person_id is not None and session.get(Person, person_id) is None:
        raise VendorError(f"unknown person id {person_id}")
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
        raise VendorError(f"no {what} with id {record_id}")
    return row


def check_version(row: Any, expected_version: int, what: str) -> None:
    if row.version != expected_version:
        raise StaleEdit(what)


@dataclass(frozen=True)
class PersonChoice:
    id: int
    name: str
    email: str


def owner_choices(db: Database, actor: Actor) -> list[PersonChoice]:
    """Internal people who can own a vendor, contract, seat pool or ticket."""
    require(db, actor, "vendors.read", record_type="person")
    with db.read() as s:
        rows = s.exec(
            select(Person)
            .where(col(Person.archived).is_(False))
            .where(col(Person.is_internal).is_(True))
            .order_by(Person.name)
        ).all()
    return [PersonChoice(p.id, p.name, p.email) for p in rows if p.id is not None]


# --- vendors -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VendorRow:
    id: int
    name: str
    category: str
    status: str
    owner_id: int | None
    owner_name: str | None
    website: str | None
    aliases: tuple[str, ...]
    contract_count: int
    notes: str
    version: int


def normalise_alias(alias: str) -> str:
    """Aliases are matched casefolded and trimmed, the same way billing source names are."""
    return " ".join(alias.split()).casefold()


def _vendor_row(v: Vendor, owners: dict[int, Person], aliases: list[str], n: int) -> VendorRow:
    assert v.id is not None
    owner = owners.get(v.owner_id) if v.owner_id is not None else None
    return VendorRow(
        v.id,
        v.name,
        v.category,
        v.status,
        v.owner_id,
        owner.name if owner else None,
        v.website,
        tuple(sorted(aliases)),
        n,
        v.notes,
        v.version,
    )


def list_vendors(db: Database, actor: Actor, *, status: str | None = None) -> list[VendorRow]:
    require(db, actor, "vendors.read", record_type="vendor")
    with db.read() as s:
        query = select(Vendor).order_by(func.lower(Vendor.name))
        if status is not None:
            query = query.where(Vendor.status == check_choice(status, VENDOR_STATUSES, "status"))
        vendors = s.exec(query).all()
        aliases: dict[int, list[str]] = defaultdict(list)
        for a in s.exec(select(VendorAlias)):
            aliases[a.vendor_id].append(a.alias)
        counts = dict(
            s.exec(select(Contract.vendor_id, func.count()).group_by(col(Contract.vendor_id))).all()
        )
        owners = people_by_id(s, {v.owner_id for v in vendors})
    return [_vendor_row(v, owners, aliases[v.id or 0], counts.get(v.id or 0, 0)) for v in vendors]


def get_vendor(db: Database, actor: Actor, vendor_id: int) -> VendorRow:
    require(db, actor, "vendors.read", record_type="vendor", record_id=vendor_id)
    with db.read() as s:
        v = s.get(Vendor, vendor_id)
        if v is None:
            raise VendorError(f"no vendor with id {vendor_id}")
        aliases = list(s.exec(select(VendorAlias.alias).where(VendorAlias.vendor_id == v.id)))
        n = s.exec(select(func.count()).select_from(Contract).where(Contract.vendor_id == v.id))
        owners = people_by_id(s, {v.owner_id})
        return _vendor_row(v, owners, aliases, n.one())


def find_vendor(session: Session, name: str) -> Vendor | None:
    """The vendor named ``name`` or having it as an alias, compared casefolded."""
    wanted = normalise_alias(name or "")
    if not wanted:
        return None
    alias = session.exec(select(VendorAlias).where(VendorAlias.alias == wanted)).first()
    if alias is not None:
        return session.get(Vendor, alias.vendor_id)
    for vendor in session.exec(
        select(Vendor).where(func.lower(Vendor.name) == name.strip().lower())
    ):
        return vendor
    return next(
        (v for v in session.exec(select(Vendor)) if normalise_alias(v.name) == wanted), None
    )


def _set_aliases(session: Session, vendor: Vendor, aliases: list[str] | tuple[str, ...]) -> None:
    wanted = {normalise_alias(a) for a in aliases if a.strip()}
    for a in wanted:
        if len(a) > MAX_NAME_CHARS:
            raise VendorError(f"alias {a[:40]!r} is longer than {MAX_NAME_CHARS} characters")
        other = session.exec(select(VendorAlias).where(VendorAlias.alias == a)).first()
        if other is not None and other.vendor_id != vendor.id:
            owner = session.get(Vendor, other.vendor_id)
            raise VendorError(f"alias {a!r} already belongs to {owner.name if owner else '?'}")
    current = {
        a.alias: a
        for a in session.exec(select(VendorAlias).where(VendorAlias.vendor_id == vendor.id))
    }
    for alias, row in current.items():
        if alias not in wanted:
            session.delete(row)
    for alias in sorted(wanted - set(current)):
        session.add(VendorAlias(vendor_id=vendor.id, alias=alias))  # type: ignore[arg-type]


def _check_unique_name(session: Session, name: str, vendor_id: int | None) -> None:
    clash = session.exec(select(Vendor).where(func.lower(Vendor.name) == name.lower())).first()
    if clash is not None and clash.id != vendor_id:
        raise VendorError(f"a vendor named {clash.name!r} already exists")


def create_vendor(
    db: Database,
    actor: Actor,
    *,
    name: str,
    category: str = "other",
    status: str = "active",
    owner_id: int | None = None,
    website: str | None = None,
    notes: str = "",
    aliases: list[str] | tuple[str, ...] = (),
) -> int:
    """Add a vendor; returns its id."""
    require(db, actor, "vendors.edit", record_type="vendor")
    with db.write() as s:
        vendor = new_vendor(
            s,
            name=name,
            category=category,
            status=status,
            owner_id=owner_id,
            website=website,
            notes=notes,
            aliases=aliases,
        )
        audit.record(s, actor, "create", "vendor", vendor.id, after=audit.snapshot(vendor))
        assert vendor.id is not None
        return vendor.id


def new_vendor(
    s: Session,
    *,
    name: str,
    category: str = "other",
    status: str = "active",
    owner_id: int | None = None,
    website: str | None = None,
    notes: str = "",
    aliases: list[str] | tuple[str, ...] = (),
) -> Vendor:
    """Validate and add a vendor inside an open write session (used by imports too)."""
    name = check_text(name, "vendor name")
    _check_unique_name(s, name, None)
    vendor = Vendor(
        name=name,
        category=check_choice(category or "other", VENDOR_CATEGORIES, "category"),
        status=check_choice(status or "active", VENDOR_STATUSES, "status"),
        owner_id=check_person(s, owner_id),
        website=check_web_url(website),
        notes=notes or "",
    )
    s.add(vendor)
    s.flush()
    _set_aliases(s, vendor, aliases)
    return vendor


def update_vendor(
    db: Database,
    actor: Actor,
    vendor_id: int,
    *,
    expected_version: int,
    name: str,
    category: str,
    status: str,
    owner_id: int | None,
    website: str | None,
    notes: str,
    aliases: list[str] | tuple[str, ...],
) -> None:
    """Replace a vendor's editable fields; refused when it changed since ``expected_version``."""
    require(db, actor, "vendors.edit", record_type="vendor", record_id=vendor_id)
    with db.write() as s:
        vendor: Vendor = locked_get(s, Vendor, vendor_id, "vendor")
        check_version(vendor, expected_version, "vendor")
        name = check_text(name, "vendor name")
        _check_unique_name(s, name, vendor.id)
        changes = {
            "name": name,
            "category": check_choice(category, VENDOR_CATEGORIES, "category"),
            "status": check_choice(status, VENDOR_STATUSES, "status"),
            "owner_id": check_person(s, owner_id),
            "website": check_web_url(website),
            "notes": notes or "",
        }
        audit.apply_change(s, actor, vendor, "vendor", changes)
        _set_aliases(s, vendor, aliases)


def archive_vendor(db: Database, actor: Actor, vendor_id: int) -> None:
    """The explicit alternative to deleting a vendor with history: status becomes retired."""
    require(db, actor, "vendors.edit", record_type="vendor", record_id=vendor_id)
    with db.write() as s:
        vendor: Vendor = locked_get(s, Vendor, vendor_id, "vendor")
        audit.apply_change(s, actor, vendor, "vendor", {"status": "retired"}, action="archive")


def delete_vendor(db: Database, actor: Actor, vendor_id: int) -> None:
    """Delete a vendor with no contracts, seats, tickets, meetings or budgets; else refuse."""
    require(db, actor, "vendors.edit", record_type="vendor", record_id=vendor_id)
    with db.write() as s:
        vendor: Vendor = locked_get(s, Vendor, vendor_id, "vendor")
        held = {
            what: s.exec(
                select(func.count()).select_from(model).where(model.vendor_id == vendor_id)  # type: ignore[attr-defined]
            ).one()
            for what, model in _VENDOR_HISTORY.items()
        }
        held = {what: n for what, n in held.items() if n}
        if held:
            listing = ", ".join(f"{n} {what}" for what, n in held.items())
            raise VendorError(
                f"{vendor.name} has {listing} and cannot be deleted; "
                "archive it instead (status retired keeps its history)"
            )
        before = audit.snapshot(vendor)
        try:
            with s.begin_nested():  # anything else pointing at it: refuse, keep the transaction
                s.delete(vendor)
                s.flush()
        except IntegrityError as exc:
            raise VendorError(
                f"{vendor.name} is still referenced by other records; archive it instead"
            ) from exc
        audit.record(s, actor, "delete", "vendor", vendor_id, before=before)


_VENDOR_HISTORY: dict[str, type[SQLModel]] = {
    "contract(s)": Contract,
    "seat pool(s)": SeatPool,
    "ticket(s)": SupportTicket,
    "meeting(s)": Meeting,
    "budget(s)": Budget,
    "action item(s)": ActionItem,
}


# --- contacts ----------------------------------------------------------------------------------


def list_contacts(db: Database, actor: Actor, vendor_id: int) -> list[VendorContact]:
    require(db, actor, "vendors.read", record_type="vendor", record_id=vendor_id)
    with db.read() as s:
        return list(
            s.exec(
                select(VendorContact)
                .where(VendorContact.vendor_id == vendor_id)
                .order_by(VendorContact.role, VendorContact.name)
            )
        )


def add_contact(
    db: Database,
    actor: Actor,
    vendor_id: int,
    *,
    name: str,
    email: str | None = None,
    role: str = "account_manager",
    phone: str | None = None,
) -> int:
    require(db, actor, "vendors.edit", record_type="vendor", record_id=vendor_id)
    try:
        cleaned_email = check_one(email) if email and email.strip() else None
    except EmailError as exc:
        raise VendorError(str(exc)) from exc
    with db.write() as s:
        if s.get(Vendor, vendor_id) is None:
            raise VendorError(f"no vendor with id {vendor_id}")
        contact = VendorContact(
            vendor_id=vendor_id,
            name=check_text(name, "contact name"),
            email=cleaned_email,
            role=check_choice(role, CONTACT_ROLES, "contact role"),
            phone=(phone or "").strip() or None,
        )
        s.add(contact)
        s.flush()
        audit.record(
            s, actor, "create", "vendor_contact", contact.id, after=audit.snapshot(contact)
        )
        assert contact.id is not None
        return contact.id


def remove_contact(db: Database, actor: Actor, contact_id: int) -> None:
    require(db, actor, "vendors.edit", record_type="vendor_contact", record_id=contact_id)
    with db.write() as s:
        contact = locked_get(s, VendorContact, contact_id, "contact")
        before = audit.snapshot(contact)
        s.delete(contact)
        audit.record(s, actor, "delete", "vendor_contact", contact_id, before=before)


# --- overview ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpendPoint:
    month: date  # first day of the month
    currency: str
    amount: Decimal


@dataclass(frozen=True)
class MeetingRow:
    id: int
    title: str
    starts_at: Any
    status: str


@dataclass(frozen=True)
class ActionRow:
    id: int
    title: str
    owner_name: str | None
    due_date: date | None
    status: str
    priority: str


@dataclass
class VendorOverview:
    """Everything about one vendor; a section the actor may not see is None."""

    vendor: VendorRow
    contacts: list[VendorContact]
    contracts: list[ContractView] | None
    seats: list[SeatPoolView] | None
    tickets: list[TicketView] | None
    meetings: list[MeetingRow] | None
    open_actions: list[ActionRow] | None
    spend: list[SpendPoint] | None


def spend_trend(session: Session, names: set[str]) -> list[SpendPoint]:
    """Monthly effective cost per currency of rollups whose source name matches ``names``.

    Matching is casefolded in Python (SQL lower() is not casefold), and sums are Decimal in
    Python because SQLite stores money as text.
    """
    sources = session.exec(select(CostRollup.source_name).distinct()).all()
    matched = [src for src in sources if normalise_alias(src) in names]
    if not matched:
        return []
    totals: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
    rows = session.exec(select(CostRollup).where(col(CostRollup.source_name).in_(matched)))
    for r in rows:
        totals[(r.day.replace(day=1), r.currency)] += r.effective_cost
    return [SpendPoint(m, c, a) for (m, c), a in sorted(totals.items())]


def vendor_overview(
    db: Database, actor: Actor, vendor_id: int, *, as_of: date | None = None
) -> VendorOverview:
    from services.vendors import contracts, seats, tickets

    as_of = as_of or workspace_today(db)
    row = get_vendor(db, actor, vendor_id)
    out = VendorOverview(
        row, list_contacts(db, actor, vendor_id), None, None, None, None, None, None
    )
    if can(actor, "contracts.read"):
        out.contracts = contracts.list_contracts(db, actor, vendor_id=vendor_id, as_of=as_of)
    if can(actor, "seats.read"):
        out.seats = seats.list_seat_pools(db, actor, vendor_id=vendor_id)
    if can(actor, "tickets.read"):
        out.tickets = tickets.list_tickets(db, actor, vendor_id=vendor_id)
    with db.read() as s:
        contract_ids = list(s.exec(select(Contract.id).where(Contract.vendor_id == vendor_id)))
        if can(actor, "meetings.read"):
            series_ids = list(
                s.exec(select(MeetingSeries.id).where(MeetingSeries.vendor_id == vendor_id))
            )
            about = col(Meeting.vendor_id) == vendor_id
            if series_ids:
                about = about | col(Meeting.series_id).in_(series_ids)
            if contract_ids:
                about = about | col(Meeting.contract_id).in_(contract_ids)
            out.meetings = [
                MeetingRow(m.id, m.title, m.starts_at, m.status)
                for m in s.exec(
                    select(Meeting).where(about).order_by(col(Meeting.starts_at).desc()).limit(50)
                )
                if m.id is not None
            ]
        if can(actor, "actions.read"):
            ticket_ids = list(
                s.exec(select(SupportTicket.id).where(SupportTicket.vendor_id == vendor_id))
            )
            link = col(ActionItem.vendor_id) == vendor_id
            if contract_ids:
                link = link | col(ActionItem.contract_id).in_(contract_ids)
            if ticket_ids:
                link = link | col(ActionItem.ticket_id).in_(ticket_ids)
            items = s.exec(
                select(ActionItem)
                .where(link)
                .where(col(ActionItem.status).in_(OPEN_ACTION_STATUSES))
                .order_by(col(ActionItem.due_date))
            ).all()
            owners = people_by_id(s, {a.owner_id for a in items})
            out.open_actions = [
                ActionRow(
                    a.id,
                    a.title,
                    owners[a.owner_id].name if a.owner_id in owners else None,
                    a.due_date,
                    a.status,
                    a.priority,
                )
                for a in items
                if a.id is not None
            ]
        if can(actor, "spend.read"):
            out.spend = spend_trend(s, {normalise_alias(row.name), *row.aliases})
    return out
