"""Creating one-off meetings, inviting attendees, moving a meeting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, col, select

from db.engine import Database
from db.models import (
    AgendaItem,
    Contract,
    Meeting,
    MeetingAttendee,
    Person,
    Vendor,
)
from services.access import audit
from services.access.access import Actor, require
from services.coordination import recurrence
from services.coordination.meetings.facts import VENDOR_FACTS_TITLE, vendor_facts
from services.coordination.meetings.templates import template_items
from services.core.clock import today as workspace_today
from services.core.emails import split_addresses
from services.core.records import check_version


@dataclass(frozen=True)
class Attendees:
    person_ids: tuple[int, ...] = ()
    outside_emails: tuple[str, ...] = ()


def outside_addresses(attendees: Attendees) -> list[str]:
    """Every address in the outside entries, each of which may be a pasted list
    (``a@x.example; b@x.example``, ``Name <a@x.example>``): split, checked, de-duplicated."""
    out: list[str] = []
    for raw in attendees.outside_emails:
        out.extend(split_addresses(raw))
    return list(dict.fromkeys(out))


def add_attendee_rows(session: Session, meeting_id: int, attendees: Attendees) -> None:
    seen: set[str] = set()
    for pid in attendees.person_ids:
        person = session.get(Person, pid)
        if person is None:
            raise ValueError(f"no person {pid}")
        if person.email not in seen:
            seen.add(person.email)
            session.add(MeetingAttendee(meeting_id=meeting_id, person_id=pid, email=person.email))
    for email in outside_addresses(attendees):
        if email in seen:
            continue
        seen.add(email)
        person = session.exec(select(Person).where(Person.email == email)).first()
        session.add(
            MeetingAttendee(
                meeting_id=meeting_id, person_id=person.id if person else None, email=email
            )
        )


def check_links(session: Session, vendor_id: int | None, contract_id: int | None) -> None:
    if vendor_id is not None and session.get(Vendor, vendor_id) is None:
        raise ValueError(f"no vendor {vendor_id}")
    if contract_id is not None:
        contract = session.get(Contract, contract_id)
        if contract is None:
            raise ValueError(f"no contract {contract_id}")
        if vendor_id is not None and contract.vendor_id != vendor_id:
            raise ValueError("that contract belongs to another vendor")


def fill_agenda(
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
    for line in template_items(session, template_id):
        session.add(AgendaItem(meeting_id=meeting.id, position=position, title=line[:300]))
        position += 1


def clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ValueError("a meeting needs a title")
    if len(title) > 200:
        raise ValueError("a meeting title is at most 200 characters")
    return title


MAX_DURATION_MINUTES = 24 * 60


def check_duration(minutes: int) -> None:
    if not 1 <= minutes <= MAX_DURATION_MINUTES:
        raise ValueError("a meeting lasts between 1 minute and 24 hours")


def meeting_or_refuse(session: Session, meeting_id: int) -> Meeting:
    """The meeting with ``meeting_id``; a clear refusal when there is none."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise ValueError(f"no meeting {meeting_id}")
    return meeting


def aware_start(starts_at: datetime) -> datetime:
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
    check_duration(duration_minutes)
    with db.write() as s:
        check_links(s, vendor_id, contract_id)
        meeting = Meeting(
            title=clean_title(title),
            starts_at=aware_start(starts_at),
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
        add_attendee_rows(s, meeting.id, attendees)
        fill_agenda(s, actor, meeting, template_id, today or workspace_today(db))
        audit.record(s, actor, "create", "meeting", meeting.id, after=audit.snapshot(meeting))
        return meeting


def occurrence_at(session: Session, series_id: int, starts_at: datetime) -> Meeting | None:
    return session.exec(
        select(Meeting)
        .where(Meeting.series_id == series_id)
        .where(col(Meeting.starts_at) >= starts_at - timedelta(seconds=1))
        .where(col(Meeting.starts_at) < starts_at + timedelta(seconds=1))
    ).first()


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
    check_duration(duration_minutes)
    start = aware_start(starts_at)
    with db.write() as s:
        meeting = meeting_or_refuse(s, meeting_id)
        check_version(
            meeting,
            expected_version,
            "meeting",
            "The meeting was changed by someone else since you opened it; their change was kept.",
        )
        if meeting.series_id is not None:
            clash = occurrence_at(s, meeting.series_id, start)
            if clash is not None and clash.id != meeting_id:
                raise ValueError("another meeting of this series already starts then")
        changes = {"starts_at": start, "duration_minutes": duration_minutes}
        audit.apply_change(s, actor, meeting, "meeting", changes, detail="rescheduled")
        return meeting


def add_attendees(db: Database, actor: Actor, meeting_id: int, attendees: Attendees) -> int:
    """Invite more people or outside emails; someone already invited is skipped."""
    require(db, actor, "meetings.edit", record_type="meeting", record_id=meeting_id)
    with db.write() as s:
        meeting_or_refuse(s, meeting_id)
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
        emails = tuple(e for e in outside_addresses(attendees) if e not in invited)
        add_attendee_rows(s, meeting_id, Attendees(people_ids, emails))
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
