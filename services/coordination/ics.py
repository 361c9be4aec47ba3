"""An .ics file for a meeting or a whole series, for people without Google Calendar.

Times carry an explicit TZID with its VTIMEZONE (yearly RRULE observances, right after 2038
too: see vtimezone.py), so a calendar keeps the meeting's wall-clock time across clock changes;
a series is one VEVENT with its RRULE whose DTSTART is the rule's first instance. A file with
attendees names its ORGANIZER (RFC 5546 requires one for METHOD:PUBLISH); with no organizer to
name (no organizer, and the exporting user has no deliverable address), the file carries
neither METHOD nor ATTENDEE lines. icalendar escapes text (commas,
semicolons, newlines), so user text cannot inject properties.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vRecur
from sqlmodel import Session, col, select

from db.engine import Database
from db.models import AgendaItem, Meeting, MeetingAttendee, MeetingSeries, Person
from services.access.access import Actor, require
from services.coordination import recurrence
from services.coordination.vtimezone import vtimezone
from services.core.emails import EmailError, check_address

PRODID = "-//Opsdesk//Meetings//EN"
UID_DOMAIN = "opsdesk.local"


def _calendar(event: Event, tz_key: str, first: date) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if "ORGANIZER" in event:
        cal.add("method", "PUBLISH")
    if "TZID" in event["DTSTART"].params:  # UTC times are written with Z and need none
        cal.add_component(vtimezone(tz_key, first))
    cal.add_component(event)
    return cal


def _organizer(session: Session, person_id: int | None, actor: Actor) -> tuple[str, str] | None:
    """The meeting's organizer; else whoever exports the file (they publish it), when mail can
    reach them (the local admin's admin@localhost cannot)."""
    person = session.get(Person, person_id) if person_id else None
    if person is not None:
        return (person.name or "", person.email)
    try:
        return (actor.name or "", check_address(actor.email))
    except EmailError:
        return None


def _attendees(session: Session, meeting_id: int) -> list[tuple[str, str]]:
    return [
        (name or "", a.email)
        for a, name in session.exec(
            select(MeetingAttendee, Person.name)
            .join(Person, col(Person.id) == MeetingAttendee.person_id, isouter=True)
            .where(MeetingAttendee.meeting_id == meeting_id)
            .order_by(MeetingAttendee.email)
        ).all()
    ]


def _event(
    uid: str,
    title: str,
    start_local: datetime,
    minutes: int,
    attendees: list[tuple[str, str]],
    description: str,
    location: str | None,
    stamped_at: datetime,
    organizer: tuple[str, str] | None,
) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamped_at)
    event.add("summary", title)
    event.add("dtstart", start_local)
    event.add("dtend", start_local + timedelta(minutes=minutes))
    if description:
        event.add("description", description)
    if location:
        event.add("location", location)
    if organizer is None:
        return event  # attendees without an organizer are not a valid group-scheduled event
    name, email = organizer
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["cn"] = name
    event.add("organizer", address, encode=False)
    for name, email in attendees:
        address = vCalAddress(f"mailto:{email}")
        if name:
            address.params["cn"] = name
        address.params["role"] = "REQ-PARTICIPANT"
        event.add("attendee", address, encode=False)
    return event


def _agenda_text(session: Session, meeting_id: int) -> str:
    items = session.exec(
        select(AgendaItem.title)
        .where(AgendaItem.meeting_id == meeting_id)
        .order_by(col(AgendaItem.position), col(AgendaItem.id))
    ).all()
    return "Agenda:\n" + "\n".join(f"- {t}" for t in items) if items else ""


def meeting_ics(db: Database, actor: Actor, meeting_id: int) -> bytes:
    require(db, actor, "meetings.read", record_type="meeting", record_id=meeting_id)
    with db.read() as s:
        meeting = s.get(Meeting, meeting_id)
        if meeting is None:
            raise ValueError(f"no meeting {meeting_id}")
        tz = recurrence.zone(meeting.timezone)
        start = meeting.starts_at.astimezone(tz)
        event = _event(
            f"meeting-{meeting.id}@{UID_DOMAIN}",
            meeting.title,
            start,
            meeting.duration_minutes,
            _attendees(s, meeting_id),
            _agenda_text(s, meeting_id),
            meeting.location,
            db.clock.now(),
            _organizer(s, meeting.organizer_id, actor),
        )
    return bytes(_calendar(event, tz.key, start.date()).to_ical())


def series_ics(db: Database, actor: Actor, series_id: int) -> bytes:
    require(db, actor, "meetings.read", record_type="meetingseries", record_id=series_id)
    with db.read() as s:
        series = s.get(MeetingSeries, series_id)
        if series is None:
            raise ValueError(f"no meeting series {series_id}")
        tz = recurrence.zone(series.timezone)
        latest = s.exec(
            select(Meeting)
            .where(Meeting.series_id == series_id)
            .order_by(col(Meeting.starts_at).desc())
        ).first()
        attendees = _attendees(s, latest.id) if latest and latest.id else []
        # Series stored before the start was snapped to the rule: DTSTART must still be the
        # first instance, or every calendar shows an extra meeting on the stored day.
        start = recurrence.first_occurrence(series.rrule, series.first_starts_at, tz.key)
        event = _event(
            f"series-{series.id}@{UID_DOMAIN}",
            series.title,
            start.astimezone(tz),
            series.duration_minutes,
            attendees,
            "",
            None,
            db.clock.now(),
            _organizer(s, series.organizer_id, actor),
        )
        event.add("rrule", vRecur.from_ical(series.rrule))
    return bytes(_calendar(event, tz.key, start.astimezone(tz).date()).to_ical())
