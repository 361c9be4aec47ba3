"""EU AI Act obligations per system: assigned from the catalogue, owned, dated and evidenced.

An obligation's state is computed, not stored: "met" needs evidence that is still current, so a
met obligation whose only evidence expired shows as "evidence expired" and its owner is reminded.
Evidence is current until its ``expires_on`` and, for a standing duty, for ``recurrence_months``
(or ``evidence_valid_months``) after it was added. Nothing here deletes: records are archived.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from dateutil.relativedelta import relativedelta
from sqlmodel import Session, col, select

from db.engine import Database
from db.models import OBLIGATION_STATUSES as OBLIGATION_STATUSES
from db.models import Evidence, Model, Obligation, Person
from services.access import audit, users
from services.access.access import Actor, require
from services.core.records import check_version, check_web_url
from services.governance import catalogue

DUE_SOON_DAYS = 30
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
STATE_LABELS = {
    "met": "Met",
    "not_applicable": "Not applicable",
    "overdue": "Overdue",
    "missing_evidence": "Missing evidence",
    "evidence_expired": "Missing evidence (expired)",
    "due_soon": "Due soon",
    "open": "Open",
    "in_progress": "In progress",
}


def evidence_current_until(evidence: Evidence, obligation: Obligation) -> date | None:
    """The last day ``evidence`` counts for ``obligation``; None when it never lapses."""
    limits = [evidence.expires_on] if evidence.expires_on else []
    months = obligation.evidence_valid_months or obligation.recurrence_months
    if months:
        limits.append(evidence.added_at.date() + relativedelta(months=months))
    return min(limits) if limits else None


def state_of(obligation: Obligation, evidence: list[Evidence], today: date) -> str:
    """One word for where an obligation stands on ``today`` (keys of ``STATE_LABELS``)."""
    if obligation.status == "not_applicable":
        return "not_applicable"
    live = [e for e in evidence if e.archived_at is None]
    current = [e for e in live if (evidence_current_until(e, obligation) or date.max) >= today]
    if obligation.status == "met":
        if current:
            return "met"
        return "evidence_expired" if live else "missing_evidence"
    if obligation.due_date < today:
        return "overdue"
    if obligation.due_date <= today + timedelta(days=DUE_SOON_DAYS):
        return "due_soon"
    return obligation.status


@dataclass(frozen=True)
class ObligationRow:
    id: int
    model_id: int
    model: str
    article: str
    title: str
    applies_from: date
    due_date: date
    owner_id: int | None
    owner: str
    owner_email: str | None
    status: str
    state: str
    evidence_count: int
    evidence_until: date | None
    note: str
    version: int
    retention_months: int


def _evidence_by_obligation(session: Session, ids: list[int]) -> dict[int, list[Evidence]]:
    out: dict[int, list[Evidence]] = {i: [] for i in ids}
    if ids:
        for e in session.exec(select(Evidence).where(col(Evidence.obligation_id).in_(ids))).all():
            out[e.obligation_id].append(e)
    return out


def obligation_rows(
    session: Session, today: date, *, model_id: int | None = None
) -> list[ObligationRow]:
    query = select(Obligation, Model).join(Model, col(Model.id) == Obligation.model_id)
    query = query.where(col(Obligation.archived_at).is_(None))
    if model_id is not None:
        query = query.where(Obligation.model_id == model_id)
    pairs = session.exec(query.order_by(col(Obligation.due_date), col(Obligation.id))).all()
    evidence = _evidence_by_obligation(session, [o.id for o, _ in pairs if o.id is not None])
    people = {p.id: p for p in session.exec(select(Person)).all()}
    rows = []
    for ob, model in pairs:
        assert ob.id is not None
        items = [e for e in evidence[ob.id] if e.archived_at is None]
        untils = [evidence_current_until(e, ob) for e in items]
        owner = people.get(ob.owner_id) if ob.owner_id else None
        rows.append(
            ObligationRow(
                id=ob.id,
                model_id=ob.model_id,
                model=model.name,
                article=ob.article,
                title=ob.title,
                applies_from=ob.applies_from,
                due_date=ob.due_date,
                owner_id=ob.owner_id,
                owner=owner.name if owner else "",
                owner_email=owner.email if owner else None,
                status=ob.status,
                state=state_of(ob, evidence[ob.id], today),
                evidence_count=len(items),
                evidence_until=None if None in untils or not untils else max(untils),  # type: ignore[type-var]
                note=ob.note,
                version=ob.version,
                retention_months=ob.retention_months,
            )
        )
    return rows


def list_obligations(
    db: Database, actor: Actor, *, today: date, model_id: int | None = None
) -> list[ObligationRow]:
    require(db, actor, "governance.read", record_type="obligation")
    with db.read() as s:
        return obligation_rows(s, today, model_id=model_id)


def assign_in(session: Session, actor: Actor, model: Model) -> int:
    """Add the catalogue's obligations for ``model``'s risk class and role that it lacks."""
    assert model.id is not None
    have = set(
        session.exec(select(Obligation.catalogue_key).where(Obligation.model_id == model.id)).all()
    )
    added = 0
    for entry in catalogue.for_system(model.risk_class, model.ai_act_role):
        if entry.key in have:
            continue
        row = Obligation(
            model_id=model.id,
            catalogue_key=entry.key,
            article=entry.article,
            title=entry.title,
            applies_from=entry.applies_from,
            due_date=entry.applies_from,
            owner_id=model.documentation_owner_id or model.owner_id,
            recurrence_months=entry.recurrence_months,
            evidence_valid_months=entry.evidence_valid_months,
            retention_months=entry.retention_months,
        )
        session.add(row)
        session.flush()
        audit.record(session, actor, "create", "obligation", row.id, after=audit.snapshot(row))
        added += 1
    return added


def model_choices(db: Database, actor: Actor) -> dict[int, str]:
    """Every model by id, for pickers on the governance pages."""
    require(db, actor, "governance.read", record_type="model")
    with db.read() as s:
        rows = s.exec(select(Model).order_by(col(Model.name))).all()
        return {m.id: f"{m.name} ({m.risk_class}, {m.ai_act_role})" for m in rows if m.id}


def assign_all(session: Session, actor: Actor) -> int:
    """Give every model whose risk class is assessed the obligations it lacks (planner step)."""
    models = session.exec(select(Model).where(col(Model.risk_class) != "unassessed")).all()
    return sum(assign_in(session, actor, m) for m in models if m.status != "retired")


def assign_obligations(db: Database, actor: Actor, model_id: int) -> int:
    """Give a model the obligations its risk class and our role imply; returns how many."""
    require(db, actor, "obligations.edit", record_type="obligation")
    with db.write() as s:
        model = s.get(Model, model_id)
        if model is None:
            raise ValueError(f"no model {model_id}")
        return assign_in(s, actor, model)


def update_obligation(
    db: Database,
    actor: Actor,
    obligation_id: int,
    *,
    expected_version: int,
    status: str,
    due_date: date,
    owner_id: int | None,
    note: str = "",
) -> None:
    require(db, actor, "obligations.edit", record_type="obligation", record_id=obligation_id)
    if status not in OBLIGATION_STATUSES:
        raise ValueError(f"status must be one of {', '.join(OBLIGATION_STATUSES)}")
    if status == "not_applicable" and not note.strip():
        raise ValueError("say why the obligation does not apply (a note is required)")
    with db.write() as s:
        ob = s.get(Obligation, obligation_id)
        if ob is None or ob.archived_at is not None:
            raise ValueError(f"no obligation {obligation_id}")
        check_version(ob, expected_version, "obligation")
        users.check_owner(s, owner_id, "governance.read", "obligations")
        changes = {"status": status, "due_date": due_date, "owner_id": owner_id, "note": note}
        audit.apply_change(s, actor, ob, "obligation", changes)


def add_evidence(
    db: Database,
    actor: Actor,
    obligation_id: int,
    *,
    title: str,
    now: datetime,
    url: str | None = None,
    file_name: str | None = None,
    content: bytes | None = None,
    content_type: str | None = None,
    expires_on: date | None = None,
) -> int:
    """Attach a link or a file to an obligation; who and when are recorded."""
    require(db, actor, "obligations.edit", record_type="evidence", record_id=obligation_id)
    title = (title or "").strip()[:300]
    if not title:
        raise ValueError("evidence needs a title")
    if (url is None) == (content is None):
        raise ValueError("give either a link or a file as evidence")
    if content is not None and len(content) > MAX_EVIDENCE_BYTES:
        raise ValueError(f"the file is larger than {MAX_EVIDENCE_BYTES // (1024 * 1024)} MB")
    with db.write() as s:
        ob = s.get(Obligation, obligation_id)
        if ob is None or ob.archived_at is not None:
            raise ValueError(f"no obligation {obligation_id}")
        row = Evidence(
            obligation_id=obligation_id,
            kind="link" if url is not None else "file",
            title=title,
            url=check_web_url(url, "evidence link") if url is not None else None,
            file_name=(file_name or "evidence")[:300] if content is not None else None,
            content_type=content_type,
            content=content,
            sha256=hashlib.sha256(content).hexdigest() if content is not None else None,
            added_by=actor.email,
            added_at=now,
            expires_on=expires_on,
        )
        s.add(row)
        s.flush()
        after = audit.snapshot(row) or {}
        after.pop("content", None)  # the audit trail names the file and its hash, not its bytes
        audit.record(s, actor, "create", "evidence", row.id, after=after)
        assert row.id is not None
        return row.id


class EvidenceItem(NamedTuple):
    """One piece of evidence as a list shows it: without the file's bytes."""

    id: int
    kind: str
    title: str
    url: str | None
    file_name: str | None
    sha256: str | None
    added_by: str
    added_at: datetime
    expires_on: date | None


