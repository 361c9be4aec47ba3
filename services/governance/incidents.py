"""The incident register: serious incidents on the Article 73 clocks, with what follows from one.

Recording a serious incident, in one transaction: the clocks start from ``aware_at``; where we
deploy a vendor's model, the Art. 26(5) notice to the provider is drafted to the vendor contact of
the contract that covers it and a vendor ticket is opened; the post-incident review meeting is put
on the calendar within five working days with its agenda filled in (``review_meetings``); and an
evidence hold refuses new deployments of the models involved until the incident is closed or an
admin releases the hold with a reason (Art. 73(6)). Reminders are planned by ``planning``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from db.engine import Database
from db.models import (
    INCIDENT_CATEGORIES,
    INCIDENT_SEVERITIES,
    INCIDENT_STATUSES,
    Incident,
    IncidentModel,
    IncidentVendor,
    Model,
    Person,
    Vendor,
)
from services.access import audit, users
from services.access.access import Actor, require
from services.core.records import check_version
from services.delivery import outbox
from services.governance import clocks, deployments, provider_notice, review_meetings
from services.governance.inventory import GovernanceError

OPEN_STATUSES = ("open", "investigating", "reported")
CATEGORY_LABELS = {
    "death": "Death of a person",
    "critical_infrastructure": "Serious, irreversible disruption of critical infrastructure",
    "widespread_infringement": "Widespread infringement",
    "other_serious": "Other serious incident",
    "not_serious": "Not serious",
}
# People's words for the categories, as typed in a spreadsheet (matched after normalising).
_CATEGORY_WORDS = {
    "death": ("death", "died", "fatal", "fatality", "deceased", "73 4"),
    "critical_infrastructure": ("critical infrastructure", "infrastructure", "critical infra"),
    "widespread_infringement": ("widespread infringement", "widespread", "73 3"),
    "other_serious": ("other serious", "serious", "other", "serious harm", "73 2"),
    "not_serious": ("not serious", "minor", "none", "no", "non serious"),
}


class DeploymentHeld(GovernanceError):
    """A deployment refused: an open incident holds the model's evidence (Art. 73(6))."""


def parse_category(text: str) -> str:
    """A category from its stored value, its label or a person's word for it."""
    words = re.sub(r"[^a-z0-9]+", " ", (text or "").lower()).strip()
    if words.replace(" ", "_") in INCIDENT_CATEGORIES:
        return words.replace(" ", "_")
    for category, label in CATEGORY_LABELS.items():
        if words == re.sub(r"[^a-z0-9]+", " ", label.lower()).strip():
            return category
    for category, synonyms in _CATEGORY_WORDS.items():
        if words in synonyms or words.removeprefix("art ").removeprefix("article ") in synonyms:
            return category
    raise ValueError(
        f"unknown incident category {text!r}: use one of {', '.join(INCIDENT_CATEGORIES)}"
    )


@dataclass
class IncidentInput:
    title: str
    category: str
    aware_at: datetime
    model_ids: list[int]
    severity: str = "high"
    description: str = ""
    occurred_at: datetime | None = None
    causal_link_at: datetime | None = None
    vendor_ids: list[int] = field(default_factory=list)
    owner_id: int | None = None


def _checked(data: IncidentInput, now: datetime) -> None:
    if not data.title.strip() or len(data.title) > 300:
        raise ValueError("an incident needs a title of at most 300 characters")
    if data.category not in INCIDENT_CATEGORIES:
        raise ValueError(f"category must be one of {', '.join(INCIDENT_CATEGORIES)}")
    if data.severity not in INCIDENT_SEVERITIES:
        raise ValueError(f"severity must be one of {', '.join(INCIDENT_SEVERITIES)}")
    for name, value in (("aware_at", data.aware_at), ("occurred_at", data.occurred_at)):
        if value is not None and value.tzinfo is None:
            raise ValueError(f"{name} needs a time zone offset")
    if data.aware_at > now:
        raise ValueError("the time we became aware cannot be in the future")
    if data.occurred_at and data.occurred_at > data.aware_at:
        raise ValueError("an incident cannot have occurred after we became aware of it")
    if not data.model_ids:
        raise ValueError("name at least one model involved")


