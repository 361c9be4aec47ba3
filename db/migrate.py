"""Apply Alembic migrations from code (CLI, `make run`, the worker, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "db" / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str) -> None:
    """Bring the database at ``url`` to the newest schema; harmless when already there.

    On SQLite the audit trail's triggers are installed again (``IF NOT EXISTS``), so a database
    made before the REPLACE guard existed gets it. (Postgres's one trigger is unchanged.)
    """
    command.upgrade(alembic_config(url), "head")
    if not url.startswith("sqlite"):
        return
    from sqlalchemy import create_engine

    from db import append_only

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            append_only.install(conn)
    finally:
        engine.dispose()


def check(url: str) -> None:
    """Raise when the models and the migrations disagree (``alembic check``)."""
    command.check(alembic_config(url))
