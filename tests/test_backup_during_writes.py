"""A backup taken while two worker processes deliver to Slack and a user edits restores to a
database that holds every row committed before the backup began, is whole (every multi-table
transaction in it entirely or not at all) and passes `alembic check`; on SQLite and Postgres."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, create_engine
from sqlalchemy.engine import make_url

import cli
from db.engine import Database
from db.migrate import check
from db.models import Vendor
from integrations.slack.blocks import outbox_ids_of
from settings import get_settings
from tests.backup_helpers import all_rows, empty_database_like, url_of
from tests.builders import queue
from tests.fake_servers import SlackServer, slack_server

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
ROWS = 120


@pytest.fixture
def slack() -> Iterator[SlackServer]:
    with slack_server() as s:
        yield s


def _start(script: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / script), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _columns(url: str) -> dict[str, list[str]]:
    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    engine.dispose()
    return {t.name: [c.name for c in t.columns] for t in meta.sorted_tables}


def _by_key(rows: list[tuple[Any, ...]]) -> dict[Any, tuple[Any, ...]]:
    return {row[0]: row for row in rows}


def _wait_for(condition: Any, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _progress(url: str) -> tuple[int, int]:
    rows = all_rows(url)
    sent = sum(1 for row in rows["notification"] if "sent" in row)
    return sent, len(rows["vendor"])


def test_a_backup_taken_during_deliveries_and_edits_restores_whole(
    db: Database,
    slack: SlackServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = url_of(db)
    with db.write() as session:
        session.add(Vendor(name="Edited all the time", category="other"))
    queue(db, ROWS, due_at=NOW, channel_target="C1")
    slack.post_delay_seconds = 0.02
    stop = tmp_path / "stop-writing"
    # Like a running app: one connection stays open, so SQLite keeps recent commits in the WAL
    # rather than folding them into the main file whenever the last connection closes (a
    # plain copy of the file would then miss them).
    app = sqlite3.connect(make_url(url).database or "") if db.dialect == "sqlite" else None
    if app is not None:
        app.execute("SELECT count(*) FROM vendor").fetchall()
    workers = [
        _start("worker_process.py", url, slack.base_url, NOW.isoformat(), f"w{i}") for i in (1, 2)
    ]
    writer = _start("writer_process.py", url, str(stop), NOW.isoformat())
    try:
        _wait_for(lambda: min(_progress(url)) >= 20, "deliveries and edits to be under way")
        monkeypatch.setenv("OPSDESK_DATABASE_URL", url)
        get_settings.cache_clear()
        before = all_rows(url)  # committed before the backup began
        assert cli.main(["backup", str(tmp_path / "during.bak")]) == 0
        after = all_rows(url)  # committed by the time it ended
        _wait_for(lambda: _progress(url)[1] > len(after["vendor"]) + 5, "edits after the backup")
    finally:
        stop.touch()
        outputs = [p.communicate(timeout=120) for p in [*workers, writer]]
        if app is not None:
            app.close()
    assert all(p.returncode == 0 for p in [*workers, writer]), outputs
    assert _progress(url)[0] == ROWS  # the workers delivered everything, during and after

    with empty_database_like(db, tmp_path) as target:
        monkeypatch.setenv("OPSDESK_DATABASE_URL", target)
        get_settings.cache_clear()
        assert cli.main(["restore", str(tmp_path / "during.bak"), "--yes"]) == 0
        check(target)  # the restored schema is exactly the models'
        restored = all_rows(target)
        columns = _columns(target)
    get_settings.cache_clear()

    # The backup was taken in the middle: work went on before and after it.
    assert before["notification"] != after["notification"] or before["vendor"] != after["vendor"]
    assert len(after["vendor"]) > len(before["vendor"]) >= 20
    assert 20 <= sum(1 for row in before["notification"] if "sent" in row) < ROWS

    restored["auditevent"] = restored["auditevent"][:-1]  # the restore's own event
    for table, rows in before.items():
        old, new, got = _by_key(rows), _by_key(after[table]), _by_key(restored[table])
        # Every row committed before the backup began is there; nothing from after it ended.
        assert set(old) <= set(got) <= set(new), table
        for key, row in got.items():
            if old.get(key) == new.get(key):  # untouched during the backup: exactly as it was
                assert row == old[key], (table, key)
    _assert_whole(restored, columns, slack)


def _assert_whole(
    restored: dict[str, list[tuple[Any, ...]]], columns: dict[str, list[str]], slack: SlackServer
) -> None:
    """Each writer transaction (add a vendor, edit the first, two audit events) and each
    delivery is in the backup entirely or not at all."""
    vendor_cols, audit_cols = columns["vendor"], columns["auditevent"]
    vendors = [dict(zip(vendor_cols, row, strict=True)) for row in restored["vendor"]]
    events = [dict(zip(audit_cols, row, strict=True)) for row in restored["auditevent"]]
    first = vendors[0]
    created = [v for v in vendors if v["name"].startswith("Writer vendor")]
    edits = [e for e in events if e["action"] == "update" and e["record_id"] == str(first["id"])]
    creates = [e for e in events if e["action"] == "create" and e["record_type"] == "vendor"]
    assert len(created) == len(creates) == len(edits) == first["version"] - 1
    assert first["notes"] == f"edit {len(edits) - 1}"
    assert json.loads(edits[-1]["after"]) == {"notes": first["notes"]}

    outbox_cols = columns["notification"]
    notes = [dict(zip(outbox_cols, row, strict=True)) for row in restored["notification"]]
    posted = {i for m in slack.posted() for i in outbox_ids_of(m["metadata"])}
    assert len(notes) == ROWS
    for note in notes:
        assert note["status"] in {"queued", "sending", "sent"}
        if note["status"] == "sent":
            assert note["external_id"] and note["id"] in posted
