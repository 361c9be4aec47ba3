"""Reading the audit trail: filters, one event's before/after diff, and the CSV export.

The trail itself is written only by ``services.audit.record`` (and ``access.require`` for
refusals) and is append-only in the database. Everything here reads; filters are bound
parameters over a fixed set of columns and the sort is one of two whitelisted orders.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlmodel import col, select

from db.engine import Database
from db.models import AuditEvent
from services.access import audit
from services.access.access import Actor, require
from services.core.export import to_csv
from settings import get_settings

SORTS = {"newest": True, "oldest": False}  # name -> descending
MAX_ROWS = 5000
EXPORT_COLUMNS = ["at", "actor", "action", "record_type", "record_id", "detail", "before", "after"]


@dataclass(frozen=True)
class AuditFilter:
    """What to show. ``None`` means any; dates are whole days in the workspace time zone."""

    actor: str | None = None
    action: str | None = None
    record_type: str | None = None
    since: date | None = None
    until: date | None = None
    sort: str = "newest"
    limit: int = 500


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor: str
    action: str
    record_type: str
    record_id: str | None
    detail: str | None
    before: str | None
    after: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "record_type": self.record_type,
            "record_id": self.record_id,
            "detail": self.detail,
            "before": self.before,
            "after": self.after,
        }


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class Facets:
    """The values present in the trail, for the filter pickers."""

    actors: list[str]
    actions: list[str]
    record_types: list[str]


def _day_start_utc(day: date) -> datetime:
    return datetime.combine(day, time.min, get_settings().tz).astimezone(UTC)


def _check(flt: AuditFilter) -> None:
    if flt.sort not in SORTS:
        raise ValueError(f"unknown sort {flt.sort!r}: use one of {', '.join(SORTS)}")
    if not 1 <= flt.limit <= MAX_ROWS:
        raise ValueError(f"limit must be between 1 and {MAX_ROWS}")
    if flt.since and flt.until and flt.since > flt.until:
        raise ValueError("the start date is after the end date")


def search(db: Database, actor: Actor, flt: AuditFilter) -> list[AuditRow]:
    """Audit events matching ``flt``, newest first unless asked otherwise."""
    require(db, actor, "audit.read", record_type="audit")
    _check(flt)
    query = select(AuditEvent)
    if flt.actor:
        query = query.where(AuditEvent.actor == flt.actor)
    if flt.action:
        query = query.where(AuditEvent.action == flt.action)
    if flt.record_type:
        query = query.where(AuditEvent.record_type == flt.record_type)
    if flt.since:
        query = query.where(AuditEvent.at >= _day_start_utc(flt.since))
    if flt.until:
        query = query.where(AuditEvent.at < _day_start_utc(flt.until + timedelta(days=1)))
    order = col(AuditEvent.id).desc() if SORTS[flt.sort] else col(AuditEvent.id).asc()
    query = query.order_by(order).limit(flt.limit)
    with db.read() as session:
        events = session.exec(query).all()
    return [
        AuditRow(
            id=e.id or 0,
            at=e.at,
            actor=e.actor,
            action=e.action,
            record_type=e.record_type,
            record_id=e.record_id,
            detail=e.detail,
            before=e.before,
            after=e.after,
        )
        for e in events
    ]


def facets(db: Database, actor: Actor) -> Facets:
    require(db, actor, "audit.read", record_type="audit")
    with db.read() as session:

        def distinct(column: Any) -> list[str]:
            rows = session.exec(select(column).distinct().order_by(column)).all()
            return [str(r) for r in rows if r is not None]

        return Facets(
            actors=distinct(AuditEvent.actor),
            actions=distinct(AuditEvent.action),
            record_types=distinct(AuditEvent.record_type),
        )


def _shown(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def changes(row: AuditRow) -> list[FieldChange]:
    """The fields an event changed, one line each (all fields for a create or a delete)."""
    before = json.loads(row.before) if row.before else {}
    after = json.loads(row.after) if row.after else {}
    fields = sorted(set(before) | set(after))
    return [FieldChange(f, _shown(before.get(f)), _shown(after.get(f))) for f in fields]


def export_csv(db: Database, actor: Actor, flt: AuditFilter) -> str:
    """The filtered trail as spreadsheet-safe CSV; the export is itself audited."""
    rows = search(db, actor, flt)
    with db.write() as session:
        audit.record(
            session,
            actor,
            "export",
            "audit",
            None,
            detail=f"{len(rows)} audit events exported",
        )
    return to_csv((r.as_dict() for r in rows), EXPORT_COLUMNS)
