"""Carry-over: opening the next meeting of a series carries the previous one's unfinished agenda
items (as copies that point back) and open action items (moved, so an item is never in two
queues), each counted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, func, select

from db.engine import Database
from db.models import (
    ActionItem,
    AgendaItem,
    Meeting,
    MeetingAttendee,
    MeetingSeries,
)
from services.access import audit
from services.access.access import Actor, require
from services.coordination import recurrence
from services.coordination.meetings.create import Attendees, meeting_or_refuse
from services.coordination.meetings.facts import VENDOR_FACTS_TITLE
from services.coordination.meetings.series import materialize
from services.core.clock import today as workspace_today
from services.core.statuses import OPEN_ACTION_STATUSES


@dataclass(frozen=True)
class CarryResult:
    meeting_id: int
    agenda_items: int
    action_items: int


def carry_over(session: Session, actor: Actor, prev: Meeting, nxt: Meeting) -> tuple[int, int]:
    """Carry ``prev``'s open agenda items and open action items to ``nxt``; returns both counts."""
    assert prev.id is not None and nxt.id is not None
    return _carry_agenda(session, actor, prev, nxt), _carry_actions(session, actor, prev, nxt)


def _carry_agenda(session: Session, actor: Actor, prev: Meeting, nxt: Meeting) -> int:
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
            changes = {
                "carried_from_id": item.id,
                "carry_count": item.carry_count + 1,
                "details": same.details or item.details,
            }
            audit.apply_change(
                session,
                actor,
                same,
                "agendaitem",
                changes,
                action="carry",
                detail=f"from meeting {prev.id}",
            )
        else:
            _copy_agenda_item(session, actor, item, nxt, position, prev)
            position += 1
        agenda += 1
    return agenda


def _copy_agenda_item(
    session: Session, actor: Actor, item: AgendaItem, nxt: Meeting, position: int, prev: Meeting
) -> None:
    assert nxt.id is not None
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


def _carry_actions(session: Session, actor: Actor, prev: Meeting, nxt: Meeting) -> int:
    """Open action items move (never copied), so an item is never in two queues."""
    actions = 0
    for action in session.exec(
        select(ActionItem)
        .where(ActionItem.meeting_id == prev.id)
        .where(col(ActionItem.status).in_(OPEN_ACTION_STATUSES))
    ).all():
        changes = {
            "meeting_id": nxt.id,
            "carried_from_meeting_id": prev.id,
            "carry_count": action.carry_count + 1,
        }
        audit.apply_change(
            session,
            actor,
            action,
            "actionitem",
            changes,
            action="carry",
            detail=f"to meeting {nxt.id}",
        )
        actions += 1
    return actions


def open_next_meeting(
    db: Database, actor: Actor, meeting_id: int, *, today: date | None = None
) -> CarryResult:
    """The next meeting of this one's series (created when needed), with open items carried."""
    require(db, actor, "meetings.edit", record_type="meeting", record_id=meeting_id)
    with db.write() as s:
        meeting = meeting_or_refuse(s, meeting_id)
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
        nxt = materialize(s, actor, series, starts, attendees, today or workspace_today(db))
        agenda, actions = carry_over(s, actor, meeting, nxt)
        assert nxt.id is not None
        return CarryResult(nxt.id, agenda, actions)
