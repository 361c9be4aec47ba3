"""Meetings: one-offs and series, attendees, agenda templates, minutes, decisions, carry-over.

A series is stored as an RFC 5545 rule (services.recurrence); its occurrences become Meeting rows
when created or opened, so each has its own agenda, minutes and action items. Opening the next
meeting of a series carries over the previous one's unfinished agenda items (as copies that point
back) and open action items (moved, so an item is never in two queues), each counted.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlmodel import Session, col, func, select

from db.engine import Database
from db.models import (
    ActionItem,
    AgendaItem,
    AgendaTemplate,
    Budget,
    Contract,
    CostRollup,
    Meeting,
    MeetingAttendee,
    MeetingSeries,
    Person,
    SeatPool,
    SupportTicket,
    Vendor,
)
from services.access import audit
from services.access.access import Actor, can, require
from services.coordination import recurrence
from services.coordination.people import StaleEdit, clean_email
from services.core.clock import session_now
from services.core.clock import today as workspace_today
from services.core.money import format_money, totals_by_currency
from services.spend.billing_import import match_vendor, vendor_names
from services.vendors.terms import compute_terms

OPEN_ACTION_STATUSES = ("open", "in_progress", "waiting", "blocked")
OPEN_TICKET_STATUSES = ("open", "waiting_on_vendor", "waiting_on_us")
AGENDA_STATUSES = ("open", "done", "dropped")
# A new series gets its occurrences in this window as Meeting rows (at least the first one).
MATERIALIZE_DAYS = 35
VENDOR_FACTS_TITLE = "Vendor facts"

BUILTIN_TEMPLATES: dict[str, list[str]] = {
    "Weekly platform sync": [
        "Incidents and on-call since last week",
        "Training and serving capacity",
        "Vendor and contract updates",
        "Open action items",
    ],
    "Vendor quarterly review": [
        "Usage and seats against contract",
        "Support tickets and SLA",
        "Spend against budget",
        "Roadmap and requests",
        "Commercial terms",
    ],
    "Renewal decision": [
        "Current terms and cancellation deadline",
        "Usage, seats and spend",
        "Alternatives considered",
        "Decision: renew, renegotiate or cancel",
    ],
}


# --- templates -----------------------------------------------------------------------------


def ensure_builtin_templates(session: Session) -> None:
    existing = set(session.exec(select(AgendaTemplate.name)).all())
    for name, items in BUILTIN_TEMPLATES.items():
        if name not in existing:
            session.add(AgendaTemplate(name=name, items="\n".join(items), builtin=True))
    session.flush()


def list_templates(db: Database, actor: Actor) -> list[AgendaTemplate]:
    require(db, actor, "meetings.read")
    with db.read() as s:
        rows = list(s.exec(select(AgendaTemplate).order_by(AgendaTemplate.name)).all())
    names = {t.name for t in rows}
    missing = [n for n in BUILTIN_TEMPLATES if n not in names]
    if missing and can(actor, "meetings.edit"):
        with db.write() as s:
            ensure_builtin_templates(s)
            rows = list(s.exec(select(AgendaTemplate).order_by(AgendaTemplate.name)).all())
    elif missing:
        rows += [
            AgendaTemplate(id=None, name=n, items="\n".join(BUILTIN_TEMPLATES[n]), builtin=True)
            for n in missing
        ]
    return rows


def create_template(db: Database, actor: Actor, name: str, items: str) -> AgendaTemplate:
    require(db, actor, "meetings.edit", record_type="agendatemplate")
    name = (name or "").strip()
    lines = [line.strip() for line in (items or "").splitlines() if line.strip()]
    if not name:
        raise ValueError("a template needs a name")
    if not lines:
        raise ValueError("a template needs at least one agenda item (one per line)")
    if any(len(line) > 300 for line in lines):
        raise ValueError("an agenda item is at most 300 characters")
    with db.write() as s:
        if s.exec(select(AgendaTemplate).where(AgendaTemplate.name == name)).first():
            raise ValueError(f"a template named {name!r} already exists")
        template = AgendaTemplate(name=name, items="\n".join(lines), builtin=False)
        s.add(template)
        s.flush()
        audit.record(
            s, actor, "create", "agendatemplate", template.id, after=audit.snapshot(template)
        )
        return template


def _template_items(session: Session, template_id: int | None) -> list[str]:
    if template_id is None:
        return []
    template = session.get(AgendaTemplate, template_id)
    if template is None:
        raise ValueError(f"no agenda template {template_id}")
    return [line.strip() for line in template.items.splitlines() if line.strip()]


# --- vendor facts --------------------------------------------------------------------------


def _last_month(today: date) -> tuple[date, date]:
    first_this = today.replace(day=1)
    last_end = first_this - timedelta(days=1)
    return last_end.replace(day=1), first_this


def vendor_facts(session: Session, vendor_id: int, today: date) -> list[str]:
    """One line per fact the other parts of Opsdesk hold about this vendor (only what exists).

    No money: these lines are stored in an agenda item that every attendee sees, and that the
    .ics, the Google invite and Slack carry. ``money_facts`` adds money per reader's role.
    """
    facts: list[str] = []
    contracts = session.exec(
        select(Contract)
        .where(Contract.vendor_id == vendor_id)
        .where(col(Contract.cancelled).is_(False))
    ).all()
    deadlines: list[tuple[int, str]] = []
    for c in contracts:
        try:
            terms = compute_terms(
                start_date=c.start_date,
                initial_term_months=c.initial_term_months,
                renewal_type=c.renewal_type,
                renewal_period_months=c.renewal_period_months,
                notice_days=c.notice_days,
                as_of=today,
            )
        except ValueError:
            continue
        days = terms.days_to_deadline(today)
        if days >= 0:
            deadlines.append((days, f"{c.title}: {terms.cancellation_deadline.isoformat()}"))
    if deadlines:
        days, what = min(deadlines)
        facts.append(f"Next cancellation deadline in {days} days ({what})")
    elif contracts:
        facts.append("No upcoming cancellation deadline on the vendor's contracts")

    pools = session.exec(select(SeatPool).where(SeatPool.vendor_id == vendor_id)).all()
    for pool in pools:
        facts.append(
            f"Seats ({pool.product}): {pool.seats_assigned} assigned, "
            f"{pool.seats_active_30d} active in 30 days, of {pool.seats_purchased} bought"
        )

    open_tickets = session.exec(
        select(func.count())
        .select_from(SupportTicket)
        .where(SupportTicket.vendor_id == vendor_id)
        .where(col(SupportTicket.status).in_(OPEN_TICKET_STATUSES))
    ).one()
    facts.append(f"Open vendor tickets: {open_tickets}")
    return facts


def _spend_facts(session: Session, vendor_id: int, today: date) -> list[str]:
    """Last month's spend on the vendor against its budgets, per currency."""
    facts: list[str] = []
    # The spend pages' matching rule: publisher, else provider, else invoice issuer.
    names = vendor_names(session)
    start, end = _last_month(today)
    rows = session.exec(
        select(  # type: ignore[call-overload]
            col(CostRollup.source_name),
            col(CostRollup.provider),
            col(CostRollup.invoice_issuer),
            col(CostRollup.currency),
            col(CostRollup.effective_cost),
        )
        .where(CostRollup.day >= start)
        .where(CostRollup.day < end)
    ).all()
    # Money is summed in Python: SQLite stores it as text.
    spent = totals_by_currency(
        (cur, amount)
        for source, provider, issuer, cur, amount in rows
        if (match_vendor(names, source, provider, issuer) or (None,))[0] == vendor_id
    )
    budgets = session.exec(
        select(Budget)
        .where(Budget.vendor_id == vendor_id)
        .where(col(Budget.archived).is_(False))
        .where(Budget.starts_on < end)
    ).all()
    monthly: dict[str, Decimal] = defaultdict(Decimal)
    for b in budgets:
        monthly[b.currency] += b.amount if b.period == "monthly" else b.amount / 12
    label = start.strftime("%B %Y")
    for currency in sorted(set(spent) | set(monthly)):
        spend_text = format_money(spent.get(currency, Decimal(0)), currency)
        if currency in monthly:
            facts.append(
                f"Spend in {label}: {spend_text} against a budget of "
                f"{format_money(monthly[currency], currency)}"
            )
        else:
            facts.append(f"Spend in {label}: {spend_text} (no budget)")
    return facts


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
        facts += _spend_facts(session, meeting.vendor_id, local_time(meeting).date())
    return facts


