"""`opsdesk backup` and `opsdesk restore` on SQLite and Postgres; the worker's nightly backups."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlmodel import col, select

import cli
from db.clock import FrozenClock
from db.engine import Database
from db.migrate import check
from db.models import AuditEvent, Vendor
from integrations.bootstrap import Gateways
from services.access import backup
from services.access.access import Actor
from services.core import pg_tools
from services.delivery.passes import run_forever
from services.demo import demo
from settings import get_settings
from tests.backup_helpers import all_rows, empty_database_like, url_of
from tests.conftest import ROOT

HEAD_REVISION = "0002"


@pytest.fixture
def source(db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Database]:
    """A database with the CLI pointed at it and backups going to tmp_path."""
    with db.write() as session:
        session.add(Vendor(name="Acme", category="other"))
    monkeypatch.setenv("OPSDESK_DATABASE_URL", url_of(db))
    monkeypatch.setenv("OPSDESK_BACKUP_DIR", str(tmp_path / "backups"))
    get_settings.cache_clear()
    yield db
    get_settings.cache_clear()


def point_cli_at(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSDESK_DATABASE_URL", url)
    get_settings.cache_clear()


def vendor_names(url: str) -> list[str]:
    db = Database.from_url(url)
    try:
        with db.read() as session:
            return sorted(session.exec(select(Vendor.name)).all())
    finally:
        db.dispose()


def test_a_restored_backup_holds_every_row_of_every_table_and_passes_alembic_check(
    source: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo.load(source, Actor.cli(), reset=True)
    path = tmp_path / "copy.bak"
    before = all_rows(url_of(source))
    assert cli.main(["backup", str(path)]) == 0
    with empty_database_like(source, tmp_path) as target:
        point_cli_at(target, monkeypatch)
        assert cli.main(["restore", str(path), "--yes"]) == 0
        after = all_rows(target)
        check(target)
        restored = Database.from_url(target)
        with restored.read() as session:
            events = session.exec(
                select(AuditEvent).where(col(AuditEvent.action) == "restore")
            ).all()
        restored.dispose()
    (event,) = events
    assert event.actor.startswith("cli:") and "copy.bak" in (event.detail or "")
    # Every table row by row; the audit trail has the restore's own event on top.
    assert after.pop("auditevent")[:-1] == before.pop("auditevent")
    assert after == before
    assert sum(len(rows) for rows in before.values()) > 100


def test_without_a_path_the_backup_is_stamped_by_the_runs_clock_in_the_backup_dir(
    source: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--now", "2026-11-23T10:15:30+00:00", "backup"]) == 0
    suffix = ".db" if source.dialect == "sqlite" else ".dump"
    expected = tmp_path / "backups" / f"opsdesk-20261123T101530Z{suffix}"
    assert expected.is_file() and str(expected) in capsys.readouterr().out


def test_restore_replaces_the_live_database_only_with_yes(
    source: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "copy.bak"
    assert cli.main(["backup", str(path)]) == 0
    with source.write() as session:
        session.add(Vendor(name="Added after the backup", category="other"))
    url = url_of(source)
    # pytest's stdin is not a terminal: no question is asked, nothing is changed.
    assert cli.main(["restore", str(path)]) == 2
    assert "--yes" in capsys.readouterr().err
    assert "Added after the backup" in vendor_names(url)
    assert cli.main(["restore", str(path), "--yes"]) == 0
    assert "Added after the backup" not in vendor_names(url)


def _newer_schema_backup(source: Database, path: Path) -> None:
    """A backup as a later Opsdesk would write it: a revision this code has never seen."""
    if source.dialect == "sqlite":
        assert cli.main(["backup", str(path)]) == 0
        conn = sqlite3.connect(path)
        with conn:
            conn.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
        conn.close()
        return
    with source.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    assert cli.main(["backup", str(path)]) == 0
    with source.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))


def test_a_backup_with_a_newer_schema_is_refused_and_nothing_changes(
    source: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "future.bak"
    _newer_schema_backup(source, path)
    with source.write() as session:
        session.add(Vendor(name="Kept", category="other"))
    before = all_rows(url_of(source))
    assert cli.main(["restore", str(path), "--yes"]) == 2
    err = capsys.readouterr().err
    assert "0099_from_the_future" in err and "newer" in err and "Traceback" not in err
    assert all_rows(url_of(source)) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no backup file"),
        (b"id,name\n1,not a database\n", "not an Opsdesk backup"),
        (b"SQLite format 3\x00" + b"\x00" * 200, "not a readable Opsdesk backup"),
        (b"PGDMP" + b"\x00" * 200, "not a readable Opsdesk backup"),
    ],
)
def test_a_missing_or_foreign_file_is_refused_with_exit_2(
    source: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes | None,
    message: str,
) -> None:
    path = tmp_path / "suspect.bak"
    if content is not None:
        path.write_bytes(content)
    other_kind = b"PGDMP" if source.dialect == "sqlite" else b"SQLite"
    kind_matches = content is None or not content.startswith(other_kind)
    assert cli.main(["restore", str(path), "--yes"]) == 2
    err = capsys.readouterr().err.strip()
    assert (message if kind_matches else "backup but the database is") in err
    assert len(err.splitlines()) == 1


def test_a_backup_never_overwrites_a_file(
    source: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "taken.bak"
    path.write_text("someone's file")
    assert cli.main(["backup", str(path)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert path.read_text() == "someone's file"


@pytest.mark.postgres
def test_without_pg_dump_the_backup_says_how_to_install_it(
    postgres_db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("OPSDESK_DATABASE_URL", url_of(postgres_db))
    get_settings.cache_clear()
    monkeypatch.setattr(pg_tools, "VERSIONED_ROOTS", (str(tmp_path / "no-postgres"),))
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    assert cli.main(["backup", str(tmp_path / "x.dump")]) == 1
    err = capsys.readouterr().err.strip()
    assert "pg_dump is not installed" in err and "postgresql-client" in err
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "x.dump").exists()
    get_settings.cache_clear()


def test_the_worker_keeps_one_backup_per_night_and_only_the_newest_n(
    db: Database, tmp_path: Path
) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # 2026-11-23 00:30 in Berlin: before the 02:00 backup hour.
    clock = FrozenClock(datetime(2026, 11, 22, 23, 30, tzinfo=UTC))
    worker_db = db.with_clock(clock)
    nightly = backup.NightlyBackups(folder=tmp_path / "nightly", keep=3, hour=2, tz=berlin)
    seen: list[list[str]] = []

    def pause(_seconds: float) -> None:
        clock.advance(timedelta(hours=3))
        seen.append(sorted(p.name for p in nightly.folder.glob("nightly-*")))

    run_forever(worker_db, Gateways, 0, sleep=pause, runs=8 * 5, nightly=nightly)
    suffix = backup.suffix_for(db)
    # Nothing before 02:00 local on the first night; then one per local date.
    assert seen[0] == [] and seen[1] == [f"nightly-2026-11-23{suffix}"]
    assert len({tuple(s) for s in seen}) == 1 + 5  # nothing, then a change once a night
    assert seen[-1] == [f"nightly-2026-11-{day}{suffix}" for day in (25, 26, 27)]
    # Each is a whole backup of the database.
    info = backup.inspect(db, nightly.folder / f"nightly-2026-11-27{suffix}")
    assert info.revision == HEAD_REVISION


def test_no_nightly_backups_without_a_keep_setting(db: Database, tmp_path: Path) -> None:
    nightly = backup.NightlyBackups(folder=tmp_path / "nightly", keep=0, hour=0, tz=UTC)
    assert nightly.take_if_due(db, datetime(2026, 11, 23, 23, tzinfo=UTC)) is None
    assert not nightly.folder.exists()


def test_opsdesk_worker_takes_the_nightly_backup_when_backup_keep_is_set(
    sqlite_db: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "nightly"
    env = {
        **os.environ,
        "OPSDESK_DATABASE_URL": url_of(sqlite_db),
        "OPSDESK_BACKUP_DIR": str(folder),
        "OPSDESK_BACKUP_KEEP": "2",
        "OPSDESK_BACKUP_HOUR": "3",
        "OPSDESK_TIMEZONE": "Europe/Berlin",
        "OPSDESK_SLACK_BOT_TOKEN": "",
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, str(ROOT / "cli.py"), "--now", "2026-11-23T03:05", "worker"]
    worker = subprocess.Popen(
        [*command, "--poll", "0.2"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    expected = folder / "nightly-2026-11-23.db"
    try:
        deadline = time.monotonic() + 60
        while not expected.is_file() and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        worker.terminate()
        worker.communicate(timeout=30)
    assert expected.is_file()
    assert backup.inspect(sqlite_db, expected).revision == HEAD_REVISION
