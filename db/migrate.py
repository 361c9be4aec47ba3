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
    """Bring the database at ``url`` to the newest schema; harmless when already there."""
    command.upgrade(alembic_config(url), "head")


def check(url: str) -> None:
    """Raise when the models and the migrations disagree (``alembic check``)."""
    command.check(alembic_config(url))
