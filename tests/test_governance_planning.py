"""Governance reminders through the outbox, planned once each, and review agendas from records."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from db.engine import Database
from db.models import AgendaItem, Notification, Obligation
from services import planning
from services.governance import incidents, obligations, reviews
from services.governance.incidents import IncidentInput
from settings import get_settings
from tests.builders import make_person
from tests.governance_record_builders import BERLIN, NOW, VA, make_model

AWARE = datetime(2026, 10, 23, 19, 30, tzinfo=BERLIN)  # Friday before the clocks go back


@pytest.fixture(autouse=True)
def _berlin_workspace(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The planner counts days in the workspace time zone."""
    monkeypatch.setenv("OPSDESK_TIMEZONE", "Europe/Berlin")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _rows(db: Database, kind: str) -> list[Notification]:
    with db.read() as s:
        return list(
            s.exec(
                select(Notification)
                .where(Notification.kind == kind)
                .order_by(Notification.next_attempt_at)
            ).all()
        )


def _incident(db: Database, owner: int, category: str = "critical_infrastructure") -> int:
    model = make_model(db)
    data = IncidentInput(
        title="Grid outage forecast",
        category=category,
        aware_at=AWARE,
        model_ids=[model],
        owner_id=owner,
    )
    return incidents.record_incident(db, VA, data, now=AWARE + timedelta(minutes=5), tz=BERLIN)


def test_incident_reminders_are_planned_once_each_at_24h_6h_and_the_deadline(db: Database) -> None:
    owner = make_person(db)
    _incident(db, owner)
    at = AWARE + timedelta(minutes=10)
    planning.plan_all(db, at)
    planning.plan_all(db, at + timedelta(hours=1))
    rows = _rows(db, "incident_deadline")
    due = datetime(2026, 10, 25, 22, 59, 59, tzinfo=UTC)  # Sunday 23:59:59 CET
    assert [r.next_attempt_at for r in rows] == [
        due - timedelta(hours=24),
        due - timedelta(hours=6),
        due,
    ]
    assert {r.recipient for r in rows} == {"pat@example.com"}
    assert all("Art. 73(3)" in r.subject for r in rows)


def test_a_filed_report_retires_the_reminders_still_queued(db: Database) -> None:
    owner = make_person(db)
    incident_id = _incident(db, owner, category="death")
    at = AWARE + timedelta(minutes=10)
    planning.plan_all(db, at)
    incidents.record_step(
        db, VA, incident_id, "initial_report", at, expected_version=1, now=at + timedelta(minutes=1)
    )
    planning.plan_all(db, at + timedelta(minutes=2))
    assert {r.status for r in _rows(db, "incident_deadline")} == {"cancelled"}


def test_an_incident_recorded_late_sends_only_the_latest_passed_reminder(db: Database) -> None:
    owner = make_person(db)
    _incident(db, owner)
    late = datetime(2026, 10, 25, 20, 0, tzinfo=UTC)  # after the 6 h reminder, before the deadline
    planning.plan_all(db, late)
    occurrences = [r.occurrence.rsplit(":", 1)[1] for r in _rows(db, "incident_deadline")]
    assert occurrences == ["6h", "0h"]


def test_expired_evidence_reminds_the_owner_once(db: Database) -> None:
    owner = make_person(db)
    model = make_model(db, owner_id=owner)
    obligations.assign_obligations(db, VA, model)
    with db.read() as s:
        ob = s.exec(select(Obligation).where(Obligation.catalogue_key == "art47_declaration")).one()
    assert ob.id is not None
    obligations.update_obligation(
        db, VA, ob.id, expected_version=1, status="met", due_date=NOW.date(), owner_id=owner
    )
    obligations.add_evidence(
        db,
        VA,
        ob.id,
        title="Declaration",
        now=NOW - timedelta(days=30),
        url="https://docs.example/d",
        expires_on=NOW.date() - timedelta(days=2),
    )
    planning.plan_all(db, NOW)
    planning.plan_all(db, NOW + timedelta(hours=3))
    rows = [r for r in _rows(db, "evidence_expiry") if r.record_id == ob.id]
    assert len(rows) == 1 and "lapses" in rows[0].subject and rows[0].recipient == "pat@example.com"


def test_a_governance_review_agenda_is_built_from_the_records(db: Database) -> None:
    owner = make_person(db)
    _incident(db, owner)
    series_id = reviews.create_review_series(
        db,
        VA,
        title="AI governance review",
        first_starts_at=NOW + timedelta(days=2),
        tz=BERLIN,
        now=NOW,
    )
    assert series_id
    with db.read() as s:
        items = {a.title: a.details for a in s.exec(select(AgendaItem)).all()}
    assert "Grid outage forecast" in items["Open incidents and their clocks"]
    assert "not legal advice" in items["Open incidents and their clocks"]
    assert "credit-scorer: no published card" in items["Stale model cards"]
    assert "$" not in items["Spend per model against budget"]
