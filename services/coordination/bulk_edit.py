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
    ActionRow,
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
    require(db, actor, "actions.edit", record_type="action_item")
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
            audit.apply_change(s, actor, item, "action_item", changes, detail="bulk edit")
            result.saved.append(action_id)
    return result


# --- the grid on the Action items page: rows shown, and which of them were edited ---------


def table_rows(rows: list[ActionRow]) -> list[dict[str, Any]]:
    """The bulk-edit table's rows, with the version each was loaded at."""
    return [
        {
            "id": r.id,
            "title": r.title,
            "owner_email": r.owner_email,
            "due_date": r.due_date,
            "status": r.status,
            "priority": r.priority,
            "notes": r.notes,
            "overdue": r.overdue,
            "meeting": r.meeting,
            "vendor": r.vendor,
            "carried": r.carry_count,
            "version": r.version,
        }
        for r in rows
    ]


def _comparable(value: Any) -> Any:
    """A table cell as a value to compare: blanks (None, NaN, NaT) alike, timestamps as dates."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if type(value).__name__ == "NaTType":
        return None
    if isinstance(value, datetime):
        return value.date()
    if hasattr(value, "to_pydatetime"):  # a pandas Timestamp
        return value.to_pydatetime().date()
    return value


def changed_rows(
    before: list[dict[str, Any]], after: dict[int, dict[str, Any]]
) -> list[dict[str, Any]]:
    """The rows of an edited table that differ from what was loaded, each with its id, the
    version it was loaded at and its editable values: what ``bulk_save`` takes."""
    changed: list[dict[str, Any]] = []
    for row in before:
        edited = after.get(row["id"])
        if edited is None:
            continue
        values = {k: edited[k] for k in EDITABLE if k in edited}
        if any(_comparable(values[k]) != _comparable(row.get(k)) for k in values):
            changed.append({"id": row["id"], "version": row["version"], **values})
    return changed
