"""Backups and restores of the whole database, safe while the app and workers run.

SQLite: the online backup API copies every page in one read transaction, so the copy is the
database at one moment even while others write (WAL lets them go on meanwhile). The copy is
switched out of WAL mode so it is one self-contained file, and checked before it is kept.
Postgres: ``pg_dump -Fc`` reads everything in one snapshot; ``pg_restore`` puts it back in one
transaction, so a failed restore leaves the database as it was.

A restore refuses a backup whose schema (its Alembic revision) this code does not know, i.e. a
backup made by a newer Opsdesk; an older backup is restored and then migrated to the newest
schema. The restore is recorded in the restored database's audit trail.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path

from sqlalchemy.engine import make_url

from db.engine import Database
from db.migrate import alembic_config, upgrade
from services.access import audit
from services.access.access import Actor, NotAllowed, can
from services.core import pg_tools

log = logging.getLogger(__name__)

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
SQLITE_SUFFIX = ".db"
PG_SUFFIX = ".dump"
NIGHTLY_PREFIX = "nightly-"
BUSY_TIMEOUT_SECONDS = 30.0


class BackupRefused(ValueError):
    """Bad input: no such file, not a backup, a newer schema, a path already taken."""


class BackupFailed(RuntimeError):
    """The system failed: a tool missing or failing, the disk, the database."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    kind: str  # "sqlite" or "postgresql"
    revision: str