# --- creating meetings ---------------------------------------------------------------------


@dataclass(frozen=True)
class Attendees:
    person_ids: tuple[int, ...] = ()
    outside_emails: tuple[str, ...] = ()


def _add_attendees(session: Session, meeting_id: int, attendees: Attendees) -> None:
    seen: set[str] = set()
    for pid in attendees.person_ids:
        person = session.get(Person, pid)
        if person is None:
            raise ValueError(f"no person {pid}")
        if person.email not in seen:
            seen.add(person.email)
            session.add(MeetingAttendee(meeting_id=meeting_id, person_id=pid, email=person.email))
    for raw in attendees.outside_emails:
        if not raw.strip():
            continue
        email = clean_email(raw)
        if email in seen:
            continue
        seen.add(email)
        person = session.exec(select(Person).where(Person.email == email)).first()
        session.add(
            MeetingAttendee(
                meeting_id=meeting_id, person_id=person.id if person else None, email=email
            )
        )


def _check_links(session: Session, vendor_id: int | None, contract_id: int | None) -> None:
    if vendor_id is not None and session.get(Vendor, vendor_id) is None:
        raise ValueError(f"no vendor {vendor_id}")
    if contract_id is not None:
        contract = session.get(Contract, contract_id)
        if contract is None:
            raise ValueError(f"no contract {contract_id}")
        if vendor_id is not None and contract.vendor_id != vendor_id:
            raise ValueError("that contract belongs to another vendor")