def list_evidence(db: Database, actor: Actor, obligation_id: int) -> list[EvidenceItem]:
    """The obligation's evidence, newest first, without the files' bytes (``evidence_file``
    reads one when it is asked for: the list is drawn on every visit)."""
    require(db, actor, "governance.read", record_type="evidence", record_id=obligation_id)
    columns = [col(getattr(Evidence, name)) for name in EvidenceItem._fields]
    with db.read() as s:
        rows = s.exec(
            select(*columns)
            .where(Evidence.obligation_id == obligation_id)
            .where(col(Evidence.archived_at).is_(None))
            .order_by(col(Evidence.added_at).desc())
        ).all()
    return [EvidenceItem(*row) for row in rows]


def evidence_file(db: Database, actor: Actor, evidence_id: int) -> bytes:
    """The bytes of one evidence file, archived or not (the record keeps it)."""
    require(db, actor, "governance.read", record_type="evidence", record_id=evidence_id)
    with db.read() as s:
        content = s.exec(select(Evidence.content).where(Evidence.id == evidence_id)).first()
    if content is None:
        raise ValueError(f"evidence {evidence_id} is not a file")
    return content


def archive_evidence(db: Database, actor: Actor, evidence_id: int, now: datetime) -> None:
    """Evidence is never deleted: archived, it stops counting and stays in the record."""
    require(db, actor, "obligations.edit", record_type="evidence", record_id=evidence_id)
    with db.write() as s:
        row = s.get(Evidence, evidence_id)
        if row is None:
            raise ValueError(f"no evidence {evidence_id}")
        if row.archived_at is None:
            row.archived_at, row.archived_by = now, actor.email
            s.add(row)
            audit.record(s, actor, "archive", "evidence", evidence_id, detail=row.title)
