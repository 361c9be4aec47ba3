"""The post-incident review meeting: on the calendar within five working days, agenda filled.

Five working days after awareness is the latest it may be (PagerDuty's postmortem practice); it is
put on the third working day after awareness at 10:00 in the workspace time zone, or on the next
working day when that has passed already (an incident recorded late). The meeting is an ordinary
Meeting, so the reminder planner sends its calendar invitations through the outbox.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from db.models import AgendaItem, Incident, IncidentModel, Meeting, MeetingAttendee, Model, Person
from services.access import audit
from services.access.access import Actor
from services.core.workdays import WorkingDays
from services.governance import clocks
from settings import get_settings

REVIEW_WITHIN_WORKING_DAYS = 5
REVIEW_ON_WORKING_DAY = 3
REVIEW_HOUR = 10
REVIEW_MINUTES = 60


def review_day(aware_day: date, today: date, days: WorkingDays | None = None) -> date:
    """Working days skip weekends and the workspace country's public holidays."""
    days = days or WorkingDays([c for c in (get_settings().holiday_country,) if c])
    day = days.add(aware_day, REVIEW_ON_WORKING_DAY)
    return day if day > today else days.add(today, 1)


def agenda(incident: Incident, model_names: list[str], tz: ZoneInfo) -> list[tuple[str, str]]:
    """(title, details) of the review's agenda, after PagerDuty's postmortem template."""

    def when(value: datetime | None) -> str:
        return value.astimezone(tz).isoformat(timespec="minutes") if value else "not recorded"

    items = clocks.deadlines(
        category=incident.category,
        aware_at=incident.aware_at,
        tz=tz,
        deployer=bool(incident.notice_draft),
        provider_notified_at=incident.provider_notified_at,
        initial_report_at=incident.initial_report_at,
        complete_report_at=incident.complete_report_at,
    )
    clock_lines = [
        f"{d.label} ({d.rule}): due {when(d.due_at) if d.due_at else 'no fixed date'}, "
        f"{'done ' + when(d.done_at) if d.done_at else 'open'}"
        for d in items
    ]
    return [
        (
            "Overview and impact",
            f"{incident.title}\nModels: {', '.join(model_names)}\n{incident.description}".strip(),
        ),
        (
            "Timeline",
            f"Occurred: {when(incident.occurred_at)}\nAware: {when(incident.aware_at)}\n"
            f"Causal link established: {when(incident.causal_link_at)}",
        ),
        ("Reporting clocks (guidance, not legal advice)", "\n".join(clock_lines)),
        ("Contributing factors", ""),
        ("Resolution and corrective action (Art. 73(6))", ""),
        (
            "Evidence hold: keep or release",
            "No change to the system that could affect the "
            "evaluation of the cause before the authorities are informed.",
        ),
        ("Action items", ""),
    ]


def schedule(
    session: Session, actor: Actor, incident: Incident, *, now: datetime, tz: ZoneInfo
) -> Meeting:
    assert incident.id is not None
    models = session.exec(
        select(Model)
        .join(IncidentModel, col(IncidentModel.model_id) == Model.id)
        .where(IncidentModel.incident_id == incident.id)
    ).all()
    day = review_day(incident.aware_at.astimezone(tz).date(), now.astimezone(tz).date())
    meeting = Meeting(
        title=f"Post-incident review: {incident.title}"[:200],
        starts_at=datetime.combine(day, time(REVIEW_HOUR), tzinfo=tz),
        duration_minutes=REVIEW_MINUTES,
        timezone=tz.key,
        organizer_id=incident.owner_id,
    )
    session.add(meeting)
    session.flush()
    assert meeting.id is not None
    people = {incident.owner_id} | {m.owner_id for m in models}
    for person in session.exec(select(Person).where(col(Person.id).in_(people - {None}))).all():
        session.add(MeetingAttendee(meeting_id=meeting.id, person_id=person.id, email=person.email))
    for position, (title, details) in enumerate(agenda(incident, [m.name for m in models], tz)):
        session.add(
            AgendaItem(meeting_id=meeting.id, position=position, title=title, details=details)
        )
    incident.review_meeting_id = meeting.id
    session.add(incident)
    audit.record(
        session,
        actor,
        "create",
        "meeting",
        meeting.id,
        after=audit.snapshot(meeting),
        detail=f"post-incident review of incident {incident.id}",
    )
    return meeting


def invite_owner(session: Session, actor: Actor, incident: Incident) -> None:
    """A new owner joins the incident's review meeting while it is still to be held (the next
    planning pass puts them on the calendar event)."""
    meeting = (
        session.get(Meeting, incident.review_meeting_id) if incident.review_meeting_id else None
    )
    owner = session.get(Person, incident.owner_id) if incident.owner_id else None
    if meeting is None or owner is None or meeting.status != "scheduled" or meeting.id is None:
        return
    emails = session.exec(
        select(MeetingAttendee.email).where(MeetingAttendee.meeting_id == meeting.id)
    ).all()
    if owner.email.lower() in {e.lower() for e in emails}:
        return
    session.add(MeetingAttendee(meeting_id=meeting.id, person_id=owner.id, email=owner.email))
    audit.record(
        session,
        actor,
        "update",
        "meeting",
        meeting.id,
        detail=f"{owner.email} invited: incident {incident.id} handed to them",
    )
