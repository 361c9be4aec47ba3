"""The MLflow sync against a real `mlflow server` (SQLite backend) on 127.0.0.1.

Models, versions, aliases and runs are created with MLflow's own client; Opsdesk reads them over
the REST API. Skipped with a reason when the `mlflow` test group is not installed, unless
OPSDESK_REQUIRE_MLFLOW=1 (CI), which makes that a failure. Grouped for pytest-xdist
(`--dist loadgroup`) so one worker starts the server once for the whole module.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import func, select

from db.engine import Database
from db.models import Deployment, Model, ModelVersion
from integrations.mlflow import MlflowUnavailable
from integrations.mlflow.rest import RestMlflowGateway, make_session
from services.governance import deployments, sync
from tests.conftest import skip_or_fail
from tests.governance_builders import ADMIN, NOW, VA

pytestmark = pytest.mark.xdist_group("mlflow_server")
START_TIMEOUT_SECONDS = 120


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _mlflow_command() -> str:
    try:
        import mlflow  # noqa: F401
    except ImportError:
        skip_or_fail("mlflow is not installed (uv sync --group mlflow)", "OPSDESK_REQUIRE_MLFLOW")
    found = Path(sys.executable).with_name("mlflow")
    command = str(found) if found.exists() else shutil.which("mlflow")
    if command is None:
        skip_or_fail("no `mlflow` command beside the interpreter", "OPSDESK_REQUIRE_MLFLOW")
    assert command is not None
    return command


@pytest.fixture(scope="module")
def mlflow_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    command = _mlflow_command()
    home = tmp_path_factory.mktemp("mlflow")
    port = _free_port()
    log = (home / "server.log").open("wb")
    process = subprocess.Popen(
        [
            command,
            "server",
            "--backend-store-uri",
            f"sqlite:///{home / 'mlflow.db'}",
            "--default-artifact-root",
            str(home / "artifacts"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        cwd=home,
        stdout=log,
        stderr=subprocess.STDOUT,
        # No background job runner (a pool of huey consumers): the test reads the registry only.
        env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                text = (home / "server.log").read_text(errors="replace")[-3000:]
                pytest.fail(f"mlflow server did not become healthy:\n{text}")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _seed(url: str, name: str) -> Any:
    """A registered model with three versions from three runs; champion on v1."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=url, registry_uri=url)
    experiment = client.create_experiment(f"exp-{name}")
    client.create_registered_model(name, tags={"team": "risk"}, description="fraud scores")
    for i in range(3):
        run = client.create_run(experiment, run_name=f"trial-{i}")
        client.log_param(run.info.run_id, "max_depth", str(4 + i))
        client.log_metric(run.info.run_id, "auc", 0.85 + i / 100, step=0)
        client.log_metric(run.info.run_id, "auc", 0.88 + i / 100, step=1)
        client.set_terminated(run.info.run_id)
        client.create_model_version(name, f"runs:/{run.info.run_id}/model", run.info.run_id)
    client.set_registered_model_alias(name, "champion", "1")
    return client


def _counts(db: Database) -> tuple[int, int, int]:
    with db.read() as s:
        return tuple(  # type: ignore[return-value]
            s.exec(select(func.count()).select_from(t)).one()
            for t in (Model, ModelVersion, Deployment)
        )


def test_a_real_server_syncs_and_an_alias_move_becomes_history(
    mlflow_url: str, sqlite_db: Database
) -> None:
    db = sqlite_db
    name = f"fraud-{uuid.uuid4().hex[:8]}"
    client = _seed(mlflow_url, name)
    gateway = RestMlflowGateway(mlflow_url, make_session())
    first = sync.sync(db, gateway, ADMIN, NOW)
    assert first.error is None, first.error
    with db.read() as s:
        model = s.exec(select(Model).where(Model.mlflow_name == name)).one()
        versions = s.exec(select(ModelVersion).where(ModelVersion.model_id == model.id)).all()
    assert model.description == "fraud scores" and '"team": "risk"' in model.tags
    assert sorted(v.number for v in versions) == [1, 2, 3]
    v3 = next(v for v in versions if v.number == 3)
    assert '"auc": 0.9' in v3.metrics and '"max_depth": "6"' in v3.params  # latest value
    before = _counts(db)

    client.set_registered_model_alias(name, "champion", "3")
    later = NOW + timedelta(days=3)
    moved = sync.sync(db, gateway, ADMIN, later)
    assert moved.moves == 1 and moved.error is None
    history = deployments.history(db, VA, model.id or 0)
    assert [(d.version, d.environment, d.alias) for d in history] == [
        (3, "production", "champion"),
        (1, "production", "champion"),
    ]
    assert history[1].ended_at == later
    utc = ZoneInfo("UTC")
    assert [d.version for d in deployments.live_on(db, VA, model.id or 0, NOW.date(), utc)] == [1]

    again = sync.sync(db, gateway, ADMIN, later + timedelta(minutes=15))
    assert again.changes == 0
    assert _counts(db) == (before[0], before[1], before[2] + 1)


def test_the_rest_adapter_pages_and_reads_metric_history(mlflow_url: str) -> None:
    name = f"paged-{uuid.uuid4().hex[:8]}"
    client = _seed(mlflow_url, name)
    gateway = RestMlflowGateway(mlflow_url, make_session())
    import integrations.mlflow.rest as rest

    original = rest.MODELS_PAGE_SIZE, rest.VERSIONS_PAGE_SIZE
    rest.MODELS_PAGE_SIZE, rest.VERSIONS_PAGE_SIZE = 1, 2
    try:
        names = [m.name for m in gateway.registered_models()]
        numbers = sorted(v.number for v in gateway.model_versions(name))
    finally:
        rest.MODELS_PAGE_SIZE, rest.VERSIONS_PAGE_SIZE = original
    assert name in names and numbers == [1, 2, 3]
    run_id = client.get_model_version(name, "2").run_id
    points = gateway.metric_history(run_id, "auc")
    assert [(p.step, round(p.value, 2)) for p in points] == [(0, 0.86), (1, 0.89)]
    runs = gateway.experiment_runs(f"exp-{name}")
    assert sorted(r.run_name for r in runs) == ["trial-0", "trial-1", "trial-2"]


def test_an_unreachable_server_is_a_clean_stop(sqlite_db: Database) -> None:
    gateway = RestMlflowGateway(f"http://127.0.0.1:{_free_port()}", make_session(), timeout=2)
    result = sync.sync(sqlite_db, gateway, ADMIN, NOW)
    assert result.error and "unreachable" in result.error
    with pytest.raises(MlflowUnavailable):
        list(gateway.registered_models())
    assert _counts(sqlite_db) == (0, 0, 0)