def _fill_agenda(
    session: Session, actor: Actor, meeting: Meeting, template_id: int | None, today: date
) -> None:
    assert meeting.id is not None
    position = 0
    if meeting.vendor_id is not None:
        facts = vendor_facts(session, meeting.vendor_id, today)
        session.add(
            AgendaItem(
                meeting_id=meeting.id,
                position=position,
                title=VENDOR_FACTS_TITLE,
                details="\n".join(facts),
            )
        )
        position += 1
    for line in _template_items(session, template_id):
        session.add(AgendaItem(meeting_id=meeting.id, position=position, title=line[:300]))
        position += 1


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ValueError("a meeting needs a title")
    if len(title) > 200:
        raise ValueError("a meeting title is at most 200 characters")
    return title


def _aware(starts_at: datetime) -> datetime:
    if starts_at.tzinfo is None:
        raise ValueError("a meeting start needs a time zone")
    return starts_at.astimezone(UTC)


def create_meeting(
    db: Database,
    actor: Actor,
    *,
    title: str,
    starts_at: datetime,
    timezone: str,
    duration_minutes: int = 30,
    location: str | None = None,
    organizer_id: int | None = None,
    attendees: Attendees = Attendees(),
    vendor_id: int | None = None,
    contract_id: int | None = None,
    template_id: int | None = None,
    today: date | None = None,
) -> Meeting:
    """A one-off meeting with its attendees and agenda."""
    require(db, actor, "meetings.edit", record_type="meeting")
    recurrence.zone(timezone)
    if not 1 <= duration_minutes <= 24 * 60:
        raise ValueError("a meeting lasts between 1 minute and 24 hours")
    with db.write() as s:
        _check_links(s, vendor_id, contract_id)
        meeting = Meeting(
            title=_clean_title(title),
            starts_at=_aware(starts_at),
            timezone=timezone,
            duration_minutes=duration_minutes,
            location=(location or "").strip() or None,
            organizer_id=organizer_id,
            vendor_id=vendor_id,
            contract_id=contract_id,
        )
        s.add(meeting)
        s.flush()
        assert meeting.id is not None
        _add_attendees(s, meeting.id, attendees)
        _fill_agenda(s, actor, meeting, template_id, today or workspace_today(db))
        audit.record(s, actor, "create", "meeting", meeting.id, after=audit.snapshot(meeting))
        return meeting


def _occurrence(session: Session, series_id: int, starts_at: datetime) -> Meeting | None:
    return session.exec(
        select(Meeting)
        .where(Meeting.series_id == series_id)
        .where(col(Meeting.starts_at) >= starts_at - timedelta(seconds=1))
        .where(col(Meeting.starts_at) < starts_at + timedelta(seconds=1))
    ).first()


