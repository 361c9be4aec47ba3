"""The demo's governance records, and the Annex IV pack of its high-risk system."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import select

from db.engine import Database
from db.models import DriftBreach, Meeting, Notification, SupportTicket, User
from services import planning
from services.access.access import PERMISSIONS, Actor
from services.demo import demo
from services.governance import incident_views, obligations
from services.governance.annex_iv import annex_iv_pack
from services.governance.annex_iv_render import SECTION_TITLES, to_markdown
from services.governance.demo import CHATBOT, HIGH_RISK
from tests.governance_record_builders import NOW

DAY = date(2026, 12, 1)
UTC_ZONE = ZoneInfo("UTC")


def test_demo_has_both_systems_the_incidents_and_a_recent_breach(
    sqlite_db: Database, admin: Actor
) -> None:
    demo.load(sqlite_db, admin, today=DAY)
    states = {
        r.state
        for r in obligations.list_obligations(sqlite_db, admin, today=DAY)
        if r.model == HIGH_RISK
    }
    assert {"met", "evidence_expired", "due_soon", "overdue", "not_applicable"} <= states
    rows = incident_views.list_incidents(sqlite_db, admin, tz=UTC_ZONE)
    by_status = {v.status: v for v in rows}
    open_one, closed = by_status["open"], by_status["closed"]
    assert open_one.models == [CHATBOT] and open_one.held and open_one.notice_draft
    assert closed.report_due_at is None and not closed.held
    with sqlite_db.read() as s:
        ticket = s.get(SupportTicket, open_one.ticket_id)
        assert ticket is not None and ticket.severity == "critical"
        assert s.get(Meeting, open_one.review_meeting_id) is not None
        assert len(s.exec(select(DriftBreach)).all()) == 1
        assert s.exec(select(Meeting).where(Meeting.title == "AI governance review")).first()


def test_the_high_risk_system_pack_has_nine_sections_and_gaps_where_records_are_missing(
    sqlite_db: Database, admin: Actor
) -> None:
    demo.load(sqlite_db, admin, today=DAY)
    pack = annex_iv_pack(sqlite_db, admin, HIGH_RISK, now=NOW, tz=UTC_ZONE)
    assert [s.title for s in pack.sections] == list(SECTION_TITLES)
    gaps = {item.label for _, item in pack.gaps()}
    # No published model card and no signed experiment report in the demo's governance records:
    assert "Instructions for use (intended and out-of-scope use)" in gaps
    assert "Validation and testing: dated and signed reports" in gaps
    # Present: purpose, versions, deployments, risk-management and declaration evidence, drift.
    assert not gaps & {
        "Intended purpose",
        "Versions",
        "Deployment history",
        "Drift policies",
        "Risk management system (Art. 9) evidence",
        "EU declaration of conformity (Art. 47)",
    }
    text = to_markdown(pack)
    assert "psi_income" in text and "Risk register v3" in text
    [history] = [i for s in pack.sections for i in s.items if i.label == "Deployment history"]
    header, *rows = history.table
    # Four columns that wrap (a period, not two ISO stamps), so the page fits a phone.
    assert header == ("Live", "Version", "By", "Reason")
    assert history.text is not None and history.text.endswith("times in UTC.")
    assert rows[-1][0].startswith("since ") and " to " in rows[0][0] and "T" not in rows[0][0]
    assert rows[0][1].startswith("v") and " in " in rows[0][1]
    # Named as the pack names owners: an email is one word that cannot wrap on a phone.
    assert {row[2] for row in rows} == {"Omar Haddad"}


def test_demo_reminders_reach_no_user_who_may_not_read_their_record(
    sqlite_db: Database, admin: Actor
) -> None:
    """An incident's clocks went by Slack to its owner, a finance user, who may not open the
    Incidents page: governance and spend messages go only to roles that may read them (or to
    people with no account)."""
    demo.load(sqlite_db, admin, today=DAY)
    planning.plan_all(sqlite_db, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    needs = {"incident": "governance.read", "obligation": "governance.read", "budget": "spend.read"}
    with sqlite_db.read() as s:
        roles = {u.email.lower(): u.role for u in s.exec(select(User)).all()}
        sent = [(n.record_type, n.recipient) for n in s.exec(select(Notification)).all()]
    checked = [(kind, who) for kind, who in sent if kind in needs and who in roles]
    assert {kind for kind, _ in checked} == set(needs)  # the demo has each kind
    refused = [
        (kind, who, roles[who])
        for kind, who in checked
        if roles[who] not in PERMISSIONS[needs[kind]]
    ]
    assert refused == []


def test_the_demo_has_a_user_of_every_role_but_admin(sqlite_db: Database, admin: Actor) -> None:
    """The engineer signs off what a VA drafts: the demo had no one to try that as."""
    demo.load(sqlite_db, admin, today=DAY)
    with sqlite_db.read() as s:
        roles = {u.role for u in s.exec(select(User)).all()}
    assert roles == {"va", "lead", "finance", "engineer"}


def test_demo_records_name_the_people_who_did_the_work_not_the_command(
    sqlite_db: Database, admin: Actor
) -> None:
    """A card published "by cli:root" told the demo's story badly: Priya the VA drafts, Omar
    the engineer signs off and deploys, Maya the lead publishes and closes."""
    from db.models import Deployment, Evidence, ExperimentReport, Incident, ModelCard

    demo.load(sqlite_db, admin, today=DAY)
    with sqlite_db.read() as s:
        # By name: the demo has two leads (Maya and Elena), so a role names no one person.
        users = {u.name: u for u in s.exec(select(User)).all()}
        published = [c for c in s.exec(select(ModelCard)).all() if c.number > 0]
        evidence = s.exec(select(Evidence)).all()
        closed = [i for i in s.exec(select(Incident)).all() if i.status == "closed"]
        reports = s.exec(select(ExperimentReport)).all()
        started = {d.started_by for d in s.exec(select(Deployment)).all()}
    va, engineer, lead = users["Priya Nair"], users["Omar Haddad"], users["Maya Chen"]
    assert (va.role, engineer.role, lead.role) == ("va", "engineer", "lead")
    assert published and evidence and closed and reports
    assert {(c.drafted_by, c.signed_off_by, c.published_by) for c in published} == {
        (va.email, engineer.email, lead.email)
    }
    assert {e.added_by for e in evidence} == {va.email}
    assert {i.closed_by for i in closed} == {lead.email}
    assert {r.created_by for r in reports} == {va.email}
    assert started == {engineer.email}
