"""An owner of a governance record is told of it by Slack: one who signs in under a role that may
not read governance records (finance) is refused, with nothing saved; a person with no account,
or a user whose role may, is taken."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlmodel import func, select

from db.engine import Database
from db.models import DriftPolicy, Incident, Obligation
from services import record_imports
from services.access import users
from services.governance import drift, incidents, obligations
from services.governance.drift import PolicyInput
from services.governance.incidents import IncidentInput
from services.vendors import vendors
from tests.builders import make_person
from tests.governance_record_builders import ADMIN, BERLIN, NOW, VA, make_model

AWARE = datetime(2026, 10, 23, 19, 30, tzinfo=BERLIN)
REFUSED = (
    "Dana Whitfield signs in as finance, a role that may not see {what}: choose an owner who may"
)


@pytest.fixture
def people(db: Database) -> dict[str, int]:
    users.add_user(db, ADMIN, "dana@example.com", "finance")
    users.add_user(db, ADMIN, "lee@example.com", "lead")
    return {
        "finance": make_person(db, "Dana Whitfield", "dana@example.com"),
        "lead": make_person(db, "Lee Lead", "lee@example.com"),
        "no account": make_person(db, "Sam Slack", "sam@example.com"),
    }


def _count(db: Database, table: type) -> int:
    with db.read() as s:
        return s.exec(select(func.count()).select_from(table)).one()


def _incident(db: Database, model: int, owner: int) -> int:
    data = IncidentInput(
        title="Wrong dispatch priorities",
        category="critical_infrastructure",
        aware_at=AWARE,
        model_ids=[model],
        owner_id=owner,
    )
    return incidents.record_incident(db, VA, data, now=NOW, tz=BERLIN)


def test_an_incident_owned_by_finance_is_refused_and_nothing_is_recorded(
    db: Database, people: dict[str, int]
) -> None:
    model = make_model(db)
    with pytest.raises(ValueError) as refused:
        _incident(db, model, people["finance"])
    assert str(refused.value) == REFUSED.format(what="incidents")
    assert _count(db, Incident) == 0
    assert _incident(db, model, people["lead"]) and _incident(db, model, people["no account"])
    assert _count(db, Incident) == 2


def test_a_drift_policy_owned_or_approved_by_finance_is_refused(
    db: Database, people: dict[str, int]
) -> None:
    model = make_model(db)

    def policy(owner: int | None, approver: int | None = None) -> int:
        data = PolicyInput(
            model_id=model,
            metric="psi",
            warning_threshold=0.1,
            critical_threshold=0.2,
            owner_id=owner,
            approver_id=approver,
        )
        return drift.create_policy(db, VA, data)

    for owner, approver in ((people["finance"], None), (people["lead"], people["finance"])):
        with pytest.raises(ValueError, match="may not see drift policies"):
            policy(owner, approver)
    assert _count(db, DriftPolicy) == 0
    assert policy(people["no account"], people["lead"])


def test_an_obligation_given_to_finance_is_refused_and_keeps_its_owner(
    db: Database, people: dict[str, int]
) -> None:
    model = make_model(db)
    obligations.assign_obligations(db, VA, model)
    with db.read() as s:
        ob = s.exec(select(Obligation)).first()
    assert ob is not None and ob.id is not None

    def give(owner: int, version: int) -> None:
        obligations.update_obligation(
            db,
            VA,
            ob.id or 0,
            expected_version=version,
            status=ob.status,
            due_date=ob.due_date,
            owner_id=owner,
        )

    with pytest.raises(ValueError, match="may not see obligations"):
        give(people["finance"], ob.version)
    give(people["lead"], ob.version)
    with db.read() as s:
        after = s.get(Obligation, ob.id)
        assert after is not None and after.owner_id == people["lead"]


def test_a_deactivated_finance_user_no_longer_holds_the_person_to_the_role(
    db: Database, people: dict[str, int]
) -> None:
    users.deactivate_user(db, ADMIN, "dana@example.com")
    assert _incident(db, make_model(db), people["finance"])


def test_the_owner_pickers_leave_out_who_would_be_refused(
    db: Database, people: dict[str, int]
) -> None:
    names = {p.name for p in vendors.owner_choices(db, VA, may="governance.read")}
    assert names == {"Lee Lead", "Sam Slack"}
    # A vendor's owner may be anyone: finance owns contracts.
    assert "Dana Whitfield" in {p.name for p in vendors.owner_choices(db, VA)}


def test_a_spreadsheet_naming_a_finance_owner_is_refused_at_its_row_and_column(
    db: Database, people: dict[str, int]
) -> None:
    make_model(db, "fraud-scorer")
    incidents_csv = (
        b"title,model,category,aware_at,owner_email\n"
        b"Outage,fraud-scorer,not serious,2026-10-20T10:00+00:00,lee@example.com\n"
        b"Leak,fraud-scorer,not serious,2026-10-21T10:00+00:00,dana@example.com\n"
    )
    with pytest.raises(record_imports.RecordError) as refused:
        record_imports.import_bytes(db, ADMIN, "incidents", incidents_csv, "i.csv")
    assert (refused.value.row, refused.value.column) == (3, "owner_email")
    assert "signs in as finance" in refused.value.problem
    assert _count(db, Incident) == 0
    policies_csv = (
        b"model,metric,warning_threshold,critical_threshold,action,approver_email\n"
        b"fraud-scorer,psi,0.1,0.2,retrain,dana@example.com\n"
    )
    with pytest.raises(record_imports.RecordError) as refused:
        record_imports.import_bytes(db, ADMIN, "drift-policies", policies_csv, "p.csv")
    assert (refused.value.row, refused.value.column) == (2, "approver_email")
    assert _count(db, DriftPolicy) == 0