def _materialize(
    session: Session,
    actor: Actor,
    series: MeetingSeries,
    starts_at: datetime,
    attendees: Attendees,
    today: date,
) -> Meeting:
    assert series.id is not None
    existing = _occurrence(session, series.id, starts_at)
    if existing is not None:
        return existing
    meeting = Meeting(
        series_id=series.id,
        title=series.title,
        starts_at=starts_at,
        timezone=series.timezone,
        duration_minutes=series.duration_minutes,
        organizer_id=series.organizer_id,
        vendor_id=series.vendor_id,
        contract_id=series.contract_id,
    )
    session.add(meeting)
    session.flush()
    assert meeting.id is not None
    _add_attendees(session, meeting.id, attendees)
    _fill_agenda(session, actor, meeting, series.template_id, today)
    audit.record(session, actor, "create", "meeting", meeting.id, after=audit.snapshot(meeting))
    return meeting


def create_series(
    db: Database,
    actor: Actor,
    *,
    title: str,
    rule: str,
    first_starts_at: datetime,
    timezone: str,
    duration_minutes: int = 30,
    organizer_id: int | None = None,
    attendees: Attendees = Attendees(),
    vendor_id: int | None = None,
    contract_id: int | None = None,
    template_id: int | None = None,
    today: date | None = None,
) -> tuple[MeetingSeries, list[Meeting]]:
    """A recurring series and its first occurrences as meetings."""
    require(db, actor, "meetings.edit", record_type="meetingseries")
    rule = recurrence.validate_rule(recurrence.FREQUENCIES.get(rule, rule))
    recurrence.zone(timezone)
    if not 1 <= duration_minutes <= 24 * 60:
        raise ValueError("a meeting lasts between 1 minute and 24 hours")
    start = _aware(first_starts_at)
    today = today or workspace_today(db)
    with db.write() as s:
        _check_links(s, vendor_id, contract_id)
        _template_items(s, template_id)
        series = MeetingSeries(
            title=_clean_title(title),
            rrule=rule,
            first_starts_at=start,
            timezone=timezone,
            duration_minutes=duration_minutes,
            organizer_id=organizer_id,
            vendor_id=vendor_id,
            contract_id=contract_id,
            template_id=template_id,
        )
        s.add(series)
        s.flush()
        audit.record(s, actor, "create", "meetingseries", series.id, after=audit.snapshot(series))
        # Occurrences from the caller's today on, not the wall clock's (a test or --now run).
        day_start = datetime.combine(today, time.min, tzinfo=recurrence.zone(timezone))
        until = max(start, day_start.astimezone(UTC)) + timedelta(days=MATERIALIZE_DAYS)
        starts = recurrence.occurrences(rule, start, timezone, before=until, limit=10) or (
            recurrence.occurrences(rule, start, timezone, limit=1)
        )
        meetings = [_materialize(s, actor, series, t, attendees, today) for t in starts]
        return series, meetings


# --- reading -------------------------------------------------------------------------------


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


def local_time(meeting: Meeting) -> datetime:
    return meeting.starts_at.astimezone(recurrence.zone(meeting.timezone))


def list_meetings(
    db: Database, actor: Actor, *, since: datetime | None = None, limit: int = 200
) -> list[MeetingRow]:
    require(db, actor, "meetings.read")
    with db.read() as s:
        q = select(Meeting, Vendor.name).join(
            Vendor, col(Vendor.id) == Meeting.vendor_id, isouter=True
        )
        if since is not None:
            q = q.where(col(Meeting.starts_at) >= since)
        rows = s.exec(q.order_by(col(Meeting.starts_at)).limit(limit)).all()
        ids = [m.id for m, _ in rows]
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
        )
        for m, vendor in rows
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


def meeting_detail(db: Database, actor: Actor, meeting_id: int) -> MeetingDetail:
    require(db, actor, "meetings.read", record_type="meeting", record_id=meeting_id)
    with db.read() as s:
        meeting = s.get(Meeting, meeting_id)
        if meeting is None:
            raise ValueError(f"no meeting {meeting_id}")
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


# --- agenda, minutes, decisions ------------------------------------------------------------


