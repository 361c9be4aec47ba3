"""Recurring series: stored as an RFC 5545 rule; occurrences become Meeting rows when created or
opened, so each has its own agenda, minutes and action items."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session

from db.engine import Database
from db.models import (
    Meeting,
    MeetingSeries,
)
from services.access import audit
from services.access.access import Actor, require
from services.coordination import recurrence
from services.coordination.meetings.create import (
    Attendees,
    add_attendee_rows,
    aware_start,
    check_duration,
    check_links,
    clean_title,
    fill_agenda,
    occurrence_at,
)
from services.coordination.meetings.templates import template_items
from services.core.clock import today as workspace_today

# A new series gets its occurrences in this window as Meeting rows (at least the first one).
MATERIALIZE_DAYS = 35


def materialize(
    session: Session,
    actor: Actor,
    series: MeetingSeries,
    starts_at: datetime,
    attendees: Attendees,
    today: date,
) -> Meeting:
    assert series.id is not None
    existing = occurrence_at(session, series.id, starts_at)
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
    add_attendee_rows(session, meeting.id, attendees)
    fill_agenda(session, actor, meeting, series.template_id, today)
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
    check_duration(duration_minutes)
    # The stored start is the rule's first instance (what every calendar shows as DTSTART).
    start = recurrence.first_occurrence(rule, aware_start(first_starts_at), timezone)
    today = today or workspace_today(db)
    with db.write() as s:
        check_links(s, vendor_id, contract_id)
        template_items(s, template_id)
        series = MeetingSeries(
            title=clean_title(title),
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
        meetings = [materialize(s, actor, series, t, attendees, today) for t in starts]
        return series, meetings
