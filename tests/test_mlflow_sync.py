"""The MLflow sync against the in-memory fake: paging, idempotence, alias moves, clean stops."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import func, select

from db.engine import Database
from db.models import Deployment, Model, ModelVersion, SyncRun
from integrations.mlflow import MlflowUnavailable
from services.access.access import NotAllowed
from services.governance import deployments, sync
from tests.governance_builders import ADMIN, NOW, VA, fake_mlflow


def _counts(db: Database) -> tuple[int, int, int]:
    with db.read() as s:
        return tuple(  # type: ignore[return-value]
            s.exec(select(func.count()).select_from(t)).one()
            for t in (Model, ModelVersion, Deployment)
        )


def test_a_first_sync_reads_every_page_and_a_second_changes_nothing(db: Database) -> None:
    fake = fake_mlflow(models=3, versions=3, page_size=2)
    first = sync.sync(db, fake, ADMIN, NOW)
    assert (first.models_added, first.versions_added, first.moves) == (3, 9, 3)
    assert _counts(db) == (3, 9, 3)
    with db.read() as s:
        v = s.exec(select(ModelVersion).where(ModelVersion.run_id == "run-1-2")).one()
    assert '"auc": 0.82' in v.metrics and '"lr"' in v.params
    second = sync.sync(db, fake, ADMIN, NOW + timedelta(minutes=15))
    assert second.changes == 0
    assert _counts(db) == (3, 9, 3)


def test_an_alias_move_becomes_deployment_history(db: Database) -> None:
    fake = fake_mlflow(models=1, versions=3)
    sync.sync(db, fake, ADMIN, NOW)
    later = NOW + timedelta(days=2)
    fake.set_alias("model-0", "champion", 3, later)
    fake.set_alias("model-0", "challenger", 2, later)
    result = sync.sync(db, fake, ADMIN, later)
    assert result.moves == 2
    with db.read() as s:
        model_id = s.exec(select(Model.id)).one()
    history = deployments.history(db, VA, model_id)
    production = [(d.version, d.ended_at is None) for d in history if d.environment == "production"]
    assert production == [(3, True), (1, False)]
    assert [d.version for d in history if d.environment == "staging"] == [2]
    assert "moved from v1 to v3" in history[0].reason or "moved from v1 to v3" in history[1].reason
    on_day_one = deployments.live_on(db, VA, model_id, NOW.date(), ZoneInfo("UTC"))
    assert [d.version for d in on_day_one] == [1]
    fake.delete_alias("model-0", "challenger", later + timedelta(days=1))
    sync.sync(db, fake, ADMIN, later + timedelta(days=1))
    assert [
        d.ended_at is not None
        for d in deployments.history(db, VA, model_id)
        if d.environment == "staging"
    ] == [True]


def test_a_server_failing_mid_sync_changes_nothing_and_says_why(db: Database) -> None:
    fake = fake_mlflow(models=3, versions=2, page_size=1)
    fake.fail_with, fake.fail_after_calls = MlflowUnavailable("MLflow answered 500"), 4
    result = sync.sync(db, fake, ADMIN, NOW)
    assert result.error and "500" in result.error
    assert _counts(db) == (0, 0, 0)
    runs = sync.last_runs(db, ADMIN)
    assert (runs[0].status, runs[0].error) == ("failed", "MLflow answered 500")
    fake.fail_with = None
    assert sync.sync(db, fake, ADMIN, NOW + timedelta(minutes=1)).models_added == 3


def test_a_changed_description_is_updated_once(db: Database) -> None:
    fake = fake_mlflow(models=1, versions=1)
    sync.sync(db, fake, ADMIN, NOW)
    from dataclasses import replace

    fake.models["model-0"] = replace(fake.models["model-0"], description="new words")
    assert sync.sync(db, fake, ADMIN, NOW).updated == 1
    assert sync.sync(db, fake, ADMIN, NOW).changes == 0


def test_only_admins_sync_and_the_worker_schedule_waits(db: Database) -> None:
    with pytest.raises(NotAllowed):
        sync.sync(db, fake_mlflow(), VA, NOW)
    assert sync.due(db, NOW, 15)
    sync.sync(db, fake_mlflow(), ADMIN, NOW)
    assert not sync.due(db, NOW + timedelta(minutes=5), 15)
    assert sync.due(db, NOW + timedelta(minutes=15), 15)
    with db.read() as s:
        assert s.exec(select(func.count()).select_from(SyncRun)).one() == 1
