"""Action items: create, quick add, list with filters, one-click status and snooze.

The table's bulk edit is ``services.coordination.bulk_edit``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from db.engine import Database
from db.models import (
    ACTION_PRIORITIES,
    ACTION_STATUSES,
    ActionItem,
    AgendaItem,
    Contract,
    Meeting,
    Person,
    SupportTicket,
    Team,
    Vendor,
)
from services.access import audit
from services.access.access import Actor, can, require
from services.coordination.quick_add import parse_quick_add as parse_quick_add
from services.coordination.quick_add import with_priority as with_priority
from services.core.clock import session_now
from services.core.clock import today as workspace_today
from services.core.records import check_version
from services.core.statuses import OPEN_ACTION_STATUSES

STATUSES = ACTION_STATUSES  # re-exported for pages, which do not import db
PRIORITIES = ACTION_PRIORITIES
CLOSED_STATUSES = ("done", "dropped")
# Columns the bulk editor may change; anything else in a row is ignored.
EDITABLE = ("title", "owner_email", "due_date", "status", "priority", "notes")
MAX_TITLE = 300


@dataclass(frozen=True)
class ActionRow:
    id: int
    title: str
    owner: str
    owner_email: str
    team: str
    due_date: date | None
    status: str
    priority: str
    notes: str
    overdue: bool
    meeting_id: int | None
    meeting: str
    vendor: str
    carry_count: int
    snoozed_until: date | None
    completed_at: datetime | None
    version: int


def is_overdue(status: str, due: date | None, today: date) -> bool:
    return status not in CLOSED_STATUSES and due is not None and due < today


def owner_id_for(session: Session, email: str | None) -> int | None:
    if email is None or not str(email).strip():
        return None
    person = session.exec(select(Person).where(Person.email == str(email).strip().lower())).first()
    if person is None:
        raise ValueError(f"no person with the email {email!r}: add them under People first")
    return person.id


def check_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ValueError("an action item needs a title")
    if len(title) > MAX_TITLE:
        raise ValueError(f"an action item title is at most {MAX_TITLE} characters")
    return title


def check_status(status: str) -> str:
    if status not in ACTION_STATUSES:
        raise ValueError(f"unknown status {status!r}: use one of {', '.join(ACTION_STATUSES)}")
    return status


def check_priority(priority: str) -> str:
    if priority not in ACTION_PRIORITIES:
        raise ValueError(
            f"unknown priority {priority!r}: use one of {', '.join(ACTION_PRIORITIES)}"
        )
    return priority


def create_action_in(
    session: Session,
    actor: Actor,
    *,
    title: str,
    owner_id: int | None = None,
    due_date: date | None = None,
    status: str = "open",
    priority: str = "medium",
    notes: str = "",
    meeting_id: int | None = None,
    agenda_item_id: int | None = None,
    vendor_id: int | None = None,
    contract_id: int | None = None,
    ticket_id: int | None = None,
) -> ActionItem:
    links: list[tuple[type[Any], int | None, str]] = [
        (Person, owner_id, "person"),
        (Meeting, meeting_id, "meeting"),
        (AgendaItem, agenda_item_id, "agenda item"),
        (Vendor, vendor_id, "vendor"),
        (Contract, contract_id, "contract"),
        (SupportTicket, ticket_id, "ticket"),
    ]
    for model, value, name in links:
        if value is not None and session.get(model, value) is None:
            raise ValueError(f"no {name} {value}")
    item = ActionItem(
        title=check_title(title),
        owner_id=owner_id,
        due_date=due_date,
        status=check_status(status),
        priority=check_priority(priority),
        notes=notes or "",
        meeting_id=meeting_id,
        agenda_item_id=agenda_item_id,
        vendor_id=vendor_id,
        contract_id=contract_id,
        ticket_id=ticket_id,
        created_by=actor.email,
        completed_at=session_now(session) if status == "done" else None,
    )
    session.add(item)
    session.flush()
    audit.record(session, actor, "create", "action_item", item.id, after=audit.snapshot(item))
    return item


def create_action(db: Database, actor: Actor, **values: Any) -> ActionItem:
    require(db, actor, "actions.edit", record_type="action_item")
    with db.write() as s:
        return create_action_in(s, actor, **values)


# --- quick add -----------------------------------------------------------------------------


def quick_add(
    db: Database,
    actor: Actor,
    text: str,
    *,
    default_owner_email: str | None = None,
    default_due: date | None = None,
    meeting_id: int | None = None,
    today: date | None = None,
) -> ActionItem:
    """One line into an action item; ``@email``, ``due:``, ``!priority`` override the defaults."""
    require(db, actor, "actions.edit", record_type="action_item")
    parsed = parse_quick_add(text, today or workspace_today(db))
    title = check_title(parsed.title)
    with db.write() as s:
        owner = parsed.owner_email or default_owner_email
        owner_id = owner_id_for(s, owner)
        # An item from a vendor meeting is linked to that vendor and contract too.
        meeting = s.get(Meeting, meeting_id) if meeting_id is not None else None
        if meeting_id is not None and meeting is None:
            raise ValueError(f"no meeting {meeting_id}")
        return create_action_in(
            s,
            actor,
            title=title,
            owner_id=owner_id,
            due_date=parsed.due_date or default_due,
            priority=parsed.priority,
            meeting_id=meeting_id,
            vendor_id=meeting.vendor_id if meeting else None,
            contract_id=meeting.contract_id if meeting else None,
        )


# --- reading -------------------------------------------------------------------------------


def list_actions(
    db: Database,
    actor: Actor,
    *,
    owner_email: str | None = None,
    owner_id: int | None = None,
    team_id: int | None = None,
    status: str | None = None,
    statuses: tuple[str, ...] | None = None,
    overdue: bool = False,
    meeting_id: int | None = None,
    today: date | None = None,
    limit: int = 2000,
    exact_owner_email: str | None = None,
    team_name: str | None = None,
    due_range: tuple[date | None, date] | None = None,
) -> list[ActionRow]:
    """Action items matching the filters; every filter is a bound parameter.

    ``exact_owner_email`` "" means no owner email; ``team_name`` "(no team)" means no team;
    ``due_range`` is [low, high) on the due date (low None: unbounded).
    """
    require(db, actor, "actions.read")
    today = today or workspace_today(db)
    # The matching ids are picked and ordered on the action item table alone (its indexes
    # cover status and due date), joining owners and teams only for a filter that needs
    # them; only the ``limit`` rows picked are joined for display. Joining every open item
    # before sorting cost tens of milliseconds at 50,000 items for a hundred rows shown.
    ids = _people_filters(
        select(col(ActionItem.id)),
        owner_email=owner_email,
        team_id=team_id,
        exact_owner_email=exact_owner_email,
        team_name=team_name,
    )
    if owner_id is not None:
        ids = ids.where(ActionItem.owner_id == owner_id)
    if status:
        ids = ids.where(ActionItem.status == check_status(status))
    if statuses:
        ids = ids.where(col(ActionItem.status).in_([check_status(x) for x in statuses]))
    if overdue:
        ids = ids.where(col(ActionItem.status).in_(OPEN_ACTION_STATUSES)).where(
            col(ActionItem.due_date) < today
        )
    if meeting_id is not None:
        ids = ids.where(ActionItem.meeting_id == meeting_id)
    if due_range is not None:
        low, high = due_range
        ids = ids.where(col(ActionItem.due_date) < high)
        if low is not None:
            ids = ids.where(col(ActionItem.due_date) >= low)
    order = (col(ActionItem.due_date).is_(None), col(ActionItem.due_date), col(ActionItem.id))
    with db.read() as s:
        q = (
            select(  # type: ignore[call-overload]
                ActionItem, Person.name, Person.email, Team.name, Meeting.title, Vendor.name
            )
            .join(Person, col(Person.id) == ActionItem.owner_id, isouter=True)
            .join(Team, col(Team.id) == Person.team_id, isouter=True)
            .join(Meeting, col(Meeting.id) == ActionItem.meeting_id, isouter=True)
            .join(Vendor, col(Vendor.id) == ActionItem.vendor_id, isouter=True)
            .where(col(ActionItem.id).in_(ids.order_by(*order).limit(limit)))
            .order_by(*order)
        )
        rows = s.exec(q).all()
    return [_action_row(row, today) for row in rows]


def _people_filters(
    ids: Any,
    *,
    owner_email: str | None,
    team_id: int | None,
    exact_owner_email: str | None,
    team_name: str | None,
) -> Any:
    """``ids`` narrowed by its owner's email or team, joining people and teams only if asked."""
    if owner_email or team_id is not None or exact_owner_email is not None or team_name:
        ids = ids.join(Person, col(Person.id) == ActionItem.owner_id, isouter=True)
    if team_name is not None:
        ids = ids.join(Team, col(Team.id) == Person.team_id, isouter=True)
    if owner_email:
        ids = ids.where(Person.email == owner_email.strip().lower())
    if team_id is not None:
        ids = ids.where(Person.team_id == team_id)
    if exact_owner_email is not None:
        ids = ids.where(
            or_(col(Person.email).is_(None), col(Person.email) == "")
            if exact_owner_email == ""
            else Person.email == exact_owner_email
        )
    if team_name is not None:
        ids = ids.where(
            or_(col(Team.name).is_(None), col(Team.name) == "")
            if team_name == "(no team)"
            else Team.name == team_name
        )
    return ids


