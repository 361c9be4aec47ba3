"""Connection state of Slack and Google for the Settings page and the worker.

States: ``off`` (not configured), ``connected``, ``disconnected`` (Slack refused the token),
``reconnect_needed`` (Google refused the credentials), ``paused`` (Google quota used up, until
``paused_until``). The worker sets them; an admin's "reconnect" clears them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from db.engine import Database
from db.models import IntegrationState, Person
from integrations.bootstrap import google_configured, slack_configured
from services.access import audit
from services.access.access import Actor, require
from services.delivery import outbox
from settings import Settings

SLACK = "slack"
GOOGLE = "google"
NAMES = (SLACK, GOOGLE)


def state_row(session: Session, name: str) -> IntegrationState:
    row = session.exec(select(IntegrationState).where(col(IntegrationState.name) == name)).first()
    if row is None:
        row = IntegrationState(name=name, state="connected")
        session.add(row)
        session.flush()
    return row


def set_state(
    db: Database,
    name: str,
    state: str,
    reason: str | None = None,
    paused_until: datetime | None = None,
) -> None:
    with db.write() as session:
        row = state_row(session, name)
        row.state, row.reason, row.paused_until = state, reason, paused_until
        row.updated_at = db.clock.now()
        session.add(row)


def read_states(db: Database) -> dict[str, IntegrationState]:
    with db.read() as session:
        rows = session.exec(select(IntegrationState)).all()
    return {row.name: row for row in rows}


@dataclass(frozen=True)
class ConnectionView:
    name: str
    label: str
    configured: bool
    state: str  # off, connected, disconnected, reconnect_needed, paused
    reason: str | None
    paused_until: datetime | None
    how_to_connect: str


def connection_states(
    db: Database, actor: Actor, settings: Settings, now: datetime | None = None
) -> list[ConnectionView]:
    require(db, actor, "settings.manage", record_type="integration")
    now = now or db.clock.now()
    stored = read_states(db)
    views = []
    for name, label, configured, how in (
        (
            SLACK,
            "Slack",
            slack_configured(settings),
            "Set OPSDESK_SLACK_BOT_TOKEN (a bot token with chat:write, users:read.email, "
            "im:write, channels:history) and restart the worker.",
        ),
        (
            GOOGLE,
            "Google Calendar",
            google_configured(settings),
            "Set OPSDESK_GOOGLE_CREDENTIALS_FILE (service-account key with "
            "OPSDESK_GOOGLE_DELEGATED_USER, or run `opsdesk google-auth`).",
        ),
    ):
        row = stored.get(name)
        if not configured:
            state, reason, paused = "off", None, None
        elif row is None:
            state, reason, paused = "connected", None, None
        else:
            state, reason, paused = row.state, row.reason, row.paused_until
            if paused is not None and paused > now:
                state = "paused"
            elif state in ("off", "paused"):
                state, paused = "connected", None
        views.append(ConnectionView(name, label, configured, state, reason, paused, how))
    return views


def reconnect(db: Database, actor: Actor, name: str) -> None:
    """Clear a disconnected / reconnect-needed / paused state so the worker tries again."""
    require(db, actor, "settings.manage", record_type="integration")
    if name not in NAMES:
        raise ValueError(f"unknown connection {name!r}")
    with db.write() as session:
        row = state_row(session, name)
        before = audit.snapshot(row)
        row.state, row.reason, row.paused_until, row.updated_at = (
            "connected",
            None,
            None,
            db.clock.now(),
        )
        session.add(row)
        audit.record(
            session,
            actor,
            "reconnect",
            "integration",
            name,
            before=before,
            after=audit.snapshot(row),
        )


def queue_test_message(
    db: Database, actor: Actor, target: str, now: datetime | None = None
) -> bool:
    """Queue a Slack test message to a channel id or a person's email (one per minute)."""
    require(db, actor, "settings.manage", record_type="integration")
    target = target.strip()
    if not target:
        raise ValueError("give a Slack channel id (C…) or a person's email")
    if "@" not in target and target[:1] not in ("C", "G", "U"):
        raise ValueError("a Slack channel id starts with C or G; or give an email address")
    now = now or db.clock.now()
    with db.write() as session:
        person = session.exec(select(Person).where(col(Person.email) == target.lower())).first()
        added = outbox.enqueue(
            session,
            kind="test_message",
            record_type="integration",
            record_id=person.id if person and person.id else 0,
            occurrence=f"{target}:{now:%Y%m%dT%H%M}",
            channel="slack",
            recipient=target,
            subject="Test message from Opsdesk",
            body=f"Sent by {actor.email}. If you can read this, Slack delivery works.",
            now=now,
        )
        if added:
            audit.record(
                session, actor, "queue", "notification", None, detail=f"test message to {target}"
            )
    return added
