"""One vendor on one screen: its contacts, contracts, seats, tickets, meetings, open action items
and monthly spend, each section only for a role that may read it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from db.engine import Database
from db.models import (
    ActionItem,
    Contract,
    Meeting,
    MeetingSeries,
    SupportTicket,
    VendorContact,
)
from services.access.access import Actor, can
from services.core.clock import today as workspace_today
from services.core.records import people_by_id
from services.core.statuses import OPEN_ACTION_STATUSES
from services.core.vendor_matching import MonthSpend, vendor_monthly_spend
from services.vendors import contracts, seats, tickets
from services.vendors.contracts import ContractView
from services.vendors.seats import SeatPoolView
from services.vendors.tickets import TicketView
from services.vendors.vendors import VendorRow, get_vendor, list_contacts

SpendPoint = MonthSpend  # one month of a vendor's spend in one currency


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


def spend_trend(session: Session, vendor_id: int) -> list[SpendPoint]:
    """Monthly effective cost per currency of the billing rows matched to the vendor.

    The Spend pages' rule (``vendor_matching.match_vendor``), so the two pages agree.
    """
    return vendor_monthly_spend(session, vendor_id)


def vendor_overview(
    db: Database, actor: Actor, vendor_id: int, *, as_of: date | None = None
) -> VendorOverview:
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
            out.meetings = _meetings(s, vendor_id, contract_ids)
        if can(actor, "actions.read"):
            out.open_actions = _open_actions(s, vendor_id, contract_ids)
        if can(actor, "spend.read"):
            out.spend = spend_trend(s, vendor_id)
    return out


def _meetings(s: Session, vendor_id: int, contract_ids: list[int | None]) -> list[MeetingRow]:
    """The 50 latest meetings about the vendor, its series or its contracts."""
    series_ids = list(s.exec(select(MeetingSeries.id).where(MeetingSeries.vendor_id == vendor_id)))
    about = col(Meeting.vendor_id) == vendor_id
    if series_ids:
        about = about | col(Meeting.series_id).in_(series_ids)
    if contract_ids:
        about = about | col(Meeting.contract_id).in_(contract_ids)
    return [
        MeetingRow(m.id, m.title, m.starts_at, m.status)
        for m in s.exec(
            select(Meeting).where(about).order_by(col(Meeting.starts_at).desc()).limit(50)
        )
        if m.id is not None
    ]


def _open_actions(s: Session, vendor_id: int, contract_ids: list[int | None]) -> list[ActionRow]:
    """Open action items linked to the vendor, one of its contracts or one of its tickets."""
    ticket_ids = list(s.exec(select(SupportTicket.id).where(SupportTicket.vendor_id == vendor_id)))
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
    return [
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
