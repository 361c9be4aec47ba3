"""db/bulk.py: rows written without ORM objects look exactly like rows the ORM writes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Column, Integer, MetaData, Table
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from db import bulk
from db.engine import Database
from db.models import Meeting, Notification
from db.types import Money
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


def test_equal_amounts_keep_their_own_digits_and_a_float_is_refused(db: Database) -> None:
    """Rows are converted column by column; money is converted value by value, since equal
    Decimals can differ in their digits, and a float equal to an earlier amount is no amount."""
    table = Table(
        "bulk_money",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("amount", Money),
        Column("at", bulk.table_of(Notification).c.next_attempt_at.type),  # aware, in UTC
    )
    amounts = [Decimal("1.0"), Decimal("1.00"), Decimal("1"), Decimal("1.0")]
    with db.write() as s:
        table.create(s.connection())
        rows = [{"amount": a, "at": FROZEN_AT} for a in amounts]
        assert bulk.insert_all(s, table, rows) == 4
    with db.read() as s:
        found = s.execute(sa_select(table.c.amount, table.c.at).order_by(table.c.id)).all()
    assert [str(amount) for amount, _ in found] == ["1.0", "1.00", "1", "1.0"]
    assert {at for _, at in found} == {FROZEN_AT}
    with db.write() as s, pytest.raises(TypeError, match="never a float"):
        bulk.insert_all(
            s, table, [{"amount": Decimal("1"), "at": None}, {"amount": 1.0, "at": None}]
        )
    with db.write() as s:
        table.drop(s.connection())
