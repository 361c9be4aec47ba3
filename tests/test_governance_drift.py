"""Drift policies: audited changes, and breaches that open an action item or an incident once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from db.engine import Database
from db.models import ActionItem, AuditEvent, DriftBreach, Incident
from services.governance import drift, incidents
from services.governance.drift import PolicyInput
from tests.builders import make_person
from tests.governance_record_builders import BERLIN, NOW, VA, make_model

READ_AT = datetime(2026, 10, 25, 8, 0, tzinfo=BERLIN)


def _policy(db: Database, action: str = "retrain") -> tuple[int, int, int]:
    owner = make_person(db)
    model = make_model(db)
    pid = drift.create_policy(
        db,
        VA,
        PolicyInput(
            model_id=model,
            metric="psi_income",
            warning_threshold=0.1,
            critical_threshold=0.25,
            action=action,
            owner_id=owner,
            runbook_url="https://runbooks.example/psi",
        ),
    )
    return pid, model, owner


def test_a_warning_reading_opens_one_action_item_for_the_owner_even_when_read_twice(
    db: Database,
) -> None:
    pid, _model, owner = _policy(db)
    first = drift.record_reading(db, VA, pid, 0.15, READ_AT, tz=BERLIN, source="csv")
    again = drift.record_reading(db, VA, pid, 0.15, READ_AT, tz=BERLIN, source="csv")
    assert first is not None and again is not None and first.id == again.id
    with db.read() as s:
        items = s.exec(select(ActionItem)).all()
        assert len(items) == 1 and items[0].owner_id == owner and items[0].priority == "high"
        assert "psi_income = 0.15 reached the warning threshold" in items[0].title
        assert items[0].due_date == READ_AT.date() + timedelta(days=7)


def test_a_reading_inside_the_thresholds_records_nothing(db: Database) -> None:
    pid, _model, _owner = _policy(db)
    assert drift.record_reading(db, VA, pid, 0.05, READ_AT, tz=BERLIN) is None
    with db.read() as s:
        assert s.exec(select(DriftBreach)).all() == []


def test_a_critical_breach_under_suspend_opens_an_incident_that_holds_deployments(
    db: Database,
) -> None:
    pid, model, owner = _policy(db, action="suspend")
    breach = drift.record_reading(db, VA, pid, 0.4, READ_AT, tz=BERLIN)
    assert breach is not None and breach.level == "critical" and breach.incident_id
    with db.read() as s:
        incident = s.get(Incident, breach.incident_id)
        assert incident is not None and incident.owner_id == owner
        assert incident.drift_policy_id == pid
        with pytest.raises(incidents.DeploymentHeld):
            incidents.ensure_deployable(s, model)


def test_policy_changes_are_audited_and_bad_thresholds_refused(db: Database) -> None:
    pid, model, owner = _policy(db)
    data = PolicyInput(
        model_id=model,
        metric="psi_income",
        warning_threshold=0.12,
        critical_threshold=0.3,
        action="roll_back",
        owner_id=owner,
    )
    drift.update_policy(db, VA, pid, data, expected_version=1)
    with pytest.raises(ValueError, match="at or above"):
        data.critical_threshold = 0.05
        drift.update_policy(db, VA, pid, data, expected_version=2)
    drift.archive_policy(db, VA, pid, NOW)
    assert drift.list_policies(db, VA) == []
    with db.read() as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.record_type == "driftpolicy")).all()
        assert [e.action for e in events] == ["create", "update", "archive"]
        assert '"action": "roll_back"' in (events[1].after or "")


def test_each_policy_lists_its_own_latest_breach_whatever_order_readings_arrive_in(
    db: Database,
) -> None:
    pid, model, owner = _policy(db)
    other = drift.create_policy(
        db,
        VA,
        PolicyInput(
            model_id=model,
            metric="accuracy_drop",
            warning_threshold=0.02,
            critical_threshold=0.05,
            owner_id=owner,
        ),
    )
    quiet = drift.create_policy(
        db,
        VA,
        PolicyInput(
            model_id=model, metric="latency_p99", warning_threshold=1, critical_threshold=2
        ),
    )
    # A backfill: the newest reading of the first policy is recorded before older ones.
    drift.record_reading(db, VA, pid, 0.12, READ_AT + timedelta(days=2), tz=BERLIN)
    drift.record_reading(db, VA, pid, 0.30, READ_AT, tz=BERLIN)
    drift.record_reading(db, VA, pid, 0.40, READ_AT + timedelta(days=1), tz=BERLIN)
    drift.record_reading(db, VA, other, 0.06, READ_AT - timedelta(days=5), tz=BERLIN)
    rows = {r.metric: r for r in drift.list_policies(db, VA, model_id=model)}
    assert (rows["psi_income"].last_breach_value, rows["psi_income"].last_breach_level) == (
        0.12,
        "warning",
    )
    assert rows["psi_income"].last_breach_at == READ_AT + timedelta(days=2)
    assert rows["accuracy_drop"].last_breach_value == 0.06
    assert rows["latency_p99"].last_breach_at is None and quiet == rows["latency_p99"].id
    assert rows["psi_income"].owner == rows["accuracy_drop"].owner != ""
