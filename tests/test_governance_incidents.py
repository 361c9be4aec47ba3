"""The incident register: clocks from awareness, the notice to the provider, the vendor ticket,
the review meeting, and the evidence hold on deployments."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from db.engine import Database
from db.models import AgendaItem, AuditEvent, Meeting, MeetingAttendee, Notification, SupportTicket
from services.access.access import NotAllowed
from services.core.records import StaleEdit
from services.governance import incident_views, incidents
from services.governance.incidents import DeploymentHeld, IncidentInput
from tests.builders import make_person
from tests.governance_record_builders import (
    ADMIN,
    BERLIN,
    LEAD,
    NOW,
    VA,
    make_model,
    make_vendor_model,
)

# Friday 23 October 2026, 19:30 in Berlin, the weekend the clocks go back.
AWARE = datetime(2026, 10, 23, 19, 30, tzinfo=BERLIN)


def _record(
    db: Database, model_id: int, category: str = "critical_infrastructure", owner: int | None = None
) -> int:
    data = IncidentInput(
        title="Wrong dispatch priorities",
        category=category,
        aware_at=AWARE,
        model_ids=[model_id],
        owner_id=owner,
        description="Ambulances misrouted",
    )
    return incidents.record_incident(db, VA, data, now=NOW, tz=BERLIN)


def _view(db: Database, incident_id: int) -> incident_views.IncidentView:
    rows = incident_views.list_incidents(db, VA, tz=BERLIN)
    return {r.id: r for r in rows}[incident_id]


def test_a_serious_incident_on_a_vendor_model_sets_off_notice_ticket_meeting_and_hold(
    db: Database,
) -> None:
    ids = make_vendor_model(db)
    incident_id = _record(db, ids["model"], owner=ids["owner"])
    view = _view(db, incident_id)
    assert view.report_due_at is not None
    assert view.report_due_at.astimezone(BERLIN).isoformat() == "2026-10-25T23:59:59+01:00"
    assert [d.key for d in view.deadlines] == [
        "provider_notice",
        "initial_report",
        "complete_report",
    ]
    assert view.notice_to == "support@lumen.example"
    assert "Art. 26(5)" in view.notice_draft and "Lumen API enterprise" in view.notice_draft
    assert view.vendors == ["Lumen LLM"] and view.held
    with db.read() as s:
        ticket = s.get(SupportTicket, view.ticket_id)
        assert ticket is not None and ticket.vendor_id == ids["vendor"]
        assert ticket.contract_id == ids["contract"] and ticket.severity == "critical"
        meeting = s.get(Meeting, view.review_meeting_id)
        assert meeting is not None
        # Awareness on Friday: the third working day after is Wednesday 28 October, 10:00.
        assert meeting.starts_at.astimezone(BERLIN).isoformat() == "2026-10-28T10:00:00+01:00"
        agenda = s.exec(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)).all()
        assert "Reporting clocks (guidance, not legal advice)" in [a.title for a in agenda]
        clock_item = next(a for a in agenda if a.title.startswith("Reporting clocks"))
        assert "Art. 73(3)" in clock_item.details
        attendees = s.exec(select(MeetingAttendee).where(MeetingAttendee.meeting_id == meeting.id))
        assert [a.email for a in attendees] == ["olga@example.com"]
        note = s.exec(select(Notification).where(Notification.kind == "incident_recorded")).one()
        assert note.recipient == "olga@example.com"


def test_a_deployment_is_refused_while_held_and_allowed_after_an_admin_releases_it(
    db: Database,
) -> None:
    model = make_model(db)
    incident_id = _record(db, model)
    with db.read() as s, pytest.raises(DeploymentHeld, match=r"Art\. 73\(6\)"):
        incidents.ensure_deployable(s, model)
    with pytest.raises(NotAllowed):
        incidents.release_hold(db, LEAD, incident_id, "fixed", now=NOW)
    with pytest.raises(ValueError, match="needs a reason"):
        incidents.release_hold(db, ADMIN, incident_id, "  ", now=NOW)
    incidents.release_hold(db, ADMIN, incident_id, "Authority informed; hotfix approved", now=NOW)
    with db.read() as s:
        incidents.ensure_deployable(s, model)
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "release_hold")).one()
        assert event.actor == ADMIN.email and "hotfix" in (event.after or "")


def test_closing_ends_the_hold_and_the_clocks_and_only_a_lead_or_admin_may_close(
    db: Database,
) -> None:
    model = make_model(db)
    incident_id = _record(db, model, category="death")
    with pytest.raises(NotAllowed):
        incidents.close_incident(db, VA, incident_id, expected_version=1, now=NOW)
    incidents.close_incident(db, LEAD, incident_id, expected_version=1, now=NOW)
    view = _view(db, incident_id)
    assert view.status == "closed" and not view.held and view.report_due_at is None
    with db.read() as s:
        incidents.ensure_deployable(s, model)


def test_a_filed_initial_report_closes_the_authority_clock(db: Database) -> None:
    model = make_model(db)
    incident_id = _record(db, model, category="other_serious")
    assert _view(db, incident_id).report_due_at is not None
    incidents.record_step(
        db, VA, incident_id, "initial_report", NOW - timedelta(hours=1), expected_version=1, now=NOW
    )
    view = _view(db, incident_id)
    assert view.report_due_at is None and view.status == "reported"
    assert view.next_open_deadline() is None


def test_an_incident_that_is_not_serious_runs_no_clock_and_holds_nothing(db: Database) -> None:
    model = make_model(db)
    incident_id = _record(db, model, category="not_serious")
    view = _view(db, incident_id)
    assert view.deadlines == [] and not view.held and view.review_meeting_id is None


@pytest.mark.parametrize(
    ("words", "category"),
    [
        ("death", "death"),
        ("Fatal", "death"),
        ("Critical infrastructure", "critical_infrastructure"),
        ("critical_infrastructure", "critical_infrastructure"),
        ("widespread", "widespread_infringement"),
        ("Other serious", "other_serious"),
        ("serious", "other_serious"),
        ("minor", "not_serious"),
        ("Not serious", "not_serious"),
    ],
)
def test_people_s_words_for_a_category_are_understood(words: str, category: str) -> None:
    assert incidents.parse_category(words) == category


def test_an_unknown_category_and_a_future_awareness_are_refused(db: Database) -> None:
    with pytest.raises(ValueError, match="unknown incident category"):
        incidents.parse_category("bad vibes")
    model = make_model(db)
    data = IncidentInput(
        title="x", category="death", aware_at=NOW + timedelta(hours=1), model_ids=[model]
    )
    with pytest.raises(ValueError, match="future"):
        incidents.record_incident(db, VA, data, now=NOW, tz=BERLIN)


def test_recording_a_deployment_of_a_held_model_is_refused_until_an_admin_releases_it(
    db: Database,
) -> None:
    from services.governance import deployments
    from services.governance.inventory import add_version

    model = make_model(db)
    add_version(db, ADMIN, model, number=1, now=NOW)
    incident_id = _record(db, model)
    with pytest.raises(DeploymentHeld, match="under investigation"):
        deployments.record_deployment(
            db, VA, model, version_number=1, environment="production", at=NOW, reason="hotfix"
        )
    incidents.release_hold(db, ADMIN, incident_id, "Authority informed; fix reviewed", now=NOW)
    assert deployments.record_deployment(
        db, VA, model, version_number=1, environment="production", at=NOW, reason="hotfix"
    )


def _details(view: incident_views.IncidentView, **kw: object) -> incidents.IncidentDetails:
    fields: dict[str, object] = {
        "title": view.title,
        "description": view.description,
        "severity": view.severity,
        "status": view.status,
        "owner_id": view.owner_id,
    }
    return incidents.IncidentDetails(**(fields | kw))  # type: ignore[arg-type]


def test_an_incident_is_corrected_and_handed_over_once_with_the_new_owner_told(
    db: Database,
) -> None:
    ids = make_vendor_model(db)
    incident_id = _record(db, ids["model"], owner=ids["owner"])
    view = _view(db, incident_id)
    new_owner = make_person(db, "Nina Next", "nina@example.com")
    change = _details(
        view, title=" Wrong dispatch priorities (east) ", status="investigating", owner_id=new_owner
    )
    incidents.update_details(db, VA, incident_id, change, expected_version=view.version)
    # The same form saved again (a double click) is refused: it was opened at the old version.
    with pytest.raises(StaleEdit):
        incidents.update_details(db, VA, incident_id, change, expected_version=view.version)
    after = _view(db, incident_id)
    assert (after.title, after.status, after.owner) == (
        "Wrong dispatch priorities (east)",
        "investigating",
        "Nina Next",
    )
    assert after.deadlines == view.deadlines  # the clocks run as recorded
    with db.read() as s:
        told = s.exec(select(Notification).where(Notification.kind == "incident_owner")).all()
        assert [(n.recipient, n.channel) for n in told] == [("nina@example.com", "slack")]
        attendees = s.exec(
            select(MeetingAttendee.email).where(
                MeetingAttendee.meeting_id == after.review_meeting_id
            )
        ).all()
        assert sorted(attendees) == ["nina@example.com", "olga@example.com"]
        events = s.exec(
            select(AuditEvent).where(
                AuditEvent.record_type == "incident", AuditEvent.action == "update"
            )
        ).all()
        assert len(events) == 1 and '"owner_id"' in (events[0].after or "")
    # Handed back and forth: each hand-over is told once, the meeting keeps one row each.
    incidents.update_details(
        db, VA, incident_id, _details(after, owner_id=ids["owner"]), expected_version=2
    )
    incidents.update_details(
        db, VA, incident_id, _details(after, owner_id=new_owner), expected_version=3
    )
    with db.read() as s:
        told = s.exec(select(Notification).where(Notification.kind == "incident_owner")).all()
        assert [n.recipient for n in told] == [
            "nina@example.com",
            "olga@example.com",
            "nina@example.com",
        ]
        attendees = s.exec(
            select(MeetingAttendee.email).where(
                MeetingAttendee.meeting_id == after.review_meeting_id
            )
        ).all()
        assert sorted(attendees) == ["nina@example.com", "olga@example.com"]


def test_a_closed_incident_or_a_bad_status_is_not_changed(db: Database) -> None:
    model = make_model(db)
    incident_id = _record(db, model)
    view = _view(db, incident_id)
    with pytest.raises(ValueError, match="closing is separate"):
        incidents.update_details(db, VA, incident_id, _details(view, status="closed"),
                                 expected_version=1)  # fmt: skip
    with pytest.raises(ValueError, match="title"):
        incidents.update_details(db, VA, incident_id, _details(view, title="  "),
                                 expected_version=1)  # fmt: skip
    incidents.close_incident(db, LEAD, incident_id, expected_version=1, now=NOW)
    with pytest.raises(ValueError, match="closed"):
        incidents.update_details(db, VA, incident_id, _details(view, severity="low"),
                                 expected_version=2)  # fmt: skip
    assert _view(db, incident_id).severity == view.severity