def new_incident(
    session: Session, actor: Actor, data: IncidentInput, *, now: datetime, tz: ZoneInfo
) -> Incident:
    """Record an incident and everything a serious one sets off, in ``session``'s transaction."""
    _checked(data, now)
    models = [session.get(Model, i) for i in dict.fromkeys(data.model_ids)]
    if any(m is None for m in models):
        raise ValueError("no such model")
    users.check_owner(session, data.owner_id, "governance.read", "incidents")
    serious = clocks.is_serious(data.category)
    incident = Incident(
        title=data.title.strip(),
        category=data.category,
        severity=data.severity,
        description=data.description,
        occurred_at=data.occurred_at,
        aware_at=data.aware_at,
        causal_link_at=data.causal_link_at,
        owner_id=data.owner_id,
        evidence_hold=serious,
        created_by=actor.email,
    )
    session.add(incident)
    session.flush()
    assert incident.id is not None
    vendor_ids = list(dict.fromkeys(data.vendor_ids))
    for model in models:
        assert model is not None and model.id is not None
        session.add(IncidentModel(incident_id=incident.id, model_id=model.id))
        vendor_ids += [v for v in (model.vendor_id, model.hosting_vendor_id) if v]
    for vendor_id in dict.fromkeys(vendor_ids):
        if session.get(Vendor, vendor_id) is None:
            raise ValueError(f"no vendor {vendor_id}")
        session.add(IncidentVendor(incident_id=incident.id, vendor_id=vendor_id))
    audit.record(session, actor, "create", "incident", incident.id, after=audit.snapshot(incident))
    if serious:
        provider_notice.draft(session, actor, incident, [m for m in models if m], now=now)
        review_meetings.schedule(session, actor, incident, now=now, tz=tz)
    _announce(session, incident)
    return incident


def _announce(session: Session, incident: Incident, *, handed_over: bool = False) -> None:
    """A Slack message to the owner at once: the clocks have started (or run already, for an
    owner it was handed to, told once per hand-over)."""
    owner = session.get(Person, incident.owner_id) if incident.owner_id else None
    if owner is None or incident.id is None:
        return
    what = f"{incident.title} ({CATEGORY_LABELS[incident.category]})"
    outbox.enqueue(
        session,
        kind="incident_owner" if handed_over else "incident_recorded",
        record_type="incident",
        record_id=incident.id,
        occurrence=f"owner:{owner.id}:v{incident.version}" if handed_over else "recorded",
        channel="slack",
        recipient=owner.email.lower(),
        subject=f"Incident handed to you: {what}" if handed_over else f"Incident recorded: {what}",
        body="The reporting clocks run from the time we became aware. " + clocks.COUNTING_RULE,
    )


@dataclass(frozen=True)
class IncidentDetails:
    """What can be corrected after recording. The category and the time of awareness set the
    clocks and stay as recorded: a wrong one is recorded again and the first closed, both kept."""

    title: str
    description: str
    severity: str
    status: str
    owner_id: int | None


def update_details(
    db: Database,
    actor: Actor,
    incident_id: int,
    details: IncidentDetails,
    *,
    expected_version: int,
) -> None:
    """Correct an open incident's title, description or severity, move it between open,
    investigating and reported, or hand it to another owner (who is told at once)."""
    require(db, actor, "incidents.edit", record_type="incident", record_id=incident_id)
    title = details.title.strip()
    if not title or len(title) > 300:
        raise ValueError("an incident needs a title of at most 300 characters")
    if details.severity not in INCIDENT_SEVERITIES:
        raise ValueError(f"severity must be one of {', '.join(INCIDENT_SEVERITIES)}")
    if details.status not in OPEN_STATUSES:
        raise ValueError(f"status must be one of {', '.join(OPEN_STATUSES)}; closing is separate")
    with db.write() as s:
        incident = _get(s, incident_id)
        check_version(incident, expected_version, "incident")
        if incident.status == "closed":
            raise ValueError("the incident is closed: its record stays as it was closed")
        users.check_owner(s, details.owner_id, "governance.read", "incidents")
        handed_over = details.owner_id is not None and details.owner_id != incident.owner_id
        changes = {
            "title": title,
            "description": details.description.strip(),
            "severity": details.severity,
            "status": details.status,
            "owner_id": details.owner_id,
        }
        audit.apply_change(s, actor, incident, "incident", changes)
        if handed_over:
            _announce(s, incident, handed_over=True)
            review_meetings.invite_owner(s, actor, incident)


def record_incident(
    db: Database, actor: Actor, data: IncidentInput, *, now: datetime, tz: ZoneInfo
) -> int:
    require(db, actor, "incidents.edit", record_type="incident")
    with db.write() as s:
        incident = new_incident(s, actor, data, now=now, tz=tz)
        assert incident.id is not None
        return incident.id


