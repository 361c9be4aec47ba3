"""The schema comes from the migrations, and the migrations match the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from db.engine import Database
from db.migrate import check, upgrade
from db.models import metadata


def _url(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


def test_upgrade_head_creates_every_table_of_the_models(db: Database) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert set(metadata.tables) <= tables


def test_upgrading_twice_is_harmless(db: Database) -> None:
    upgrade(_url(db))
    upgrade(_url(db))
    assert set(metadata.tables) <= set(inspect(db.engine).get_table_names())


def test_alembic_check_is_clean(db: Database) -> None:
    check(_url(db))


def test_upgrade_on_an_empty_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade(url)
    check(url)


def test_every_model_class_has_a_docstring() -> None:
    import db.models as models

    for mapper in models.SQLModel._sa_registry.mappers:  # type: ignore[attr-defined]
        assert mapper.class_.__doc__, mapper.class_.__name__


@pytest.mark.parametrize("table", ["contract", "costline", "notification"])
def test_money_columns_are_exact_on_postgres(table: str, postgres_db: Database) -> None:
    columns = {c["name"]: c["type"] for c in inspect(postgres_db.engine).get_columns(table)}
    money = [name for name, kind in columns.items() if "NUMERIC" in str(kind).upper()]
    if table == "notification":
        assert money == []
    else:
        assert money, f"{table} has no NUMERIC money column"
