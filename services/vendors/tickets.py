"""Vendor support tickets, tracked against the SLA of the vendor's contract.

The SLA (hours) and escalation path come from the ticket's contract, or, when the ticket names
none, from the vendor's newest live contract that has an SLA. The SLA clock runs while the ball
is in the vendor's court (status open or waiting on vendor), from the vendor's last update, or
from opening when the vendor has not answered yet. Past that, the ticket is flagged and shows in
its owner's follow-ups (``overdue_tickets``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from db import bulk
from db.engine import Database
from db.models import TICKET_SEVERITIES as TICKET_SEVERITIES
from db.models import TICKET_STATUSES as TICKET_STATUSES
from db.models import Contract, Person, SupportTicket, Vendor
from services.access import audit
from services.access.access import Actor, require
from services.core.records import (
    InvalidRecord,
    check_choice,
    check_person,
    check_text,
    check_version,
    locked_get,
    people_by_id,
)
from services.core.statuses import OPEN_TICKET_STATUSES, SLA_CLOCK_STATUSES

_CONTRACT = bulk.table_of(Contract)
_VENDOR = bulk.table_of(Vendor)


def past_sla(rows: list[TicketView], now: datetime) -> list[TicketView]:
    """The tickets whose vendor is past the contract's SLA at ``now``."""
    return [t for t in rows if t.past_sla(now)]


@dataclass
class TicketInput:
    vendor_id: int
    vendor_ticket_id: str
    title: str
    opened_at: datetime
    severity: str = "medium"
    status: str = "open"
    last_vendor_update_at: datetime | None = None
    owner_id: int | None = None
    contract_id: int | None = None
    notes: str = ""


@dataclass(frozen=True)
class TicketView:
    id: int
    vendor_id: int
    vendor_name: str
    contract_id: int | None
    vendor_ticket_id: str
    title: str
    severity: str
    status: str
    opened_at: datetime
    last_vendor_update_at: datetime | None
    owner_id: int | None
    owner_name: str | None
    owner_email: str | None
    sla_hours: int | None
    escalation_path: str | None
    notes: str
    version: int

    @property
    def sla_due_at(self) -> datetime | None:
        if self.sla_hours is None or self.status not in SLA_CLOCK_STATUSES:
            return None
        since = self.last_vendor_update_at or self.opened_at
        return since + timedelta(hours=self.sla_hours)

    def past_sla(self, now: datetime) -> bool:
        due = self.sla_due_at
        return due is not None and now > due


def _aware(value: datetime | None, what: str) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise InvalidRecord(f"{what} needs a time zone")
    return value.astimezone(UTC)


_SLA_COLUMNS = ("id", "vendor_id", "sla_hours", "cancelled", "escalation_path")


class _Sla(NamedTuple):
    sla_hours: int | None
    escalation_path: str | None


