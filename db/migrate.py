"""Apply Alembic migrations from code (CLI, `make run`, the worker, tests)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Engine

ROOT = Path(__file__).resolve().parent.parent

# The newest revision in db/migrations/versions (tests/test_migrations.py holds it equal to
# Alembic's head). A database already there is left alone without loading Alembic, its
# templates and every migration script: a tenth of each `opsdesk` command's start.
HEAD = "0002"


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "db" / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str) -> None:
    """Bring the database at ``url`` to the newest schema; harmless when already there.

    On SQLite the audit trail's triggers are installed again (``IF NOT EXISTS``), so a database
    made before the REPLACE guard existed gets it. (Postgres's one trigger is unchanged.)
    """
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        if _revision(engine) != HEAD:
            from alembic import command

            command.upgrade(alembic_config(url), "head")
        if engine.dialect.name == "sqlite":
            from db import append_only

            with engine.begin() as conn:
                append_only.install(conn)
    finally:
        engine.dispose()


def _revision(engine: Engine) -> str | None:
    """The database's Alembic revision; None when it has none yet (or cannot say)."""
    from sqlalchemy import inspect, text

    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    return rows[0][0] if len(rows) == 1 else None


def check(url: str) -> None:
    """Raise when the models and the migrations disagree (``alembic check``)."""
    from alembic import command

    command.check(alembic_config(url))
