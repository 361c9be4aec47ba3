"""`opsdesk import-records action-items FILE`: title, owner_email, due_date, status, priority.

Blank status means open and blank priority medium; ``notes`` is read when present. Owners must
already be people in Opsdesk. Any bad row refuses the whole file.
"""

from __future__ import annotations

from sqlmodel import Session, select

from db.models import ACTION_PRIORITIES, ACTION_STATUSES, Person
from services.access.access import Actor
from services.coordination.actions import create_action_in
from services.record_imports import RecordError, Row
from services.record_imports.vendors import parse_date

KIND = "action-items"
PERMISSION = "actions.edit"
REQUIRED = ("title", "owner_email", "due_date", "status", "priority")


def import_rows(session: Session, actor: Actor, rows: list[Row]) -> int:
    for number, values in rows:
        title = values.get("title", "")
        if not title:
            raise RecordError(number, "title", "an action item needs a title")
        if len(title) > 300:
            raise RecordError(number, "title", "at most 300 characters")
        owner_id = None
        email = values.get("owner_email", "").lower()
        if email:
            person = session.exec(select(Person).where(Person.email == email)).first()
            if person is None:
                raise RecordError(number, "owner_email", f"no person with the email {email}")
            owner_id = person.id
        due = None
        if values.get("due_date"):
            due = parse_date(number, values, "due_date")
        status = (values.get("status") or "open").lower().replace(" ", "_")
        if status not in ACTION_STATUSES:
            raise RecordError(
                number, "status", f"{values['status']!r} is not one of {', '.join(ACTION_STATUSES)}"
            )
        priority = (values.get("priority") or "medium").lower()
        if priority not in ACTION_PRIORITIES:
            raise RecordError(
                number,
                "priority",
                f"{values['priority']!r} is not one of {', '.join(ACTION_PRIORITIES)}",
            )
        create_action_in(
            session,
            actor,
            title=title,
            owner_id=owner_id,
            due_date=due,
            status=status,
            priority=priority,
            notes=values.get("notes", ""),
        )
    return len(rows)
