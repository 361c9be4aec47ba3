"""Drift policies: per model, the watched metric, thresholds, action, owner, approver, runbook.

A reading (entered, imported from CSV, or read from MLflow metrics by the models sync) is checked
against its policy; a breach is recorded once per reading and opens what ``drift_rules.opens``
says, owned by the policy's owner: an action item, or an incident for a policy that suspends.
Policy changes are audited like every record; policies are archived, never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from db.engine import Database
from db.models import BREACH_SOURCES, DriftBreach, DriftPolicy, Model
from services.access import audit, users
from services.access.access import Actor, require
from services.coordination.actions import create_action_in
from services.core.records import check_version, check_web_url, people_by_id
from services.governance import drift_rules
from services.governance.incidents import IncidentInput, new_incident

ACTION_DUE_DAYS = {"warning": 7, "critical": 2}


@dataclass
class PolicyInput:
    model_id: int
    metric: str
    warning_threshold: float
    critical_threshold: float
    direction: str = "above"
    action: str = "alert_only"
    owner_id: int | None = None
    approver_id: int | None = None
    runbook_url: str | None = None
    review_by: date | None = None


def _fields(session: Session, data: PolicyInput) -> dict[str, object]:
    metric = data.metric.strip()
    if not metric or len(metric) > 200:
        raise ValueError("a drift policy needs a metric name of at most 200 characters")
    if data.action not in drift_rules.DRIFT_ACTIONS:
        raise ValueError(f"action must be one of {', '.join(drift_rules.DRIFT_ACTIONS)}")
    drift_rules.check_thresholds(data.direction, data.warning_threshold, data.critical_threshold)
    if session.get(Model, data.model_id) is None:
        raise ValueError(f"no model {data.model_id}")
    for pid in (data.owner_id, data.approver_id):
        users.check_owner(session, pid, "governance.read", "drift policies")
    return {
        "model_id": data.model_id,
        "metric": metric,
        "direction": data.direction,
        "warning_threshold": float(data.warning_threshold),
        "critical_threshold": float(data.critical_threshold),
        "action": data.action,
        "owner_id": data.owner_id,
        "approver_id": data.approver_id,
        "runbook_url": check_web_url(data.runbook_url, "runbook link"),
        "review_by": data.review_by,
    }


def _unique(
    session: Session, model_id: int, metric: str, policy_id: int | None
) -> DriftPolicy | None:
    """Refuse a second live policy on a model's metric; return an archived one on it."""
    other = session.exec(
        select(DriftPolicy).where(DriftPolicy.model_id == model_id, DriftPolicy.metric == metric)
    ).first()
    if other is None or other.id == policy_id:
        return None
    if other.archived_at is None:
        raise ValueError(f"the model has a drift policy on {metric!r} already")
    if policy_id is not None:
        raise ValueError(f"the model has an archived drift policy on {metric!r}")
    return other


def new_policy(session: Session, actor: Actor, data: PolicyInput) -> DriftPolicy:
    fields = _fields(session, data)
    archived = _unique(session, data.model_id, str(fields["metric"]), None)
    if archived is not None:
        # A model's metric has one policy row, archived or not (a unique constraint): one
        # written again on an archived policy's metric brings it back, with its breaches.
        changes = {**fields, "archived_at": None, "archived_by": None}
        audit.apply_change(session, actor, archived, "driftpolicy", changes, action="restore")
        return archived
    policy = DriftPolicy(**fields)  # type: ignore[arg-type]
    session.add(policy)
    session.flush()
    audit.record(session, actor, "create", "driftpolicy", policy.id, after=audit.snapshot(policy))
    return policy


def create_policy(db: Database, actor: Actor, data: PolicyInput) -> int:
    require(db, actor, "drift.edit", record_type="driftpolicy")
    with db.write() as s:
        policy = new_policy(s, actor, data)
        assert policy.id is not None
        return policy.id