def add_agenda_item(
    db: Database, actor: Actor, meeting_id: int, title: str, details: str = ""
) -> AgendaItem:
    require(db, actor, "meetings.edit", record_type="meeting", record_id=meeting_id)
    title = (title or "").strip()
    if not title:
        raise ValueError("an agenda item needs a title")
    if len(title) > 300:
        raise ValueError("an agenda item title is at most 300 characters")
    with db.write() as s:
        if s.get(Meeting, meeting_id) is None:
            raise ValueError(f"no meeting {meeting_id}")
        last = s.exec(
            select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting_id)
        ).one()
        item = AgendaItem(
            meeting_id=meeting_id,
            title=title,
            details=details or "",
            position=(last if last is not None else -1) + 1,
        )
        s.add(item)
        s.flush()
        audit.record(s, actor, "create", "agendaitem", item.id, after=audit.snapshot(item))
        return item


def record_agenda_item(
    db: Database,
    actor: Actor,
    item_id: int,
    *,
    expected_version: int,
    minutes: str | None = None,
    decision: str | None = None,
    status: str | None = None,
) -> AgendaItem:
    """Record minutes, a decision or a status (done, dropped) for one agenda item."""
    require(db, actor, "meetings.edit", record_type="agendaitem", record_id=item_id)
    if status is not None and status not in AGENDA_STATUSES:
        raise ValueError(f"unknown agenda status {status!r}")
    with db.write() as s:
        item = s.get(AgendaItem, item_id)
        if item is None:
            raise ValueError(f"no agenda item {item_id}")
        if item.version != expected_version:
            raise StaleEdit(
                f"Agenda item {item.title!r} was changed by someone else since you "
                "opened it; their change was kept."
            )
        before = audit.snapshot(item)
        if minutes is not None:
            item.minutes = minutes
        if decision is not None:
            item.decision = decision
        if status is not None:
            item.status = status
        item.version += 1
        s.add(item)
        audit.record(
            s, actor, "update", "agendaitem", item_id, before=before, after=audit.snapshot(item)
        )
        return item


def save_meeting_minutes(
    db: Database, actor: Actor, meeting_id: int, minutes: str, *, expected_version: int
) -> Meeting:
    require(db, actor, "meetings.edit", record_type="meeting", record_id=meeting_id)
    with db.write() as s:
        meeting = s.get(Meeting, meeting_id)
        if meeting is None:
            raise ValueError(f"no meeting {meeting_id}")
        if meeting.version != expected_version:
            raise StaleEdit(
                "The meeting's minutes were changed by someone else since you opened "
                "them; their change was kept."
            )
        before = audit.snapshot(meeting)
        meeting.minutes = minutes
        meeting.version += 1
        meeting.updated_at = db.clock.now()
        s.add(meeting)
        audit.record(
            s, actor, "update", "meeting", meeting_id, before=before, after=audit.snapshot(meeting)
        )
        return meeting


# --- carry-over ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CarryResult:
    meeting_id: int
    agenda_items: int
    action_items: int


def _carry_over(session: Session, actor: Actor, prev: Meeting, nxt: Meeting) -> tuple[int, int]:
    assert prev.id is not None and nxt.id is not None
    agenda = 0
    last = session.exec(
        select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == nxt.id)
    ).one()
    position = (last if last is not None else -1) + 1
    for item in session.exec(
        select(AgendaItem)
        .where(AgendaItem.meeting_id == prev.id)
        .where(AgendaItem.status == "open")
        .order_by(col(AgendaItem.position), col(AgendaItem.id))
    ).all():
        if item.title == VENDOR_FACTS_TITLE:
            continue  # the next meeting gets fresh facts of its own
        already = session.exec(
            select(AgendaItem.id).where(AgendaItem.carried_from_id == item.id)
        ).first()
        if already is not None:
            continue
        # The same topic already on the next agenda (from its template): mark that one as
        # carried instead of listing the topic twice.
        same = session.exec(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == nxt.id)
            .where(AgendaItem.title == item.title)
            .where(col(AgendaItem.carried_from_id).is_(None))
            .where(AgendaItem.status == "open")
        ).first()
        if same is not None:
            same.carried_from_id = item.id
            same.carry_count = item.carry_count + 1
            same.details = same.details or item.details
            same.version += 1
            session.add(same)
            audit.record(
                session, actor, "carry", "agendaitem", same.id, detail=f"from meeting {prev.id}"
            )
            agenda += 1
            continue
        copy = AgendaItem(
            meeting_id=nxt.id,
            position=position,
            title=item.title,
            details=item.details,
            carried_from_id=item.id,
            carry_count=item.carry_count + 1,
        )
        session.add(copy)
        session.flush()
        audit.record(
            session,
            actor,
            "carry",
            "agendaitem",
            copy.id,
            after=audit.snapshot(copy),
            detail=f"from meeting {prev.id}",
        )
        position += 1
        agenda += 1
    actions = 0
    for action in session.exec(
        select(ActionItem)
        .where(ActionItem.meeting_id == prev.id)
        .where(col(ActionItem.status).in_(OPEN_ACTION_STATUSES))
    ).all():
        before = audit.snapshot(action)
        action.meeting_id = nxt.id
        action.carried_from_meeting_id = prev.id
        action.carry_count += 1
        action.version += 1
        action.updated_at = session_now(session)
        session.add(action)
        audit.record(
            session,
            actor,
            "carry",
            "actionitem",
            action.id,
            before=before,
            after=audit.snapshot(action),
            detail=f"to meeting {nxt.id}",
        )
        actions += 1
    return agenda, actions


