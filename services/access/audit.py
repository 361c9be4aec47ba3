"""The audit trail: every change recorded in the same transaction as the change itself."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session, SQLModel

from db.models import AuditEvent
from services.access.access import Actor
from services.core.clock import session_now

# Columns that say nothing about a change and would only make every diff noisy.
_SKIP = frozenset({"version", "updated_at", "created_at"})
# Values JSON has no type for, kept as their text (a tuple: isinstance takes it faster than a
# union, and bulk writes snapshot thousands of rows).
_AS_TEXT = (Decimal, date, datetime)
# One encoder for every event (as json.dumps(..., sort_keys=True, default=str) writes them):
# json.dumps with options builds a new encoder per call, which bulk writes of events notice.
_JSON = json.JSONEncoder(sort_keys=True, default=str)


def snapshot(record: SQLModel | None) -> dict[str, Any] | None:
    """The record's columns as JSON-safe values, for a before/after diff."""
    if record is None:
        return None
    return snapshot_values(record.model_dump())


def snapshot_values(columns: Mapping[str, Any]) -> dict[str, Any]:
    """``snapshot`` of a row's column values (a row written without an ORM object)."""
    return {
        key: str(value) if isinstance(value, _AS_TEXT) else value
        for key, value in columns.items()
        if key not in _SKIP
    }


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> tuple[Any, Any]:
    """Keep only the fields that changed (all of them for a create or a delete)."""
    if before is None or after is None:
        return before, after
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    return ({k: before.get(k) for k in changed}, {k: after.get(k) for k in changed})


def record(
    session: Session,
    actor: Actor,
    action: str,
    record_type: str,
    record_id: object = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str | None = None,
) -> None:
    """Append one audit event to ``session``'s transaction."""
    session.add(
        AuditEvent(
            **event_values(
                actor, action, record_type, record_id, before=before, after=after, detail=detail
            )
        )
    )


def event_values(
    actor: Actor,
    action: str,
    record_type: str,
    record_id: object = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str | None = None,
) -> dict[str, Any]:
    """The columns of one audit event (``record``, or many at once through ``db.bulk``)."""
    b, a = diff(before, after)
    return {
        "actor": actor.email,
        "action": action,
        "record_type": record_type,
        "record_id": None if record_id is None else str(record_id),
        "before": None if b is None else _JSON.encode(b),
        "after": None if a is None else _JSON.encode(a),
        "detail": detail,
    }


def apply_change(
    session: Session,
    actor: Actor,
    row: Any,
    record_type: str,
    changes: Mapping[str, Any],
    *,
    action: str = "update",
    detail: str | None = None,
) -> None:
    """Set ``changes`` on a versioned ``row``, bump its version (and ``updated_at`` where it has
    one) and audit the before and after, all in the caller's transaction."""
    before = snapshot(row)
    for key, value in changes.items():
        setattr(row, key, value)
    row.version += 1
    if "updated_at" in type(row).model_fields:
        row.updated_at = session_now(session)
    session.add(row)
    record(
        session,
        actor,
        action,
        record_type,
        row.id,
        before=before,
        after=snapshot(row),
        detail=detail,
    )