def update_policy(
    db: Database, actor: Actor, policy_id: int, data: PolicyInput, *, expected_version: int
) -> None:
    require(db, actor, "drift.edit", record_type="driftpolicy", record_id=policy_id)
    with db.write() as s:
        policy = s.get(DriftPolicy, policy_id)
        if policy is None or policy.archived_at is not None:
            raise ValueError(f"no drift policy {policy_id}")
        check_version(policy, expected_version, "drift policy")
        fields = _fields(s, data)
        _unique(s, data.model_id, str(fields["metric"]), policy_id)
        audit.apply_change(s, actor, policy, "driftpolicy", fields)


def archive_policy(db: Database, actor: Actor, policy_id: int, now: datetime) -> None:
    require(db, actor, "drift.edit", record_type="driftpolicy", record_id=policy_id)
    with db.write() as s:
        policy = s.get(DriftPolicy, policy_id)
        if policy is None:
            raise ValueError(f"no drift policy {policy_id}")
        changes = {"archived_at": now, "archived_by": actor.email}
        audit.apply_change(s, actor, policy, "driftpolicy", changes, action="archive")


# --- readings and breaches ------------------------------------------------------------------


def record_reading_in(
    session: Session,
    actor: Actor,
    policy: DriftPolicy,
    value: float,
    observed_at: datetime,
    *,
    source: str,
    tz: ZoneInfo,
) -> DriftBreach | None:
    """Check one reading; a breach is stored once per (policy, time) and opens its follow-up."""
    if source not in BREACH_SOURCES:
        raise ValueError(f"source must be one of {', '.join(BREACH_SOURCES)}")
    if observed_at.tzinfo is None:
        raise ValueError("a reading's time needs an offset")
    level = drift_rules.level(
        value, policy.direction, policy.warning_threshold, policy.critical_threshold
    )
    opens = drift_rules.opens(level, policy.action)
    if opens is None:
        return None
    seen = session.exec(
        select(DriftBreach).where(
            DriftBreach.policy_id == policy.id, DriftBreach.observed_at == observed_at
        )
    ).first()
    if seen is not None:
        return seen  # the same reading again (a re-import) opens nothing new
    model = session.get(Model, policy.model_id)
    assert model is not None and policy.id is not None
    breach = DriftBreach(
        policy_id=policy.id,
        observed_at=observed_at,
        value=value,
        level=level,
        source=source,
        recorded_by=actor.email,
    )
    what = (
        f"{model.name}: {policy.metric} = {value:g} reached the {level} threshold "
        f"({policy.warning_threshold:g} / {policy.critical_threshold:g})"
    )
    if opens == "incident":
        incident = new_incident(
            session,
            actor,
            IncidentInput(
                title=f"Suspended by drift policy: {what}"[:300],
                category="not_serious",
                aware_at=observed_at,
                model_ids=[policy.model_id],
                owner_id=policy.owner_id,
                severity="critical",
                description=f"Runbook: {policy.runbook_url or 'none'}",
            ),
            now=observed_at,
            tz=tz,
        )
        # Suspending takes the system out of use: no new deployment until the incident is reviewed.
        incident.drift_policy_id, incident.evidence_hold = policy.id, True
        breach.incident_id = incident.id
    else:
        label = drift_rules.ACTION_LABELS[policy.action]
        item = create_action_in(
            session,
            actor,
            title=f"Drift {level}: {what}; policy action: {label}"[:300],
            owner_id=policy.owner_id,
            due_date=observed_at.astimezone(tz).date() + timedelta(days=ACTION_DUE_DAYS[level]),
            priority="urgent" if level == "critical" else "high",
            notes=f"Runbook: {policy.runbook_url or 'none'}",
        )
        breach.action_item_id = item.id
    session.add(breach)
    session.flush()
    audit.record(session, actor, "create", "driftbreach", breach.id, after=audit.snapshot(breach))
    return breach