def open_next_meeting(
    db: Database, actor: Actor, meeting_id: int, *, today: date | None = None
) -> CarryResult:
    """The next meeting of this one's series (created when needed), with open items carried."""
    require(db, actor, "meetings.edit", record_type="meeting", record_id=meeting_id)
    with db.write() as s:
        meeting = s.get(Meeting, meeting_id)
        if meeting is None:
            raise ValueError(f"no meeting {meeting_id}")
        if meeting.series_id is None:
            raise ValueError("this is a one-off meeting: it has no next meeting")
        series = s.get(MeetingSeries, meeting.series_id)
        assert series is not None
        starts = recurrence.next_occurrence(
            series.rrule, series.first_starts_at, series.timezone, after=meeting.starts_at
        )
        if starts is None:
            raise ValueError("the series has no further meetings")
        people = s.exec(
            select(MeetingAttendee).where(MeetingAttendee.meeting_id == meeting_id)
        ).all()
        attendees = Attendees(
            person_ids=tuple(a.person_id for a in people if a.person_id is not None),
            outside_emails=tuple(a.email for a in people if a.person_id is None),
        )
        nxt = _materialize(s, actor, series, starts, attendees, today or workspace_today(db))
        agenda, actions = _carry_over(s, actor, meeting, nxt)
        assert nxt.id is not None
        return CarryResult(nxt.id, agenda, actions)


def set_meeting_status(db: Database, actor: Actor, meeting_id: int, status: str) -> Meeting:
    require(db, actor, "meetings.edit", record_type="meeting", record_id=meeting_id)
    if status not in ("scheduled", "cancelled", "done"):
        raise ValueError(f"unknown meeting status {status!r}")
    with db.write() as s:
        meeting = s.get(Meeting, meeting_id)
        if meeting is None:
            raise ValueError(f"no meeting {meeting_id}")
        before = audit.snapshot(meeting)
        meeting.status = status
        meeting.version += 1
        meeting.updated_at = db.clock.now()
        s.add(meeting)
        audit.record(
            s, actor, "update", "meeting", meeting_id, before=before, after=audit.snapshot(meeting)
        )
        return meeting


def vendor_choices(db: Database, actor: Actor) -> list[tuple[int, str]]:
    require(db, actor, "meetings.read")
    with db.read() as s:
        return [(v.id or 0, v.name) for v in s.exec(select(Vendor).order_by(Vendor.name)).all()]


def contract_choices(db: Database, actor: Actor) -> list[tuple[int, int, str]]:
    """(contract id, vendor id, "Vendor · contract") for the meeting form."""
    require(db, actor, "meetings.read")
    with db.read() as s:
        rows = s.exec(
            select(Contract, Vendor.name)
            .join(Vendor, col(Vendor.id) == Contract.vendor_id)
            .where(col(Contract.cancelled).is_(False))
            .order_by(col(Vendor.name), col(Contract.title))
        ).all()
        return [(c.id or 0, c.vendor_id, f"{name} · {c.title}") for c, name in rows]