def _action_row(row: Any, today: date) -> ActionRow:
    a, name, email, team, meeting, vendor = row
    return ActionRow(
        id=a.id or 0,
        title=a.title,
        owner=name or "",
        owner_email=email or "",
        team=team or "",
        due_date=a.due_date,
        status=a.status,
        priority=a.priority,
        notes=a.notes,
        overdue=is_overdue(a.status, a.due_date, today),
        meeting_id=a.meeting_id,
        meeting=meeting or "",
        vendor=vendor or "",
        carry_count=a.carry_count,
        snoozed_until=a.snoozed_until,
        completed_at=a.completed_at,
        version=a.version,
    )


# --- changing ------------------------------------------------------------------------------


def status_changes(item: ActionItem, status: str, now: datetime) -> dict[str, Any]:
    """The fields a status change sets: completion is stamped when an item first becomes done."""
    changes: dict[str, Any] = {"status": status}
    if status == "done" and item.status != "done":
        changes["completed_at"] = now
    elif status != "done":
        changes["completed_at"] = None
    return changes


def may_finish(actor: Actor, owner_email: str | None) -> bool:
    """Whether ``actor`` may mark this item done or snooze it: editors any, others their own."""
    if can(actor, "actions.edit"):
        return True
    return (
        can(actor, "actions.own")
        and owner_email is not None
        and owner_email.casefold() == actor.email.casefold()
    )


