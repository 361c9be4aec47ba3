"""The delivery log (admins): what the outbox holds, filtered, and sending a row again or not."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_
from sqlmodel import col, select

from db.engine import Database
from db.models import CHANNELS as CHANNELS
from db.models import NOTIFICATION_STATUSES, Notification
from services.access import audit
from services.access.access import Actor, require
from services.delivery.choices import NOTIFICATION_KIND

STATUSES = NOTIFICATION_STATUSES
LOG_LIMIT = 500


@dataclass(frozen=True)
class LogFilter:
    status: str | None = None
    channel: str | None = None
    kind: str | None = None
    text: str | None = None


def list_notifications(
    db: Database, actor: Actor, filters: LogFilter | None = None, *, limit: int = LOG_LIMIT
) -> list[Notification]:
    require(db, actor, "outbox.read", record_type="notification")
    f = filters or LogFilter()
    stmt = select(Notification)
    if f.status:
        if f.status not in NOTIFICATION_STATUSES:
            raise ValueError(f"unknown status {f.status!r}")
        stmt = stmt.where(col(Notification.status) == f.status)
    if f.channel:
        if f.channel not in CHANNELS:
            raise ValueError(f"unknown channel {f.channel!r}")
        stmt = stmt.where(col(Notification.channel) == f.channel)
    if f.kind:
        if f.kind not in NOTIFICATION_KIND:
            raise ValueError(f"unknown notification kind {f.kind!r}")
        stmt = stmt.where(col(Notification.kind) == f.kind)
    if f.text:
        text = f.text.strip()
        like = f"%{text}%"
        # People search by the kind's name as the log shows it ("calendar invite").
        named = [k for k, label in NOTIFICATION_KIND.items() if text.casefold() in label.casefold()]
        stmt = stmt.where(
            or_(
                col(Notification.subject).ilike(like),
                col(Notification.recipient).ilike(like),
                col(Notification.kind).ilike(like),
                col(Notification.kind).in_(named),
            )
        )
    stmt = stmt.order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
    with db.read() as session:
        return list(session.exec(stmt.limit(limit)).all())


def status_counts(db: Database, actor: Actor) -> dict[str, int]:
    require(db, actor, "outbox.read", record_type="notification")
    with db.read() as session:
        rows = session.exec(
            select(Notification.status, func.count()).group_by(col(Notification.status))
        ).all()
    return {status: int(n) for status, n in rows}


def retry(db: Database, actor: Actor, row_id: int) -> Notification:
    """Send a failed or cancelled row again, now."""
    require(db, actor, "outbox.manage", record_type="notification", record_id=row_id)
    with db.write() as session:
        row = session.get(Notification, row_id)
        if row is None:
            raise ValueError(f"no notification {row_id}")
        if row.status not in ("failed", "cancelled"):
            raise ValueError(
                f"only failed or cancelled notifications can be retried ({row.status})"
            )
        before = audit.snapshot(row)
        row.status, row.next_attempt_at, row.attempts = "queued", db.clock.now(), 0
        # A queued row showing "cancelled by ..." or an old failure reads as still broken; the
        # audit event below keeps the error it had.
        row.lease_until, row.last_error = None, None
        session.add(row)
        audit.record(
            session,
            actor,
            "retry",
            "notification",
            row_id,
            before=before,
            after=audit.snapshot(row),
        )
        return row


def cancel(db: Database, actor: Actor, row_id: int) -> Notification:
    """Stop a queued or failed row from being sent."""
    require(db, actor, "outbox.manage", record_type="notification", record_id=row_id)
    with db.write() as session:
        row = session.get(Notification, row_id)
        if row is None:
            raise ValueError(f"no notification {row_id}")
        if row.status not in ("queued", "failed"):
            raise ValueError(f"only queued or failed notifications can be cancelled ({row.status})")
        before = audit.snapshot(row)
        row.status = "cancelled"
        row.last_error = f"cancelled by {actor.email}"
        session.add(row)
        audit.record(
            session,
            actor,
            "cancel",
            "notification",
            row_id,
            before=before,
            after=audit.snapshot(row),
        )
        return row
