"""The rows planning writes set-based are exactly the rows the one-by-one path writes, on both
databases: action item reminders (one INSERT ... SELECT) get the same keys, recipients, subjects,
bodies, payloads and send times; renewal agendas (one INSERT ... SELECT) the same items as ORM
objects; a meeting invite whose event was encoded once the same payload text; the invite of a
renewal meeting planned from what the pass wrote the same invite as one planned from a read."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete
from sqlmodel import col, select

from db.engine import Database
from db.models import (
    ActionItem,
    AgendaItem,
    Contract,
    Meeting,
    Notification,
    Person,
    ReminderRule,
    Team,
    User,
    Vendor,
)
from services.delivery import outbox
from services.delivery.reminders import plan_all
from services.delivery.reminders.agenda_rows import insert_agendas
from tests.conftest import FROZEN_AT

TODAY = FROZEN_AT.date()
TITLES = [
    "Send the DPA",
    'Ask "Acme" for the SOC 2 report; it\'s late',
    "Überprüfung der Verträge — zweite Runde ✓",
    "x" * 299,
    ("a long title " * 30)[:300],
]
STATUSES = ["open", "in_progress", "waiting", "blocked", "done"]


def _workspace(db: Database) -> list[int]:
    with db.write() as s:
        people = [
            Person(name="Ada", email="Ada@Example.com", timezone="Europe/Berlin", country="DE"),
            Person(name="Bob", email="bob@example.com", timezone="America/New_York", country="US"),
            Person(name="Cy", email="cy@example.com", timezone="Asia/Tokyo"),
            Person(name="Old", email="old@example.com", archived=True),
            Person(name="Dee", email="dee@example.com"),
        ]
        s.add_all(people)
        s.flush()
        owners: list[int | None] = [p.id for p in people] + [None]
        items = []
        for n in range(240):
            due = TODAY + timedelta(days=(n % 81) - 70)
            items.append(
                ActionItem(
                    title=TITLES[n % len(TITLES)],
                    owner_id=owners[n % len(owners)],
                    due_date=due,
                    status=STATUSES[n % len(STATUSES)],
                    priority=("high", "medium", "low")[n % 3],
                    snoozed_until=TODAY + timedelta(days=2) if n % 17 == 0 else None,
                )
            )
        s.add_all(items)
        s.flush()
        return [i.id for i in items if i.id is not None]


COLUMNS = (
    "dedupe_key", "kind", "record_type", "record_id", "occurrence", "channel", "recipient",
    "subject", "body", "payload", "status", "attempts", "next_attempt_at", "created_at",
    "last_error",
)  # fmt: skip


def _rows(db: Database) -> set[tuple[Any, ...]]:
    with db.read() as s:
        found = s.exec(select(Notification).where(col(Notification.kind) == "action_item")).all()
        return {tuple(getattr(n, name) for name in COLUMNS) for n in found}


@pytest.mark.parametrize("channel", [None, "C0REMIND"])
def test_set_based_rows_equal_the_one_by_one_rows(db: Database, channel: str | None) -> None:
    ids = _workspace(db)
    with db.write() as s:
        s.add(ReminderRule(kind="action_item", offsets_days="", channel_target=channel))
    now = FROZEN_AT
    planned = plan_all(db, now)
    set_based = _rows(db)
    assert len(set_based) >= 40, "the workspace must plan a fair number of reminders"
    assert planned >= len(set_based)

    # The same items again, each with a rule of its own equal to the default: every one goes
    # through PlannerBase.plan.
    with db.write() as s:
        s.execute(delete(Notification))
        for item_id in ids:
            s.add(
                ReminderRule(
                    kind="action_item",
                    record_type="action_item",
                    record_id=item_id,
                    offsets_days="",
                    channel_target=channel,
                )
            )
    plan_all(db, now)
    one_by_one = _rows(db)
    assert set_based == one_by_one


def test_items_with_queued_reminders_are_kept_or_retired_not_doubled(db: Database) -> None:
    ids = _workspace(db)
    first = plan_all(db, FROZEN_AT)
    assert first > 0
    # A later pass (a day on) keeps what is still right and adds only the new occurrences.
    later = FROZEN_AT + timedelta(days=1)
    plan_all(db, later)
    with db.read() as s:
        keys = s.exec(select(Notification.dedupe_key)).all()
        assert len(keys) == len(set(keys))
        queued = s.exec(
            select(Notification.record_id).where(
                col(Notification.kind) == "action_item", col(Notification.status) == "queued"
            )
        ).all()
    assert set(queued) <= set(ids)
    assert plan_all(db, later) == 0


AGENDA_COLUMNS = (
    "position", "title", "details", "minutes", "decision", "status", "carried_from_id",
    "carry_count", "version",
)  # fmt: skip


def test_set_based_agendas_are_the_items_the_orm_writes(db: Database) -> None:
    facts = [
        [("Deadline", "2027-01-05 (notice 30 days)"), ("Term", "2027-02-04"), ("Decide", "")],
        [("Deadline", "Überprüfung ✓ " * 40), ("Term", 'it\'s "late"'), ("Decide", "x" * 310)],
    ]
    with db.write() as s:
        meetings = [Meeting(title=f"M{n}", starts_at=FROZEN_AT) for n in range(4)]
        s.add_all(meetings)
        s.flush()
        ids = [m.id for m in meetings if m.id is not None]
        written = insert_agendas(s, list(zip(ids[:2], facts, strict=True)))
        for meeting_id, items in zip(ids[2:], facts, strict=True):
            for position, (title, details) in enumerate(items):
                s.add(
                    AgendaItem(
                        meeting_id=meeting_id,
                        position=position,
                        title=f"{title}: {details}"[:300],
                        details=details,
                    )
                )
    assert written == 6
    with db.read() as s:
        rows = s.exec(select(AgendaItem).order_by(col(AgendaItem.id))).all()
    by_meeting: dict[int, list[tuple[Any, ...]]] = {}
    for row in rows:
        by_meeting.setdefault(row.meeting_id, []).append(
            tuple(getattr(row, name) for name in AGENDA_COLUMNS)
        )
    assert by_meeting[ids[0]] == by_meeting[ids[2]]
    assert by_meeting[ids[1]] == by_meeting[ids[3]]
    assert len(by_meeting[ids[1]][2][1]) == 300  # cut as the ORM path cuts it
    with db.write() as s, pytest.raises(ValueError, match="titles differ"):
        insert_agendas(s, [(ids[0], facts[0]), (ids[1], [("Other", "x"), *facts[0][1:]])])


def test_an_invite_payload_is_the_sorted_json_of_its_content(db: Database) -> None:
    with db.write() as s:
        organizer = Person(name="Ada", email="ada@example.com", timezone="Europe/Berlin")
        s.add(organizer)
        s.flush()
        s.add(
            Meeting(
                title='Vendor "sync" — Überblick',
                starts_at=FROZEN_AT + timedelta(days=3),
                organizer_id=organizer.id,
                location="Room ✓",
            )
        )
    plan_all(db, FROZEN_AT)
    with db.read() as s:
        invite = s.exec(
            select(Notification).where(col(Notification.kind) == "meeting_invite")
        ).one()
    payload = outbox.payload_of(invite)
    # As one json.dumps(payload, sort_keys=True) of the whole writes it, byte for byte.
    assert invite.payload == json.dumps(payload, sort_keys=True)
    event_text = json.dumps(payload["event"], sort_keys=True)
    assert payload["fingerprint"] == hashlib.sha256(event_text.encode()).hexdigest()[:16]
    assert payload["event"]["summary"] == 'Vendor "sync" — Überblick'


def _calendar_rows(db: Database) -> dict[str, tuple[Any, ...]]:
    with db.read() as s:
        found = s.exec(
            select(Notification).where(col(Notification.channel) == "google_calendar")
        ).all()
    return {n.dedupe_key: tuple(getattr(n, name) for name in COLUMNS) for n in found}


def test_a_new_renewal_meetings_invite_is_the_one_read_back_from_what_was_written(
    db: Database,
) -> None:
    """The pass plans the invites of the decision meetings it creates from the values it wrote
    (title, time, agenda, attendees), not from a read of them: a later pass, which reads them
    back, must find the very same event, or it would rewrite every invite."""
    long_name = "Überprüfungs-Anbieter “Ω” " * 7  # the meeting title is cut at 200
    with db.write() as s:
        team = Team(name="ML platform")
        s.add(team)
        s.flush()
        owner = Person(
            name="Ada", email="Ada@Example.com", timezone="Asia/Kolkata", team_id=team.id
        )
        lead = Person(name="Lee", email="lee@example.com", team_id=team.id, is_lead=True)
        s.add_all([owner, lead, User(email="Fin@Example.com", role="finance")])
        vendor = Vendor(name=long_name)
        s.add(vendor)
        s.flush()
        for n, (day, notice) in enumerate([(1, 30), (15, 30), (20, 400 // 10)]):
            s.add(
                Contract(
                    vendor_id=vendor.id,
                    title=f'GPU "cluster" {n} — it\'s {"x" * 40 * n}',
                    start_date=date(2026, 1, day),
                    initial_term_months=12,
                    renewal_type="auto",
                    renewal_period_months=12,
                    notice_days=notice,
                    owner_id=owner.id,
                )
            )
    now = datetime(2026, 11, 10, 9, 30, tzinfo=UTC)
    assert plan_all(db, now) > 0
    planned = _calendar_rows(db)
    with db.read() as s:
        meetings = s.exec(select(Meeting)).all()
    assert len(meetings) == 3 and len(planned) == 3
    assert {len(m.title) for m in meetings} == {200}
    for row in planned.values():
        event = json.loads(row[COLUMNS.index("payload")])["event"]
        assert event["attendees"] == ["ada@example.com", "fin@example.com", "lee@example.com"]
        assert "Cancellation deadline" in event["description"]
    # A later pass reads the meetings back and finds nothing to change.
    assert plan_all(db, now + timedelta(minutes=5)) == 0
    assert _calendar_rows(db) == planned
    # Planned from scratch out of what is in the database: the same invites, byte for byte.
    with db.write() as s:
        s.execute(delete(Notification).where(col(Notification.channel) == "google_calendar"))
    plan_all(db, now)
    assert _calendar_rows(db) == planned


def test_existing_keys_are_read_in_batches_of_ids_or_by_a_query(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.delivery.reminders import Planner, dedupe_keys

    ids = _workspace(db)
    plan_all(db, FROZEN_AT)
    with db.read() as s:
        expected = {
            key
            for key, record_id in s.exec(
                select(Notification.dedupe_key, Notification.record_id).where(
                    col(Notification.kind) == "action_item"
                )
            ).all()
            if record_id in ids[::2]
        }
    assert expected
    monkeypatch.setattr(dedupe_keys, "ID_BATCH", 7)
    with db.write() as s:
        found = Planner(s, FROZEN_AT)._existing_keys("action_item", "action_item", ids[::2])
        every = Planner(s, FROZEN_AT)._existing_keys(
            "action_item", "action_item", select(ActionItem.id)
        )
    assert found == expected
    assert every >= expected and len(every) > len(expected)
