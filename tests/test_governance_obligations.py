"""Obligations per system: assigned from the catalogue, evidenced, and their state computed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from db.engine import Database
from db.models import AuditEvent, Evidence, Obligation
from services.access.access import NotAllowed
from services.governance import obligations
from tests.builders import make_person
from tests.conftest import actor
from tests.governance_record_builders import ADMIN, NOW, VA, make_model

TODAY = NOW.date()
FINANCE = actor("finance")


def _obligation(db: Database, model_id: int, key: str) -> Obligation:
    with db.read() as s:
        rows = s.exec(select(Obligation).where(Obligation.model_id == model_id)).all()
        return next(o for o in rows if o.catalogue_key == key)


def test_a_high_risk_provider_gets_its_obligations_once_with_dates_from_the_catalogue(
    db: Database,
) -> None:
    owner = make_person(db)
    model = make_model(db, documentation_owner_id=owner)
    added = obligations.assign_obligations(db, VA, model)
    assert added >= 14
    assert obligations.assign_obligations(db, VA, model) == 0
    ob = _obligation(db, model, "art9_risk_management")
    assert ob.applies_from == date(2027, 12, 2) and ob.due_date == date(2027, 12, 2)
    assert ob.owner_id == owner and ob.article == "9"


def test_a_limited_risk_deployer_gets_transparency_and_literacy_only(db: Database) -> None:
    model = make_model(db, "chatbot", risk_class="limited", ai_act_role="deployer")
    obligations.assign_obligations(db, VA, model)
    rows = obligations.list_obligations(db, VA, today=TODAY, model_id=model)
    assert {r.article for r in rows} == {"4", "50(3), 50(4)"}


def test_states_follow_due_dates_evidence_and_its_expiry(db: Database) -> None:
    model = make_model(db)
    obligations.assign_obligations(db, VA, model)
    ob = _obligation(db, model, "art47_declaration")
    assert ob.id is not None
    obligations.update_obligation(
        db,
        VA,
        ob.id,
        expected_version=1,
        status="open",
        due_date=TODAY - timedelta(days=1),
        owner_id=None,
    )
    row = {r.id: r for r in obligations.list_obligations(db, VA, today=TODAY)}[ob.id]
    assert row.state == "overdue"
    obligations.update_obligation(
        db, VA, ob.id, expected_version=2, status="met", due_date=TODAY, owner_id=None
    )
    row = {r.id: r for r in obligations.list_obligations(db, VA, today=TODAY)}[ob.id]
    assert row.state == "missing_evidence"
    obligations.add_evidence(
        db,
        VA,
        ob.id,
        title="Signed declaration",
        now=NOW,
        url="https://docs.example/decl.pdf",
        expires_on=TODAY + timedelta(days=10),
    )
    row = {r.id: r for r in obligations.list_obligations(db, VA, today=TODAY)}[ob.id]
    assert row.state == "met" and row.evidence_count == 1
    later = {
        r.id: r for r in obligations.list_obligations(db, VA, today=TODAY + timedelta(days=11))
    }
    assert later[ob.id].state == "evidence_expired"


def test_evidence_of_a_standing_duty_lapses_after_its_recurrence(db: Database) -> None:
    model = make_model(db)
    obligations.assign_obligations(db, VA, model)
    ob = _obligation(db, model, "art72_post_market_monitoring")  # every 3 months
    assert ob.id is not None
    obligations.update_obligation(
        db, VA, ob.id, expected_version=1, status="met", due_date=TODAY, owner_id=None
    )
    obligations.add_evidence(
        db,
        VA,
        ob.id,
        title="Q3 PMM review",
        now=NOW,
        file_name="pmm.pdf",
        content=b"%PDF-1.4 review",
    )
    rows = obligations.list_obligations(db, VA, today=TODAY + timedelta(days=80))
    assert {r.id: r for r in rows}[ob.id].state == "met"
    rows = obligations.list_obligations(db, VA, today=TODAY + timedelta(days=100))
    assert {r.id: r for r in rows}[ob.id].state == "evidence_expired"


def test_evidence_records_who_and_when_and_is_archived_not_deleted(db: Database) -> None:
    model = make_model(db)
    obligations.assign_obligations(db, VA, model)
    ob = _obligation(db, model, "art10_data_governance")
    assert ob.id is not None
    eid = obligations.add_evidence(
        db, VA, ob.id, title="Datasheet", now=NOW, file_name="ds.csv", content=b"a,b\n1,2\n"
    )
    obligations.archive_evidence(db, VA, eid, NOW)
    assert obligations.list_evidence(db, VA, ob.id) == []
    with db.read() as s:
        row = s.get(Evidence, eid)
        assert row is not None and row.added_by == VA.email and row.archived_by == VA.email
        assert row.content == b"a,b\n1,2\n"
        events = s.exec(select(AuditEvent).where(AuditEvent.record_type == "evidence")).all()
        assert [e.action for e in events] == ["create", "archive"]
        assert "a,b" not in (events[0].after or "")


def test_a_javascript_link_and_an_empty_reason_are_refused(db: Database) -> None:
    model = make_model(db)
    obligations.assign_obligations(db, VA, model)
    ob = _obligation(db, model, "art10_data_governance")
    assert ob.id is not None
    with pytest.raises(ValueError, match="http"):
        obligations.add_evidence(db, VA, ob.id, title="x", now=NOW, url="javascript:alert(1)")
    with pytest.raises(ValueError, match="say why"):
        obligations.update_obligation(
            db,
            VA,
            ob.id,
            expected_version=1,
            status="not_applicable",
            due_date=TODAY,
            owner_id=None,
        )


def test_finance_cannot_edit_obligations(db: Database) -> None:
    model = make_model(db)
    with pytest.raises(NotAllowed):
        obligations.assign_obligations(db, actor("finance"), model)
    assert obligations.assign_obligations(db, ADMIN, model) > 0


def test_the_evidence_list_leaves_the_files_out_and_one_file_is_read_on_request(
    db: Database,
) -> None:
    model = make_model(db)
    obligations.assign_obligations(db, VA, model)
    ob = _obligation(db, model, "art10_data_governance")
    assert ob.id is not None
    kept = obligations.add_evidence(
        db, VA, ob.id, title="Datasheet", now=NOW, file_name="ds.csv", content=b"a,b\n1,2\n"
    )
    link = obligations.add_evidence(
        db, VA, ob.id, title="Wiki", now=NOW + timedelta(hours=1), url="https://wiki.example/x"
    )
    items = obligations.list_evidence(db, VA, ob.id)
    assert [(i.id, i.kind, i.file_name, i.url) for i in items] == [
        (link, "link", None, "https://wiki.example/x"),
        (kept, "file", "ds.csv", None),
    ]
    assert not hasattr(items[1], "content")
    assert obligations.evidence_file(db, VA, kept) == b"a,b\n1,2\n"
    with pytest.raises(ValueError, match="not a file"):
        obligations.evidence_file(db, VA, link)
    with pytest.raises(NotAllowed):
        obligations.evidence_file(db, FINANCE, kept)