def apply_template(db: Database, actor: Actor, meeting_id: int, template_id: int) -> int:
    """Append a template's items to a meeting's agenda, skipping topics already on it."""
    require(db, actor, "meetings.edit", record_type="meeting", record_id=meeting_id)
    with db.write() as s:
        if s.get(Meeting, meeting_id) is None:
            raise ValueError(f"no meeting {meeting_id}")
        existing = s.exec(select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)).all()
        titles = {a.title for a in existing}
        position = max((a.position for a in existing), default=-1) + 1
        added = 0
        for line in _template_items(s, template_id):
            if line[:300] in titles:
                continue
            item = AgendaItem(meeting_id=meeting_id, position=position, title=line[:300])
            s.add(item)
            s.flush()
            audit.record(
                s,
                actor,
                "create",
                "agendaitem",
                item.id,
                after=audit.snapshot(item),
                detail=f"from template {template_id}",
            )
            position += 1
            added += 1
        return added


def reschedule_meeting(
    db: Database,
    actor: Actor,
    meeting_id: int,
    *,
    starts_at: datetime,
    duration_minutes: int,
    expected_version: int,
) -> Meeting:
    """Move one meeting; a calendar event already sent is updated by the reminders planner."""
    require(db, actor, "meetings.edit", record_type="meeting", record_id=meeting_id)
    if not 1 <= duration_minutes <= 24 * 60:
        raise ValueError("a meeting lasts between 1 minute and 24 hours")
    start = _aware(starts_at)
    with db.write() as s:
        meeting = s.get(Meeting, meeting_id)
        if meeting is None:
            raise ValueError(f"no meeting {meeting_id}")
        if meeting.version != expected_version:
            raise StaleEdit(
                "The meeting was changed by someone else since you opened it; "
                "their change was kept."
            )
        if meeting.series_id is not None:
            clash = _occurrence(s, meeting.series_id, start)
            if clash is not None and clash.id != meeting_id:
                raise ValueError("another meeting of this series already starts then")
        before = audit.snapshot(meeting)
        meeting.starts_at = start
        meeting.duration_minutes = duration_minutes
        meeting.version += 1
        meeting.updated_at = db.clock.now()
        s.add(meeting)
        audit.record(
            s,
            actor,
            "update",
            "meeting",
            meeting_id,
            before=before,
            after=audit.snapshot(meeting),
            detail="rescheduled",
        )
        return meeting


def add_attendees(db: Database, actor: Actor, meeting_id: int, attendees: Attendees) -> int:
    """Invite more people or outside emails; someone already invited is skipped."""
    require(db, actor, "meetings.edit", record_type="meeting", record_id=meeting_id)
    with db.write() as s:
        if s.get(Meeting, meeting_id) is None:
            raise ValueError(f"no meeting {meeting_id}")
        invited = set(
            s.exec(
                select(MeetingAttendee.email).where(MeetingAttendee.meeting_id == meeting_id)
            ).all()
        )
        people_ids = tuple(
            pid
            for pid in attendees.person_ids
            if (p := s.get(Person, pid)) is None or p.email not in invited
        )
        emails = tuple(
            e for e in attendees.outside_emails if e.strip() and clean_email(e) not in invited
        )
        _add_attendees(s, meeting_id, Attendees(people_ids, emails))
        s.flush()
        added = len(
            set(
                s.exec(
                    select(MeetingAttendee.email).where(MeetingAttendee.meeting_id == meeting_id)
                ).all()
            )
            - invited
        )
        audit.record(
            s, actor, "update", "meeting", meeting_id, detail=f"invited {added} attendee(s)"
        )
        return added


def remove_attendee(db: Database, actor: Actor, meeting_id: int, email: str) -> None:
    require(db, actor, "meetings.edit", record_type="meeting", record_id=meeting_id)
    with db.write() as s:
        row = s.exec(
            select(MeetingAttendee)
            .where(MeetingAttendee.meeting_id == meeting_id)
            .where(MeetingAttendee.email == email.strip().lower())
        ).first()
        if row is None:
            raise ValueError(f"{email} is not invited")
        s.delete(row)
        audit.record(s, actor, "delete", "meetingattendee", row.id, before=audit.snapshot(row))
