"""The action-item table's bulk edit: one transaction for every edited row.

A row whose ``version`` moved since the table was loaded is skipped and reported (the other change
is kept); a bad value anywhere refuses the whole save with the row named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from db.engine import Database
from db.models import ActionItem
from services.access import audit
from services.access.access import Actor, require
from services.coordination.actions import (
    EDITABLE,
    check_priority,
    check_status,
    check_title,
    owner_id_for,
    status_changes,
)


@dataclass(frozen=True)
class Conflict:
    id: int
    title: str
    reason: str


@dataclass
class BulkResult:
    saved: list[int] = field(default_factory=list)
    unchanged: int = 0
    conflicts: list[Conflict] = field(default_factory=list)

    def message(self) -> str:
        parts = [f"Saved {len(self.saved)} action item(s)."]
        if self.conflicts:
            names = "; ".join(f"#{c.id} {c.title!r}" for c in self.conflicts)
            parts.append(
                f"Not saved, changed by someone else since you loaded the table "
                f"(their change was kept, reload to see it): {names}."
            )
        return " ".join(parts)


def _as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if hasattr(value, "to_pydatetime"):  # a pandas Timestamp from the data editor
        return value.to_pydatetime().date()  # type: ignore[no-any-return]
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from exc


def _missing(value: Any) -> bool:
    try:
        return value is None or value != value  # NaN / NaT from pandas
    except (TypeError, ValueError):
        return False


def _row_changes(session: Session, row: dict[str, Any]) -> dict[str, Any]:
    """The editable fields a table row sets, checked; a bad value raises ValueError."""
    changes: dict[str, Any] = {}
    for key in EDITABLE:
        if key not in row:
            continue
        value = None if _missing(row[key]) else row[key]
        if key == "title":
            changes["title"] = check_title(str(value or ""))
        elif key == "owner_email":
            changes["owner_id"] = owner_id_for(session, value)
        elif key == "due_date":
            changes["due_date"] = _as_date(value)
        elif key == "status":
            changes["status"] = check_status(str(value or ""))
        elif key == "priority":
            changes["priority"] = check_priority(str(value or ""))
        elif key == "notes":
            changes["notes"] = str(value or "")
    return changes


def bulk_save(db: Database, actor: Actor, rows: list[dict[str, Any]]) -> BulkResult:
    """Save edited rows (each with ``id`` and the ``version`` it was loaded at) in one go.

    A bad value anywhere refuses the whole save with the row named; a row someone else changed
    meanwhile is skipped and reported, and their change kept.
    """
    require(db, actor, "actions.edit", record_type="actionitem")
    result = BulkResult()
    with db.write() as s:
        for index, row in enumerate(rows, start=1):
            try:
                action_id = int(row["id"])
                loaded_version = int(row["version"])
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"row {index}: missing id or version") from exc
            item = s.get(ActionItem, action_id)
            if item is None:
                result.conflicts.append(
                    Conflict(action_id, str(row.get("title", "")), "deleted by someone else")
                )
                continue
            if item.version != loaded_version:
                result.conflicts.append(Conflict(action_id, item.title, "changed since loaded"))
                continue
            try:
                changes = _row_changes(s, row)
            except ValueError as exc:
                raise ValueError(f"row {index} (#{action_id} {item.title!r}): {exc}") from exc
            if all(getattr(item, k) == v for k, v in changes.items()):
                result.unchanged += 1
                continue
            if "status" in changes:
                changes.update(status_changes(item, changes["status"], db.clock.now()))
            audit.apply_change(s, actor, item, "actionitem", changes, detail="bulk edit")
            result.saved.append(action_id)
    return result