def _sla_contracts(s: Session, tickets: list[SupportTicket]) -> dict[tuple[int, int | None], _Sla]:
    """The SLA that applies, per (vendor id, ticket contract id): the ticket's own contract's,
    else the vendor's newest live contract with one. Only those contracts' columns are read."""
    out: dict[tuple[int, int | None], _Sla] = {}
    vendor_ids = {t.vendor_id for t in tickets}
    if not vendor_ids:
        return out
    own_ids = {t.contract_id for t in tickets if t.contract_id}
    # The table's columns, not the mapped class's: the rows are read once and never changed.
    c = _CONTRACT.c
    columns = [c[name] for name in _SLA_COLUMNS]
    # Each vendor's newest live contract with an SLA, picked by the database: a vendor can
    # hold thousands of contracts. One top row per vendor rather than a rank over them all.
    other = _CONTRACT.alias("newest")
    vendor = _VENDOR.c
    newest = (
        sa_select(other.c.id)
        .where(
            other.c.vendor_id == vendor.id,
            other.c.sla_hours.is_not(None),
            other.c.cancelled.is_(False),
        )
        .order_by(other.c.start_date.desc(), other.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    newest_with_sla: dict[int, Any] = {
        row[1]: row
        for row in s.execute(
            sa_select(*columns).where(c.id.in_(sa_select(newest).where(vendor.id.in_(vendor_ids))))
        ).all()
    }
    by_id: dict[int | None, Any] = {
        row[0]: row
        for row in s.execute(
            sa_select(*columns).where(c.vendor_id.in_(vendor_ids), c.id.in_(own_ids))
        ).all()
    }
    for t in tickets:
        chosen = by_id.get(t.contract_id) if t.contract_id else None
        if chosen is None or chosen[2] is None:
            chosen = newest_with_sla.get(t.vendor_id, chosen)
        if chosen is not None:
            out[(t.vendor_id, t.contract_id)] = _Sla(chosen[2], chosen[4])
    return out


def ticket_views(s: Session, tickets: list[SupportTicket]) -> list[TicketView]:
    """Tickets with their SLA and escalation path: the one SLA rule every caller uses."""
    vendors = (
        {
            v.id: v.name
            for v in s.exec(
                select(Vendor).where(col(Vendor.id).in_({t.vendor_id for t in tickets}))
            )
        }
        if tickets
        else {}
    )
    owners = people_by_id(s, {t.owner_id for t in tickets})
    slas = _sla_contracts(s, tickets)
    out = []
    for t in tickets:
        assert t.id is not None
        owner = owners.get(t.owner_id) if t.owner_id else None
        contract = slas.get((t.vendor_id, t.contract_id))
        out.append(
            TicketView(
                t.id,
                t.vendor_id,
                vendors.get(t.vendor_id, "?"),
                t.contract_id,
                t.vendor_ticket_id,
                t.title,
                t.severity,
                t.status,
                t.opened_at,
                t.last_vendor_update_at,
                t.owner_id,
                owner.name if owner else None,
                owner.email if owner else None,
                contract.sla_hours if contract else None,
                contract.escalation_path if contract else None,
                t.notes,
                t.version,
            )
        )
    return out


def list_tickets(
    db: Database,
    actor: Actor,
    *,
    vendor_id: int | None = None,
    open_only: bool = False,
) -> list[TicketView]:
    require(db, actor, "tickets.read", record_type="ticket")
    with db.read() as s:
        query = select(SupportTicket).order_by(col(SupportTicket.opened_at).desc())
        if vendor_id is not None:
            query = query.where(SupportTicket.vendor_id == vendor_id)
        if open_only:
            query = query.where(col(SupportTicket.status).in_(OPEN_TICKET_STATUSES))
        return ticket_views(s, list(s.exec(query)))


def overdue_tickets(
    db: Database,
    actor: Actor,
    owner_email: str | None = None,
    *,
    now: datetime | None = None,
) -> list[TicketView]:
    """Tickets past their SLA (optionally only ``owner_email``'s), most overdue first.

    The follow-ups queue calls this to show a ticket to its owner.
    """
    require(db, actor, "tickets.read", record_type="ticket")
    now = now or db.clock.now()
    with db.read() as s:
        query = select(SupportTicket).where(col(SupportTicket.status).in_(SLA_CLOCK_STATUSES))
        if owner_email is not None:
            person = s.exec(
                select(Person).where(func.lower(Person.email) == owner_email.strip().lower())
            ).first()
            if person is None:
                return []
            query = query.where(SupportTicket.owner_id == person.id)
        views = ticket_views(s, list(s.exec(query)))
    late = [v for v in views if v.past_sla(now)]
    return sorted(late, key=lambda v: (v.sla_due_at or now, v.id))


def _fields(s: Session, data: TicketInput) -> dict[str, object]:
    if s.get(Vendor, data.vendor_id) is None:
        raise InvalidRecord(f"unknown vendor id {data.vendor_id}")
    if data.contract_id is not None:
        contract = s.get(Contract, data.contract_id)
        if contract is None or contract.vendor_id != data.vendor_id:
            raise InvalidRecord(f"contract {data.contract_id} is not a contract of this vendor")
    opened = _aware(data.opened_at, "opened at")
    last = _aware(data.last_vendor_update_at, "last vendor update")
    assert opened is not None
    if last is not None and last < opened:
        raise InvalidRecord("the last vendor update cannot be before the ticket was opened")
    return {
        "vendor_id": data.vendor_id,
        "contract_id": data.contract_id,
        "vendor_ticket_id": check_text(data.vendor_ticket_id, "vendor's ticket id", 100),
        "title": check_text(data.title, "ticket title", 300),
        "severity": check_choice(data.severity, TICKET_SEVERITIES, "severity"),
        "status": check_choice(data.status, TICKET_STATUSES, "status"),
        "opened_at": opened,
        "last_vendor_update_at": last,
        "owner_id": check_person(s, data.owner_id),
        "notes": data.notes or "",
    }


def _check_unique(s: Session, fields: dict[str, object], ticket_id: int | None) -> None:
    clash = s.exec(
        select(SupportTicket).where(
            SupportTicket.vendor_id == fields["vendor_id"],
            SupportTicket.vendor_ticket_id == fields["vendor_ticket_id"],
        )
    ).first()
    if clash is not None and clash.id != ticket_id:
        raise InvalidRecord(f"this vendor already has a ticket {fields['vendor_ticket_id']!r}")


def new_ticket(s: Session, actor: Actor, data: TicketInput) -> SupportTicket:
    fields = _fields(s, data)
    _check_unique(s, fields, None)
    ticket = SupportTicket(**fields)  # type: ignore[arg-type]
    s.add(ticket)
    s.flush()
    audit.record(s, actor, "create", "ticket", ticket.id, after=audit.snapshot(ticket))
    return ticket


def create_ticket(db: Database, actor: Actor, data: TicketInput) -> int:
    require(db, actor, "tickets.edit", record_type="ticket")
    with db.write() as s:
        ticket = new_ticket(s, actor, data)
        assert ticket.id is not None
        return ticket.id


def update_ticket(
    db: Database, actor: Actor, ticket_id: int, data: TicketInput, *, expected_version: int
) -> None:
    require(db, actor, "tickets.edit", record_type="ticket", record_id=ticket_id)
    with db.write() as s:
        ticket: SupportTicket = locked_get(s, SupportTicket, ticket_id, "ticket")
        check_version(ticket, expected_version, "ticket")
        fields = _fields(s, data)
        _check_unique(s, fields, ticket_id)
        audit.apply_change(s, actor, ticket, "ticket", fields)
