"""Benchmark: syncing MLflow's registry into Opsdesk, as a ratio to one bare paged read.

    uv sync --group mlflow && uv run python -m bench.mlflow_sync [--models 1000] [--versions 20]

Run by hand (not part of `make bench` or CI). A real `mlflow server` on 127.0.0.1 with a SQLite
backend is filled with ``models`` registered models of ``versions`` versions each (inserted
straight into MLflow's tables after MLflow created its schema: creating 20,000 versions through
the client would take longer than everything measured), the champion alias on the newest
version. Then, against the same server:

- baseline: one bare paged read of the same data (every page of registered-models/search and
  model-versions/search through the REST adapter, nothing stored);
- the first sync into an empty Opsdesk SQLite database (every model and version written, one
  deployment per model, audited);
- a second sync (nothing changed: the idempotent steady state the worker runs every 15 min).

The versions carry no run ids, so no run metrics are read (a first sync reads them once per new
version, in batches of 100 ids per runs/search call).
"""

from __future__ import annotations

import argparse
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from db.engine import Database
from db.migrate import upgrade
from integrations.mlflow.rest import RestMlflowGateway, make_session
from services.access.access import Actor
from services.governance import sync

START_TIMEOUT_SECONDS = 180


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fill(db_path: Path, models: int, versions: int) -> None:
    from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore

    SqlAlchemyStore(f"sqlite:///{db_path}")  # creates MLflow's schema through its migrations
    ms = int(time.time() * 1000)
    with sqlite3.connect(db_path) as conn:
        conn.executemany(
            "INSERT INTO registered_models (name, creation_time, last_updated_time, description)"
            " VALUES (?, ?, ?, ?)",
            [(f"model-{m:05d}", ms, ms, f"benchmark model {m}") for m in range(models)],
        )
        conn.executemany(
            "INSERT INTO model_versions (name, version, creation_time, last_updated_time, "
            "description, user_id, current_stage, source, run_id, status, status_message, "
            "run_link, storage_location) VALUES (?, ?, ?, ?, '', 'bench', 'None', ?, NULL, "
            "'READY', '', '', ?)",
            [
                (f"model-{m:05d}", v, ms + v, ms + v, f"s3://bench/{m}/{v}", f"s3://bench/{m}/{v}")
                for m in range(models)
                for v in range(1, versions + 1)
            ],
        )
        conn.executemany(
            "INSERT INTO registered_model_aliases (alias, version, name) VALUES ('champion', ?, ?)",
            [(versions, f"model-{m:05d}") for m in range(models)],
        )


def serve(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _port()
    mlflow = str(Path(sys.executable).with_name("mlflow"))
    process = subprocess.Popen(
        [
            mlflow,
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
        stdout=(home / "server.log").open("wb"),
        stderr=subprocess.STDOUT,
        env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2):
                return process, url
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit(f"mlflow server did not start; see {home / 'server.log'}")


def timed(label: str, work) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    detail = work()
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.2f} s ({detail})", flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--versions", type=int, default=20)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="opsdesk-mlflow-bench-"))
    fill(home / "mlflow.db", args.models, args.versions)
    process, url = serve(home)
    try:
        gateway = RestMlflowGateway(url, make_session())

        def bare() -> str:
            gateway.requests_made = 0
            n = sum(1 for _ in gateway.registered_models())
            v = sum(1 for _ in gateway.model_versions())
            return f"{n} models, {v} versions, {gateway.requests_made} requests"

        upgrade(f"sqlite:///{home / 'opsdesk.db'}")
        db = Database.from_url(f"sqlite:///{home / 'opsdesk.db'}")
        actor = Actor.system("bench")

        def run_sync() -> str:
            gateway.requests_made = 0
            result = sync.sync(db, gateway, actor, datetime.now(UTC))
            assert result.error is None, result.error
            return f"{result}; {gateway.requests_made} requests"

        baseline = min(timed("bare paged read", bare) for _ in range(3))
        first = timed("first sync", run_sync)
        steady = min(timed("second sync (no changes)", run_sync) for _ in range(3))
        print("\n| figure | size | seconds | baseline (bare read, best of 3) | ratio |")
        print("| --- | --- | --- | --- | --- |")
        size = f"{args.models:,} models x {args.versions} versions"
        print(f"| first sync | {size} | {first:.2f} | {baseline:.2f} | {first / baseline:.2f} |")
        print(
            f"| second sync (best of 3) | {size} | {steady:.2f} | {baseline:.2f} | "
            f"{steady / baseline:.2f} |"
        )
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    main()
