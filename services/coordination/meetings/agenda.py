"""Agenda items, minutes, decisions and a meeting's status."""

from __future__ import annotations

from sqlmodel import func, select

from db.engine import Database
from db.models import (
    AgendaItem,
    Meeting,
)
from services.access import audit
from services.access.access import Actor, require
from services.coordination.meetings.create import meeting_or_refuse
from services.coordination.meetings.templates import template_items
from services.core.records import check_version

AGENDA_STATUSES = ("open", "done", "dropped")


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
        meeting_or_refuse(s, meeting_id)
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
        check_version(
            item,
            expected_version,
            "agenda item",
            f"Agenda item {item.title!r} was changed by someone else since you "
            "opened it; their change was kept.",
        )
        changes = {"minutes": minutes, "decision": decision, "status": status}
        audit.apply_change(
            s, actor, item, "agendaitem", {k: v for k, v in changes.items() if v is not None}
        )
        return item


def save_meeting_minutes(
    db: Database, actor: Actor, meeting_id: int, minutes: str, *, expected_version: int
) -> Meeting:
    require(db, actor, "meetings.edit", record_type="meeting", record_id=meeting_id)
    with db.write() as s:
        meeting = meeting_or_refuse(s, meeting_id)
        check_version(
            meeting,
            expected_version,
            "meeting",
            "The meeting's minutes were changed by someone else since you opened "
            "them; their change was kept.",
        )
        audit.apply_change(s, actor, meeting, "meeting", {"minutes": minutes})
        return meeting


def set_meeting_status(db: Database, actor: Actor, meeting_id: int, status: str) -> Meeting:
    require(db, actor, "meetings.edit", record_type="meeting", record_id=meeting_id)
    if status not in ("scheduled", "cancelled", "done"):
        raise ValueError(f"unknown meeting status {status!r}")
    with db.write() as s:
        meeting = meeting_or_refuse(s, meeting_id)
        audit.apply_change(s, actor, meeting, "meeting", {"status": status})
        return meeting


def apply_template(db: Database, actor: Actor, meeting_id: int, template_id: int) -> int:
    """Append a template's items to a meeting's agenda, skipping topics already on it."""
    require(db, actor, "meetings.edit", record_type="meeting", record_id=meeting_id)
    with db.write() as s:
        meeting_or_refuse(s, meeting_id)
        existing = s.exec(select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)).all()
        titles = {a.title for a in existing}
        position = max((a.position for a in existing), default=-1) + 1
        added = 0
        for line in template_items(s, template_id):
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
