"""Helpers for the backup tests: an empty database of the same kind, and every row of it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, select, text

from db.engine import Database, make_engine
from tests.conftest import postgres_url


def url_of(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


@contextmanager
def empty_database_like(db: Database, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database of ``db``'s kind (dropped afterwards on Postgres)."""
    if db.dialect == "sqlite":
        yield f"sqlite:///{tmp_path / f'restored-{uuid.uuid4().hex[:8]}.db'}"
        return
    base = postgres_url()
    assert base is not None
    name = f"opsdesk_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def all_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (found in the database itself), ordered, read in one
    transaction so the picture is of one moment."""
    engine = make_engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine)
        out: dict[str, list[tuple[Any, ...]]] = {}
        # One snapshot: BEGIN (SQLite, through make_engine's hook; WAL keeps the first read's
        # view) or REPEATABLE READ (Postgres) for every table.
        snapshot = engine.execution_options(isolation_level="REPEATABLE READ")
        with (snapshot if engine.dialect.name == "postgresql" else engine).begin() as conn:
            for table in meta.sorted_tables:
                order = list(table.primary_key.columns) or list(table.columns)
                rows = conn.execute(select(table).order_by(*order)).all()
                out[table.name] = [tuple(row) for row in rows]
        return out
    finally:
        engine.dispose()