# --- steps, closing and the hold ------------------------------------------------------------

STEP_FIELDS = {
    "causal_link": "causal_link_at",
    "provider_notified": "provider_notified_at",
    "initial_report": "initial_report_at",
    "complete_report": "complete_report_at",
}


def record_step(
    db: Database,
    actor: Actor,
    incident_id: int,
    step: str,
    at: datetime,
    *,
    expected_version: int,
    now: datetime,
) -> None:
    """Record when a causal link was established, the provider informed, or a report filed."""
    require(db, actor, "incidents.edit", record_type="incident", record_id=incident_id)
    if step not in STEP_FIELDS:
        raise ValueError(f"unknown step {step!r}")
    if at.tzinfo is None or at > now:
        raise ValueError("give a time with an offset, not in the future")
    with db.write() as s:
        incident = _get(s, incident_id)
        check_version(incident, expected_version, "incident")
        changes: dict[str, object] = {STEP_FIELDS[step]: at}
        if step == "initial_report" and incident.status in ("open", "investigating"):
            changes["status"] = "reported"
        audit.apply_change(s, actor, incident, "incident", changes, detail=step)


def set_status(
    db: Database, actor: Actor, incident_id: int, status: str, *, expected_version: int
) -> None:
    require(db, actor, "incidents.edit", record_type="incident", record_id=incident_id)
    if status not in OPEN_STATUSES:
        raise ValueError(f"status must be one of {', '.join(OPEN_STATUSES)}; closing is separate")
    with db.write() as s:
        incident = _get(s, incident_id)
        check_version(incident, expected_version, "incident")
        audit.apply_change(s, actor, incident, "incident", {"status": status})


def close_incident(
    db: Database, actor: Actor, incident_id: int, *, expected_version: int, now: datetime
) -> None:
    """A lead or an admin closes an incident; its evidence hold ends with it."""
    require(db, actor, "incidents.close", record_type="incident", record_id=incident_id)
    with db.write() as s:
        incident = _get(s, incident_id)
        check_version(incident, expected_version, "incident")
        if incident.status == "closed":
            raise ValueError("the incident is closed already")
        changes = {"status": "closed", "closed_at": now, "closed_by": actor.email}
        audit.apply_change(s, actor, incident, "incident", changes, action="close")


def release_hold(
    db: Database, actor: Actor, incident_id: int, reason: str, *, now: datetime
) -> None:
    """An admin lifts an open incident's evidence hold, with a reason, audited."""
    require(db, actor, "incidents.release_hold", record_type="incident", record_id=incident_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("releasing an evidence hold needs a reason")
    with db.write() as s:
        incident = _get(s, incident_id)
        if not holds(incident):
            raise ValueError("this incident holds no deployment")
        changes = {
            "hold_released_at": now,
            "hold_released_by": actor.email,
            "hold_release_reason": reason,
        }
        audit.apply_change(s, actor, incident, "incident", changes, action="release_hold")


def holds(incident: Incident) -> bool:
    return (
        incident.evidence_hold
        and incident.status != "closed"
        and incident.hold_released_at is None
        and incident.archived_at is None
    )


def holding_incidents(session: Session, model_id: int) -> list[Incident]:
    rows = session.exec(
        select(Incident)
        .join(IncidentModel, col(IncidentModel.incident_id) == Incident.id)
        .where(IncidentModel.model_id == model_id)
        .where(col(Incident.status) != "closed")
    ).all()
    return [i for i in rows if holds(i)]


def ensure_deployable(session: Session, model_id: int) -> None:
    """Raise ``DeploymentHeld`` when an open incident holds ``model_id`` (call before deploying)."""
    held = holding_incidents(session, model_id)
    if held:
        names = "; ".join(f"#{i.id} {i.title}" for i in held)
        raise DeploymentHeld(
            "new deployments of this model are refused while incident(s) are under "
            f"investigation (EU AI Act Art. 73(6)): {names}. An admin can release the hold "
            "with a reason."
        )


def refuse_while_held(session: Session, model: Model, _environment: str) -> None:
    """The deployment guard (``deployments.GUARDS``): no move of a held model."""
    assert model.id is not None
    ensure_deployable(session, model.id)


if refuse_while_held not in deployments.GUARDS:
    deployments.GUARDS.append(refuse_while_held)


def _get(session: Session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None or incident.archived_at is not None:
        raise ValueError(f"no incident {incident_id}")
    return incident


__all__ = ["INCIDENT_STATUSES", "IncidentInput", "ensure_deployable", "record_incident"]
