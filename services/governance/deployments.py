"""Deployment history: which version was live in which environment (or under which MLflow
alias), from when to when, who moved it, why, and who approved.

A move ends the version that was live in that environment and starts the new one at the same
instant, so "which version was in production at T" has one answer. History is never rewritten:
a move dated before the live deployment started is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from db.engine import Database
from db.models import Deployment, Model, ModelVersion
from services.access import audit
from services.access.access import Actor, require
from services.governance.inventory import GovernanceError, check_text

PRODUCTION = "production"
STAGING = "staging"

# Called before any deployment is written (issue 18's evidence hold plugs in here): raise
# GovernanceError to refuse. Receives the session, the model and the environment.
DeploymentGuard = Callable[[Session, Model, str], None]
GUARDS: list[DeploymentGuard] = []


def environment_for_alias(model: Model, alias: str) -> str:
    """The environment an MLflow alias stands for on this model; other aliases keep their name."""
    if alias == model.production_alias:
        return PRODUCTION
    if alias == model.staging_alias:
        return STAGING
    return alias


def live_in(session: Session, model_id: int, environment: str) -> Deployment | None:
    return session.exec(
        select(Deployment).where(
            Deployment.model_id == model_id,
            Deployment.environment == environment,
            col(Deployment.ended_at).is_(None),
        )
    ).first()


def move(
    session: Session,
    actor: Actor,
    model: Model,
    version: ModelVersion | None,
    environment: str,
    at: datetime,
    *,
    reason: str = "",
    approver: str | None = None,
    alias: str | None = None,
    source: str = "manual",
) -> Deployment | None:
    """Put ``version`` live in ``environment`` at ``at`` (None takes the live one out).

    Returns the new deployment, or None when nothing changed (already live, or nothing to end).
    """
    assert model.id is not None
    # An MLflow alias move happened outside Opsdesk already: it is recorded, never refused, so the
    # history stays true and one held model cannot stop the whole sync.
    if source != "mlflow":
        for guard in GUARDS:
            guard(session, model, environment)
    current = live_in(session, model.id, environment)
    if version is not None and current is not None and current.model_version_id == version.id:
        return None
    if version is None and current is None:
        return None
    if current is not None:
        if at < current.started_at:
            raise GovernanceError(
                f"v{_number(session, current)} went live in {environment} at "
                f"{current.started_at:%Y-%m-%d %H:%M} UTC; a move before that would rewrite history"
            )
        before = audit.snapshot(current)
        current.ended_at = at
        current.ended_by = actor.email
        current.end_reason = (
            f"replaced by v{version.number}" if version is not None else reason
        ) or "taken out"
        session.add(current)
        audit.record(
            session,
            actor,
            "end",
            "deployment",
            current.id,
            before=before,
            after=audit.snapshot(current),
        )
    if version is None:
        return None
    row = Deployment(
        model_id=model.id,
        model_version_id=version.id or 0,
        environment=environment,
        alias=alias,
        started_at=at,
        started_by=actor.email,
        reason=reason,
        approver=approver,
        source=source,
        created_at=at,
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", "deployment", row.id, after=audit.snapshot(row))
    return row


def _number(session: Session, deployment: Deployment) -> int:
    version = session.get(ModelVersion, deployment.model_version_id)
    return version.number if version else 0


def record_deployment(
    db: Database,
    actor: Actor,
    model_id: int,
    *,
    version_number: int | None,
    environment: str,
    at: datetime,
    reason: str,
    approver: str | None = None,
) -> int | None:
    """A person records a move (``version_number`` None takes the live version out)."""
    require(db, actor, "deployments.record", record_type="deployment", record_id=model_id)
    environment = check_text(environment, "environment", max_chars=100, required=True)
    reason = check_text(reason, "reason", max_chars=5000, required=True)
    approver = check_text(approver, "approver", max_chars=320) or None
    if at.tzinfo is None:
        raise GovernanceError("the time of a move must carry its time zone")
    with db.write() as session:
        model = session.get(Model, model_id)
        if model is None:
            raise GovernanceError(f"no model {model_id}")
        version = None
        if version_number is not None:
            version = session.exec(
                select(ModelVersion).where(
                    ModelVersion.model_id == model_id, ModelVersion.number == version_number
                )
            ).first()
            if version is None:
                raise GovernanceError(f"{model.name} has no version {version_number}")
        row = move(
            session, actor, model, version, environment, at, reason=reason, approver=approver
        )
        return row.id if row is not None else None


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeploymentView:
    id: int
    model: str
    version: int
    environment: str
    alias: str | None
    started_at: datetime
    ended_at: datetime | None
    started_by: str
    reason: str
    approver: str | None
    end_reason: str
    source: str

    def live_at(self, at: datetime) -> bool:
        return self.started_at <= at and (self.ended_at is None or at < self.ended_at)


def history(db: Database, actor: Actor, model_id: int) -> list[DeploymentView]:
    """Every deployment of a model, newest first."""
    require(db, actor, "models.read", record_type="deployment", record_id=model_id)
    with db.read() as session:
        model = session.get(Model, model_id)
        if model is None:
            raise GovernanceError(f"no model {model_id}")
        rows = session.exec(
            select(Deployment, ModelVersion.number)
            .join(ModelVersion, col(ModelVersion.id) == col(Deployment.model_version_id))
            .where(Deployment.model_id == model_id)
            .order_by(col(Deployment.started_at).desc(), col(Deployment.id).desc())
        ).all()
    return [
        DeploymentView(
            id=d.id or 0,
            model=model.name,
            version=number,
            environment=d.environment,
            alias=d.alias,
            started_at=d.started_at,
            ended_at=d.ended_at,
            started_by=d.started_by,
            reason=d.reason,
            approver=d.approver,
            end_reason=d.end_reason,
            source=d.source,
        )
        for d, number in rows
    ]


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants a calendar day of the workspace zone starts and ends at."""
    start = datetime.combine(day, time(0), tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(UTC)
    return start, end


def live_during(
    views: list[DeploymentView], environment: str, start: datetime, end: datetime
) -> list[DeploymentView]:
    """The deployments of ``environment`` live at any moment in [start, end), oldest first."""
    found = [
        v
        for v in views
        if v.environment == environment
        and v.started_at < end
        and (v.ended_at is None or v.ended_at > start)
    ]
    return sorted(found, key=lambda v: v.started_at)


def live_on(
    db: Database,
    actor: Actor,
    model_id: int,
    day: date,
    tz: ZoneInfo,
    environment: str = PRODUCTION,
) -> list[DeploymentView]:
    """Which version(s) were live in ``environment`` on ``day`` (more than one when it changed
    that day), oldest first."""
    start, end = day_bounds(day, tz)
    return live_during(history(db, actor, model_id), environment, start, end)


def live_at(views: list[DeploymentView], environment: str, at: datetime) -> DeploymentView | None:
    for view in views:
        if view.environment == environment and view.live_at(at):
            return view
    return None


REPORT_COLUMNS = [
    "model",
    "version",
    "environment",
    "alias",
    "started_at",
    "ended_at",
    "started_by",
    "reason",
    "approver",
    "source",
]


def report_rows(
    db: Database, actor: Actor, model_name: str, *, as_of: date | None, tz: ZoneInfo
) -> list[dict[str, object]]:
    """`opsdesk report deployments`: the whole history, or what was live on ``as_of``."""
    from services.governance.inventory import find_model

    model = find_model(db, actor, model_name)
    views = history(db, actor, model.id or 0)
    if as_of is not None:
        start, end = day_bounds(as_of, tz)
        views = [
            v for v in views if v.started_at < end and (v.ended_at is None or v.ended_at > start)
        ]
    return [
        {
            "model": v.model,
            "version": v.version,
            "environment": v.environment,
            "alias": v.alias or "",
            "started_at": v.started_at.astimezone(UTC).isoformat(),
            "ended_at": v.ended_at.astimezone(UTC).isoformat() if v.ended_at else "",
            "started_by": v.started_by,
            "reason": v.reason,
            "approver": v.approver or "",
            "source": v.source,
        }
        for v in sorted(views, key=lambda v: (v.started_at, v.id))
    ]