def require_change(db: Database, actor: Actor, action_id: int) -> None:
    """Editors change any item's status; a person holding ``actions.own`` only their own."""
    if can(actor, "actions.edit"):
        return
    require(db, actor, "actions.own", record_type="action_item", record_id=action_id)
    with db.read() as s:
        owner_email = s.exec(
            select(Person.email)
            .join(ActionItem, col(ActionItem.owner_id) == col(Person.id))
            .where(ActionItem.id == action_id)
        ).first()
    if not may_finish(actor, owner_email):
        require(db, actor, "actions.edit", record_type="action_item", record_id=action_id)


def set_status(
    db: Database, actor: Actor, action_id: int, status: str, *, expected_version: int | None = None
) -> ActionItem:
    """One-click status change (done, dropped...); with a version, refuses a stale click."""
    require_change(db, actor, action_id)
    check_status(status)
    with db.write() as s:
        item = s.get(ActionItem, action_id)
        if item is None:
            raise ValueError(f"no action item {action_id}")
        if expected_version is not None:
            check_version(
                item,
                expected_version,
                "action item",
                f"{item.title!r} was changed by someone else since you loaded it; "
                "their change was kept.",
            )
        changes = status_changes(item, status, db.clock.now())
        audit.apply_change(s, actor, item, "action_item", changes)
        return item


def snooze(db: Database, actor: Actor, action_id: int, until: date) -> ActionItem:
    require_change(db, actor, action_id)
    with db.write() as s:
        item = s.get(ActionItem, action_id)
        if item is None:
            raise ValueError(f"no action item {action_id}")
        audit.apply_change(s, actor, item, "action_item", {"snoozed_until": until}, action="snooze")
        return item