def _url(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


def _sqlite_path(db: Database) -> Path:
    name = make_url(_url(db)).database
    if not name or name == ":memory:":
        raise BackupRefused("an in-memory SQLite database cannot be backed up")
    return Path(name)


def suffix_for(db: Database) -> str:
    return SQLITE_SUFFIX if db.dialect == "sqlite" else PG_SUFFIX


def default_path(db: Database, folder: Path, now: datetime) -> Path:
    """``folder/opsdesk-YYYYMMDDTHHMMSSZ.db`` (``.dump`` on Postgres), by the run's clock."""
    return folder / f"opsdesk-{now:%Y%m%dT%H%M%SZ}{suffix_for(db)}"


# --- taking a backup ---------------------------------------------------------------------------


def backup(db: Database, path: Path, *, overwrite: bool = False) -> Path:
    """Write a consistent copy of ``db`` to ``path`` (a new file unless ``overwrite``)."""
    if path.exists() and not overwrite:
        raise BackupRefused(f"{path} already exists: choose another path")
    if path.is_dir():
        raise BackupRefused(f"{path} is a folder: give a file name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupFailed(f"cannot create the folder {path.parent}: {exc.strerror}") from exc
    # Written beside the target and renamed into place, so a half-written file never carries
    # the backup's name (a nightly prune or a restore could otherwise pick it up).
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        if db.dialect == "sqlite":
            _sqlite_backup(_sqlite_path(db), partial)
        else:
            _pg_backup(_url(db), partial)
        os.replace(partial, path)
    except OSError as exc:
        raise BackupFailed(f"cannot write the backup {path}: {exc.strerror or exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return path


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupRefused(f"there is no database file at {source}")
    src = sqlite3.connect(source, timeout=BUSY_TIMEOUT_SECONDS)
    dst = sqlite3.connect(target)
    try:
        # pages=-1 (the default): the whole database in one step, inside one read transaction,
        # so the copy is one moment's state; writers carry on in the WAL meanwhile.
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")
        (verdict,) = dst.execute("PRAGMA quick_check").fetchone()
        if verdict != "ok":
            raise BackupFailed(f"the copy failed its integrity check: {verdict}")
    except sqlite3.Error as exc:
        raise BackupFailed(f"SQLite backup of {source} failed: {exc}") from exc
    finally:
        dst.close()
        src.close()


def _pg_backup(url: str, target: Path) -> None:
    try:
        pg_tools.run("pg_dump", ["--format=custom", "--no-owner", f"--file={target}"], url)
    except (pg_tools.ToolMissing, pg_tools.ToolFailed) as exc:
        raise BackupFailed(str(exc)) from exc


# --- reading a backup --------------------------------------------------------------------------


def known_revisions(url: str) -> set[str]:
    # Imported here: alembic costs every command a tenth of a second to load, and only restores
    # read the migration scripts (as db.migrate loads it only to migrate).
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(url))
    return {rev.revision for rev in script.walk_revisions()}


def inspect(db: Database, path: Path) -> BackupInfo:
    """What ``path`` holds, refusing what cannot be restored into ``db``."""
    if not path.is_file():
        raise BackupRefused(f"there is no backup file at {path}")
    with path.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        kind = "sqlite"
    elif head.startswith(PG_MAGIC):
        kind = "postgresql"
    else:
        raise BackupRefused(f"{path} is not an Opsdesk backup (neither SQLite nor pg_dump -Fc)")
    if kind != db.dialect:
        raise BackupRefused(
            f"{path} is a {kind} backup but the database is {db.dialect}: restore it into a "
            f"{kind} database (OPSDESK_DATABASE_URL)"
        )
    revision = _sqlite_revision(path) if kind == "sqlite" else _pg_revision(path)
    if revision not in known_revisions(_url(db)):
        raise BackupRefused(
            f"{path} has schema revision {revision}, which this Opsdesk does not know: it was "
            f"made by a newer version. Upgrade Opsdesk, then restore"
        )
    return BackupInfo(path=path, kind=kind, revision=revision)


def _sqlite_revision(path: Path) -> str:
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            (verdict,) = conn.execute("PRAGMA quick_check").fetchone()
            if verdict != "ok":
                raise BackupRefused(f"{path} is damaged: {verdict}")
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise BackupRefused(f"{path} is not a readable Opsdesk backup: {exc}") from exc
    if row is None:
        raise BackupRefused(f"{path} has no schema revision: not an Opsdesk backup")
    return str(row[0])


def _pg_revision(path: Path) -> str:
    try:
        script = pg_tools.run(
            "pg_restore", ["--data-only", "--table=alembic_version", "--file=-", str(path)]
        )
    except pg_tools.ToolMissing as exc:
        raise BackupFailed(str(exc)) from exc
    except pg_tools.ToolFailed as exc:
        raise BackupRefused(f"{path} is not a readable Opsdesk backup: {exc}") from exc
    lines = script.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line:
            values = lines[i + 1] if i + 1 < len(lines) else "\\."
            if values != "\\.":
                return values.strip()
    raise BackupRefused(f"{path} has no schema revision: not an Opsdesk backup")


# --- restoring ---------------------------------------------------------------------------------


def restore(db: Database, actor: Actor, path: Path) -> BackupInfo:
    """Replace everything in ``db`` by the backup at ``path``, migrate it and audit it."""
    if not can(actor, "settings.manage"):
        raise NotAllowed("settings.manage")
    info = inspect(db, path)
    if info.kind == "sqlite":
        _sqlite_restore(path, _sqlite_path(db))
    else:
        _pg_restore(path, _url(db))
    # An older backup comes up to this code's schema; on SQLite this also puts the audit
    # trail's triggers back if the backup predates them.
    upgrade(_url(db))
    with db.write() as session:
        audit.record(
            session,
            actor,
            "restore",
            "database",
            None,
            detail=f"restored from {path.name} (schema {info.revision})",
        )
    return info


def _sqlite_restore(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=BUSY_TIMEOUT_SECONDS)
    try:
        # Through the backup API into the live file, not a file copy: it takes the write lock,
        # replaces every page in one transaction and keeps the WAL of the running app coherent.
        src.backup(dst)
    except sqlite3.Error as exc:
        raise BackupFailed(f"restoring into {target} failed, nothing was changed: {exc}") from exc
    finally:
        dst.close()
        src.close()


def _pg_restore(source: Path, url: str) -> None:
    args = [
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        str(source),
    ]
    try:
        pg_tools.run("pg_restore", args, url)
    except pg_tools.ToolMissing as exc:
        raise BackupFailed(str(exc)) from exc
    except pg_tools.ToolFailed as exc:
        raise BackupFailed(f"{exc} (nothing was changed: the restore is one transaction)") from exc


# --- nightly backups by the worker -------------------------------------------------------------


@dataclass(frozen=True)
class NightlyBackups:
    """One backup per local date, after ``hour`` in ``tz``; the newest ``keep`` are kept."""

    folder: Path
    keep: int
    hour: int
    tz: tzinfo

    def take_if_due(self, db: Database, now: datetime) -> Path | None:
        local = now.astimezone(self.tz)
        if self.keep <= 0 or local.hour < self.hour:
            return None
        path = self.folder / f"{NIGHTLY_PREFIX}{local.date().isoformat()}{suffix_for(db)}"
        if path.exists():
            return None
        # Two workers may both take tonight's backup; the later rename wins and either is whole.
        backup(db, path, overwrite=True)
        log.info("nightly backup written to %s", path)
        self.prune(suffix_for(db))
        return path

    def prune(self, suffix: str) -> list[Path]:
        """Delete nightly backups beyond the newest ``keep`` (names sort by date)."""
        nightly = sorted(self.folder.glob(f"{NIGHTLY_PREFIX}*{suffix}"))
        old = nightly[: max(len(nightly) - self.keep, 0)]
        for path in old:
            path.unlink(missing_ok=True)
        return old
