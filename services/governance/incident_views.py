"""Reading incidents: each with its models, vendors, clocks and the earliest deadline still open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from db.engine import Database
from db.models import Incident, IncidentModel, IncidentVendor, Model, Person, Vendor
from services.access.access import Actor, require
from services.governance import clocks
from services.governance.incidents import CATEGORY_LABELS, holds


@dataclass(frozen=True)
class IncidentView:
    id: int
    title: str
    category: str
    category_label: str
    severity: str
    status: str
    description: str
    aware_at: datetime
    occurred_at: datetime | None
    causal_link_at: datetime | None
    models: list[str]
    model_ids: list[int]
    vendors: list[str]
    owner_id: int | None
    owner: str
    owner_email: str | None
    deadlines: list[clocks.Deadline]
    report_due_at: datetime | None
    held: bool
    hold_release_reason: str | None
    notice_to: str | None
    notice_draft: str
    ticket_id: int | None
    review_meeting_id: int | None
    closed_at: datetime | None
    version: int

    @property
    def serious(self) -> bool:
        return clocks.is_serious(self.category)

    def next_open_deadline(self) -> clocks.Deadline | None:
        dated = [d for d in self.deadlines if d.open and d.due_at is not None]
        return min(dated, key=lambda d: d.due_at) if dated else None  # type: ignore[arg-type,return-value]


def _names(
    session: Session, link: type, other: type, ids: list[int]
) -> dict[int, list[tuple[int, str]]]:
    out: dict[int, list[tuple[int, str]]] = {}
    if not ids:
        return out
    key = "model_id" if link is IncidentModel else "vendor_id"
    rows = session.exec(
        select(link.incident_id, other.id, other.name)  # type: ignore[attr-defined]
        .join(other, getattr(link, key) == other.id)  # type: ignore[attr-defined]
        .where(col(link.incident_id).in_(ids))  # type: ignore[attr-defined]
        .order_by(other.name)  # type: ignore[attr-defined]
    ).all()
    for incident_id, other_id, name in rows:
        out.setdefault(incident_id, []).append((other_id, name))
    return out


def views(session: Session, incidents: list[Incident], tz: ZoneInfo) -> list[IncidentView]:
    ids = [i.id for i in incidents if i.id is not None]
    models = _names(session, IncidentModel, Model, ids)
    vendors = _names(session, IncidentVendor, Vendor, ids)
    people = {p.id: p for p in session.exec(select(Person)).all()}
    out = []
    for i in incidents:
        assert i.id is not None
        items = clocks.deadlines(
            category=i.category,
            aware_at=i.aware_at,
            tz=tz,
            deployer=bool(i.notice_draft),
            provider_notified_at=i.provider_notified_at,
            initial_report_at=i.initial_report_at,
            complete_report_at=i.complete_report_at,
        )
        if i.status == "closed":  # a closed incident runs no clock any more
            items = [d for d in items if not d.open]
        owner = people.get(i.owner_id) if i.owner_id else None
        out.append(
            IncidentView(
                id=i.id,
                title=i.title,
                category=i.category,
                category_label=CATEGORY_LABELS[i.category],
                severity=i.severity,
                status=i.status,
                description=i.description,
                aware_at=i.aware_at,
                occurred_at=i.occurred_at,
                causal_link_at=i.causal_link_at,
                models=[n for _, n in models.get(i.id, [])],
                model_ids=[m for m, _ in models.get(i.id, [])],
                vendors=[n for _, n in vendors.get(i.id, [])],
                owner_id=i.owner_id,
                owner=owner.name if owner else "",
                owner_email=owner.email if owner else None,
                deadlines=items,
                report_due_at=clocks.report_due_at(items),
                held=holds(i),
                hold_release_reason=i.hold_release_reason,
                notice_to=i.notice_to,
                notice_draft=i.notice_draft,
                ticket_id=i.ticket_id,
                review_meeting_id=i.review_meeting_id,
                closed_at=i.closed_at,
                version=i.version,
            )
        )
    return out


def incident_rows(session: Session, tz: ZoneInfo, *, open_only: bool = False) -> list[IncidentView]:
    query = select(Incident).where(col(Incident.archived_at).is_(None))
    if open_only:
        query = query.where(col(Incident.status) != "closed")
    incidents = list(session.exec(query.order_by(col(Incident.aware_at).desc())).all())
    return views(session, incidents, tz)


def list_incidents(
    db: Database, actor: Actor, *, tz: ZoneInfo, open_only: bool = False
) -> list[IncidentView]:
    require(db, actor, "governance.read", record_type="incident")
    with db.read() as s:
        return incident_rows(s, tz, open_only=open_only)
