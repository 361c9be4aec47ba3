"""Reading meetings: the list, one meeting's workspace, and the choices its forms offer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, func, select

from db.engine import Database
from db.models import (
    ActionItem,
    AgendaItem,
    Contract,
    Meeting,
    MeetingAttendee,
    MeetingSeries,
    Person,
    Vendor,
)
from services.access.access import Actor, can, require
from services.coordination import recurrence
from services.coordination.meetings.create import meeting_or_refuse
from services.coordination.meetings.facts import spend_facts
from services.core.money import format_money
from services.core.statuses import OPEN_ACTION_STATUSES


@dataclass(frozen=True)
class MeetingRow:
    id: int
    title: str
    starts_at: datetime  # aware, UTC
    local_start: datetime  # in the meeting's time zone
    timezone: str
    series_id: int | None
    recurring: bool
    vendor: str
    status: str
    open_actions: int
    rrule: str = ""  # the series' rule; recurrence.describe says it in words


def next_meeting_id(rows: list[MeetingRow], now: datetime) -> int | None:
    """The meeting to open first: the first one not yet two hours past its start."""
    return next((m.id for m in rows if m.starts_at >= now - timedelta(hours=2)), None)


def local_time(meeting: Meeting) -> datetime:
    return meeting.starts_at.astimezone(recurrence.zone(meeting.timezone))


def list_meetings(
    db: Database, actor: Actor, *, since: datetime | None = None, limit: int = 200
) -> list[MeetingRow]:
    require(db, actor, "meetings.read")
    with db.read() as s:
        q = (
            select(Meeting, Vendor.name, MeetingSeries.rrule)
            .join(Vendor, col(Vendor.id) == Meeting.vendor_id, isouter=True)
            .join(MeetingSeries, col(MeetingSeries.id) == Meeting.series_id, isouter=True)
        )
        if since is not None:
            q = q.where(col(Meeting.starts_at) >= since)
        rows = s.exec(q.order_by(col(Meeting.starts_at)).limit(limit)).all()
        ids = [m.id for m, _, _ in rows]
        counts: dict[int, int] = (
            dict(
                s.exec(  # type: ignore[arg-type]
                    select(ActionItem.meeting_id, func.count())
                    .where(col(ActionItem.meeting_id).in_(ids))
                    .where(col(ActionItem.status).in_(OPEN_ACTION_STATUSES))
                    .group_by(col(ActionItem.meeting_id))
                ).all()
            )
            if ids
            else {}
        )
    return [
        MeetingRow(
            id=m.id or 0,
            title=m.title,
            starts_at=m.starts_at,
            local_start=local_time(m),
            timezone=m.timezone,
            series_id=m.series_id,
            recurring=m.series_id is not None,
            vendor=vendor or "",
            status=m.status,
            open_actions=counts.get(m.id or 0, 0),
            rrule=rule or "",
        )
        for m, vendor, rule in rows
    ]


@dataclass(frozen=True)
class AgendaRow:
    id: int
    position: int
    title: str
    details: str
    minutes: str
    decision: str
    status: str
    carry_count: int
    carried_from: date | None  # the local date of the meeting it was carried from
    version: int


@dataclass(frozen=True)
class MeetingActionRow:
    id: int
    title: str
    owner: str
    owner_email: str
    due_date: date | None
    status: str
    priority: str
    carry_count: int
    carried_from: date | None
    version: int


@dataclass
class MeetingDetail:
    meeting: Meeting
    series: MeetingSeries | None
    attendees: list[tuple[str, str]]  # (name or "", email)
    agenda: list[AgendaRow]
    actions: list[MeetingActionRow]
    vendor: str
    previous_id: int | None
    next_id: int | None
    can_edit: bool
    money: list[str] = field(default_factory=list)  # only what the reader's role may see
    local_start: datetime = field(init=False)

    def __post_init__(self) -> None:
        self.local_start = local_time(self.meeting)


def _meeting_date(session: Session, meeting_id: int | None) -> date | None:
    if meeting_id is None:
        return None
    m = session.get(Meeting, meeting_id)
    return local_time(m).date() if m else None


def _neighbour(session: Session, meeting: Meeting, *, later: bool) -> Meeting | None:
    if meeting.series_id is None:
        return None
    q = select(Meeting).where(Meeting.series_id == meeting.series_id)
    if later:
        q = q.where(col(Meeting.starts_at) > meeting.starts_at).order_by(col(Meeting.starts_at))
    else:
        q = q.where(col(Meeting.starts_at) < meeting.starts_at).order_by(
            col(Meeting.starts_at).desc()
        )
    return session.exec(q).first()


def money_facts(session: Session, actor: Actor, meeting: Meeting) -> list[str]:
    """The money behind a meeting, only for roles allowed to see it; added when it is read.

    Never stored in the agenda: a contract's value needs ``contracts.values``, spend needs
    ``spend.read``. Spend is for the month before the meeting.
    """
    facts: list[str] = []
    contract = session.get(Contract, meeting.contract_id) if meeting.contract_id else None
    if contract is not None and can(actor, "contracts.values"):
        value = (
            "not set"
            if contract.value is None
            else f"{format_money(contract.value, contract.currency)} per {contract.billing_period}"
        )
        facts.append(f"Contract value ({contract.title}): {value}")
    if meeting.vendor_id is not None and can(actor, "spend.read"):
        facts += spend_facts(session, meeting.vendor_id, local_time(meeting).date())
    return facts


def meeting_detail(db: Database, actor: Actor, meeting_id: int) -> MeetingDetail:
    require(db, actor, "meetings.read", record_type="meeting", record_id=meeting_id)
    with db.read() as s:
        meeting = meeting_or_refuse(s, meeting_id)
        series = s.get(MeetingSeries, meeting.series_id) if meeting.series_id else None
        attendees = [
            (name or "", a.email)
            for a, name in s.exec(
                select(MeetingAttendee, Person.name)
                .join(Person, col(Person.id) == MeetingAttendee.person_id, isouter=True)
                .where(MeetingAttendee.meeting_id == meeting_id)
                .order_by(MeetingAttendee.email)
            ).all()
        ]
        agenda: list[AgendaRow] = []
        for item in s.exec(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting_id)
            .order_by(col(AgendaItem.position), col(AgendaItem.id))
        ).all():
            source = s.get(AgendaItem, item.carried_from_id) if item.carried_from_id else None
            agenda.append(
                AgendaRow(
                    id=item.id or 0,
                    position=item.position,
                    title=item.title,
                    details=item.details,
                    minutes=item.minutes,
                    decision=item.decision,
                    status=item.status,
                    carry_count=item.carry_count,
                    carried_from=_meeting_date(s, source.meeting_id) if source else None,
                    version=item.version,
                )
            )
        actions = [
            MeetingActionRow(
                id=a.id or 0,
                title=a.title,
                owner=name or "",
                owner_email=email or "",
                due_date=a.due_date,
                status=a.status,
                priority=a.priority,
                carry_count=a.carry_count,
                carried_from=_meeting_date(s, a.carried_from_meeting_id),
                version=a.version,
            )
            for a, name, email in s.exec(
                select(ActionItem, Person.name, Person.email)
                .join(Person, col(Person.id) == ActionItem.owner_id, isouter=True)
                .where(ActionItem.meeting_id == meeting_id)
                .order_by(col(ActionItem.id))
            ).all()
        ]
        vendor = s.get(Vendor, meeting.vendor_id) if meeting.vendor_id else None
        prev = _neighbour(s, meeting, later=False)
        nxt = _neighbour(s, meeting, later=True)
        money = money_facts(s, actor, meeting)
    return MeetingDetail(
        meeting=meeting,
        series=series,
        attendees=attendees,
        agenda=agenda,
        actions=actions,
        vendor=vendor.name if vendor else "",
        previous_id=prev.id if prev else None,
        next_id=nxt.id if nxt else None,
        can_edit=can(actor, "meetings.edit"),
        money=money,
    )


def vendor_choices(db: Database, actor: Actor) -> list[tuple[int, str]]:
    require(db, actor, "meetings.read")
    with db.read() as s:
        return [(v.id or 0, v.name) for v in s.exec(select(Vendor).order_by(Vendor.name)).all()]


def contract_choices(db: Database, actor: Actor) -> list[tuple[int, int, str]]:
    """(contract id, vendor id, "Vendor · contract") for the meeting form."""
    require(db, actor, "meetings.read")
    with db.read() as s:
        # Columns, not Contract objects: thousands of ORM instances for one selectbox were
        # most of the Meetings page's time.
        rows = s.exec(
            select(col(Contract.id), col(Contract.vendor_id), col(Contract.title), col(Vendor.name))
            .join(Vendor, col(Vendor.id) == Contract.vendor_id)
            .where(col(Contract.cancelled).is_(False))
            .order_by(col(Vendor.name), col(Contract.title))
        ).all()
        return [(cid or 0, vid, f"{name} · {title}") for cid, vid, title, name in rows]
