"""The governance part of the demo workspace, dated relative to the demo's day.

A high-risk credit system we provide, with obligations at several states; a limited-risk support
chatbot on a vendor's model; one open serious incident (on the chatbot, so the notice to the
vendor, the ticket, the review meeting and the hold all show) and one closed; drift policies with
a recent breach; and a monthly governance review whose agenda comes from these records.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, select

from db.engine import Database
from db.models import (
    Contract,
    Deployment,
    Evidence,
    Model,
    ModelVersion,
    Obligation,
    Person,
    Vendor,
)
from services.access.access import Actor
from services.governance import drift, incidents, obligations, reviews
from services.governance.drift import PolicyInput
from services.governance.incidents import IncidentInput
from settings import get_settings

HIGH_RISK = "loan-approval-scorer"
CHATBOT = "support-chatbot"


def _person(session: Session, name: str) -> int | None:
    row = session.exec(select(Person).where(Person.name == name)).first()
    return row.id if row else None


def _email(session: Session, name: str, fallback: str) -> str:
    """Who a demo record names as its author: the demo person, not the command that loaded it."""
    row = session.exec(select(Person).where(Person.name == name)).first()
    return row.email if row else fallback


def _model(session: Session, name: str, **values: Any) -> Model:
    row = session.exec(select(Model).where(Model.name == name)).first()
    if row is None:
        row = Model(name=name, **values)
        session.add(row)
        session.flush()
    return row


def _systems(session: Session, now: datetime) -> tuple[Model, Model]:
    vendor = session.exec(select(Vendor).where(Vendor.name == "Anthropic")).first()
    contract = (
        session.exec(select(Contract).where(Contract.vendor_id == vendor.id)).first()
        if vendor
        else None
    )
    scorer = _model(
        session,
        HIGH_RISK,
        purpose="Scores consumer loan applications for underwriters "
        "(Annex III 5(b): creditworthiness of natural persons).",
        status="production",
        risk_class="high",
        ai_act_role="provider",
        source="in_house",
        owner_id=_person(session, "Omar Haddad"),
        documentation_owner_id=_person(session, "Priya Nair"),
    )
    chatbot = _model(
        session,
        CHATBOT,
        purpose="Answers customer questions in the help centre.",
        status="production",
        risk_class="limited",
        ai_act_role="deployer",
        source="vendor_api",
        vendor_id=vendor.id if vendor else None,
        contract_id=contract.id if contract else None,
        owner_id=_person(session, "Zoe Williams"),
        documentation_owner_id=_person(session, "Priya Nair"),
    )
    assert scorer.id is not None
    if not session.exec(select(ModelVersion).where(ModelVersion.model_id == scorer.id)).first():
        for number, weeks in ((1, 20), (2, 6)):
            version = ModelVersion(
                model_id=scorer.id,
                number=number,
                run_id=f"demo-run-{number}",
                registered_at=now - timedelta(weeks=weeks),
            )
            session.add(version)
            session.flush()
            assert version.id is not None
            session.add(
                Deployment(
                    model_id=scorer.id,
                    model_version_id=version.id,
                    environment="production",
                    started_at=now - timedelta(weeks=weeks) + timedelta(days=2),
                    ended_at=None if number == 2 else now - timedelta(weeks=6, days=-2),
                    started_by=_email(session, "Omar Haddad", "demo"),
                    reason=f"v{number} passed validation",
                )
            )
    return scorer, chatbot


def _states(session: Session, actor: Actor, scorer: Model, day: date, now: datetime) -> None:
    """Obligations at several states: met, evidence expired, due soon, overdue, not applicable."""
    obs = {
        o.catalogue_key: o
        for o in session.exec(select(Obligation).where(Obligation.model_id == scorer.id)).all()
    }

    def set_(
        key: str,
        status: str,
        due: date,
        note: str = "",
        evidence: tuple[str, int | None] | None = None,
    ) -> None:
        ob = obs.get(key)
        if ob is None or ob.id is None:
            return
        ob.status, ob.due_date, ob.note = status, due, note
        session.add(ob)
        if evidence:
            title, expires_in = evidence
            session.add(
                Evidence(
                    obligation_id=ob.id,
                    kind="link",
                    title=title,
                    url=f"https://docs.example.com/governance/{key}",
                    added_by=_email(session, "Priya Nair", actor.email),
                    added_at=now - timedelta(days=40),
                    expires_on=day + timedelta(days=expires_in) if expires_in is not None else None,
                )
            )

    set_("art4_ai_literacy", "met", day - timedelta(days=60), evidence=("Training log", None))
    set_(
        "art9_risk_management", "met", day + timedelta(days=90), evidence=("Risk register v3", 300)
    )
    set_(
        "art47_declaration",
        "met",
        day - timedelta(days=30),
        evidence=("Signed declaration (superseded)", -10),
    )
    set_("art11_technical_documentation", "in_progress", day + timedelta(days=20))
    set_("art49_registration", "open", day - timedelta(days=5))
    set_(
        "art50_transparency_provider",
        "not_applicable",
        day + timedelta(days=30),
        note="Underwriters use it; applicants do not interact with it directly.",
    )


def seed(db: Database, actor: Actor, day: date) -> dict[str, int]:
    """Load the governance demo records; returns counts for the demo summary."""
    tz = get_settings().tz
    now = datetime.combine(day, time(12, 0), tzinfo=tz)
    with db.write() as s:
        scorer, chatbot = _systems(s, now)
        assert scorer.id is not None and chatbot.id is not None
        added = obligations.assign_in(s, actor, scorer) + obligations.assign_in(s, actor, chatbot)
        _states(s, actor, scorer, day, now)
        open_one = incidents.new_incident(
            s,
            actor,
            IncidentInput(
                title="Chatbot told a customer to stop taking prescribed medication",
                category="other_serious",
                severity="critical",
                model_ids=[chatbot.id],
                aware_at=now - timedelta(days=2, hours=3),
                # A lead: finance may not open incidents, and the owner is told of one at once.
                owner_id=_person(s, "Maya Chen"),
                description="Answer shown in the help centre; customer complained by email.",
            ),
            now=now,
            tz=tz,
        )
        closed = incidents.new_incident(
            s,
            actor,
            IncidentInput(
                title="Scorer rejected applicants by postcode in one region",
                category="widespread_infringement",
                model_ids=[scorer.id],
                aware_at=now - timedelta(days=60),
                owner_id=_person(s, "Omar Haddad"),
                causal_link_at=now - timedelta(days=59),
            ),
            now=now,
            tz=tz,
        )
        closed.initial_report_at = closed.aware_at + timedelta(days=1)
        closed.complete_report_at = closed.aware_at + timedelta(days=20)
        closed.status, closed.closed_at, closed.closed_by = (
            "closed",
            now - timedelta(days=30),
            _email(s, "Maya Chen", actor.email),
        )
        s.add(closed)
        owner, approver = _person(s, "Omar Haddad"), _person(s, "Elena Petrova")
        psi = drift.new_policy(
            s,
            actor,
            PolicyInput(
                model_id=scorer.id,
                metric="psi_income",
                warning_threshold=0.1,
                critical_threshold=0.25,
                action="retrain",
                owner_id=owner,
                approver_id=approver,
                runbook_url="https://runbooks.example.com/psi-retrain",
                review_by=day + timedelta(days=25),
            ),
        )
        drift.new_policy(
            s,
            actor,
            PolicyInput(
                model_id=scorer.id,
                metric="auc",
                direction="below",
                warning_threshold=0.78,
                critical_threshold=0.72,
                action="roll_back",
                owner_id=owner,
                approver_id=approver,
                review_by=day + timedelta(days=60),
            ),
        )
        drift.new_policy(
            s,
            actor,
            PolicyInput(
                model_id=chatbot.id,
                metric="harmful_answer_rate_pct",
                warning_threshold=0.5,
                critical_threshold=1.0,
                action="suspend",
                owner_id=_person(s, "Zoe Williams"),
            ),
        )
        drift.record_reading_in(
            s, actor, psi, 0.18, now - timedelta(days=1), source="manual", tz=tz
        )
        assert open_one.id is not None
    reviews.create_review_series(
        db,
        actor,
        title="AI governance review",
        tz=tz,
        now=now,
        first_starts_at=datetime.combine(day + timedelta(days=7), time(15, 0), tzinfo=tz),
    )
    return {"models": 2, "obligations": added, "incidents": 2, "drift policies": 3}
