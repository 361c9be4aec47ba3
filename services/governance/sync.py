"""Keep the inventory in step with MLflow: registered models, versions, aliases, tags, run
metrics. An alias that moved since the last poll becomes a deployment-history entry.

Everything is read first (all pages) and written in one transaction after, so a server that
fails half-way (down, 500, an expired page token) changes nothing; the failure is recorded in a
SyncRun row with the reason and the next run starts over. Running twice changes nothing the
second time. MLflow keeps no time for alias moves, so a move is stamped with the poll that saw it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from db.engine import Database
from db.models import Deployment, Model, ModelVersion, SyncRun
from integrations.mlflow import MlflowError, MlflowGateway, RegisteredModel, RegisteredVersion, Run
from services.access import audit
from services.access.access import Actor, require
from services.governance.deployments import PRODUCTION, environment_for_alias, move
from services.governance.inventory import dumps, loads

MLFLOW_ACTOR = Actor(email="system:mlflow", role="admin")
SYSTEM = "mlflow"


@dataclass
class SyncResult:
    models_seen: int = 0
    versions_seen: int = 0
    models_added: int = 0
    versions_added: int = 0
    updated: int = 0
    moves: int = 0
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return self.models_added + self.versions_added + self.updated + self.moves

    def __str__(self) -> str:
        if self.error:
            return f"MLflow sync failed, nothing changed: {self.error}"
        return (
            f"MLflow: {self.models_seen} models, {self.versions_seen} versions seen; "
            f"{self.models_added} models and {self.versions_added} versions added, "
            f"{self.updated} updated, {self.moves} alias moves recorded"
        )


@dataclass
class _Snapshot:
    models: list[RegisteredModel]
    versions: list[RegisteredVersion]
    runs: dict[str, Run]


def _read(db: Database, gateway: MlflowGateway) -> _Snapshot:
    models = list(gateway.registered_models())
    versions = list(gateway.model_versions())
    with db.read() as session:
        known = {
            (name, number)
            for name, number in session.exec(
                select(Model.mlflow_name, ModelVersion.number).join(
                    ModelVersion, col(ModelVersion.model_id) == col(Model.id)
                )
            ).all()
        }
    # Run metrics are read once, for versions Opsdesk has not seen: a registered version's run
    # is finished, and reading 20,000 runs on every poll would dwarf the rest of the sync.
    wanted = [v.run_id for v in versions if v.run_id and (v.model_name, v.number) not in known]
    runs = {r.run_id: r for r in gateway.runs(wanted)} if wanted else {}
    return _Snapshot(models, versions, runs)


def sync(db: Database, gateway: MlflowGateway, actor: Actor, now: datetime) -> SyncResult:
    """One full sync; returns what it saw and changed (or why it changed nothing)."""
    require(db, actor, "mlflow.sync", record_type="syncrun")
    result = SyncResult()
    try:
        snapshot = _read(db, gateway)
    except MlflowError as exc:
        result.error = str(exc)
        _record_run(db, actor, now, result)
        return result
    result.models_seen = len(snapshot.models)
    result.versions_seen = len(snapshot.versions)
    with db.write() as session:
        _apply(session, snapshot, now, result)
    _record_run(db, actor, now, result)
    return result


def _record_run(db: Database, actor: Actor, now: datetime, result: SyncResult) -> None:
    with db.write() as session:
        session.add(
            SyncRun(
                system=SYSTEM,
                started_at=now,
                finished_at=now,
                status="failed" if result.error else "succeeded",
                models_seen=result.models_seen,
                versions_seen=result.versions_seen,
                changes=result.changes,
                error=result.error,
                actor=actor.email,
            )
        )


def _apply(session: Session, snap: _Snapshot, now: datetime, result: SyncResult) -> None:
    by_name = {
        m.mlflow_name: m
        for m in session.exec(select(Model).where(col(Model.mlflow_name).is_not(None))).all()
    }
    names = {m.name for m in session.exec(select(Model)).all()}
    for remote in snap.models:
        local = by_name.get(remote.name)
        if local is None:
            local = _new_model(session, remote, names, now)
            by_name[remote.name] = local
            result.models_added += 1
        elif _update_model(session, local, remote, now):
            result.updated += 1
    known = _known_versions(session)
    added: dict[tuple[int, int], ModelVersion] = {}
    for remote_version in snap.versions:
        owner = by_name.get(remote_version.model_name)
        if owner is None or owner.id is None:
            continue  # registered after the model list was read: the next sync takes it
        key = (owner.id, remote_version.number)
        if key not in known:
            added[key] = _new_version(owner.id, remote_version, snap.runs, now)
            session.add(added[key])
            continue
        version_id, description, status, tags = known[key]
        if (description, status, loads(tags)) != (
            remote_version.description,
            remote_version.status,
            remote_version.tags,
        ):
            row = session.get(ModelVersion, version_id)
            assert row is not None
            _update_version(session, row, remote_version, now)
            result.updated += 1
    session.flush()  # one flush for every new version, not one each (20,000 on a first sync)
    for row in added.values():
        audit.record(
            session, MLFLOW_ACTOR, "create", "modelversion", row.id, after=audit.snapshot(row)
        )
    result.versions_added = len(added)
    versions = {key: row[0] for key, row in known.items()}
    versions.update({key: row.id or 0 for key, row in added.items()})
    live: dict[int, list[Deployment]] = {}
    for deployment in session.exec(
        select(Deployment).where(
            col(Deployment.alias).is_not(None), col(Deployment.ended_at).is_(None)
        )
    ).all():
        live.setdefault(deployment.model_id, []).append(deployment)
    for remote in snap.models:
        model = by_name[remote.name]
        result.moves += _follow_aliases(
            session, model, remote, versions, live.get(model.id or 0, []), now
        )


def _new_model(session: Session, remote: RegisteredModel, names: set[str], now: datetime) -> Model:
    name = remote.name[:200]
    suffix = 2
    while name in names:  # a hand-made model already holds the name: keep both
        name = f"{remote.name[:190]} ({suffix})"
        suffix += 1
    names.add(name)
    row = Model(
        name=name,
        mlflow_name=remote.name,
        description=remote.description,
        tags=dumps(remote.tags),
        purpose=remote.tags.get("purpose", ""),
        mlflow_updated_at=remote.updated_at,
        synced_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    audit.record(session, MLFLOW_ACTOR, "create", "model", row.id, after=audit.snapshot(row))
    return row


def _update_model(session: Session, local: Model, remote: RegisteredModel, now: datetime) -> bool:
    changes: dict[str, object] = {}
    if local.description != remote.description:
        changes["description"] = remote.description
    if loads(local.tags) != remote.tags:
        changes["tags"] = dumps(remote.tags)
    if not changes:
        return False
    changes.update(mlflow_updated_at=remote.updated_at, synced_at=now)
    audit.apply_change(session, MLFLOW_ACTOR, local, "model", changes, action="sync")
    return True


def _known_versions(session: Session) -> dict[tuple[int, int], tuple[int, str, str, str]]:
    """(model id, number) -> (id, description, status, tags) of every synced version: plain
    columns, since loading 20,000 full rows to compare three fields dominated a no-op sync."""
    rows = session.execute(
        sa_select(
            col(ModelVersion.model_id),
            col(ModelVersion.number),
            col(ModelVersion.id),
            col(ModelVersion.description),
            col(ModelVersion.status),
            col(ModelVersion.tags),
        )
        .join(Model, col(Model.id) == col(ModelVersion.model_id))
        .where(col(Model.mlflow_name).is_not(None))
    ).all()
    return {(m, n): (i or 0, d, st, t) for m, n, i, d, st, t in rows}


def _new_version(
    model_id: int, remote: RegisteredVersion, runs: dict[str, Run], now: datetime
) -> ModelVersion:
    run = runs.get(remote.run_id or "")
    row = ModelVersion(
        model_id=model_id,
        number=remote.number,
        run_id=remote.run_id,
        source_uri=remote.source,
        description=remote.description,
        status=remote.status,
        registered_by=remote.user_id,
        tags=dumps(remote.tags),
        params=dumps(run.params if run else {}),
        metrics=dumps(run.metrics if run else {}),
        registered_at=remote.created_at or now,
        mlflow_updated_at=remote.updated_at,
        synced_at=now,
        created_at=now,
    )
    return row


def _update_version(
    session: Session, local: ModelVersion, remote: RegisteredVersion, now: datetime
) -> bool:
    changes: dict[str, object] = {}
    if local.description != remote.description:
        changes["description"] = remote.description
    if local.status != remote.status:
        changes["status"] = remote.status
    if loads(local.tags) != remote.tags:
        changes["tags"] = dumps(remote.tags)
    if not changes:
        return False
    before = audit.snapshot(local)
    for key, value in {**changes, "mlflow_updated_at": remote.updated_at, "synced_at": now}.items():
        setattr(local, key, value)
    session.add(local)
    audit.record(
        session,
        MLFLOW_ACTOR,
        "sync",
        "modelversion",
        local.id,
        before=before,
        after=audit.snapshot(local),
    )
    return True


def _follow_aliases(
    session: Session,
    model: Model,
    remote: RegisteredModel,
    versions: dict[tuple[int, int], int],
    live: list[Deployment],
    now: datetime,
) -> int:
    """Record a move for every alias that points elsewhere than its live deployment says, and
    take out deployments whose alias disappeared (``live``: the model's live alias rows)."""
    assert model.id is not None
    moves = 0
    live_aliases = {d.alias for d in live}
    for alias, number in sorted(remote.aliases.items()):
        version_id = versions.get((model.id, number))
        if version_id is None:
            continue
        environment = environment_for_alias(model, alias)
        was = next((d for d in live if d.alias == alias), None)
        if was is not None and was.model_version_id == version_id:
            continue  # unchanged since the last poll: the common case, so no query at all
        version = session.get(ModelVersion, version_id)
        reason = (
            f"MLflow alias {alias!r} moved from v{_number(session, was)} to v{number}"
            if was is not None
            else f"MLflow alias {alias!r} set to v{number}"
        )
        if (
            move(
                session,
                MLFLOW_ACTOR,
                model,
                version,
                environment,
                now,
                reason=reason,
                alias=alias,
                source="mlflow",
            )
            is not None
        ):
            moves += 1
            if environment == PRODUCTION and model.status in ("development", "staging"):
                # A version under the production alias is live: the inventory says so too.
                audit.apply_change(
                    session, MLFLOW_ACTOR, model, "model", {"status": "production"}, action="sync"
                )
    for alias in sorted(a for a in live_aliases if a and a not in remote.aliases):
        environment = environment_for_alias(model, alias)
        move(
            session,
            MLFLOW_ACTOR,
            model,
            None,
            environment,
            now,
            reason=f"MLflow alias {alias!r} removed",
            alias=alias,
            source="mlflow",
        )
        moves += 1
    return moves


def _number(session: Session, deployment: Deployment) -> int:
    version = session.get(ModelVersion, deployment.model_version_id)
    return version.number if version else 0


def last_runs(db: Database, actor: Actor, limit: int = 10) -> list[SyncRun]:
    require(db, actor, "models.read", record_type="syncrun")
    with db.read() as session:
        return list(
            session.exec(
                select(SyncRun)
                .where(SyncRun.system == SYSTEM)
                .order_by(col(SyncRun.started_at).desc(), col(SyncRun.id).desc())
                .limit(limit)
            ).all()
        )


def due(db: Database, now: datetime, every_minutes: float) -> bool:
    """Whether the worker should sync now: nothing ran within ``every_minutes``."""
    with db.read() as session:
        last = session.exec(
            select(SyncRun.started_at)
            .where(SyncRun.system == SYSTEM)
            .order_by(col(SyncRun.started_at).desc())
        ).first()
    return last is None or (now - last).total_seconds() >= every_minutes * 60


def run_if_due(
    db: Database, gateway: MlflowGateway, now: datetime, every_minutes: float
) -> str | None:
    """The worker's call: one sync when due, as a line for the run report (None when not due)."""
    if not due(db, now, every_minutes):
        return None
    return str(sync(db, gateway, Actor.system("mlflow-sync"), now))
