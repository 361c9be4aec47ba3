"""Connection state, test messages, and the delivery log's retry and cancel, on both databases."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from db.engine import Database
from db.models import AuditEvent, Notification
from services.access.access import NotAllowed
from services.delivery import connections, delivery_log
from settings import Settings
from tests.builders import queue
from tests.conftest import actor

NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)


def views(db: Database, **settings: object) -> dict[str, connections.ConnectionView]:
    cfg = Settings(database_url="sqlite://", **settings)  # type: ignore[arg-type]
    return {v.name: v for v in connections.connection_states(db, actor("admin"), cfg, NOW)}


def test_unconfigured_connections_are_off(db: Database) -> None:
    state = views(db)
    assert state["slack"].state == "off" and state["google"].state == "off"


def test_a_disconnected_slack_shows_its_reason_until_reconnected(db: Database) -> None:
    connections.set_state(db, "slack", "disconnected", "token_revoked")
    state = views(db, slack_bot_token="xoxb-1")["slack"]
    assert (state.state, state.reason) == ("disconnected", "token_revoked")
    connections.reconnect(db, actor("admin"), "slack")
    assert views(db, slack_bot_token="xoxb-1")["slack"].state == "connected"


def test_a_google_pause_shows_until_it_runs_out(db: Database) -> None:
    connections.set_state(db, "google", "paused", "quota", NOW + timedelta(hours=3))
    assert views(db, google_credentials_file="/x.json")["google"].state == "paused"
    connections.set_state(db, "google", "paused", "quota", NOW - timedelta(minutes=1))
    assert views(db, google_credentials_file="/x.json")["google"].state == "connected"


def test_a_test_message_is_queued_once_per_minute_and_audited(db: Database) -> None:
    admin = actor("admin")
    assert connections.queue_test_message(db, admin, "C0123", now=NOW)
    assert not connections.queue_test_message(db, admin, "C0123", now=NOW + timedelta(seconds=20))
    assert connections.queue_test_message(db, admin, "C0123", now=NOW + timedelta(minutes=1))
    with db.read() as session:
        assert len(session.exec(select(Notification)).all()) == 2
        assert session.exec(select(AuditEvent).where(col(AuditEvent.action) == "queue")).first()


def test_a_test_message_target_is_checked(db: Database) -> None:
    with pytest.raises(ValueError):
        connections.queue_test_message(db, actor("admin"), "<!channel>")
    with pytest.raises(NotAllowed):
        connections.queue_test_message(db, actor("va"), "C0123")


def test_retry_and_cancel_follow_the_status_and_are_audited(db: Database) -> None:
    queue(db, 2, due_at=NOW)
    rows = delivery_log.list_notifications(db, actor("admin"))
    first, second = sorted(rows, key=lambda r: r.id or 0)
    delivery_log.cancel(db, actor("admin"), first.id or 0)
    with pytest.raises(ValueError):
        delivery_log.cancel(db, actor("admin"), first.id or 0)
    with pytest.raises(ValueError):
        delivery_log.retry(db, actor("admin"), second.id or 0)  # still queued
    again = delivery_log.retry(db, actor("admin"), first.id or 0)
    assert again.status == "queued" and again.attempts == 0 and again.last_error is None
    with db.read() as session:
        actions = [
            e.action
            for e in session.exec(
                select(AuditEvent).where(col(AuditEvent.record_type) == "notification")
            )
        ]
    assert actions == ["cancel", "retry"]
    with db.read() as session:
        retried = session.exec(select(AuditEvent).where(col(AuditEvent.action) == "retry")).one()
    # The error the retry cleared stays in the audit trail.
    assert "cancelled by" in json.loads(retried.before or "{}")["last_error"]
    with pytest.raises(NotAllowed):
        delivery_log.cancel(db, actor("finance"), second.id or 0)


def test_the_log_filters_by_status_channel_and_text(db: Database) -> None:
    queue(db, 3, due_at=NOW, subject="Renewal")
    queue(db, 1, due_at=NOW, start=3, subject="Agenda")
    admin = actor("admin")
    assert (
        len(delivery_log.list_notifications(db, admin, delivery_log.LogFilter(text="agenda"))) == 1
    )
    assert (
        len(delivery_log.list_notifications(db, admin, delivery_log.LogFilter(status="failed")))
        == 0
    )
    assert (
        len(
            delivery_log.list_notifications(
                db, admin, delivery_log.LogFilter(channel="google_calendar")
            )
        )
        == 0
    )
    with pytest.raises(ValueError):
        delivery_log.list_notifications(db, admin, delivery_log.LogFilter(status="x') OR 1=1 --"))
    assert delivery_log.status_counts(db, admin) == {"queued": 4}


def test_the_log_filters_by_kind_and_finds_a_kind_by_its_name(db: Database) -> None:
    queue(db, 2, due_at=NOW, kind="contract", subject="Notice")
    queue(db, 1, due_at=NOW, start=2, kind="test_message", subject="Hello")
    admin = actor("admin")

    def found(**given: str) -> list[str]:
        flt = delivery_log.LogFilter(**given)
        return sorted(r.kind for r in delivery_log.list_notifications(db, admin, flt))

    assert found(kind="contract") == ["contract", "contract"]
    # The log names kinds ("Cancellation deadline reminder"); that name finds them.
    assert found(text="deadline rem") == ["contract", "contract"]
    assert found(text="test message") == ["test_message"]
    with pytest.raises(ValueError, match="unknown notification kind"):
        found(kind="nope")


def test_the_outbox_refuses_a_kind_with_no_name(db: Database) -> None:
    with pytest.raises(ValueError, match="unknown notification kind 'reminder'"):
        queue(db, 1, kind="reminder")
    with db.read() as session:
        assert session.exec(select(Notification)).all() == []
