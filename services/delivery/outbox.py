"""The outbox: notifications written with the change that caused them, delivered by the worker.

Each row has a unique dedupe key (kind, record, occurrence, channel), so planning twice creates
nothing. Workers claim rows with a lease: ``FOR UPDATE SKIP LOCKED`` on Postgres, and on SQLite
(where SQLAlchemy drops FOR UPDATE) a conditional ``UPDATE ... RETURNING`` inside the
``BEGIN IMMEDIATE`` write transaction. A row whose lease ran out (its worker died mid-send) is
claimed again; the delivery code looks for its earlier message before sending again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from json.encoder import encode_basestring_ascii
from typing import Any

from sqlalchemy import and_, or_, update
from sqlmodel import Session, col, select

from db import bulk
from db.engine import Database
from db.models import CHANNELS, NOTIFICATION_STATUSES, Notification
from services.core.clock import session_now
from services.delivery.choices import NOTIFICATION_KIND

STATUSES = NOTIFICATION_STATUSES
LEASE_SECONDS = 120
RETRY_BASE_SECONDS = 60
RETRY_CAP_SECONDS = 6 * 3600
MAX_ATTEMPTS = 8
CLAIM_BATCH = 50


# One encoder for every payload: json.dumps with options builds a new one per call, which cost a
# planning pass more than the rest of building its rows.
_PAYLOAD = json.JSONEncoder(sort_keys=True, default=str)


def payload_json(payload: dict[str, Any], encoded: Mapping[str, str] | None = None) -> str:
    """``payload`` as sorted JSON; a reminder's payload (only its link) written directly, with
    the encoder's own string escaping, as the encoder would. ``encoded`` holds more keys whose
    values are JSON text already, as this encoder writes them (a large value the caller had
    encoded anyway, which is not encoded twice)."""
    if encoded:
        # A string value written by the encoder's own escaping, without a call into the encoder.
        parts = {
            key: encode_basestring_ascii(value) if type(value) is str else _PAYLOAD.encode(value)
            for key, value in payload.items()
        } | dict(encoded)
        items = [f"{encode_basestring_ascii(key)}: {parts[key]}" for key in sorted(parts)]
        return "{" + ", ".join(items) + "}"
    link = payload.get("link")
    if len(payload) == 1 and isinstance(link, str):
        return f'{{"link": {encode_basestring_ascii(link)}}}'
    return _PAYLOAD.encode(payload)


def dedupe_key(kind: str, record_type: str, record_id: int, occurrence: str, channel: str) -> str:
    return f"{kind}:{record_type}:{record_id}:{occurrence}:{channel}"


def enqueue(
    session: Session,
    *,
    kind: str,
    record_type: str,
    record_id: int,
    occurrence: str,
    channel: str,
    recipient: str,
    subject: str,
    body: str = "",
    payload: dict[str, Any] | None = None,
    due_at: datetime | None = None,
    now: datetime | None = None,
) -> bool:
    """Queue one notification unless its dedupe key exists already; True when a row was added.

    ``now`` is the caller's time (a planner passes the moment it plans for, so what it queues
    is due in the same run); by default the clock of the session's transaction."""
    values = notification_values(
        kind=kind,
        record_type=record_type,
        record_id=record_id,
        occurrence=occurrence,
        channel=channel,
        recipient=recipient,
        subject=subject,
        body=body,
        payload=payload,
        due_at=due_at,
        now=now or session_now(session),
    )
    return enqueue_many(session, [values]) == 1


