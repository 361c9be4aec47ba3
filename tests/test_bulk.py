"""db/bulk.py: rows written without ORM objects look exactly like rows the ORM writes."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from db import bulk
from db.engine import Database
from db.models import Meeting, Notification
from services.access.audit import snapshot
from services.delivery import outbox
from tests.conftest import FROZEN_AT


def test_values_fill_the_models_defaults_as_a_new_instance_would(db: Database) -> None:
    starts = FROZEN_AT + timedelta(days=3)
    with db.write() as s:
        ids = bulk.insert_returning(
            s,
            Meeting,
            [
                bulk.values(Meeting, title=f"Bulk {n}", starts_at=starts, contract_id=None)
                | {"location": f"Room {n}"}
                for n in range(3)
            ],
            "location",
        )
        s.add(Meeting(title="Orm 0", starts_at=starts, location="Orm"))
    assert sorted(ids) == ["Room 0", "Room 1", "Room 2"]
    with db.read() as s:
        rows = {m.location: m for m in s.exec(select(Meeting)).all()}
    for location, meeting_id in ids.items():
        made = rows[location]
        assert made.id == meeting_id
        expected = snapshot(rows["Orm"]) | {
            "id": made.id,
            "title": made.title,
            "location": location,
        }
        assert snapshot(made) == expected
        assert made.created_at == rows["Orm"].created_at  # the transaction's clock stamp


def test_insert_all_skips_conflicts_and_counts_only_new_rows(db: Database) -> None:
    def row(n: int) -> dict[str, object]:
        return outbox.notification_values(
            kind="action_item", record_type="action_item", record_id=n, occurrence="o",
            channel="slack", recipient="ada@example.com", subject=f"S {n}", now=FROZEN_AT,
            payload={"link": 'http://x/"q"'},
        )  # fmt: skip

    with db.write() as s:
        assert bulk.insert_all(s, Notification, [row(1), row(2)], conflict_key="dedupe_key") == 2
    with db.write() as s:
        assert bulk.insert_all(s, Notification, [row(2), row(3)], conflict_key="dedupe_key") == 1
    with db.read() as s:
        found = s.exec(select(Notification).order_by(col(Notification.record_id))).all()
    assert [n.record_id for n in found] == [1, 2, 3]
    assert (
        found[0].next_attempt_at == FROZEN_AT and found[0].payload == '{"link": "http://x/\\"q\\""}'
    )