def record_reading(
    db: Database,
    actor: Actor,
    policy_id: int,
    value: float,
    observed_at: datetime,
    *,
    tz: ZoneInfo,
    source: str = "manual",
) -> DriftBreach | None:
    require(db, actor, "drift.edit", record_type="driftbreach", record_id=policy_id)
    with db.write() as s:
        policy = s.get(DriftPolicy, policy_id)
        if policy is None or policy.archived_at is not None:
            raise ValueError(f"no drift policy {policy_id}")
        return record_reading_in(s, actor, policy, value, observed_at, source=source, tz=tz)


@dataclass(frozen=True)
class PolicyRow:
    id: int
    model_id: int
    model: str
    metric: str
    direction: str
    warning_threshold: float
    critical_threshold: float
    action: str
    owner_id: int | None
    owner: str
    approver_id: int | None
    approver: str
    runbook_url: str | None
    review_by: date | None
    last_breach_at: datetime | None
    last_breach_level: str | None
    last_breach_value: float | None
    version: int


def _last_breaches(session: Session, policy_ids: list[int]) -> dict[int, DriftBreach]:
    """Each policy's latest breach: picked by the database, since breaches pile up for years
    and every one of them was read on each view of the policies."""
    if not policy_ids:
        return {}
    rank = (
        func.row_number()
        .over(
            partition_by=col(DriftBreach.policy_id),
            order_by=(col(DriftBreach.observed_at).desc(), col(DriftBreach.id).desc()),
        )
        .label("rank")
    )
    ranked = select(DriftBreach, rank).where(col(DriftBreach.policy_id).in_(policy_ids)).subquery()
    latest = aliased(DriftBreach, ranked)
    rows = session.execute(select(latest).where(ranked.c.rank == 1)).scalars()
    return {b.policy_id: b for b in rows}


def policy_rows(session: Session, *, model_id: int | None = None) -> list[PolicyRow]:
    query = (
        select(DriftPolicy, Model)
        .join(Model, col(Model.id) == DriftPolicy.model_id)
        .where(col(DriftPolicy.archived_at).is_(None))
    )
    if model_id is not None:
        query = query.where(DriftPolicy.model_id == model_id)
    pairs = session.exec(query.order_by(col(Model.name), col(DriftPolicy.metric))).all()
    named = people_by_id(
        session, {p.owner_id for p, _ in pairs} | {p.approver_id for p, _ in pairs}
    )
    people = {i: person.name for i, person in named.items()}
    last = _last_breaches(session, [p.id for p, _ in pairs if p.id is not None])
    rows = []
    for p, m in pairs:
        assert p.id is not None
        b = last.get(p.id)
        rows.append(
            PolicyRow(
                id=p.id,
                model_id=p.model_id,
                model=m.name,
                metric=p.metric,
                direction=p.direction,
                warning_threshold=p.warning_threshold,
                critical_threshold=p.critical_threshold,
                action=p.action,
                owner_id=p.owner_id,
                owner=people.get(p.owner_id, "") if p.owner_id else "",
                approver_id=p.approver_id,
                approver=people.get(p.approver_id, "") if p.approver_id else "",
                runbook_url=p.runbook_url,
                review_by=p.review_by,
                last_breach_at=b.observed_at if b else None,
                last_breach_level=b.level if b else None,
                last_breach_value=b.value if b else None,
                version=p.version,
            )
        )
    return rows


def list_policies(db: Database, actor: Actor, *, model_id: int | None = None) -> list[PolicyRow]:
    require(db, actor, "governance.read", record_type="driftpolicy")
    with db.read() as s:
        return policy_rows(s, model_id=model_id)


def recent_breaches(session: Session, since: datetime) -> list[tuple[DriftBreach, str, str]]:
    """(breach, model name, metric) observed since ``since``, newest first."""
    rows = session.exec(
        select(DriftBreach, DriftPolicy, Model)
        .join(DriftPolicy, col(DriftPolicy.id) == DriftBreach.policy_id)
        .join(Model, col(Model.id) == DriftPolicy.model_id)
        .where(col(DriftBreach.observed_at) >= since)
        .order_by(col(DriftBreach.observed_at).desc())
    ).all()
    return [(b, m.name, p.metric) for b, p, m in rows]