def enqueue_many(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert ``notification_values`` rows whose dedupe keys are new (ON CONFLICT DO NOTHING);
    returns how many rows were added."""
    if not rows:
        return 0
    # The driver's executemany, parsed once, rather than ORM objects or multi-row VALUES text.
    return bulk.insert_all(session, Notification, rows, conflict_key="dedupe_key")


def notification_values(
    *,
    kind: str,
    record_type: str,
    record_id: int,
    occurrence: str,
    channel: str,
    recipient: str,
    subject: str,
    body: str = "",
    payload: dict[str, Any] | None = None,
    due_at: datetime | None = None,
    now: datetime,
    encoded: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The column values of one queued notification (``enqueue`` / ``enqueue_many``); a row
    with no ``due_at`` is due at ``now``, the caller's time. ``encoded``: payload values given
    as JSON text (``payload_json``)."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if kind not in NOTIFICATION_KIND:
        raise ValueError(f"unknown notification kind {kind!r}: name it in NOTIFICATION_KIND")
    values = {
        "dedupe_key": dedupe_key(kind, record_type, record_id, occurrence, channel),
        "kind": kind,
        "record_type": record_type,
        "record_id": record_id,
        "occurrence": occurrence[:100],
        "channel": channel,
        "recipient": recipient[:320],
        "subject": subject[:300],
        "body": body,
        "payload": payload_json(payload or {}, encoded),
        "status": "queued",
        "attempts": 0,
        "next_attempt_at": due_at or now,
        "created_at": now,
    }
    return values


def retire(
    session: Session,
    *,
    record_type: str,
    record_id: int,
    kinds: Iterable[str],
    keep: Iterable[str] = (),
    reason: str = "no longer applies",
) -> int:
    """Cancel queued rows of ``kinds`` for a record whose occurrence is not in ``keep``."""
    keep_list = list(keep)
    stmt = (
        update(Notification)
        .where(
            col(Notification.record_type) == record_type,
            col(Notification.record_id) == record_id,
            col(Notification.kind).in_(list(kinds)),
            col(Notification.status) == "queued",
        )
        .values(status="cancelled", last_error=reason)
        # "fetch" (RETURNING) refreshes just the matched rows already in the session; the
        # default evaluates the criteria against every object in it, which made planning
        # quadratic in the number of records loaded.
        .execution_options(synchronize_session="fetch")
    )
    if keep_list:
        stmt = stmt.where(col(Notification.occurrence).not_in(keep_list))
    result = session.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)


# --- the worker's side -----------------------------------------------------------------------


def _claimable(now: datetime) -> Any:
    return or_(
        and_(col(Notification.status) == "queued", col(Notification.next_attempt_at) <= now),
        and_(col(Notification.status) == "sending", col(Notification.lease_until) < now),
    )


def claim(
    db: Database,
    worker_id: str,
    now: datetime,
    *,
    limit: int = CLAIM_BATCH,
    channels: Iterable[str] = CHANNELS,
) -> list[Notification]:
    """Take up to ``limit`` due rows for this worker (status sending, leased, attempts + 1)."""
    channel_list = list(channels)
    if not channel_list:
        return []
    lease = now + timedelta(seconds=LEASE_SECONDS)
    values = {
        "status": "sending",
        "lease_until": lease,
        "claimed_by": worker_id,
        "attempts": col(Notification.attempts) + 1,
    }
    due = (
        select(Notification.id)
        .where(_claimable(now), col(Notification.channel).in_(channel_list))
        .order_by(col(Notification.next_attempt_at), col(Notification.id))
        .limit(limit)
    )
    with db.write() as session:
        if db.dialect == "postgresql":
            ids = list(session.exec(due.with_for_update(skip_locked=True)).all())
            if ids:
                session.execute(
                    update(Notification).where(col(Notification.id).in_(ids)).values(**values)
                )
        else:
            stmt = (
                update(Notification)
                .where(col(Notification.id).in_(due.scalar_subquery()), _claimable(now))
                .values(**values)
                .returning(col(Notification.id))
            )
            ids = [row[0] for row in session.execute(stmt).all()]
        if not ids:
            return []
        rows = session.exec(
            select(Notification).where(col(Notification.id).in_(ids)).order_by(col(Notification.id))
        ).all()
        return list(rows)


def _finish(db: Database, row_id: int, worker_id: str, **values: Any) -> bool:
    with db.write() as session:
        result = session.execute(
            update(Notification)
            .where(
                col(Notification.id) == row_id,
                col(Notification.claimed_by) == worker_id,
                col(Notification.status) == "sending",
            )
            .values(**values)
        )
        return bool(getattr(result, "rowcount", 0))


def extend_lease(db: Database, row_ids: list[int], worker_id: str, now: datetime) -> set[int]:
    """Renew this worker's lease on ``row_ids``; returns the ids it still holds.

    Called before each send, so a slow batch (rate limits, pacing) never sends a row whose
    lease ran out and which another worker may have claimed meanwhile."""
    if not row_ids:
        return set()
    with db.write() as session:
        stmt = (
            update(Notification)
            .where(
                col(Notification.id).in_(row_ids),
                col(Notification.claimed_by) == worker_id,
                col(Notification.status) == "sending",
            )
            .values(lease_until=now + timedelta(seconds=LEASE_SECONDS))
            .returning(col(Notification.id))
        )
        return {row[0] for row in session.execute(stmt).all()}


def mark_sent(db: Database, row_id: int, worker_id: str, external_id: str, now: datetime) -> bool:
    return _finish(
        db,
        row_id,
        worker_id,
        status="sent",
        external_id=external_id[:1024],
        sent_at=now,
        lease_until=None,
        last_error=None,
    )


def mark_failed(db: Database, row_id: int, worker_id: str, error: str) -> bool:
    return _finish(db, row_id, worker_id, status="failed", last_error=error, lease_until=None)


def retry_later(
    db: Database,
    row: Notification,
    worker_id: str,
    error: str,
    now: datetime,
    *,
    delay_seconds: float | None = None,
    give_up: bool = True,
) -> bool:
    """Back to the queue with exponential backoff; failed for good after MAX_ATTEMPTS
    (unless ``give_up`` is False: a rate limit is not the message's fault)."""
    if give_up and row.attempts >= MAX_ATTEMPTS:
        return mark_failed(
            db, row.id or 0, worker_id, f"gave up after {row.attempts} attempts: {error}"
        )
    if delay_seconds is None:
        delay_seconds = min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2 ** max(0, row.attempts - 1))
    return _finish(
        db,
        row.id or 0,
        worker_id,
        status="queued",
        last_error=error,
        lease_until=None,
        next_attempt_at=now + timedelta(seconds=delay_seconds),
    )


def release(
    db: Database,
    row: Notification,
    worker_id: str,
    *,
    next_attempt_at: datetime,
    error: str | None = None,
) -> bool:
    """Back to the queue without counting the attempt: nothing was sent (channel off, paused)."""
    return _finish(
        db,
        row.id or 0,
        worker_id,
        status="queued",
        lease_until=None,
        next_attempt_at=next_attempt_at,
        attempts=max(0, row.attempts - 1),
        last_error=error if error is not None else row.last_error,
    )


def payload_of(row: Notification) -> dict[str, Any]:
    try:
        data = json.loads(row.payload or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
