"""Small builders for outbox tests: rows with valid defaults."""

from __future__ import annotations

from datetime import datetime

from db.engine import Database
from services.delivery import outbox


def queue(
    db: Database,
    n: int = 1,
    *,
    channel_target: str = "C1",
    kind: str = "test_message",
    recipient: str | None = None,
    due_at: datetime | None = None,
    start: int = 0,
    subject: str = "Reminder",
) -> None:
    with db.write() as session:
        for i in range(start, start + n):
            outbox.enqueue(
                session,
                kind=kind,
                record_type="integration",
                record_id=i,
                occurrence=f"o{i}",
                channel="slack",
                recipient=recipient or channel_target,
                subject=f"{subject} {i}",
                body="body",
                due_at=due_at,
            )
